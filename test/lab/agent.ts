/**
 * The lab's small network helper, run inside a lab namespace with `ip netns exec NS node agent.js …`.
 *
 *   serve ADDR PORT[,PORT…]                 TCP listeners; port 22 greets like an SSH server, the others
 *                                           accept and close. Runs until SIGTERM.
 *   connect SRC DST PORT COUNT INTERVAL_MS  COUNT connections from SRC to DST:PORT, one every INTERVAL_MS;
 *                                           on port 22 it reads the greeting and sends a client greeting
 *                                           and a few bytes, as a password-guessing tool would. Prints
 *                                           "connected N failed M" at the end.
 */
import * as net from 'node:net';

function serve(addr: string, ports: number[]): void {
  const servers: net.Server[] = [];
  for (const port of ports) {
    const s = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.setTimeout(5000, () => sock.destroy());
      if (port === 22) {
        sock.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
        let got = 0;
        sock.on('data', (d) => {
          got += d.length;
          if (got > 8) sock.end();
        });
      } else {
        sock.on('data', () => sock.end());
        setTimeout(() => sock.end(), 200);
      }
    });
    s.on('error', (e) => {
      console.error(`serve ${addr}:${port}: ${e.message}`);
      process.exit(1);
    });
    s.listen(port, addr);
    servers.push(s);
  }
  let listening = 0;
  for (const s of servers) {
    s.on('listening', () => {
      if (++listening === servers.length) console.log('ready');
    });
  }
  process.on('SIGTERM', () => {
    for (const s of servers) s.close();
    process.exit(0);
  });
}

function once(src: string, dst: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: dst, port, localAddress: src });
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(3000, () => finish(false));
    sock.on('error', () => finish(false));
    sock.on('connect', () => {
      if (port !== 22) {
        sock.end('ping\n');
        setTimeout(() => finish(true), 50);
      }
    });
    if (port === 22) {
      sock.on('data', () => {
        sock.write('SSH-2.0-libssh_0.9.6\r\nroot:123456\r\n');
        setTimeout(() => finish(true), 50);
      });
    }
    sock.on('close', () => finish(true));
  });
}

async function connectLoop(src: string, dst: string, port: number, count: number, intervalMs: number): Promise<void> {
  let ok = 0, bad = 0;
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const due = started + i * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (await once(src, dst, port)) ok++;
    else bad++;
  }
  console.log(`connected ${ok} failed ${bad}`);
}

function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  if (cmd === 'serve' && rest.length === 2) {
    serve(rest[0]!, rest[1]!.split(',').map(Number));
  } else if (cmd === 'connect' && rest.length === 5) {
    connectLoop(rest[0]!, rest[1]!, Number(rest[2]), Number(rest[3]), Number(rest[4])).catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
  } else {
    console.error('usage: agent serve ADDR PORTS | agent connect SRC DST PORT COUNT INTERVAL_MS');
    process.exitCode = 2;
  }
}

main(process.argv.slice(2));
