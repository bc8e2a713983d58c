/**
 * Open incidents: one per attacker, type and window, updated as they grow, turned into the public
 * `Incident` shape only when they are sent (so the per-event cost stays a few counter updates).
 */
import type { Direction, GwEvent, ThreatEnrichment } from '../event';
import type { Incident, Party, Severity, Victim } from './incident';
import type { Obs } from './obs';
import { clamp, isoOfMs, stableId, type Clocked } from './util';

export const MAX_VICTIMS = 32;
export const MAX_PORTS_PER_VICTIM = 32;
export const MAX_PORTS = 64;
/** Distinct source addresses counted for an IPv6 network's incident. */
export const MAX_ADDRESSES = 4096;

/** topPorts' sort keys (one engine at a time runs on a thread: no sharing problem). */
const TOP_SCRATCH = new Float64Array(MAX_PORTS);

/** What a detector says about one of its incidents when it is sent. */
export interface Description {
  /** 0–100 before the engine's repeat-offence bonus. */
  score: number;
  confidence: 'low' | 'medium' | 'high';
  summary: string;
  advice: string;
  /** Force a severity (e.g. a research scanner is always low). */
  severity?: Severity;
}
export type Describer = (inc: OpenIncident) => Description;

export interface Technique { id: string; name: string; tactic: string }

/**
 * A victim of an open incident. `sorted`: its ports in ascending order as last sent (the list only
 * grows, by push, up to MAX_PORTS_PER_VICTIM: same length, same list), so a full list is sorted once.
 */
export type OpenVictim = Victim & { count: number; sorted?: number[] | null };

/**
 * An incident's port → count Map that counts its changes, so topPorts can tell that its last answer still
 * holds (a scan's 64 listed ports rarely change between two sends, and ordering them is the costly part).
 */
export class PortCounts extends Map<number, number> {
  changes = 0;
  override set(port: number, count: number): this {
    this.changes++;
    return super.set(port, count);
  }
  override delete(port: number): boolean {
    this.changes++;
    return super.delete(port);
  }
  override clear(): void {
    this.changes++;
    super.clear();
  }
}

export class OpenIncident implements Clocked {
  hot = true;
  id: string;
  subtype?: string;
  attacker: Party;
  direction?: Direction;
  first: number;
  last: number;
  events = 0;
  allowed = 0;
  victims: OpenVictim[] = [];
  /** Victims beyond MAX_VICTIMS (counted, not listed). */
  moreVictims = 0;
  ports = new PortCounts();
  transports: string[] = [];
  observers: string[] = [];
  details: Record<string, unknown> = {};
  status: 'new' | 'update' | 'repeat';
  /** Incidents of this type from this attacker before this one. */
  repeat: number;
  /** Detector-specific numbers for scoring. */
  level = 0;
  emittedCount = 0;
  emittedAt = -Infinity;
  emittedSubtype?: string;
  emittedLevel = 0;
  /** The detector's type (differs from `type` for a research scanner). */
  kindType: string;
  /** How long it may stay quiet before it closes (ms; set by the engine when it opens it, NaN: look it up by kindType). */
  quietMs = NaN;
  dirty = false;
  closed = false;
  /** An IPv6 network's incident: its source addresses seen (capped at MAX_ADDRESSES); null otherwise. */
  addresses: Set<string> | null = null;
  /** Called before each snapshot so details reflect the latest state. */
  refresh?: () => void;
  /** topPorts' last order (positions in the Map's insertion order) and how many ports it had. */
  private topPerm: Int32Array | null = null;
  private topN = 0;
  /** topPorts' last answer and the `ports.changes` it was computed at (-1: none). */
  private topLast: number[] | null = null;
  private topAt = -1;
  /** The last first/last times formatted (they rarely change between two snapshots). */
  private isoMs = [NaN, NaN];
  private isoText = ['', ''];

  constructor(
    readonly key: string,
    public type: string,
    readonly technique: Technique,
    readonly describe: Describer,
    attacker: Party,
    t: number,
    repeat: number,
  ) {
    this.attacker = attacker;
    this.first = t;
    this.last = t;
    this.repeat = repeat;
    this.status = repeat > 0 ? 'repeat' : 'new';
    this.kindType = type;
    this.id = stableId(`${type}|${key}|${t}`);
  }

  /** Count an event against this incident. */
  add(o: Obs, victimIp: string | undefined, port: number, n = o.packets): void {
    const t = o.t;
    if (t > this.last) this.last = t;
    if (t < this.first) this.first = t;
    this.count(victimIp, port, n, o.allowed ? n : 0);
    const tr = o.transport;
    if (tr && this.transports.length < 8 && !this.transports.includes(tr)) this.transports.push(tr);
    const ob = o.observer;
    if (this.observers.length < 8 && !this.observers.includes(ob)) this.observers.push(ob);
    const as = this.addresses;
    if (as !== null && as.size < MAX_ADDRESSES) as.add(o.src);
  }

  /**
   * Count n events that came before the incident opened (a detector's own record of them, seeded when it
   * opens): `allowed` of them let through, all to `victimIp` (when known) on `port`. Times are the caller's.
   */
  addEarlier(victimIp: string | undefined, port: number, n: number, allowed: number): void {
    if (n > 0) this.count(victimIp, port, n, Math.min(n, Math.max(0, allowed)));
  }

  /** n events, `allowed` of them let through, on victimIp (when known) and port (when >= 0). */
  private count(victimIp: string | undefined, port: number, n: number, allowed: number): void {
    this.events += n;
    this.allowed += allowed;
    this.dirty = true;
    if (victimIp !== undefined) this.addVictim(victimIp, port, n);
    if (port >= 0) {
      // (one lookup: a listed port counts on, a new one is listed while there is room)
      const c = this.ports.get(port);
      if (c !== undefined) this.ports.set(port, c + n);
      else if (this.ports.size < MAX_PORTS) this.ports.set(port, 0 + n);
    }
  }

  addVictim(ip: string, port: number, n: number): void {
    const vs = this.victims;
    let v: OpenVictim | undefined;
    for (let i = 0; i < vs.length; i++) if (vs[i]!.ip === ip) { v = vs[i]; break; }
    if (v === undefined) {
      if (vs.length >= MAX_VICTIMS) { this.moreVictims++; return; }
      v = { ip, ports: [], count: 0, sorted: null };
      vs.push(v);
    }
    v.count += n;
    if (port >= 0 && v.ports.length < MAX_PORTS_PER_VICTIM && !v.ports.includes(port)) v.ports.push(port);
  }

  get victimCount(): number {
    return this.victims.length + this.moreVictims;
  }

  /** Ports, most frequent first. */
  topPorts(): number[] {
    // (the answer depends on the Map's content only: unchanged since the last call, the same list again)
    const ports = this.ports, ch = ports.changes;
    if (ch === this.topAt && this.topLast !== null) return this.topLast.slice();
    const out = this.topPortsNow();
    this.topLast = out.slice();
    this.topAt = ch;
    return out;
  }

  private topPortsNow(): number[] {
    // One number per port, count down then port up (port - count * 65536: exact below 2^52, and all
    // different as the ports are), in a reused scratch array (at most MAX_PORTS of them: no allocation
    // but the result); anything that is not a plain port and count (hostile input), or more of them,
    // takes the general sort.
    const n = this.ports.size;
    if (n <= TOP_SCRATCH.length) {
      const keys = TOP_SCRATCH;
      // (keys, then values: both in insertion order, and cheaper to walk than [key, value] entries)
      let i = 0;
      for (const port of this.ports.keys()) {
        if (!(port >= 0 && port < 65536 && Math.floor(port) === port)) return this.topPortsSlow();
        keys[i++] = port;
      }
      i = 0;
      for (const c of this.ports.values()) {
        if (!(c >= 0 && c < 2 ** 36 && Math.floor(c) === c)) return this.topPortsSlow();
        keys[i] -= c * 65536;
        i++;
      }
      // Sort positions (insertion order) by key, starting from the order found last time: ports are never
      // removed and new ones come last in the Map, and between two calls a few counts moved, so the
      // insertion sort has little to do. (Any starting order gives the same result: keys are distinct.)
      let perm = this.topPerm;
      if (perm === null) perm = this.topPerm = new Int32Array(TOP_SCRATCH.length);
      let m = this.topN;
      if (m > n) m = 0;
      // (the last order is a permutation of positions 0..m-1; the newer positions follow it)
      for (let j = m; j < n; j++) perm[j] = j;
      for (let j = 1; j < n; j++) {
        const x = perm[j]!, kx = keys[x]!;
        let q = j;
        while (q > 0 && keys[perm[q - 1]!]! > kx) { perm[q] = perm[q - 1]!; q--; }
        perm[q] = x;
      }
      this.topN = n;
      const out = new Array<number>(n);
      // (k / 65536 is exact; its floor is -count since 0 <= port < 65536)
      for (let j = 0; j < n; j++) { const k = keys[perm[j]!]!; out[j] = k - Math.floor(k / 65536) * 65536; }
      return out;
    }
    return this.topPortsSlow();
  }

  private topPortsSlow(): number[] {
    return [...this.ports.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).map((e) => e[0]);
  }

  private iso(k: number, ms: number): string {
    if (this.isoMs[k] !== ms) { this.isoMs[k] = ms; this.isoText[k] = isoOfMs(ms); }
    return this.isoText[k]!;
  }

  /** The public shape. `bonus` is added to the detector's score (repeat offence, reputation). */
  snapshot(): Incident {
    this.refresh?.();
    const d = this.describe(this);
    let score = d.score;
    if (d.severity === undefined) {
      // (a machine calling out on a schedule again the next day is not a repeat offence: a printer polling its
      // maker's cloud does it every day too, and the bonus made every such poller a high alert from its third day)
      if (this.repeat > 0 && this.type !== 'beacon') score += Math.min(15, 5 * this.repeat);
      if (this.attacker.reputation?.length && this.type !== 'known-bad-inbound' && this.type !== 'known-bad-outbound') score += 10;
      // A scan or sweep the firewall blocked entirely, from an address on no list, is at most medium: there is
      // nothing to do about it now, and every internet address is scanned daily (the same survey scanner back
      // each day reached "high" by the repeat bonus alone: an alert mail a day for blocked packets). It stays in
      // the report; anything let through, or a listed address, keeps its full score.
      if (this.allowed === 0 && (this.type === 'portscan' || this.type === 'sweep' || this.type === 'research-scanner')
        && !this.attacker.reputation?.length) score = Math.min(score, BLOCKED_RECON_MAX);
    }
    score = Math.round(clamp(score, 0, 100));
    const severity = d.severity ?? severityOf(score);
    const inc: Incident = {
      id: this.id,
      type: this.type,
      severity,
      score,
      confidence: d.confidence,
      attacker: { ...this.attacker },
      victims: this.victims.map((v) => ({ ip: v.ip, ports: sortedPorts(v), count: v.count })),
      first_seen: this.iso(0, this.first),
      last_seen: this.iso(1, this.last),
      event_count: this.events,
      allowed_count: this.allowed,
      transports: [...this.transports],
      ports: this.topPorts(),
      mitre: { technique: { id: this.technique.id, name: this.technique.name }, tactic: this.technique.tactic },
      summary: d.summary,
      advice: d.advice,
      observers: [...this.observers],
      status: this.status,
      details: copyDetails(this.details),
    };
    if (this.subtype !== undefined) inc.subtype = this.subtype;
    if (this.direction !== undefined) inc.direction = this.direction;
    if (this.moreVictims > 0) inc.details!.more_victims = this.moreVictims;
    // (from the opening on: the profile does not keep the addresses of the events before it)
    if (this.addresses !== null) inc.details!.source_addresses = this.addresses.size;
    return inc;
  }
}

/** Details are copied so a sent incident never changes under its receiver. */
function copyDetails(d: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(d);
  for (let i = 0; i < keys.length; i++) { const k = keys[i]!, v = d[k]; out[k] = Array.isArray(v) ? [...v] : v; }
  return out;
}

/** sortedCopy's scratch (ports lists are at most 32 long). */
const SORT_SCRATCH = new Float64Array(64);

/** Shell sort gaps (Ciura's), for the short lists sorted here. */
const GAPS = [57, 23, 10, 4, 1];

/**
 * Sort the first n numbers of a scratch array ascending (no NaN in them): a Shell sort, in place, no
 * allocation. Not stable, which only matters for equal numbers that differ (-0 and 0): a list of
 * distinct ports never has both.
 */
function sortScratch(a: Float64Array, n: number): void {
  for (let g = 0; g < GAPS.length; g++) {
    const h = GAPS[g]!;
    if (h >= n) continue;
    for (let i = h; i < n; i++) {
      const x = a[i]!;
      let j = i;
      while (j >= h && a[j - h]! > x) { a[j] = a[j - h]!; j -= h; }
      a[j] = x;
    }
  }
}

/** A victim's ports in ascending order, a new array each time (sorted again only when the list grew). */
function sortedPorts(v: OpenVictim): number[] {
  const c = v.sorted;
  if (c != null && c.length === v.ports.length) return c.slice();
  const s = sortedCopy(v.ports);
  v.sorted = s.slice();
  return s;
}

/**
 * A copy of a victim's ports in ascending order (short lists, already almost sorted: insertion sort).
 * Anything but plain numbers (hostile input) takes the general sort, so the order is the same.
 */
function sortedCopy(ps: number[]): number[] {
  const n = ps.length;
  for (let i = 0; i < n; i++) if (typeof ps[i] !== 'number' || ps[i] !== ps[i]) return [...ps].sort((a, b) => a - b);
  if (n > 12 && n <= SORT_SCRATCH.length) {
    // (a -0 is kept as it is: Float64Array holds it; a list of distinct ports never has both -0 and 0)
    const a = SORT_SCRATCH;
    for (let i = 0; i < n; i++) a[i] = ps[i]!;
    sortScratch(a, n);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = a[i]!;
    return out;
  }
  const out = ps.slice();
  for (let i = 1; i < out.length; i++) {
    const x = out[i]!;
    let j = i;
    while (j > 0 && out[j - 1]! > x) { out[j] = out[j - 1]!; j--; }
    out[j] = x;
  }
  return out;
}

/** The highest score of blocked reconnaissance from an unlisted address: the top of "medium". */
const BLOCKED_RECON_MAX = 59;

export function severityOf(score: number): Severity {
  return score >= 85 ? 'critical' : score >= 60 ? 'high' : score >= 35 ? 'medium' : 'low';
}

/** The remote party as it appears in an incident: address with its geo, AS and reputation from the event. */
export function partyOf(ev: GwEvent, side: 'source' | 'destination'): Party {
  const e = ev[side];
  const p: Party = { ip: e.ip ?? '' };
  if (e.geo) p.geo = e.geo;
  if (e.as) p.as = e.as;
  if (e.address_scope) p.address_scope = e.address_scope;
  const field = side === 'source' ? 'source.ip' : 'destination.ip';
  const all = ev.threat?.enrichments;
  const rep = Array.isArray(all) ? all.filter((x: ThreatEnrichment) => x?.matched?.field === field) : undefined;
  if (rep && rep.length) p.reputation = rep;
  return p;
}

/** "a few", "12", "about 300": counts for sentences. */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function place(p: Party): string {
  const c = p.geo?.country_name ?? p.geo?.country_iso_code;
  const org = p.as?.organization?.name;
  const bits = [c ? `in ${c}` : '', org ? `(${org})` : ''].filter(Boolean).join(' ');
  const who = p.network !== undefined ? `the network ${p.network}` : p.ip;
  return bits ? `${who} ${bits}` : who;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} seconds`;
  if (s < 5400) return `${Math.round(s / 60)} minutes`;
  if (s < 172800) return `${Math.round(s / 3600)} hours`;
  return `${Math.round(s / 86400)} days`;
}

export function listPorts(ports: number[], max = 6): string {
  if (ports.length === 0) return '';
  const shown = ports.slice(0, max).join(', ');
  return ports.length > max ? `${shown} and ${ports.length - max} more` : shown;
}
