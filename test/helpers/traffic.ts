/**
 * Synthetic firewall traffic for tests and benchmarks: events built directly (as they reach the
 * detect stage, already enriched) and the same traffic as Linux netfilter log lines. Addresses are
 * documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and RFC 1918 inside; the
 * benchmark's many distinct sources are synthetic addresses with no meaning.
 */
import type { Direction, GwEvent } from '../../src/event';

export interface Pkt {
  /** ms since epoch */
  t: number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  proto?: 'tcp' | 'udp' | 'icmp' | 'gre' | 'esp' | 'sctp' | 'igmp' | 'ah';
  /** TCP flags, default ['SYN']. */
  flags?: string[];
  action?: 'allow' | 'deny';
  dir?: Direction;
  observer?: string;
  tcpOptions?: boolean;
  /** Put the source or destination on a reputation list. */
  bad?: 'src' | 'dst';
  /** AS organisation of the source. */
  org?: string;
}

const IANA: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', gre: '47', esp: '50', sctp: '132', igmp: '2', ah: '51' };

export function isInside(ip: string): boolean {
  return ip.startsWith('10.') || ip.startsWith('192.168.') || ip.startsWith('172.16.');
}

/** The site's own addresses: the inside, plus its public block 198.51.100.0/24 (as --home-net would say). */
export function isOurs(ip: string): boolean {
  return isInside(ip) || ip.startsWith('198.51.100.');
}

/** An event as the enrichment stage leaves it. */
export function makeEvent(p: Pkt): GwEvent {
  const proto = p.proto ?? 'tcp';
  const action = p.action ?? 'deny';
  const si = isOurs(p.src), di = isOurs(p.dst);
  const dir: Direction = p.dir ?? (si ? (di ? 'internal' : 'outbound') : di ? 'inbound' : 'external');
  const ev: GwEvent = {
    '@timestamp': new Date(p.t).toISOString(),
    event: { kind: 'event', category: ['network'], type: ['connection', action === 'deny' ? 'denied' : 'allowed'], action, dataset: 'gatewatch.netfilter' },
    observer: { vendor: 'netfilter', product: 'Linux', type: 'firewall', hostname: p.observer ?? 'gw1' },
    source: { ip: p.src, address_scope: isInside(p.src) ? 'private' : 'public' },
    destination: { ip: p.dst, address_scope: isInside(p.dst) ? 'private' : 'public' },
    network: { transport: proto, iana_number: IANA[proto], direction: dir, packets: 1 },
  };
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') {
    ev.source.port = p.sport ?? 40000 + (p.t % 20000);
    if (p.dport !== undefined) ev.destination.port = p.dport;
  }
  if (proto === 'tcp') {
    const flags = p.flags ?? ['SYN'];
    ev.gatewatch = { tcp_flags: flags };
    if (flags.length === 1 && flags[0] === 'SYN') ev.gatewatch.tcp_options = p.tcpOptions ?? true;
  }
  if (proto === 'icmp') ev.gatewatch = { icmp: { type: 8, code: 0 } };
  if (p.org) ev.source.as = { number: 64500, organization: { name: p.org } };
  if (p.bad) {
    const ip = p.bad === 'src' ? p.src : p.dst;
    ev.threat = {
      enrichments: [{
        indicator: { ip, provider: 'test-list', type: 'ipv4-addr' },
        matched: { field: p.bad === 'src' ? 'source.ip' : 'destination.ip', atomic: ip, type: 'indicator_match_rule' },
        feed: { name: 'test-list' },
      }],
    };
  }
  return ev;
}

/** The same packet as an iptables LOG line (ISO timestamp, so no year guessing). */
export function netfilterLine(p: Pkt): string {
  const proto = p.proto ?? 'tcp';
  const action = p.action ?? 'deny';
  const inbound = !isInside(p.src);
  const iso = new Date(p.t).toISOString().replace('Z', '+00:00');
  const host = p.observer ?? 'gw1';
  const prefix = action === 'allow' ? 'ACCEPT' : 'DROP';
  const ifs = inbound ? 'IN=eth0 OUT=' + (isInside(p.dst) ? 'br-lan' : '') : 'IN=br-lan OUT=eth0';
  let l4 = '';
  let len = 40;
  if (proto === 'tcp') {
    const flags = p.flags ?? ['SYN'];
    const opts = flags.length === 1 && flags[0] === 'SYN' && (p.tcpOptions ?? true);
    if (opts) len = 60;
    const order = ['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'].filter((f) => flags.includes(f));
    l4 = `PROTO=TCP SPT=${p.sport ?? 40000 + (p.t % 20000)} DPT=${p.dport ?? 0} WINDOW=1024 RES=0x00 ${order.join(' ')}${order.length ? ' ' : ''}URGP=0${opts ? ' OPT (020405B40402080A0000000000000000)' : ''}`;
  } else if (proto === 'udp') {
    len = 28;
    l4 = `PROTO=UDP SPT=${p.sport ?? 40000 + (p.t % 20000)} DPT=${p.dport ?? 0} LEN=8`;
  } else if (proto === 'icmp') {
    len = 84;
    l4 = 'PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=1';
  } else {
    l4 = `PROTO=${IANA[proto] ?? proto}`;
  }
  return `${iso} ${host} kernel: [ 1234.567890] ${prefix} ${ifs} MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=${p.src} DST=${p.dst} LEN=${len} TOS=0x00 PREC=0x00 TTL=50 ID=4321 ${l4}`;
}

/** Small fast deterministic random numbers (mulberry32). */
export class Rng {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}

export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
export const WAN = '198.51.100.2';
export const LAN = ['192.168.1.10', '192.168.1.11', '192.168.1.20', '192.168.1.21', '192.168.1.30'];

/** A synthetic public address for source number i (not a documentation range: the bench needs millions). */
export function syntheticSource(i: number): string {
  // 11.0.0.0/8 .. 99.0.0.0/8 space, skipping nothing that looks internal.
  const a = 11 + ((i >>> 24) % 80);
  return `${a}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

const COMMON_PORTS = [22, 23, 80, 443, 445, 3389, 8080, 5060, 1433, 3306, 21, 25, 53, 123, 161, 8443, 7547, 2323, 5900, 6379];

/**
 * Normal traffic of a small office for `hours`: staff browsing (allowed outbound to 443/80, DNS),
 * late replies from web servers dropped by the firewall, and Internet background noise (each stray
 * source knocks on one or two common ports a few times). None of it should raise an incident
 * except… nothing: that is the point.
 */
export function normalTraffic(rng: Rng, hours: number, perHour = 2000, t0 = T0): Pkt[] {
  const out: Pkt[] = [];
  const webServers = Array.from({ length: 300 }, (_, i) => `203.0.113.${(i % 250) + 1}`);
  for (let h = 0; h < hours; h++) {
    for (let i = 0; i < perHour; i++) {
      const t = t0 + h * 3600000 + rng.int(3600000);
      const r = rng.next();
      if (r < 0.6) {
        // browsing: random contacts, irregular
        out.push({ t, src: rng.pick(LAN), dst: rng.pick(webServers), sport: 30000 + rng.int(30000), dport: rng.next() < 0.8 ? 443 : 80, action: 'allow' });
      } else if (r < 0.7) {
        out.push({ t, src: rng.pick(LAN), dst: '192.0.2.53', sport: 30000 + rng.int(30000), dport: 53, proto: 'udp', action: 'allow' });
      } else if (r < 0.85) {
        // late replies: web server's FIN/ACK or RST to a random high port of ours
        out.push({ t, src: rng.pick(webServers), dst: WAN, sport: 443, dport: 32768 + rng.int(28000), flags: rng.next() < 0.5 ? ['ACK', 'FIN'] : ['ACK', 'RST'] });
      } else {
        // background noise: many sources, 1-3 packets to a couple of ports
        const n = 1 + rng.int(250);
        const src = `192.0.2.${n}`;
        // each stray source looks for one or two services, as real background noise does
        const port = COMMON_PORTS[(n + (rng.next() < 0.7 ? 0 : 7)) % COMMON_PORTS.length]!;
        out.push({ t, src, dst: WAN, dport: port });
      }
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** A vertical port scan: `ports` ports in order, one every `gapMs`. */
export function portScan(src: string, dst: string, t0: number, ports: number, gapMs: number, flags: string[] = ['SYN'], extra: Partial<Pkt> = {}): Pkt[] {
  return Array.from({ length: ports }, (_, i) => ({ t: t0 + i * gapMs, src, dst, dport: 1 + ((i * 7919) % 65000), sport: 45000, flags, ...extra }));
}

/** A mixed log: normal traffic plus embedded attacks, sorted by time; returns the packets and what was embedded. */
export function mixedScenario(seed = 1, hours = 6, perHour = 2000): { pkts: Pkt[]; attackers: Record<string, string> } {
  const rng = new Rng(seed);
  const pkts = normalTraffic(rng, hours, perHour);
  const attackers: Record<string, string> = {};
  // A fast SYN scan.
  pkts.push(...portScan('203.0.113.66', WAN, T0 + 600000, 200, 50));
  attackers['203.0.113.66'] = 'portscan';
  // A slow scan: one port every 10 minutes for 4 hours (24 ports).
  pkts.push(...portScan('203.0.113.77', WAN, T0 + 60000, 24, 600000));
  attackers['203.0.113.77'] = 'portscan';
  // SSH brute force, allowed, 30 attempts 2 s apart.
  for (let i = 0; i < 30; i++) pkts.push({ t: T0 + 3600000 + i * 2000, src: '203.0.113.99', dst: WAN, sport: 50000 + i, dport: 22, action: 'allow' });
  attackers['203.0.113.99'] = 'bruteforce';
  return { pkts: pkts.sort((a, b) => a.t - b.t), attackers };
}

/** Write packets as a netfilter log file; returns the number of lines. */
export function writeNetfilterLog(path: string, pkts: Pkt[]): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  writeFileSync(path, pkts.map(netfilterLine).join('\n') + '\n');
  return pkts.length;
}
