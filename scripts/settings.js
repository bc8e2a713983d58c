/**
 * Node-RED settings for `npm start` (and the end-to-end tests): this pack loaded from the working tree,
 * the editor on 127.0.0.1 only (it has no password by default), telemetry and tours off.
 * Environment: GATEWATCH_UI_PORT (default 1880), GATEWATCH_UI_HOST (default 127.0.0.1),
 * GATEWATCH_CREDENTIAL_SECRET (encrypts credentials; default: a key Node-RED generates in the user dir).
 */
const path = require('node:path');

module.exports = {
    uiPort: Number(process.env.GATEWATCH_UI_PORT || 1880),
    uiHost: process.env.GATEWATCH_UI_HOST || '127.0.0.1',
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
