/**
 * A real Node-RED (spawned `red.js`) loading this package through `nodesDir`, on 127.0.0.1 and a free
 * port, with its own temp userDir. `stop()` then `start()` is a restart on the same userDir and port.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures';
import { freePort } from './mosquitto';

export class NodeRed {
  readonly userDir = mkdtempSync(join(tmpdir(), 'gw-nr-'));
  port = 0;
  log = '';
  private proc: ChildProcess | null = null;

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const settings = join(this.userDir, 'settings.js');
    writeFileSync(settings, `module.exports = {
  uiHost: '127.0.0.1', uiPort: ${this.port}, userDir: ${JSON.stringify(this.userDir)},
  flowFile: 'flows.json', credentialSecret: 'test-credential-secret',
  nodesDir: [${JSON.stringify(ROOT)}],
  telemetry: { enabled: false, updateNotification: false }, editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionGlobalContext: {},
};\n`);
    const red = join(ROOT, 'node_modules', 'node-red', 'red.js');
    this.proc = spawn(process.execPath, [red, '-u', this.userDir, '-s', settings], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d: Buffer) => { this.log += d.toString(); };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`node-red exited:\n${this.log}`);
      if (this.log.includes('Server now running')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`node-red did not start:\n${this.log}`);
  }

  async deploy(flows: unknown[]): Promise<void> {
    const mark = this.log.length;
    const res = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v2' },
      body: JSON.stringify({ flows }),
    });
    if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const tail = this.log.slice(mark);
      if (tail.includes('Waiting for missing types')) throw new Error(`missing node types:\n${tail}`);
      if (tail.includes('Started flows')) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`flows did not start:\n${this.log.slice(mark)}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 15000);
      p.once('exit', () => { clearTimeout(t); resolve(); });
      p.kill('SIGINT');
    });
    this.proc = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
