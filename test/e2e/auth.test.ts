/**
 * The editor's login (scripts/settings.js): without a password the editor stays on this computer, and asking
 * for it on the network without one is refused; with GATEWATCH_PASSWORD_HASH the editor and gatewatch's own
 * pages (/gatewatch/health) want that login. A real spawned Node-RED, on loopback.
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';
import { freePort } from '../helpers/net';
import { RunningRed, startNodeRed } from '../helpers/nodered';

const bcrypt = createRequire(require.resolve('node-red/package.json'))('bcryptjs') as { compareSync(a: string, b: string): boolean };

/** Starts Node-RED with our settings and `env`, and returns how it ended (it is expected to refuse). */
function refused(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const userDir = mkdtempSync(join(tmpdir(), 'gw-auth-'));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', join(ROOT, 'scripts', 'settings.js')],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`node-red did not refuse:\n${out}`)); }, 20000);
    p.on('exit', (code) => { clearTimeout(timer); rmSync(userDir, { recursive: true, force: true }); resolve({ code, out }); });
  });
}

describe('editor login', function () {
  this.timeout(60000);
  let red: RunningRed | undefined;
  after(async () => { await red?.stop(); });

  it('refuses to open the editor to the network without a password, and refuses a hash that is not one', async () => {
    const port = String(await freePort());
    const open = await refused({ GATEWATCH_UI_HOST: '0.0.0.0', GATEWATCH_UI_PORT: port, GATEWATCH_PASSWORD_HASH: '' });
    expect(open.code).to.equal(1);
    expect(open.out).to.match(/refusing to open the editor on 0\.0\.0\.0 without a password/);
    expect(open.out).to.not.match(/Server now running/);
    const bad = await refused({ GATEWATCH_UI_HOST: '0.0.0.0', GATEWATCH_UI_PORT: port, GATEWATCH_PASSWORD_HASH: 'secret' });
    expect(bad.code).to.equal(1);
    expect(bad.out).to.match(/not a bcrypt hash/);
  });

  it('npm run hash-password makes a hash Node-RED accepts, and refuses a short password', () => {
    const hash = execFileSync(process.execPath, [join(ROOT, 'scripts', 'hash-password.mjs')], { input: 'correct horse battery\n', encoding: 'utf8' }).trim();
    expect(hash).to.match(/^\$2[aby]\$10\$/);
    expect(bcrypt.compareSync('correct horse battery', hash)).to.equal(true);
    let failed = false;
    try { execFileSync(process.execPath, [join(ROOT, 'scripts', 'hash-password.mjs')], { input: 'short\n', stdio: ['pipe', 'pipe', 'pipe'] }); } catch { failed = true; }
    expect(failed).to.equal(true);
  });

  it('with a password hash, the editor and the health page want the login; with it they answer', async () => {
    const hash = execFileSync(process.execPath, [join(ROOT, 'scripts', 'hash-password.mjs')], { input: 'correct horse battery\n', encoding: 'utf8' }).trim();
    const flows = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const syslogPort = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(syslogPort); n.host = '127.0.0.1'; }
    red = await startNodeRed(flows, { env: { GATEWATCH_PASSWORD_HASH: hash, GATEWATCH_USER: 'owner' } });
    expect((await fetch(`${red.url}/flows`)).status).to.equal(401);
    expect((await fetch(`${red.url}/gatewatch/health`)).status).to.equal(401);
    const basic = 'Basic ' + Buffer.from('owner:correct horse battery').toString('base64');
    expect((await fetch(`${red.url}/gatewatch/health`, { headers: { Authorization: 'Basic ' + Buffer.from('owner:wrong password').toString('base64') } })).status).to.equal(401);
    const health = await fetch(`${red.url}/gatewatch/health`, { headers: { Authorization: basic } });
    expect(health.status).to.equal(200);
    expect(await health.json()).to.have.property('nodes');
    // The editor's own login: a token for the user and password, then the flows.
    const tok = await fetch(`${red.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'owner', password: 'correct horse battery' }) });
    expect(tok.status).to.equal(200);
    const { access_token: token } = await tok.json() as { access_token: string };
    const fl = await fetch(`${red.url}/flows`, { headers: { Authorization: `Bearer ${token}` } });
    expect(fl.status).to.equal(200);
  });
});
