/**
 * A real Mosquitto broker for tests: a temp config on 127.0.0.1 with a free port and persistence on.
 * `start()` again after `stop()` reuses the same port and persistence file (a broker restart).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO_BIN || '/usr/sbin/mosquitto';

export function mosquittoAvailable(): boolean {
  return existsSync(MOSQUITTO);
}

/** In a `before`: skip the suite with a clear message when there is no broker, unless it is required. */
export function requireMosquitto(ctx: Mocha.Context): void {
  if (mosquittoAvailable()) return;
  const msg = `Mosquitto not found at ${MOSQUITTO} (apt-get install -y mosquitto)`;
  if (process.env.GATEWATCH_MQTT_REQUIRED === '1') throw new Error(msg + ' and GATEWATCH_MQTT_REQUIRED=1');
  console.log(`      skipped: ${msg}`);
  ctx.skip();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export class Broker {
  readonly dir = mkdtempSync(join(tmpdir(), 'gw-mosq-'));
  port = 0;
  private proc: ChildProcess | null = null;
  log = '';

  constructor(private readonly extra: string[] = []) {}

  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(conf, [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous true',
      // Run as whoever runs the tests (as root, mosquitto would drop to "mosquitto" and fail to save).
      `user ${userInfo().username}`,
      'persistence true',
      `persistence_location ${this.dir}`,
      'persistence_file mosquitto.db',
      'autosave_interval 1',
      // Queue everything for offline persistent sessions (the default of 1000 per client would drop).
      'max_queued_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...this.extra,
      '',
    ].join('\n'));
    this.proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => { this.log += d.toString(); });
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not start: ${this.log}`);
  }

  /** Graceful stop (SIGTERM: the broker saves its persistence file). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => { clearTimeout(t); resolve(); });
      p.kill('SIGTERM');
    });
    this.proc = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
