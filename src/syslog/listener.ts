/**
 * The syslog receiver: UDP, TCP and TLS sockets, RFC 6587 framing on streams, a sender allowlist,
 * size limits and counters. No Node-RED here; the gatewatch-syslog node wraps it.
 *
 * Logs are attacker-reachable (anyone who can reach the port can write "logs"), so: senders outside
 * the allowlist are counted and dropped before any parsing; every buffer is bounded; TCP connections
 * are capped and idle ones closed.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Cidr, cidrContains, parseCidr } from '../net/ip';
import { StreamFramer } from './framing';

export interface ListenerOptions {
  /** Bind address; '' or undefined = all interfaces ('::' with IPv4 mapped, or '0.0.0.0'). */
  host?: string;
  udpPort?: number;
  tcpPort?: number;
  /** When set, the TCP port speaks TLS (RFC 5425) with these options (cert, key, ca …). */
  tls?: tls.TlsOptions;
  /** Largest message accepted, in bytes; longer ones are cut and counted. */
  maxMessageSize?: number;
  /** Sender allowlist (addresses or CIDRs). Empty = accept everyone. */
  allow?: string[];
  maxConnections?: number;
  /** Close a TCP connection idle for this long (ms). */
  idleTimeoutMs?: number;
}

export interface ReceivedLine {
  line: string;
  transport: 'udp' | 'tcp' | 'tls';
  address: string;
  port: number;
  receivedAt: number;
  truncated: boolean;
}

export interface ListenerStats {
  received: number;
  bytes: number;
  /** From a sender outside the allowlist. */
  notAllowed: number;
  /** Longer than maxMessageSize (delivered cut). */
  truncated: number;
  /** Connections refused because too many were open. */
  connectionsRefused: number;
  framingErrors: number;
  openConnections: number;
  lastRejected?: string;
}

export const DEFAULT_MAX_MESSAGE = 16 * 1024;

/** "::ffff:192.0.2.1" → "192.0.2.1" */
export function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.indexOf('.') > 0 ? a.slice(7) : a;
}

export function parseAllowList(list: string[] | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const raw of list ?? []) {
    const t = raw.trim();
    if (!t) continue;
    const c = parseCidr(t);
    if (!c) throw new Error(`not an address or network: "${t}"`);
    out.push(c);
  }
  return out;
}

export class SyslogListener {
  readonly stats: ListenerStats = { received: 0, bytes: 0, notAllowed: 0, truncated: 0, connectionsRefused: 0, framingErrors: 0, openConnections: 0 };
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly allow: Cidr[];
  private readonly maxSize: number;
  private readonly allowCache = new Map<string, boolean>();

  constructor(private readonly opts: ListenerOptions, private readonly onLine: (r: ReceivedLine) => void, private readonly onError: (e: Error) => void = () => {}, private readonly onReject: (address: string, why: 'not-allowed' | 'too-many-connections') => void = () => {}) {
    this.allow = parseAllowList(opts.allow);
    this.maxSize = opts.maxMessageSize && opts.maxMessageSize > 0 ? opts.maxMessageSize : DEFAULT_MAX_MESSAGE;
  }

  private allowed(address: string): boolean {
    if (this.allow.length === 0) return true;
    let ok = this.allowCache.get(address);
    if (ok === undefined) {
      ok = this.allow.some((c) => cidrContains(c, address));
      if (this.allowCache.size > 4096) this.allowCache.clear();
      this.allowCache.set(address, ok);
    }
    if (!ok) {
      this.stats.notAllowed++;
      this.stats.lastRejected = address;
      this.onReject(address, 'not-allowed');
    }
    return ok;
  }

  /** Start the configured sockets. Resolves when all are listening; rejects on EADDRINUSE etc. */
  async start(): Promise<void> {
    const host = this.opts.host || undefined;
    const tasks: Promise<void>[] = [];
    if (this.opts.udpPort !== undefined) {
      const type: dgram.SocketType = host && net.isIPv4(host) ? 'udp4' : host ? 'udp6' : 'udp6';
      const sock = dgram.createSocket({ type, reuseAddr: false, recvBufferSize: 4 * 1024 * 1024 });
      this.udp = sock;
      sock.on('message', (buf, rinfo) => this.datagram(buf, rinfo));
      tasks.push(new Promise((resolve, reject) => {
        const onErr = (e: Error) => {
          // No IPv6 on this host: fall back to IPv4 for the "all interfaces" case.
          if (!host && (e as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') {
            sock.close();
            const s4 = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
            this.udp = s4;
            s4.on('message', (b, r) => this.datagram(b, r));
            s4.once('error', reject);
            s4.bind(this.opts.udpPort, () => { s4.removeListener('error', reject); s4.on('error', this.onError); resolve(); });
            return;
          }
          reject(e);
        };
        sock.once('error', onErr);
        sock.bind({ port: this.opts.udpPort, address: host ?? '::' }, () => {
          sock.removeListener('error', onErr);
          sock.on('error', this.onError);
          resolve();
        });
      }));
    }
    if (this.opts.tcpPort !== undefined) {
      const handler = (s: net.Socket) => this.connection(s, this.opts.tls ? 'tls' : 'tcp');
      const server = this.opts.tls ? tls.createServer(this.opts.tls, handler) : net.createServer(handler);
      server.maxConnections = this.opts.maxConnections ?? 256;
      server.on('drop', (d?: { remoteAddress?: string }) => { this.stats.connectionsRefused++; this.onReject(plainAddress(d?.remoteAddress), 'too-many-connections'); });
      this.tcp = server;
      tasks.push(new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: this.opts.tcpPort, host }, () => {
          server.removeListener('error', reject);
          server.on('error', this.onError);
          if (this.opts.tls) (server as tls.Server).on('tlsClientError', () => { this.stats.framingErrors++; });
          resolve();
        });
      }));
    }
    try {
      await Promise.all(tasks);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Actual ports (useful when started on port 0). */
  ports(): { udp?: number; tcp?: number } {
    const out: { udp?: number; tcp?: number } = {};
    try { if (this.udp) out.udp = this.udp.address().port; } catch { /* not bound */ }
    const a = this.tcp?.address();
    if (a && typeof a === 'object') out.tcp = a.port;
    return out;
  }

  private datagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const address = plainAddress(rinfo.address);
    if (!this.allowed(address)) return;
    this.stats.bytes += buf.length;
    let truncated = false;
    let b = buf;
    if (b.length > this.maxSize) { b = b.subarray(0, this.maxSize); truncated = true; this.stats.truncated++; }
    // One datagram is one message (RFC 5426), but some relays pack several lines into one.
    let end = b.length;
    while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0)) end--;
    if (end === 0) return;
    const text = b.toString('utf8', 0, end);
    const now = Date.now();
    if (text.indexOf('\n') < 0) {
      this.deliver(text, 'udp', address, rinfo.port, now, truncated);
      return;
    }
    for (const l of text.split('\n')) if (l.length) this.deliver(l.endsWith('\r') ? l.slice(0, -1) : l, 'udp', address, rinfo.port, now, truncated);
  }

  private deliver(line: string, transport: ReceivedLine['transport'], address: string, port: number, receivedAt: number, truncated: boolean): void {
    this.stats.received++;
    try {
      this.onLine({ line, transport, address, port, receivedAt, truncated });
    } catch (e) {
      this.onError(e as Error);
    }
  }

  private connection(sock: net.Socket, transport: 'tcp' | 'tls'): void {
    const address = plainAddress(sock.remoteAddress);
    if (!this.allowed(address)) { sock.destroy(); return; }
    const port = sock.remotePort ?? 0;
    this.sockets.add(sock);
    this.stats.openConnections = this.sockets.size;
    const framer = new StreamFramer(this.maxSize, (f) => {
      if (f.truncated) this.stats.truncated++;
      this.deliver(f.line, transport, address, port, Date.now(), f.truncated);
    });
    sock.setTimeout(this.opts.idleTimeoutMs ?? 10 * 60 * 1000, () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      this.stats.bytes += chunk.length;
      const before = framer.framingErrors;
      framer.push(chunk);
      this.stats.framingErrors += framer.framingErrors - before;
    });
    sock.on('end', () => framer.end());
    sock.on('error', () => { /* resets from senders are normal; the close handler cleans up */ });
    sock.on('close', () => {
      this.sockets.delete(sock);
      this.stats.openConnections = this.sockets.size;
    });
  }

  /** Close every socket; resolves when the ports are free again (no EADDRINUSE on redeploy). */
  async stop(): Promise<void> {
    const tasks: Promise<void>[] = [];
    if (this.udp) {
      const u = this.udp;
      this.udp = undefined;
      tasks.push(new Promise((resolve) => { try { u.close(() => resolve()); } catch { resolve(); } }));
    }
    if (this.tcp) {
      const t = this.tcp;
      this.tcp = undefined;
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      tasks.push(new Promise((resolve) => t.close(() => resolve())));
    }
    await Promise.all(tasks);
  }
}
