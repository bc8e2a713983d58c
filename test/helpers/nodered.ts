/**
 * Spawn a real Node-RED (the one in node_modules) with this pack from the working tree, in a temporary
 * user directory, for end-to-end and browser tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';
import { ROOT } from './fixtures';

/**
 * The Node-RED releases the end-to-end and editor tests run on: the newest that runs on Node 20, and the oldest
 * package.json declares (`node-red-3.1` is an npm alias of node-red@3.1.x among the dev dependencies).
 */
export const NODE_REDS = [
  { label: '4.1', pkg: 'node-red' },
  { label: '3.1', pkg: 'node-red-3.1' },
] as const;

export interface RunningRed {
  url: string;
  port: number;
  userDir: string;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
  /** Kill and start again with the same user dir (flows and context kept). */
  restart(): Promise<void>;
}

/**
 * `red`: the package to run — 'node-red' (4.1, what the pack is built and tested on) or 'node-red-3.1'
 * (the oldest release package.json declares, installed under that alias as a dev dependency).
 */
export interface StartOptions {
  keepDir?: boolean;
  env?: Record<string, string>;
  red?: (typeof NODE_REDS)[number]['pkg'];
  /** Node-RED settings file (default scripts/settings.js, which loads the pack from the working tree). */
  settings?: string;
  /** Runs on the new user directory before Node-RED starts (to install something into it). */
  prepare?: (userDir: string) => void;
}

export async function startNodeRed(flows: unknown[], opts: StartOptions = {}): Promise<RunningRed> {
  const userDir = mkdtempSync(join(tmpdir(), 'gw-e2e-'));
  opts.prepare?.(userDir);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  const port = await freePort();
  let out = '';
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(process.execPath, [require.resolve(`${opts.red ?? 'node-red'}/red.js`), '--userDir', userDir, '--settings', opts.settings ?? join(ROOT, 'scripts', 'settings.js')], {
      env: { ...process.env, GATEWATCH_UI_PORT: String(port), GATEWATCH_UI_HOST: '127.0.0.1', GATEWATCH_CREDENTIAL_SECRET: 'e2e-test-secret', GATEWATCH_PASSWORD_HASH: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => { out += d.toString(); });
    proc.stderr!.on('data', (d) => { out += d.toString(); });
    const end = Date.now() + 30000;
    // (both: the flows are up, and the HTTP server listens — red.js logs them in either order; a test once
    // fetched between the two and got ECONNREFUSED)
    while (!/Started flows|Waiting for missing types|Error loading flows/.test(out) || !/Server now running/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`node-red exited early:\n${out}`);
      if (Date.now() > end) throw new Error(`node-red did not start in time:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await launch();
  const stopProc = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      const end = Date.now() + 10000;
      while (proc.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    userDir,
    get proc() { return proc; },
    log: () => out,
    async stop() {
      await stopProc();
      if (!opts.keepDir) rmSync(userDir, { recursive: true, force: true });
    },
    async restart() {
      await stopProc();
      out += '\n--- restart ---\n';
      await launch();
    },
  };
}
