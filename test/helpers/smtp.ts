/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, port 0 or a given port) whose behaviour can be
 * switched while it runs, reading every mail back with mailparser; and a TCP proxy that can cut a
 * connection in the middle of DATA.
 */
import * as net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export type SmtpMode = 'ok' | 'refuse-connect' | 'defer-rcpt' | 'reject-rcpt' | 'hang';

export interface ReceivedMail {
  mail: ParsedMail;
  rcptTo: string[];
  mailFrom: string;
  user?: string;
  /** The connection was encrypted (TLS or STARTTLS). */
  secure: boolean;
}

export interface TestSmtp {
  port: number;
  mode: SmtpMode;
  received: ReceivedMail[];
  /** How many connections the server saw (each try). */
  connections: number;
  rcptAttempts: number;
  auths: { user: string; password: string }[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  port?: number;
  mode?: SmtpMode;
  /** Offer STARTTLS (with smtp-server's built-in self-signed certificate). */
  starttls?: boolean;
  /** TLS from the first byte (implicit TLS, as on port 465), same certificate. */
  tls?: boolean;
  /** Demand this login. */
  auth?: { user: string; password: string };
  /** Refuse RCPT for these addresses with 550 (the rest are accepted). */
  unknownUsers?: string[];
}

export async function startSmtp(o: TestSmtpOptions = {}): Promise<TestSmtp> {
  const t: TestSmtp = {
    port: 0, mode: o.mode ?? 'ok', received: [], connections: 0, rcptAttempts: 0, auths: [],
    close: async () => undefined,
  };
  const opts: SMTPServerOptions = {
    logger: false,
    secure: !!o.tls,
    closeTimeout: 100,
    authOptional: !o.auth,
    allowInsecureAuth: true,
    disabledCommands: o.starttls ? [] : ['STARTTLS'],
    onConnect(_session, cb) {
      t.connections++;
      if (t.mode === 'refuse-connect') {
        const err = new Error('Too busy, try later') as Error & { responseCode?: number };
        err.responseCode = 421;
        cb(err);
        return;
      }
      if (t.mode === 'hang') return; // never greet: the client must time out
      cb();
    },
    onAuth(auth, _session, cb) {
      t.auths.push({ user: auth.username ?? '', password: auth.password ?? '' });
      if (o.auth && (auth.username !== o.auth.user || auth.password !== o.auth.password)) {
        cb(new Error('Invalid username or password'));
        return;
      }
      cb(null, { user: auth.username });
    },
    onRcptTo(address, _session, cb) {
      t.rcptAttempts++;
      if (t.mode === 'defer-rcpt') {
        const err = new Error('Mailbox busy, try later') as Error & { responseCode?: number };
        err.responseCode = 450;
        cb(err);
        return;
      }
      if (t.mode === 'reject-rcpt' || (o.unknownUsers ?? []).includes(address.address)) {
        const err = new Error('No such user here') as Error & { responseCode?: number };
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((mail) => {
        t.received.push({
          mail,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: !!session.secure,
        });
        cb();
      }, (err: Error) => cb(err));
    },
  };
  const server = new SMTPServer(opts);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  t.port = (server.server.address() as net.AddressInfo).port;
  t.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return t;
}

export type ProxyMode = 'pass' | 'drop-mid-data';

/** A TCP proxy in front of a server; in 'drop-mid-data' it forwards half of the message body, then cuts both sides. */
export interface TestProxy {
  port: number;
  mode: ProxyMode;
  /** Connections cut in the middle of DATA. */
  drops: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, mode: ProxyMode): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  const p: TestProxy = { port: 0, mode, drops: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let inData = false;
    let dead = false;
    const cut = (): void => { dead = true; client.destroy(); upstream.destroy(); };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', () => { sockets.delete(client); upstream.destroy(); });
    upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
    upstream.on('data', (d) => client.write(d));
    client.on('data', (d: Buffer) => {
      if (dead) return;
      if (p.mode === 'drop-mid-data' && inData) {
        // Forward half of the first piece of the message, nothing more, then cut both sides.
        dead = true;
        upstream.write(d.subarray(0, Math.max(1, d.length >> 1)), () => {
          p.drops++;
          setTimeout(cut, 20);
        });
        return;
      }
      const s = d.toString('latin1');
      if (s === 'DATA\r\n' || s.endsWith('\r\nDATA\r\n')) inData = true;
      upstream.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  p.port = (server.address() as net.AddressInfo).port;
  p.close = () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
  return p;
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const port = (s.address() as net.AddressInfo).port; s.close(() => resolve(port)); });
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
