import * as dgram from 'node:dgram';
import * as net from 'node:net';

/** A port free for both UDP and TCP on loopback (best effort: races are unlikely on loopback). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const udpOk = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port');
}

export function sendUdp(port: number, lines: (string | Buffer)[], host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let i = 0;
    const next = (): void => {
      if (i >= lines.length) { u.close(); resolve(); return; }
      const l = lines[i++]!;
      u.send(typeof l === 'string' ? Buffer.from(l) : l, port, host, (err) => (err ? reject(err) : next()));
    };
    next();
  });
}

export function sendTcp(port: number, data: string | Buffer, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => { s.end(data); });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
