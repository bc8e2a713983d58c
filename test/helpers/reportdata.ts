/**
 * Synthetic firewall events and incidents for report tests and benchmarks. Addresses come from the
 * documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and RFC 1918.
 */
import type { GwEvent } from '../../src/event';
import type { Incident, Severity } from '../../src/detect/incident';
import { rng } from '../../bench/gen';
export { rng };


const COUNTRIES = ['CN', 'US', 'RU', 'NL', 'DE', 'BR', 'IN', 'VN', 'GB', 'FR', 'KR', 'SG', 'IR', 'TW', 'UA'];
const COUNTRY_W = [20, 16, 12, 9, 7, 6, 5, 5, 5, 4, 3, 3, 2, 2, 1];
const ASNS: [number, string][] = [
  [64496, 'Example Hosting Ltd'], [64497, 'Documentation Cloud'], [64498, 'Sample Telecom'], [64499, 'Test Networks Inc'],
  [64500, 'Reserved Backbone'], [64501, 'Demo Broadband'], [64502, 'Placeholder Datacentre'], [64503, 'Illustrative ISP'],
];
const PORTS = [23, 22, 445, 3389, 80, 443, 8080, 5060, 1433, 3306, 5900, 25, 53, 8443, 2323, 7547, 6379, 1194];
const PORT_W = [18, 16, 10, 10, 8, 8, 6, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1];

function pick<T>(r: () => number, xs: T[], w: number[]): T {
  let total = 0;
  for (const x of w) total += x;
  let v = r() * total;
  for (let i = 0; i < xs.length; i++) {
    v -= w[i]!;
    if (v < 0) return xs[i]!;
  }
  return xs[xs.length - 1]!;
}

export interface GenOptions {
  from: number;
  to: number;
  seed?: number;
  /** Share of outbound events. Default 0.05. */
  outbound?: number;
}

/** Remote address number k (a small pool in IPv4 doc ranges, the long tail in 2001:db8::/32). */
export function remoteIp(k: number): string {
  if (k < 768) return `${['192.0.2', '198.51.100', '203.0.113'][k >> 8]}.${k & 255}`;
  return `2001:db8:${(k >>> 16).toString(16)}:${(k & 0xffff).toString(16)}::1`;
}

/** n events spread evenly over [from, to) with a daily rhythm; each call to the iterator reuses nothing. */
export function* genEvents(n: number, o: GenOptions): Generator<GwEvent> {
  const r = rng(o.seed ?? 1);
  const span = o.to - o.from;
  const outShare = o.outbound ?? 0.05;
  for (let i = 0; i < n; i++) {
    const t = o.from + Math.floor((i / n) * span);
    const out = r() < outShare;
    // Remote address: a heavy head (busy scanners) and a long tail.
    const k = r() < 0.5 ? Math.floor(r() * 200) : Math.floor(r() * r() * 200000);
    const rip = remoteIp(k);
    const country = COUNTRIES[k % COUNTRIES.length] === 'GB' ? 'GB' : pick(r, COUNTRIES, COUNTRY_W);
    const [asn, org] = ASNS[k % ASNS.length]!;
    const inside = `192.168.1.${10 + (i % 20)}`;
    const port = out ? (r() < 0.8 ? 443 : 53) : r() < 0.1 ? 1024 + Math.floor(r() * 64000) : pick(r, PORTS, PORT_W);
    const transport = port === 53 || port === 5060 || port === 1194 ? 'udp' : 'tcp';
    const allow = out ? true : port === 443 || port === 1194;
    const bad = out ? r() < 0.002 : k % 50 === 7;
    const remote = { ip: out && bad ? '203.0.113.66' : rip, geo: { country_iso_code: country }, as: { number: asn, organization: { name: org } } };
    const ev: GwEvent = {
      '@timestamp': new Date(t).toISOString(),
      event: { kind: 'event', category: ['network'], type: ['connection', allow ? 'allowed' : 'denied'], action: allow ? 'allow' : 'deny', dataset: 'synthetic' },
      observer: { vendor: 'test', product: 'synthetic', type: 'firewall' },
      source: out ? { ip: inside, port: 40000 + (i % 20000) } : { ...remote, port: 40000 + (i % 20000) },
      destination: out ? { ...remote, port } : { ip: '198.51.100.200', port },
      network: { transport, direction: out ? 'outbound' : 'inbound' },
    };
    if (bad) ev.threat = { enrichments: [{ indicator: { ip: remote.ip, provider: 'test-list' }, matched: { field: out ? 'destination.ip' : 'source.ip', atomic: remote.ip, type: 'indicator_match_rule' } }] };
    yield ev;
  }
}

const TYPES: [string, Severity, string][] = [
  ['portscan', 'low', 'T1046'], ['bruteforce', 'medium', 'T1110'], ['sweep', 'low', 'T1595'], ['known-bad-inbound', 'medium', 'T1595'],
  ['bruteforce', 'high', 'T1110'], ['exposed-service', 'medium', 'T1190'], ['known-bad-outbound', 'high', 'T1071'], ['beacon', 'critical', 'T1071'],
];

export function genIncidents(n: number, o: GenOptions & { seriousShare?: number }): Incident[] {
  const r = rng((o.seed ?? 1) + 7);
  const out: Incident[] = [];
  for (let i = 0; i < n; i++) {
    const ti = r() < (o.seriousShare ?? 0.05) ? 4 + Math.floor(r() * 4) : Math.floor(r() * 4);
    const [type, severity, tech] = TYPES[ti]!;
    const t = o.from + Math.floor(r() * (o.to - o.from - 600000));
    const ip = type === 'known-bad-outbound' || type === 'beacon' ? '203.0.113.66' : remoteIp(Math.floor(r() * 5000));
    const port = type === 'bruteforce' ? 22 : type === 'exposed-service' ? 8080 : 23;
    out.push({
      id: `${type}-${ip}-${i}`,
      type, severity, score: 20 + ti * 10, confidence: 'medium',
      attacker: { ip, geo: { country_iso_code: COUNTRIES[i % COUNTRIES.length] }, as: { number: 64496 + (i % 8), organization: { name: ASNS[i % 8]![1] } } },
      victims: [{ ip: '192.168.1.20', ports: [port] }],
      first_seen: new Date(t).toISOString(), last_seen: new Date(t + 300000).toISOString(),
      event_count: 10 + Math.floor(r() * 500),
      allowed_count: type === 'bruteforce' && severity === 'high' ? 3 : 0,
      ports: [port],
      direction: type === 'known-bad-outbound' || type === 'beacon' ? 'outbound' : 'inbound',
      mitre: { technique: { id: tech, name: type }, tactic: 'reconnaissance' },
      summary: type === 'portscan' ? `${ip} checked ${10 + (i % 90)} ports on your network; all were blocked.`
        : type === 'bruteforce' ? `${ip} tried to log in by SSH many times.`
          : type === 'beacon' ? `192.168.1.20 contacted ${ip} every 60 seconds.` : `${type} involving ${ip}.`,
      advice: '',
    });
  }
  return out;
}
