/**
 * A CIDR matcher for hundreds of thousands of blocks, IPv4 and IPv6 mixed, where every block carries
 * a label (one bit of a 32-bit mask: which list it came from).
 *
 * Build: all blocks become [start, end] ranges; a sweep over the sorted range ends cuts the address
 * space into disjoint segments, each with the OR of the labels covering it; neighbours with the same
 * mask are merged. Lookup: one binary search over typed arrays, no allocation for IPv4.
 *
 * IPv6 is matched on the high 64 bits (the network part): a block longer than /64 is widened to its
 * /64. Blocklists name networks, and whoever holds one address of a /64 normally holds the whole /64.
 */
import { parseIPv4, parseIPv6 } from '../net/ip';

export interface IpSetStats { v4Segments: number; v6Segments: number; blocks: number; bad: number }

const TWO32 = 4294967296;
/** Pseudo-label of excluded blocks. */
const EXCLUDE = 32;
/** Event code space per position: label*2 + open/close, labels 0..32. */
const CODES = 128;

/** Parse "a.b.c.d[/n]" to [start, end] (unsigned) or null; no allocation besides the result. */
export function parseCidrV4(s: string, out: [number, number]): boolean {
  const slash = s.indexOf('/');
  const ip = parseIPv4(s, 0, slash < 0 ? s.length : slash);
  if (ip < 0) return false;
  let len = 32;
  if (slash >= 0) {
    len = 0;
    const n = s.length - slash - 1;
    if (n < 1 || n > 2) return false;
    for (let i = slash + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      len = len * 10 + c - 48;
    }
    if (len > 32) return false;
  }
  const size = 2 ** (32 - len);
  const start = ip - (ip % size);
  out[0] = start;
  out[1] = start + size - 1;
  return true;
}

/** Parse an IPv6 block to its high 64 bits as [start, end] bigints (build time only). */
export function parseCidrV6Hi(s: string): [bigint, bigint] | null {
  const slash = s.indexOf('/');
  const g = parseIPv6(slash < 0 ? s : s.slice(0, slash));
  if (!g) return null;
  let len = 128;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (p.length < 1 || p.length > 3) return null;
    len = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      len = len * 10 + c - 48;
    }
    if (len > 128) return null;
  }
  const hi = (BigInt(g[0]!) << 48n) | (BigInt(g[1]!) << 32n) | (BigInt(g[2]!) << 16n) | BigInt(g[3]!);
  const bits = len >= 64 ? 0n : BigInt(64 - len);
  const mask = bits === 0n ? 0n : (1n << bits) - 1n;
  const start = hi & ~mask & 0xffffffffffffffffn;
  return [start, start | mask];
}

/**
 * A list's blocks in compact form (IPv4 [start,end] pairs as Uint32, IPv6 high-64 [start,end] pairs as
 * BigUint64): ~8 bytes per IPv4 entry instead of a string, and no re-parsing when the index is rebuilt.
 */
export interface CompiledBlocks { v4: Uint32Array; v6: BigUint64Array; count: number; bad: number }

export function compileBlocks(entries: Iterable<string>): CompiledBlocks {
  const v4: number[] = [];
  const v6: bigint[] = [];
  const tmp: [number, number] = [0, 0];
  let count = 0, bad = 0;
  for (const e of entries) {
    if (e.indexOf(':') < 0) {
      if (!parseCidrV4(e, tmp)) { bad++; continue; }
      v4.push(tmp[0], tmp[1]);
    } else {
      const r = parseCidrV6Hi(e);
      if (!r) { bad++; continue; }
      v6.push(r[0], r[1]);
    }
    count++;
  }
  return { v4: Uint32Array.from(v4), v6: BigUint64Array.from(v6), count, bad };
}

/** Accumulates labelled blocks, then `build()` gives the immutable matcher. */
export class IpSetBuilder {
  private v4: number[] = []; // start, end, label triples
  private v6: bigint[] = [];
  private v6Labels: number[] = [];
  private readonly tmp: [number, number] = [0, 0];
  blocks = 0;
  bad = 0;

  /** Add one block ("a.b.c.d", "a.b.c.d/n", "v6", "v6/n") with label 0..31. Returns false when unreadable. */
  add(cidr: string, label = 0): boolean {
    if (label < 0 || label > 31) throw new RangeError('label must be 0..31');
    if (cidr.indexOf(':') < 0) {
      if (!parseCidrV4(cidr, this.tmp)) { this.bad++; return false; }
      this.v4.push(this.tmp[0], this.tmp[1], label);
    } else {
      const r = parseCidrV6Hi(cidr);
      if (!r) { this.bad++; return false; }
      this.v6.push(r[0], r[1]);
      this.v6Labels.push(label);
    }
    this.blocks++;
    return true;
  }

  /**
   * Never match inside this block, whatever else covers it (used to keep private/local space out of
   * reputation lists at build time, so lookups need no extra check).
   */
  exclude(cidr: string): boolean {
    if (cidr.indexOf(':') < 0) {
      if (!parseCidrV4(cidr, this.tmp)) return false;
      this.v4.push(this.tmp[0], this.tmp[1], EXCLUDE);
    } else {
      const r = parseCidrV6Hi(cidr);
      if (!r) return false;
      this.v6.push(r[0], r[1]);
      this.v6Labels.push(EXCLUDE);
    }
    return true;
  }

  /** Add a compiled list under one label. */
  addCompiled(c: CompiledBlocks, label = 0): void {
    if (label < 0 || label > 31) throw new RangeError('label must be 0..31');
    for (let i = 0; i < c.v4.length; i += 2) this.v4.push(c.v4[i]!, c.v4[i + 1]!, label);
    for (let i = 0; i < c.v6.length; i += 2) { this.v6.push(c.v6[i]!, c.v6[i + 1]!); this.v6Labels.push(label); }
    this.blocks += c.count;
    this.bad += c.bad;
  }

  addRangeV4(start: number, end: number, label = 0): void {
    this.v4.push(start, end, label);
    this.blocks++;
  }

  build(): IpSet {
    return new IpSet(buildV4(this.v4), buildV6(this.v6, this.v6Labels), this.blocks, this.bad);
  }
}

interface V4Table {
  starts: Uint32Array; ends: Uint32Array; masks: Uint32Array;
  /** For each /16 bucket, the last segment index whose start is inside or before it (-1: none). */
  bucketHi: Int32Array;
}
interface V6Table { sHi: Uint32Array; sLo: Uint32Array; eHi: Uint32Array; eLo: Uint32Array; masks: Uint32Array }

function buildV4(triples: number[]): V4Table {
  const n = triples.length / 3;
  // Events encoded as position*CODES + label*2 + (0 = open, 1 = close); positions ≤ 2^32 so the
  // product stays below 2^53. Closing events sit at end+1.
  const ev = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const s = triples[i * 3]!, e = triples[i * 3 + 1]!, l = triples[i * 3 + 2]!;
    ev[i * 2] = s * CODES + l * 2;
    ev[i * 2 + 1] = (e + 1) * CODES + l * 2 + 1;
  }
  ev.sort();
  const counts = new Int32Array(EXCLUDE + 1);
  const starts: number[] = [], ends: number[] = [], masks: number[] = [];
  let mask = 0;
  let i = 0;
  while (i < ev.length) {
    const pos = Math.floor(ev[i]! / CODES);
    while (i < ev.length && Math.floor(ev[i]! / CODES) === pos) {
      const code = ev[i]! - pos * CODES;
      const l = code >> 1;
      if (l === EXCLUDE) counts[l] += code & 1 ? -1 : 1;
      else if (code & 1) { if (--counts[l]! === 0) mask &= ~(1 << l); }
      else if (counts[l]!++ === 0) mask |= 1 << l;
      i++;
    }
    if (pos >= TWO32) break;
    const next = i < ev.length ? Math.floor(ev[i]! / CODES) : TWO32;
    if (mask !== 0 && counts[EXCLUDE] === 0) {
      const k = starts.length - 1;
      if (k >= 0 && masks[k] === (mask >>> 0) && ends[k]! + 1 === pos) ends[k] = next - 1;
      else { starts.push(pos); ends.push(next - 1); masks.push(mask >>> 0); }
    }
  }
  const st = Uint32Array.from(starts);
  const bucketHi = new Int32Array(65536);
  let k = -1;
  for (let b = 0; b < 65536; b++) {
    const last = b * 65536 + 65535;
    while (k + 1 < st.length && st[k + 1]! <= last) k++;
    bucketHi[b] = k;
  }
  return { starts: st, ends: Uint32Array.from(ends), masks: Uint32Array.from(masks), bucketHi };
}

function buildV6(ranges: bigint[], labels: number[]): V6Table {
  const n = labels.length;
  const evPos: bigint[] = new Array(n * 2);
  const evCode: number[] = new Array(n * 2);
  for (let i = 0; i < n; i++) {
    evPos[i * 2] = ranges[i * 2]!; evCode[i * 2] = labels[i]! * 2;
    evPos[i * 2 + 1] = ranges[i * 2 + 1]! + 1n; evCode[i * 2 + 1] = labels[i]! * 2 + 1;
  }
  const order = Array.from({ length: n * 2 }, (_, k) => k);
  order.sort((a, b) => (evPos[a]! < evPos[b]! ? -1 : evPos[a]! > evPos[b]! ? 1 : 0));
  const counts = new Int32Array(EXCLUDE + 1);
  const sA: bigint[] = [], eA: bigint[] = [], mA: number[] = [];
  const LIMIT = 1n << 64n;
  let mask = 0;
  let i = 0;
  while (i < order.length) {
    const pos = evPos[order[i]!]!;
    while (i < order.length && evPos[order[i]!] === pos) {
      const code = evCode[order[i]!]!;
      const l = code >> 1;
      if (l === EXCLUDE) counts[l] += code & 1 ? -1 : 1;
      else if (code & 1) { if (--counts[l]! === 0) mask &= ~(1 << l); }
      else if (counts[l]!++ === 0) mask |= 1 << l;
      i++;
    }
    if (pos >= LIMIT) break;
    const next = i < order.length ? evPos[order[i]!]! : LIMIT;
    if (mask !== 0 && counts[EXCLUDE] === 0) {
      const k = sA.length - 1;
      if (k >= 0 && mA[k] === (mask >>> 0) && eA[k]! + 1n === pos) eA[k] = next - 1n;
      else { sA.push(pos); eA.push(next - 1n); mA.push(mask >>> 0); }
    }
  }
  const m = sA.length;
  const t: V6Table = { sHi: new Uint32Array(m), sLo: new Uint32Array(m), eHi: new Uint32Array(m), eLo: new Uint32Array(m), masks: Uint32Array.from(mA) };
  for (let k = 0; k < m; k++) {
    t.sHi[k] = Number(sA[k]! >> 32n); t.sLo[k] = Number(sA[k]! & 0xffffffffn);
    t.eHi[k] = Number(eA[k]! >> 32n); t.eLo[k] = Number(eA[k]! & 0xffffffffn);
  }
  return t;
}

export class IpSet {
  constructor(private readonly t4: V4Table, private readonly t6: V6Table, readonly blocks: number, readonly bad: number) {}

  static empty(): IpSet { return new IpSetBuilder().build(); }

  static from(cidrs: Iterable<string>, label = 0): IpSet {
    const b = new IpSetBuilder();
    for (const c of cidrs) b.add(c, label);
    return b.build();
  }

  get stats(): IpSetStats {
    return { v4Segments: this.t4.starts.length, v6Segments: this.t6.masks.length, blocks: this.blocks, bad: this.bad };
  }

  get size(): number { return this.t4.starts.length + this.t6.masks.length; }

  /** Label mask for an IPv4 address as an unsigned number (0 = no match). */
  matchV4(n: number): number {
    const starts = this.t4.starts;
    const b = n >>> 16;
    let hi = this.t4.bucketHi[b]!;
    if (hi < 0) return 0;
    let lo = b > 0 ? this.t4.bucketHi[b - 1]! : 0;
    if (lo < 0) lo = 0;
    if (n < starts[lo]!) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= n) lo = mid; else hi = mid - 1;
    }
    return n <= this.t4.ends[lo]! ? this.t4.masks[lo]! : 0;
  }

  /** Label mask for the high 64 bits of an IPv6 address given as two unsigned 32-bit halves. */
  matchV6Hi(h: number, l: number): number {
    const t = this.t6;
    let lo = 0, hi = t.masks.length - 1;
    if (hi < 0) return 0;
    if (h < t.sHi[0]! || (h === t.sHi[0]! && l < t.sLo[0]!)) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const sh = t.sHi[mid]!;
      if (sh < h || (sh === h && t.sLo[mid]! <= l)) lo = mid; else hi = mid - 1;
    }
    const eh = t.eHi[lo]!;
    return h < eh || (h === eh && l <= t.eLo[lo]!) ? t.masks[lo]! : 0;
  }

  /** Label mask for parsed IPv6 groups (IPv4-mapped addresses are matched as IPv4). */
  matchV6Groups(g: number[]): number {
    if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
      return this.matchV4(((g[6]! << 16) | g[7]!) >>> 0);
    }
    if (this.t6.masks.length === 0) return 0;
    return this.matchV6Hi(((g[0]! << 16) | g[1]!) >>> 0, ((g[2]! << 16) | g[3]!) >>> 0);
  }

  /** Label mask for an address in text form (0 = no match or not an address). */
  match(ip: string): number {
    if (ip.indexOf(':') < 0) {
      const n = parseIPv4(ip);
      return n < 0 ? 0 : this.matchV4(n);
    }
    const g = parseIPv6(ip);
    return g ? this.matchV6Groups(g) : 0;
  }

  has(ip: string): boolean { return this.match(ip) !== 0; }
}
