/**
 * Hourly traffic rollups: the aggregation behind every report. One class, used the same way offline
 * (the CLI feeds a whole log through `add` and reads `snapshot()`) and in the store (which calls
 * `drain()` on every flush and adds the deltas to SQLite).
 *
 * Tables (all per UTC hour):
 * - traffic: action × direction × remote country × destination port × transport × known-bad → events.
 *   Ports below 1024, ports with a service name, and allowed connections always keep their port; other
 *   ("unlisted") ports keep theirs for the first `maxOtherPortsPerHour` of them seen in an hour, and are
 *   counted as port -1 ("other ports") after that. And at most `maxTrafficKeysPerHour` distinct keys per
 *   hour: past that a new key is folded into port -1 too. So a 65,535-port scan cannot blow the table up,
 *   and totals stay exact.
 * - sources: per remote address (inbound: the sender, an IPv6 one as its /64; outbound: only known-bad destinations) the
 *   denied/allowed counts with country and network. Bounded: at most 4×`maxSourcesPerHour` in memory
 *   (pruned to the busiest 2×); the store keeps the busiest `maxSourcesPerHour` per closed hour.
 * - asns: per remote network (AS number) → denied/allowed events, capped per hour like traffic.
 * - distinct: a 1,024-register HyperLogLog of inbound remote addresses (IPv6: /64s; about ±3%), so a report can say
 *   how many different addresses tried, however many there were.
 */
import { isIcmp, type GwEvent } from '../event';
import { isListedPort } from './services';
import { ipv6Network } from '../net/ip';
import { DEFAULT_CONFIG } from '../detect/config';

/** Inbound IPv6 senders are counted per network of this size (the detection engine's default). */
const SENDER_V6_BITS = DEFAULT_CONFIG.general.ipv6Prefix;

export type RemoteDir = 'in' | 'out';

export interface TrafficRow {
  /** Start of the UTC hour, epoch ms. */
  hour: number;
  action: string;
  direction: string;
  /** ISO country of the remote party, '' when unknown. */
  country: string;
  /** Destination port; 0 when the protocol has none (ICMP), -1 for "other ports" (over the cap). */
  port: number;
  transport: string;
  /** 1 when a reputation list matched the event. */
  bad: number;
  count: number;
}

export interface SourceRow {
  hour: number;
  dir: RemoteDir;
  ip: string;
  country: string;
  asn: number;
  org: string;
  deny: number;
  allow: number;
  bad: number;
}

export interface AsnRow {
  hour: number;
  asn: number;
  org: string;
  country: string;
  deny: number;
  allow: number;
}

export interface DistinctRow {
  hour: number;
  regs: Uint8Array;
}

/** Events per time bucket (a store query that sums traffic over the whole period gives these for the chart). */
export interface SeriesRow {
  hour: number;
  action: string;
  direction: string;
  count: number;
}

/** Everything a report needs about traffic, for any span of hours. */
export interface RollupData {
  traffic: TrafficRow[];
  /** When present, the activity chart uses these instead of the traffic rows' hours. */
  series?: SeriesRow[];
  sources: SourceRow[];
  asns: AsnRow[];
  distinct: DistinctRow[];
}

export interface RollupOptions {
  maxTrafficKeysPerHour?: number;
  /** Distinct unlisted ports (≥ 1024, no service name) kept exactly per hour. Default 64. */
  maxOtherPortsPerHour?: number;
  maxSourcesPerHour?: number;
  maxAsnsPerHour?: number;
  /** Hours kept open in memory behind the newest (drain mode); older buckets are dropped once drained. */
  openHours?: number;
}

export const HLL_P = 10;
export const HLL_M = 1 << HLL_P;

interface SourceEntry extends SourceRow {
  flushedDeny: number;
  flushedAllow: number;
}

interface Bucket {
  hour: number;
  traffic: Map<string, TrafficRow>;
  sources: Map<string, SourceEntry>;
  asns: Map<number, AsnRow>;
  hll: Uint8Array;
  hllDirty: boolean;
  sourcesPruned: number;
  otherPorts: Set<number>;
}

const HOUR = 3600000;

/** 32-bit FNV-1a over UTF-16 code units, then a murmur3 finaliser for good low/high bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hllAdd(regs: Uint8Array, s: string): boolean {
  const h = hash32(s);
  const idx = h >>> (32 - HLL_P);
  const rest = (h << HLL_P) >>> 0;
  const rank = rest === 0 ? 32 - HLL_P + 1 : Math.clz32(rest) + 1;
  if (rank > regs[idx]!) {
    regs[idx] = rank;
    return true;
  }
  return false;
}

export function hllMerge(into: Uint8Array, from: Uint8Array): void {
  const n = Math.min(into.length, from.length);
  for (let i = 0; i < n; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
}

export function hllCount(regs: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < HLL_M; i++) {
    const r = regs[i]!;
    sum += 1 / 2 ** r;
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / HLL_M);
  const est = (alpha * HLL_M * HLL_M) / sum;
  if (est <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
  return Math.round(est);
}

/** Start of the UTC hour of an ISO timestamp, epoch ms (NaN when unreadable). */
const hourCache = new Map<string, number>();
export function hourOf(ts: string): number {
  // The common case is "YYYY-MM-DDTHH:…Z": the first 13 characters name the hour.
  if (ts.length >= 20 && ts.charCodeAt(ts.length - 1) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */) {
    const k = ts.slice(0, 13);
    let h = hourCache.get(k);
    if (h === undefined) {
      h = Date.parse(`${k}:00:00Z`);
      if (hourCache.size > 20000) hourCache.clear();
      hourCache.set(k, h);
    }
    return h;
  }
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? NaN : ms - (((ms % HOUR) + HOUR) % HOUR);
}

export class RollupAccumulator {
  /** Events counted since creation. */
  events = 0;
  /** Events whose time could not be read (counted, not aggregated). */
  badTime = 0;
  private readonly buckets = new Map<number, Bucket>();
  private maxHour = -Infinity;
  private curKey = '';
  private cur: Bucket | null = null;
  /** The last IPv6 sender and its /64 (a stream repeats its senders). */
  private lastV6 = '';
  private lastV6Net = '';
  private readonly maxTraffic: number;
  private readonly maxOtherPorts: number;
  private readonly maxSources: number;
  private readonly maxAsns: number;
  private readonly openHours: number;
  /** Hours whose per-address table has not been trimmed to maxSourcesPerHour yet. */
  private readonly open = new Set<number>();

  constructor(opts: RollupOptions = {}) {
    this.maxTraffic = opts.maxTrafficKeysPerHour ?? 5000;
    this.maxOtherPorts = opts.maxOtherPortsPerHour ?? 64;
    this.maxSources = opts.maxSourcesPerHour ?? 200;
    this.maxAsns = opts.maxAsnsPerHour ?? 2000;
    this.openHours = opts.openHours ?? 3;
  }

  get maxSourcesPerHour(): number {
    return this.maxSources;
  }

  private bucket(ts: string): Bucket | null {
    if (this.cur && ts.charCodeAt(ts.length - 1) === 90 && ts.startsWith(this.curKey)) return this.cur;
    const k = ts.length >= 13 ? ts.slice(0, 13) : ts;
    const hour = hourOf(ts);
    if (Number.isNaN(hour)) return null;
    let b = this.buckets.get(hour);
    if (!b) {
      b = { hour, traffic: new Map(), sources: new Map(), asns: new Map(), hll: new Uint8Array(HLL_M), hllDirty: false, sourcesPruned: 0, otherPorts: new Set() };
      this.buckets.set(hour, b);
      this.open.add(hour);
      if (hour > this.maxHour) {
        this.maxHour = hour;
        this.compactClosed();
      }
    }
    // Only a "YYYY-MM-DDTHH…Z" time names its UTC hour by its first 13 characters.
    this.curKey = ts.length >= 20 && ts.charCodeAt(ts.length - 1) === 90 && ts.charCodeAt(10) === 84 ? k : '\u0000';
    this.cur = b;
    return b;
  }

  add(ev: GwEvent): void {
    this.events++;
    const ts = ev['@timestamp'];
    const b = typeof ts === 'string' ? this.bucket(ts) : null;
    if (!b) {
      this.badTime++;
      return;
    }
    const action = ev.event?.action === 'allow' ? 'allow' : 'deny';
    const direction = ev.network?.direction ?? 'unknown';
    const outbound = direction === 'outbound';
    const remote = outbound ? ev.destination : direction === 'internal' ? undefined : ev.source;
    const country = remote?.geo?.country_iso_code ?? '';
    const transport = ev.network?.transport ?? '';
    let port = isIcmp(transport) ? 0 : ev.destination?.port ?? 0;
    if (action !== 'allow' && !isListedPort(port) && !b.otherPorts.has(port)) {
      if (b.otherPorts.size < this.maxOtherPorts) b.otherPorts.add(port);
      else port = -1;
    }
    const bad = ev.threat?.enrichments?.length ? 1 : 0;

    const key = `${action}|${direction}|${country}|${port}|${transport}|${bad}`;
    let row = b.traffic.get(key);
    if (!row) {
      if (b.traffic.size >= this.maxTraffic) {
        const okey = `${action}|${direction}|${country}|-1|${transport}|${bad}`;
        row = b.traffic.get(okey);
        if (!row) {
          row = { hour: b.hour, action, direction, country, port: -1, transport, bad, count: 0 };
          b.traffic.set(okey, row);
        }
      } else {
        row = { hour: b.hour, action, direction, country, port, transport, bad, count: 0 };
        b.traffic.set(key, row);
      }
    }
    row.count++;

    if (!remote || !remote.ip) return;
    const asn = remote.as?.number ?? 0;
    if (asn > 0) {
      let a = b.asns.get(asn);
      if (!a) {
        if (b.asns.size >= this.maxAsns) {
          a = b.asns.get(-1);
          if (!a) b.asns.set(-1, (a = { hour: b.hour, asn: -1, org: '', country: '', deny: 0, allow: 0 }));
        } else {
          b.asns.set(asn, (a = { hour: b.hour, asn, org: remote.as?.organization?.name ?? '', country, deny: 0, allow: 0 }));
        }
      }
      if (action === 'allow') a.allow++;
      else a.deny++;
    }
    if (outbound && !bad) return;
    const dir: RemoteDir = outbound ? 'out' : 'in';
    // (an inbound IPv6 sender counts as its /64, as detection counts it: one party, however many of its
    // addresses it uses; a known-bad destination is one server, kept exact)
    const who = outbound ? remote.ip : this.senderOf(remote.ip);
    const skey = outbound ? `o${who}` : who;
    let s = b.sources.get(skey);
    if (!s) {
      // An address already in this hour's table is already in the HyperLogLog: hash only new ones.
      if (!outbound && hllAdd(b.hll, who)) b.hllDirty = true;
      if (b.sources.size >= this.maxSources * 4) this.pruneSources(b);
      s = { hour: b.hour, dir, ip: who, country, asn, org: remote.as?.organization?.name ?? '', deny: 0, allow: 0, bad, flushedDeny: 0, flushedAllow: 0 };
      b.sources.set(skey, s);
    }
    if (action === 'allow') s.allow++;
    else s.deny++;
    if (bad) s.bad = 1;
  }

  /** An inbound sender as the report counts it: an IPv4 address as it is, an IPv6 one as its /64. */
  private senderOf(ip: string): string {
    // (IPv4 text has its first dot within the first four characters: no IPv6 parse for it)
    if (ip.charCodeAt(1) === 46 || ip.charCodeAt(2) === 46 || ip.charCodeAt(3) === 46) return ip;
    if (ip === this.lastV6) return this.lastV6Net;
    const net = ipv6Network(ip, SENDER_V6_BITS) ?? ip;
    this.lastV6 = ip;
    this.lastV6Net = net;
    return net;
  }

  /** Trim the address tables of hours that have closed to their busiest maxSourcesPerHour (offline memory). */
  private compactClosed(): void {
    const limit = this.maxHour - this.openHours * HOUR;
    for (const h of this.open) {
      if (h >= limit) continue;
      this.open.delete(h);
      const b = this.buckets.get(h);
      if (!b || b.sources.size <= this.maxSources) continue;
      // Keep entries with unflushed counts out of it only when they are among the busiest: the store trims
      // closed hours on disk to the same busiest set.
      const all = [...b.sources.entries()].sort((x, y) => (y[1].bad - x[1].bad) || (y[1].deny + y[1].allow - x[1].deny - x[1].allow));
      for (let i = this.maxSources; i < all.length; i++) b.sources.delete(all[i]![0]);
    }
  }

  /** Keep the busiest 2×maxSourcesPerHour addresses of an hour (known-bad ones first). */
  private pruneSources(b: Bucket): void {
    const all = [...b.sources.entries()];
    all.sort((x, y) => (y[1].bad - x[1].bad) || (y[1].deny + y[1].allow - x[1].deny - x[1].allow));
    const keep = this.maxSources * 2;
    for (let i = keep; i < all.length; i++) b.sources.delete(all[i]![0]);
    b.sourcesPruned += Math.max(0, all.length - keep);
  }

  /** Hours seen so far (epoch ms), ascending. */
  hours(): number[] {
    return [...this.buckets.keys()].sort((a, b) => a - b);
  }

  /** Everything accumulated (offline use: nothing has been drained). Sources trimmed to the busiest per hour. */
  snapshot(): RollupData {
    const out: RollupData = { traffic: [], sources: [], asns: [], distinct: [] };
    for (const b of this.buckets.values()) {
      for (const r of b.traffic.values()) if (r.count > 0) out.traffic.push({ ...r });
      for (const a of b.asns.values()) if (a.deny + a.allow > 0) out.asns.push({ ...a });
      const srcs = [...b.sources.values()].sort((x, y) => (y.bad - x.bad) || (y.deny + y.allow - x.deny - x.allow));
      for (const s of srcs.slice(0, this.maxSources)) {
        out.sources.push({ hour: s.hour, dir: s.dir, ip: s.ip, country: s.country, asn: s.asn, org: s.org, deny: s.deny, allow: s.allow, bad: s.bad });
      }
      out.distinct.push({ hour: b.hour, regs: b.hll.slice() });
    }
    return out;
  }

  /**
   * What changed since the last drain, as rows to add to a store (counts are increments). Buckets more
   * than `openHours` behind the newest are dropped after draining, so memory stays flat.
   */
  drain(): RollupData {
    const out: RollupData = { traffic: [], sources: [], asns: [], distinct: [] };
    for (const b of this.buckets.values()) {
      for (const r of b.traffic.values()) {
        if (r.count > 0) {
          out.traffic.push({ ...r });
          r.count = 0;
        }
      }
      for (const a of b.asns.values()) {
        if (a.deny + a.allow > 0) {
          out.asns.push({ ...a });
          a.deny = 0;
          a.allow = 0;
        }
      }
      for (const s of b.sources.values()) {
        const dd = s.deny - s.flushedDeny, da = s.allow - s.flushedAllow;
        if (dd > 0 || da > 0) {
          out.sources.push({ hour: s.hour, dir: s.dir, ip: s.ip, country: s.country, asn: s.asn, org: s.org, deny: dd, allow: da, bad: s.bad });
          s.flushedDeny = s.deny;
          s.flushedAllow = s.allow;
        }
      }
      if (b.hllDirty) {
        out.distinct.push({ hour: b.hour, regs: b.hll.slice() });
        b.hllDirty = false;
      }
    }
    const limit = this.maxHour - this.openHours * HOUR;
    for (const [h] of this.buckets) if (h < limit) {
      this.buckets.delete(h);
      this.open.delete(h);
    }
    if (this.cur && !this.buckets.has(this.cur.hour)) {
      this.cur = null;
      this.curKey = '';
    }
    return out;
  }

  /** Hours that are closed (older than the newest open window), for the store's per-hour pruning. */
  closedBefore(): number {
    return this.maxHour - this.openHours * HOUR;
  }
}

/** Merge several RollupData (e.g. offline parts) into one list set; no re-aggregation is needed by buildReport. */
export function concatRollups(parts: RollupData[]): RollupData {
  const out: RollupData = { traffic: [], sources: [], asns: [], distinct: [] };
  for (const p of parts) {
    out.traffic.push(...p.traffic);
    out.sources.push(...p.sources);
    out.asns.push(...p.asns);
    out.distinct.push(...p.distinct);
  }
  return out;
}
