/**
 * Node-RED settings for `npm start` (and the end-to-end tests): this pack loaded from the working tree,
 * the editor on 127.0.0.1 only (it has no password by default), telemetry and tours off.
 * Environment: GATEWATCH_UI_PORT (default 1880), GATEWATCH_UI_HOST (default 127.0.0.1),
 * GATEWATCH_CREDENTIAL_SECRET (encrypts credentials; default: a key Node-RED generates in the user dir),
 * GATEWATCH_PASSWORD_HASH (a bcrypt hash, from `npm run hash-password`) and GATEWATCH_USER (default admin):
 * with them the editor asks for that login, and so do gatewatch's own pages (/gatewatch/health).
 *
 * An editor reachable from other computers without a password is the way Node-RED installations get taken
 * over (it runs code): with GATEWATCH_UI_HOST set to anything but this computer and no password hash, this
 * refuses to start rather than open it.
 */
const path = require('node:path');

const uiHost = process.env.GATEWATCH_UI_HOST || '127.0.0.1';
const passwordHash = (process.env.GATEWATCH_PASSWORD_HASH || '').trim();
const user = (process.env.GATEWATCH_USER || 'admin').trim() || 'admin';
const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(uiHost);
if (!loopback && !passwordHash) {
    console.error(`gatewatch: refusing to open the editor on ${uiHost} without a password: anyone who can reach it could run code on this computer.\n`
        + 'Set GATEWATCH_PASSWORD_HASH to the output of "npm run hash-password" (and GATEWATCH_USER, default admin), or leave GATEWATCH_UI_HOST unset.');
    process.exit(1);
}
if (passwordHash && !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(passwordHash)) {
    console.error('gatewatch: GATEWATCH_PASSWORD_HASH is not a bcrypt hash; make one with "npm run hash-password".');
    process.exit(1);
}
const auth = passwordHash ? {
    adminAuth: { type: 'credentials', users: [{ username: user, password: passwordHash, permissions: '*' }] },
    // (the same login for the flow's own HTTP pages: the health page shows what the routers log)
    httpNodeAuth: { user, pass: passwordHash },
} : {};

module.exports = {
    ...auth,
    uiPort: Number(process.env.GATEWATCH_UI_PORT || 1880),
    uiHost,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: process.env.GATEWATCH_CREDENTIAL_SECRET || undefined,
    // Load node-red-contrib-gatewatch from this checkout, not from npm.
    nodesDir: [path.join(__dirname, '..')],
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false },
    editorTheme: {
        tours: false,
        projects: { enabled: false },
        palette: { catalogues: [] },
        page: { title: 'gatewatch' },
        header: { title: 'gatewatch' }
    },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    logging: { console: { level: process.env.GATEWATCH_LOG_LEVEL || 'info', metrics: false, audit: false } },
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
    exportGlobalContextKeys: false
};
