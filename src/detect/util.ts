/**
 * Small, allocation-light helpers for the detection hot path: event time, hashing, bounded tables,
 * distinct-value sketches and CIDR matching.
 */
import { parseCidr, parseIPv4, Cidr, cidrContains } from '../net/ip';
import { msOfIso } from '../syslog/time';

/** Milliseconds since the epoch from an ISO 8601 time, fast for the "YYYY-MM-DDTHH:MM:SS(.sss)Z" we emit. NaN when unreadable. */
let dayKey = '';
let dayMs = 0;
/** The last "YYYY-MM-DDTHH:MM:" seen and its time: events come in time order, many in the same minute. */
let minuteKey = '';
let minuteMs = 0;

/** The last day seen by the fixed-layout path, as y*10000+m*100+d, and its time. */
let fixDay = -1;
let fixDayMs = 0;

export function parseTimeMs(s: string | undefined): number {
  if (typeof s !== 'string') return NaN;
  // The time of the event just parsed (or decoded): known without reading it.
  const known = msOfIso(s);
  if (known === known) return known;
  // (small, so the compiler copies it into its caller: the sum below is then not boxed as a heap number per call)
  if (s.length === 24) {
    const tod = fixedTimeOfDay(s);
    if (tod >= 0) return fixDayMs + tod;
  }
  return parseTimeGeneral(s);
}

/**
 * "YYYY-MM-DDTHH:MM:SS.sssZ" (what toISOString and our parsers write): every digit and separator at a
 * fixed place, read as numbers, the day's time cached by its number (no string compared or cut). Returns
 * the time within the day (a small integer; the day's time is then `fixDayMs`), or -1 for any other text.
 */
function fixedTimeOfDay(s: string): number {
  if (s.charCodeAt(23) === 90 && s.charCodeAt(19) === 46 && s.charCodeAt(16) === 58 && s.charCodeAt(13) === 58
    && s.charCodeAt(10) === 84 && s.charCodeAt(7) === 45 && s.charCodeAt(4) === 45) {
    const y = d4(s, 0), mo = d2(s, 5), d = d2(s, 8), h = d2(s, 11), mi = d2(s, 14), se = d2(s, 17);
    const f1 = s.charCodeAt(20) - 48, f2 = s.charCodeAt(21) - 48, f3 = s.charCodeAt(22) - 48;
    if ((y | mo | d | h | mi | se) >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60
      && f1 >= 0 && f1 <= 9 && f2 >= 0 && f2 <= 9 && f3 >= 0 && f3 <= 9) {
      const key = y * 10000 + mo * 100 + d;
      if (key !== fixDay) { fixDayMs = Date.UTC(y, mo - 1, d); fixDay = key; }
      return h * 3600000 + mi * 60000 + se * 1000 + (f1 * 100 + f2 * 10 + f3);
    }
  }
  return -1;
}

/** Any other ISO 8601 time ("Z" with 0 or more fraction digits; anything else goes to Date.parse). */
function parseTimeGeneral(s: string): number {
  const n = s.length;
  if (n >= 20 && s.charCodeAt(n - 1) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(4) === 45 && s.charCodeAt(13) === 58) {
    let base: number;
    if (minuteKey.length === 17 && s.startsWith(minuteKey)) base = minuteMs;
    else {
      let day: number;
      if (dayKey.length === 10 && s.startsWith(dayKey)) day = dayMs;
      else {
        const y = d4(s, 0), mo = d2(s, 5), d = d2(s, 8);
        if ((y | mo | d) < 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return Date.parse(s);
        day = Date.UTC(y, mo - 1, d);
        dayKey = s.slice(0, 10);
        dayMs = day;
      }
      const h = d2(s, 11), mi = d2(s, 14);
      if ((h | mi) < 0 || h > 23 || mi > 59) return Date.parse(s);
      base = day + h * 3600000 + mi * 60000;
      if (s.charCodeAt(16) === 58) { minuteKey = own(s.slice(0, 17)); minuteMs = base; }
    }
    const se = d2(s, 17);
    if (se < 0 || se > 60) return Date.parse(s);
    let ms = 0;
    if (n > 20 && s.charCodeAt(19) === 46) {
      // fraction: take up to 3 digits
      let scale = 100;
      for (let i = 20; i < n - 1; i++) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return Date.parse(s);
        if (scale >= 1) { ms += c * scale; scale /= 10; }
      }
    } else if (n !== 20) return Date.parse(s);
    return base + se * 1000 + ms;
  }
  return Date.parse(s);
}
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}
function d4(s: string, i: number): number {
  const a = d2(s, i), b = d2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

/**
 * A copy of `s` that does not share memory with the text it was cut from. Addresses sliced out of a
 * log line keep the whole read buffer (a megabyte) alive while a long-lived table holds them;
 * short strings (under 13 characters) are always copied by the engine already.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** 32-bit FNV-1a of a string. */
export function fnv32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A stable 16-hex-digit id from a text key. */
export function stableId(key: string): string {
  const a = fnv32(key), b = fnv32(key, 0x9747b28c);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

let isoDay = NaN;
let isoPrefix = '';

/** `new Date(ms).toISOString()` (the epoch when not finite), without a Date for times within a recent day. */
export function isoOfMs(ms: number): string {
  if (!Number.isFinite(ms)) return new Date(0).toISOString();
  if (!(ms >= 0 && ms < 253402300800000)) return new Date(ms).toISOString();
  const whole = Math.floor(ms);
  const day = Math.floor(whole / 86400000);
  if (day !== isoDay) { isoDay = day; isoPrefix = new Date(day * 86400000).toISOString().slice(0, 11); }
  let r = whole - day * 86400000;
  const h = Math.floor(r / 3600000);
  r -= h * 3600000;
  const mi = Math.floor(r / 60000);
  r -= mi * 60000;
  const se = Math.floor(r / 1000);
  const f = r - se * 1000;
  return isoPrefix + (h < 10 ? '0' : '') + h + (mi < 10 ? ':0' : ':') + mi + (se < 10 ? ':0' : ':') + se + (f < 10 ? '.00' : f < 100 ? '.0' : '.') + f + 'Z';
}

/** Entries of a BoundedMap carry a second-chance bit. */
export interface Clocked { hot: boolean }

/**
 * A Map with a hard size cap and CLOCK (second-chance) eviction: an entry touched since the last pass
 * survives one more pass, the others go oldest-inserted first. Cheap: no reordering on reads.
 */
export class BoundedMap<V extends Clocked> {
  readonly map = new Map<string, V>();
  evicted = 0;
  constructor(public cap: number, private readonly onEvict?: (key: string, v: V) => void) {}
  get size(): number { return this.map.size; }
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) v.hot = true;
    return v;
  }
  peek(key: string): V | undefined { return this.map.get(key); }
  set(key: string, v: V): void {
    this.map.set(key, v);
    if (this.map.size > this.cap) this.evict();
  }
  delete(key: string): boolean { return this.map.delete(key); }
  clear(): void { this.map.clear(); }
  values(): IterableIterator<V> { return this.map.values(); }
  entries(): IterableIterator<[string, V]> { return this.map.entries(); }
  /** Free about 1/64 of the cap (at least one entry) so eviction runs rarely. */
  private evict(): void {
    let need = this.map.size - this.cap + Math.max(1, this.cap >> 6);
    let second = need * 2;
    for (const [k, v] of this.map) {
      if (need <= 0) break;
      if (v.hot && second > 0) {
        second--;
        v.hot = false;
        this.map.delete(k);
        this.map.set(k, v);
        continue;
      }
      this.map.delete(k);
      need--;
      this.evicted++;
      this.onEvict?.(k, v);
    }
  }
}

/**
 * Distinct small integers (ports, IP protocol numbers): exact up to 24 values, then a 2048-bit
 * linear-counting sketch (256 bytes), so memory per source is bounded whatever the attacker sends.
 */
export class DistinctInts {
  private exact: number[] | null = [];
  private bits: Uint32Array | null = null;
  private zeros = 2048;
  /** Add a value; true when it was not seen before (approximately, once in sketch mode). */
  add(v: number): boolean {
    const ex = this.exact;
    if (ex !== null) {
      for (let i = 0; i < ex.length; i++) if (ex[i] === v) return false;
      if (ex.length < 24) { ex.push(v); return true; }
      this.bits = new Uint32Array(64);
      for (const x of ex) this.setBit(x);
      this.sample = ex;
      this.exact = null;
    }
    return this.setBit(v);
  }
  /** The first values seen (up to 32), kept for reports once the exact list has become a sketch. */
  sample: number[] = [];
  private setBit(v: number): boolean {
    let h = Math.imul(v ^ (v >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) & 2047;
    const w = h >>> 5, m = 1 << (h & 31);
    const b = this.bits!;
    if (b[w]! & m) return false;
    b[w] = b[w]! | m;
    this.zeros--;
    return true;
  }
  get count(): number {
    if (this.exact !== null) return this.exact.length;
    const z = Math.max(this.zeros, 1);
    return Math.max(24, Math.round(-2048 * Math.log(z / 2048)));
  }
  values(): number[] { return this.exact !== null ? this.exact : this.sample; }
  has(v: number): boolean { return this.exact !== null ? this.exact.includes(v) : false; }
}

/** Matches addresses against a fixed list of networks; IPv4 is tested without allocation. */
export class NetList {
  private readonly v4: number[] = []; // pairs lo, hi
  private readonly other: Cidr[] = [];
  readonly bad: string[] = [];
  constructor(cidrs: readonly string[] = []) {
    for (const c of cidrs) {
      const p = parseCidr(String(c));
      if (!p) { this.bad.push(String(c)); continue; }
      if (p.version === 4) this.v4.push(Number(p.lo), Number(p.hi));
      else this.other.push(p);
    }
  }
  get empty(): boolean { return this.v4.length === 0 && this.other.length === 0; }
  has(ip: string): boolean {
    if (ip.indexOf(':') < 0) {
      const n = parseIPv4(ip);
      if (n < 0) return false;
      const a = this.v4;
      for (let i = 0; i < a.length; i += 2) if (n >= a[i]! && n <= a[i + 1]!) return true;
      return false;
    }
    for (const c of this.other) if (cidrContains(c, ip)) return true;
    return false;
  }
}

/** RFC 1918 / CGNAT / ULA / link-local / loopback test without parsing (for events not yet enriched). */
export function looksInternal(ip: string): boolean {
  const c0 = ip.charCodeAt(0);
  if (ip.indexOf(':') >= 0) {
    const lo = ip.slice(0, 4).toLowerCase();
    return lo.startsWith('fc') || lo.startsWith('fd') || lo.startsWith('fe8') || ip === '::1';
  }
  if (c0 === 49 /* 1 */) {
    if (ip.startsWith('10.') || ip.startsWith('127.') || ip.startsWith('192.168.') || ip.startsWith('169.254.')) return true;
    if (ip.startsWith('172.')) { const n = parseIPv4(ip); return n >= 0 && ((n >>> 20) & 0xfff) === ((172 << 4) | 1); }
    if (ip.startsWith('100.')) { const n = parseIPv4(ip); return n >= 0 && ((n >>> 22) & 0x3ff) === ((100 << 2) | 1); }
  }
  return false;
}

/**
 * looksInternal for an address given as its IPv4 number: parseIPv4 only gives a number for a plain
 * dotted quad (no leading zeros), whose text starts with "10.", "127.", "192.168." … exactly when the
 * number is in these ranges.
 */
export function internalV4(n: number): boolean {
  const a = n >>> 24;
  return a === 10 || a === 127 || (n >>> 16) === 0xc0a8 || (n >>> 16) === 0xa9fe || (n >>> 20) === 0xac1 || (n >>> 22) === 0x191;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * A capped table of per-address records keyed by IPv4 as a number (open addressing in a typed
 * array, no string hashing), with a Map for IPv6. CLOCK eviction like BoundedMap. This is the
 * engine's hottest lookup (one per inbound event), so it avoids the generic Map.
 */
export class AddressTable<V extends Clocked> {
  private readonly keys: Uint32Array;
  private readonly vals: Array<V | undefined>;
  private readonly mask: number;
  private readonly shift: number;
  private n4 = 0;
  private hand = 0;
  private readonly v6: BoundedMap<V>;
  evicted = 0;
  constructor(readonly cap: number) {
    let bits = 4;
    while ((1 << bits) < cap * 2) bits++;
    this.keys = new Uint32Array(1 << bits);
    this.vals = new Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.v6 = new BoundedMap<V>(Math.max(16, cap >> 2));
  }
  get size(): number { return this.n4 + this.v6.size; }
  get evictions(): number { return this.evicted + this.v6.evicted; }

  /** The record for `ip` (as text; `n` its IPv4 number, or -1 when not IPv4). */
  get(ip: string, n: number): V | undefined {
    if (n <= 0) return this.v6.get(ip);
    const keys = this.keys, mask = this.mask;
    let i = Math.imul(n, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i]!;
      if (k === n) { const v = this.vals[i]!; v.hot = true; return v; }
      if (k === 0) return undefined;
      i = (i + 1) & mask;
    }
  }

  set(ip: string, n: number, v: V): void {
    if (n <= 0) { this.v6.set(ip, v); return; }
    if (this.n4 >= this.cap) this.evictOne();
    const keys = this.keys, mask = this.mask;
    let i = Math.imul(n, 0x9e3779b1) >>> this.shift;
    while (keys[i] !== 0 && keys[i] !== n) i = (i + 1) & mask;
    if (keys[i] === 0) this.n4++;
    keys[i] = n;
    this.vals[i] = v;
  }

  private evictOne(): void {
    const keys = this.keys, mask = this.mask;
    for (let guard = 0; guard < 4 * (mask + 1); guard++) {
      const i = this.hand;
      this.hand = (i + 1) & mask;
      if (keys[i] === 0) continue;
      const v = this.vals[i]!;
      if (v.hot) { v.hot = false; continue; }
      this.removeAt(i);
      this.evicted++;
      return;
    }
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private removeAt(i: number): void {
    const keys = this.keys, vals = this.vals, mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === 0) break;
      const home = Math.imul(k, 0x9e3779b1) >>> this.shift;
      // Move k back into the hole at i when its home is not in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = k;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = 0;
    vals[i] = undefined;
    this.n4--;
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i <= this.mask; i++) if (this.keys[i] !== 0) yield this.vals[i]!;
    yield* this.v6.values();
  }
}
