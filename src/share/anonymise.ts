/**
 * Turn incidents into the anonymised summaries a member shares with the regional hub.
 *
 * What leaves the site: the external attacker's address (with its country and AS), the incident
 * type/subtype, severity, the MITRE technique, transports and (optionally) destination ports, counts,
 * and times rounded down to the hour. What never leaves: internal addresses in clear (dropped, or a
 * keyed pseudonym: HMAC-SHA256 with the site secret, truncated), hostnames, usernames, observer names,
 * payload, the detector's free text (summary/advice/details): a neutral sentence is written instead.
 * The site is named only by its member code.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Incident, Severity } from '../detect/incident';
import { SEVERITIES, severityRank } from '../detect/incident';
import { canonicalIp, Cidr, cidrContains, ipToBigInt, ipVersion, parseCidr } from '../net/ip';

export const SHARE_SCHEMA = 'gatewatch-share/1';

/** One shared incident. Every field is safe to leave the site. */
export interface ShareSummary {
  schema: typeof SHARE_SCHEMA;
  /** Keyed hash of the member and the local incident id: stable across updates of one incident. */
  id: string;
  member: string;
  type: string;
  subtype?: string;
  severity: Severity;
  score: number;
  confidence: 'low' | 'medium' | 'high';
  direction?: 'inbound' | 'outbound';
  attacker: {
    ip: string;
    version: 4 | 6;
    country?: string;
    asn?: number;
    as_org?: string;
    known_scanner?: string;
    /** How many reputation lists named this address at the site (list names stay local). */
    reputation_hits?: number;
    /**
     * IPv6: the network the site counted the attacker by (its /64 by default: one line or server, whatever
     * address of it each probe came from), holding `ip`. A hub counts the network as one attacker.
     */
    network?: string;
  };
  mitre: { technique: { id: string; name: string }; tactic: string };
  transports?: string[];
  ports?: number[];
  /** Internal hosts involved: a count, and keyed pseudonyms when the member chose to share them. */
  victims: { count: number; pseudonyms?: string[] };
  event_count: number;
  allowed_count?: number;
  /** Start of the hour of the first and of the last event (UTC). */
  first_hour: string;
  last_hour: string;
  /** A neutral sentence generated from the fields above (never the detector's own text). */
  text: string;
}

export interface ShareOptions {
  /** The member code given by the hub (letters, digits, '-', '_', '.'; up to 32). */
  member: string;
  /** The site secret for pseudonyms and summary ids. Without it a random key is used for this run. */
  secret?: string;
  /** The site's own networks: any address inside them is internal and never shared in clear. */
  homeNets?: string[];
  /** Share only these incident types (empty or absent: all). */
  types?: string[];
  /** Share only incidents at or above this severity (default: low, i.e. all). */
  minSeverity?: Severity;
  /** Share destination ports (default true). */
  includePorts?: boolean;
  /** Internal hosts: 'pseudonymise' (keyed hash) or 'drop' (count only). Default: pseudonymise with a secret, else drop. */
  victims?: 'pseudonymise' | 'drop';
  /** Share the attacker's country and AS (default true). */
  includeGeo?: boolean;
}

export interface ShareResult {
  summaries: ShareSummary[];
  skipped: { type: number; severity: number; internalAttacker: number; invalid: number };
}

export const DEFAULT_PRIVATE_NETS = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16',
  '224.0.0.0/4', '240.0.0.0/4', '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
];

const MEMBER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const MAX_PORTS = 32;
const MAX_VICTIM_PSEUDONYMS = 64;

/** Is the address inside any of these networks? (Parsed once, compared to each.) */
export function inNets(nets: Cidr[], ip: string): boolean {
  const v = ipToBigInt(ip);
  if (!v) return false;
  for (const c of nets) if (c.version === v.version && v.value >= c.lo && v.value <= c.hi) return true;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address: check that too.
  if (v.version === 6 && v.value >> 32n === 0xffffn) {
    const v4 = v.value & 0xffffffffn;
    for (const c of nets) if (c.version === 4 && v4 >= c.lo && v4 <= c.hi) return true;
  }
  return false;
}

export function validMemberCode(code: string): boolean {
  return MEMBER_RE.test(code);
}

/** Round an ISO time down to the start of its hour (UTC), or undefined when it is not a time. */
export function hourOf(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(Math.floor(ms / 3600000) * 3600000).toISOString().replace('.000Z', 'Z');
}

function hmacHex(key: string | Buffer, label: string, value: string, hexChars: number): string {
  return createHmac('sha256', key).update(label).update('\0').update(value).digest('hex').slice(0, hexChars);
}

/** The anonymiser for one site: holds the key, the home networks and the choices. */
export class Anonymiser {
  private readonly key: string | Buffer;
  private readonly nets: Cidr[];
  readonly victimsMode: 'pseudonymise' | 'drop';
  private readonly types: Set<string> | null;
  private readonly minRank: number;
  private readonly includePorts: boolean;
  private readonly includeGeo: boolean;
  readonly member: string;

  constructor(opts: ShareOptions) {
    if (!validMemberCode(opts.member)) throw new Error(`member code must be 1–32 letters, digits, '.', '-' or '_' (got ${JSON.stringify(String(opts.member).slice(0, 40))})`);
    this.member = opts.member;
    this.key = opts.secret && opts.secret.length > 0 ? opts.secret : randomBytes(32);
    const nets = [...DEFAULT_PRIVATE_NETS, ...(opts.homeNets ?? [])];
    this.nets = [];
    for (const n of nets) {
      const c = parseCidr(n);
      if (!c) throw new Error(`not a network: ${JSON.stringify(n)}`);
      this.nets.push(c);
    }
    this.victimsMode = opts.victims ?? (opts.secret ? 'pseudonymise' : 'drop');
    this.types = opts.types && opts.types.length ? new Set(opts.types) : null;
    const min = opts.minSeverity ?? 'low';
    if (!SEVERITIES.includes(min)) throw new Error(`unknown severity ${JSON.stringify(min)}`);
    this.minRank = severityRank(min);
    this.includePorts = opts.includePorts ?? true;
    this.includeGeo = opts.includeGeo ?? true;
  }

  isInternal(ip: string): boolean {
    return inNets(this.nets, ip);
  }

  /** The keyed pseudonym of an internal address: 'h-' + 12 hex digits (48 bits of HMAC-SHA256). */
  pseudonym(ip: string): string {
    return 'h-' + hmacHex(this.key, 'victim', canonicalIp(ip) ?? ip, 12);
  }

  summaryId(incidentId: string): string {
    return hmacHex(this.key, `id:${this.member}`, incidentId, 24);
  }

  /** One incident → its summary, or the reason it is not shared. */
  one(inc: Incident): ShareSummary | 'type' | 'severity' | 'internalAttacker' | 'invalid' {
    if (!inc || typeof inc !== 'object' || typeof inc.type !== 'string' || !inc.attacker) return 'invalid';
    if (this.types && !this.types.has(inc.type)) return 'type';
    // (a router that stopped logging is about this site's own box, not threat intelligence)
    if (inc.type === 'log-silence') return 'type';
    const rank = severityRank(inc.severity);
    if (rank < 0) return 'invalid';
    if (rank < this.minRank) return 'severity';
    let ip = canonicalIp(typeof inc.attacker.ip === 'string' ? inc.attacker.ip : undefined);
    if (!ip) return 'invalid';
    if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7); // IPv4-mapped: share the IPv4 form
    // The attacker must be external: an internal "attacker" would put an internal address in clear.
    if (this.isInternal(ip) || (inc.attacker.address_scope !== undefined && inc.attacker.address_scope !== 'public')) return 'internalAttacker';
    const first = hourOf(inc.first_seen), last = hourOf(inc.last_seen);
    if (!first || !last) return 'invalid';
    const version = ipVersion(ip) as 4 | 6;

    const attacker: ShareSummary['attacker'] = { ip, version };
    if (this.includeGeo) {
      const cc = inc.attacker.geo?.country_iso_code;
      if (typeof cc === 'string' && /^[A-Z]{2}$/.test(cc)) attacker.country = cc;
      const asn = inc.attacker.as?.number;
      if (typeof asn === 'number' && Number.isInteger(asn) && asn > 0 && asn < 2 ** 32) attacker.asn = asn;
      const org = inc.attacker.as?.organization?.name;
      if (typeof org === 'string' && org.length > 0) attacker.as_org = cleanText(org, 80);
    }
    if (typeof inc.attacker.known_scanner === 'string' && inc.attacker.known_scanner) attacker.known_scanner = cleanText(inc.attacker.known_scanner, 40);
    const reps = Array.isArray(inc.attacker.reputation) ? inc.attacker.reputation.length : 0;
    if (reps > 0) attacker.reputation_hits = reps;
    const net = attackerNetwork(inc.attacker.network, ip);
    if (net !== undefined) attacker.network = net;

    const victims = Array.isArray(inc.victims) ? inc.victims : [];
    const victimOut: ShareSummary['victims'] = { count: victims.length };
    if (this.victimsMode === 'pseudonymise' && victims.length) {
      const ps = new Set<string>();
      for (const v of victims) {
        if (ps.size >= MAX_VICTIM_PSEUDONYMS) break;
        if (v && typeof v.ip === 'string') ps.add(this.pseudonym(v.ip));
      }
      victimOut.pseudonyms = [...ps].sort();
    }

    const s: ShareSummary = {
      schema: SHARE_SCHEMA,
      id: this.summaryId(String(inc.id)),
      member: this.member,
      type: cleanToken(inc.type),
      severity: inc.severity,
      score: clampInt(inc.score, 0, 100),
      confidence: inc.confidence === 'high' || inc.confidence === 'medium' ? inc.confidence : 'low',
      attacker,
      mitre: {
        technique: { id: cleanToken(inc.mitre?.technique?.id ?? ''), name: cleanText(inc.mitre?.technique?.name ?? '', 80) },
        tactic: cleanText(inc.mitre?.tactic ?? '', 40),
      },
      victims: victimOut,
      event_count: clampInt(inc.event_count, 0, Number.MAX_SAFE_INTEGER),
      first_hour: first,
      last_hour: last,
      text: '',
    };
    if (typeof inc.subtype === 'string' && inc.subtype) s.subtype = cleanToken(inc.subtype);
    if (inc.direction === 'inbound' || inc.direction === 'outbound') s.direction = inc.direction;
    else if (inc.type === 'known-bad-outbound' || inc.type === 'beacon') s.direction = 'outbound';
    if (Array.isArray(inc.transports) && inc.transports.length) {
      s.transports = [...new Set(inc.transports.filter((t) => typeof t === 'string').map(cleanToken))].slice(0, 8);
    }
    if (this.includePorts) {
      const ports = new Set<number>();
      const add = (p: unknown) => { if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535 && ports.size < MAX_PORTS) ports.add(p); };
      if (Array.isArray(inc.ports)) inc.ports.forEach(add);
      else for (const v of victims) if (Array.isArray(v?.ports)) v.ports.forEach(add);
      if (ports.size) s.ports = [...ports];
    }
    if (typeof inc.allowed_count === 'number' && inc.allowed_count > 0) s.allowed_count = clampInt(inc.allowed_count, 0, Number.MAX_SAFE_INTEGER);
    s.text = neutralText(s);
    return s;
  }

  /** Incidents → summaries (latest version per summary id), with counts of what was held back. */
  all(incidents: Iterable<Incident>): ShareResult {
    const skipped = { type: 0, severity: 0, internalAttacker: 0, invalid: 0 };
    const byId = new Map<string, ShareSummary>();
    for (const inc of incidents) {
      const r = this.one(inc);
      if (typeof r === 'string') { skipped[r]++; continue; }
      byId.set(r.id, r);
    }
    return { summaries: [...byId.values()], skipped };
  }
}

export function anonymise(incidents: Iterable<Incident>, opts: ShareOptions): ShareResult {
  return new Anonymiser(opts).all(incidents);
}

function clampInt(n: unknown, lo: number, hi: number): number {
  const v = typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : 0;
  return v < lo ? lo : v > hi ? hi : v;
}

/** A short identifier-like token: lower/upper letters, digits, '.', '-', '_' only. */
function cleanToken(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < 40; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95) out += s[i];
  }
  return out;
}

/**
 * Printable text with no address in it: keeps letters, digits, spaces and simple punctuation (no ':'),
 * then replaces any dotted token that reads as an IPv4 address (used for AS and technique names).
 */
function cleanText(s: string, max: number): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < max; i++) {
    const ch = s[i]!;
    const c = ch.charCodeAt(0);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c === 38 || c === 39 || c === 40 || c === 41 || c === 44 || c === 45 || c === 46 || c === 47) out += ch;
  }
  out = out.replace(/\s+/g, ' ').trim();
  return addressTokens(out).length ? out.split(' ').map((w) => (addressTokens(w).length ? '[address]' : w)).join(' ') : out;
}

/**
 * Every token of `text` that reads as an IP address (IPv4 or IPv6), canonical. Tokens are maximal runs
 * of hex digits, '.' and ':'; linear time, no regular expression.
 */
export function addressTokens(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start < 0) return;
    let a = start, b = end;
    while (a < b && text.charCodeAt(a) === 46) a++;
    while (b > a && text.charCodeAt(b - 1) === 46) b--;
    if (b - a >= 2 && b - a <= 45) {
      const ip = canonicalIp(text.slice(a, b));
      if (ip) out.push(ip);
      else {
        // "1.2.3.4:80" or "[2001:db8::1]:443": try without a trailing ":port".
        const colon = text.lastIndexOf(':', b - 1);
        if (colon > a) { const ip2 = canonicalIp(text.slice(a, colon)); if (ip2) out.push(ip2); }
      }
    }
    start = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hex = (c >= 48 && c <= 58) || c === 46 || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    if (hex) { if (start < 0) start = i; } else flush(i);
  }
  flush(text.length);
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  portscan: 'port scan', sweep: 'address sweep', bruteforce: 'password-guessing attack', 'known-bad-inbound': 'contact from a listed bad address',
  'known-bad-outbound': 'connection to a listed bad address', beacon: 'regular call-home (beacon) traffic', flood: 'flood',
  'exposed-service': 'probe of an exposed service', 'research-scanner': 'research scanner',
};

/** The neutral sentence for a summary, built only from shared fields. */
export function neutralText(s: ShareSummary): string {
  const what = TYPE_WORDS[s.type] ?? s.type;
  const sub = s.subtype ? ` (${s.subtype})` : '';
  const hosts = s.victims.count === 1 ? '1 internal host' : `${s.victims.count} internal hosts`;
  const where = s.attacker.country ? ` in ${s.attacker.country}` : '';
  const who = s.attacker.network ?? s.attacker.ip;
  const rel = s.direction === 'outbound' ? `${hosts} contacted ${who}${where}` : `${who}${where} targeted ${hosts}`;
  const ports = s.ports && s.ports.length ? ` on ${s.ports.length} port${s.ports.length === 1 ? '' : 's'}` : '';
  return `${s.severity} ${what}${sub}: ${rel}${ports}, ${s.event_count} events between ${s.first_hour} and ${s.last_hour} (${s.mitre.technique.id}).`;
}

/**
 * Last line of defence: the internal addresses found in a serialised export (any address token inside
 * the site's networks or equal to a victim's address), plus any `forbidden` string (hostnames, the secret).
 */
export function findLeaks(text: string, isInternal: (ip: string) => boolean, forbidden: Iterable<string> = [], victims: Iterable<string> = []): string[] {
  const out = new Set<string>();
  const v = new Set<string>();
  for (const ip of victims) { const c = canonicalIp(ip); if (c) v.add(c); }
  for (const ip of addressTokens(text)) if (isInternal(ip) || v.has(ip)) out.add(ip);
  for (const f of forbidden) if (f && text.includes(f)) out.add(f);
  return [...out];
}

/** What must never appear in an export of these incidents: victim addresses, observer names, the secret. */
export function sensitive(incidents: Iterable<Incident>, secret?: string): { victims: Set<string>; forbidden: Set<string> } {
  const victims = new Set<string>(), forbidden = new Set<string>();
  for (const inc of incidents) {
    for (const v of inc.victims ?? []) if (v?.ip) victims.add(v.ip);
    for (const o of inc.observers ?? []) if (o) forbidden.add(o);
  }
  if (secret) forbidden.add(secret);
  return { victims, forbidden };
}

/**
 * An attacker's IPv6 network as it may be shared: a CIDR of 16 to 128 bits holding the attacker's address, in
 * canonical text; anything else (IPv4, a network that does not hold `ip`, a malformed text) is not shared.
 */
export function attackerNetwork(network: unknown, ip: string): string | undefined {
  if (typeof network !== 'string' || network.length > 60 || network.indexOf('/') < 0 || ipVersion(ip) !== 6) return undefined;
  const c = parseCidr(network);
  if (c === null || c.version !== 6 || Number(c.text.slice(c.text.indexOf('/') + 1)) < 16 || !cidrContains(c, ip)) return undefined;
  return c.text;
}

