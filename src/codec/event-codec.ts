/**
 * A compact binary form for batches of events, to hand them from one thread to another far cheaper than
 * structured clone or JSON (which cost about as much as parsing the line): about 0.7 µs to encode and
 * 0.25 µs to decode a netfilter event, against 5-9 µs each side for structured clone.
 *
 * A fixed schema lists the common ECS fields (ROOT below). Each object of an event is written as a mask
 * of the schema fields it holds, then their values in schema order; values go to
 *  - Int32 `ints`: masks, string indexes, IPv4 addresses, object ids, booleans;
 *  - Float64 `nums`: numbers (ports, bytes, ttl …; a Float64 keeps any JS number exactly);
 *  - strings: a per-batch table (`strs`); strings most events repeat (vendor, action …) sent once;
 *  - frozen shared objects (the geo/AS answers of the enricher's cache, the frozen event.type and
 *    tcp_flags arrays of the parsers): a table that lives as long as the decoder, each object sent
 *    once (`objs`), so the decoded events share one frozen copy as the originals do;
 *  - anything else (a key not in the schema, a value of an unexpected type, a key holding undefined, an
 *    object not frozen): `[key, value]` in `extras`, copied by the message's structured clone.
 * The typed arrays can be SharedArrayBuffer slots both threads use in turn (`into`), so a batch costs no
 * copy. The decoded event deep-equals the original whatever a parser adds; only the order of its keys
 * may differ (schema order, extras last).
 *
 * An event can also cross as a parser's own record (`addRecord`, VendorParser.record): the fields the
 * parser read, written by the parser with a RecordWriter, read back on the other side by the parser's
 * `build` with a RecordReader, which makes the event there. The sending thread then neither builds the
 * event nor walks it, and the receiving thread builds it as the parser does (same keys, same order).
 */

import { parseIPv4, rememberIPv4 } from '../net/ip';
import { isoOf, msOfIso } from '../syslog/time';

/**
 * Str: a string sent once per batch;
 * Time: an ISO time in the exact form toISOString writes ("2026-11-23T08:00:00.000Z", what the parsers
 * emit), sent as its milliseconds and written back by the decoder (a string per event cost ~0.4 µs in the
 * message's structured clone: the worker's dearest step), any other text in the batch's strings;
 * Ip: an address, sent as a 32-bit number when it is an IPv4 address in dotted-quad form (which the
 * decoder writes back to the same text), else in the batch's strings.
 */
const enum Kind { Str, Time, Ip, Num, Bool, Shared, Sub }

interface Field { key: string; kind: Kind; sub?: Obj }
interface Obj { fields: Field[] }

const S = Kind.Str, T = Kind.Time, IP = Kind.Ip, N = Kind.Num, B = Kind.Bool, O = Kind.Shared;
function obj(def: Record<string, Kind | Obj>): Obj {
  return { fields: Object.entries(def).map(([key, k]) => (typeof k === 'number' ? { key, kind: k } : { key, kind: Kind.Sub, sub: k })) };
}
const iface = (): Obj => obj({ interface: obj({ name: S }) });
const endpoint = (): Obj => obj({ ip: IP, port: N, mac: S, address_scope: S, geo: O, as: O, nat: obj({ ip: IP, port: N }), user: obj({ name: S }) });
/** The fields with a slot. Up to 30 per object (bit 30 of an object's mask says it has extras). */
const ROOT = obj({
  '@timestamp': T,
  event: obj({ kind: S, category: O, type: O, action: S, outcome: S, dataset: S, code: S, original: S, severity: N }),
  observer: obj({ vendor: S, product: S, type: S, hostname: S, ingress: iface(), egress: iface() }),
  source: endpoint(),
  destination: endpoint(),
  network: obj({ transport: S, iana_number: S, type: S, direction: S, bytes: N, packets: N }),
  rule: obj({ name: S, id: S }),
  gatewatch: obj({
    tcp_flags: O, tcp_options: B, icmp: obj({ type: N, code: N }), ttl: N, length: N, clock_skew_s: N, reporter: S, duration_s: N, app: S,
  }),
});
const EXTRAS_BIT = 1 << 30;

/**
 * The encoder and decoder are generated from the schema once, at load: one function per object with the
 * field names written out, so property loads and stores are plain named accesses V8 optimises (a generic
 * loop over keys costs as much as the structured clone it replaces). The code comes from the constant
 * schema above only, never from input.
 */
function generate(): { encSrc: string; decSrc: string; slots: number } {
  const objs: Obj[] = [];
  const idOf = new Map<Obj, number>();
  const visit = (o: Obj): void => { idOf.set(o, objs.length); objs.push(o); for (const f of o.fields) if (f.sub) visit(f.sub); };
  visit(ROOT);
  let slot = 0;
  const enc: string[] = [], dec: string[] = [];
  for (const o of objs) {
    const j = idOf.get(o)!;
    if (o.fields.length > 30) throw new Error('event codec: too many fields in one object');
    const e: string[] = [`function enc${j}(o) {`, '  const mp = ip; int(0);', '  let m = 0, c = 0, v;'];
    const d: string[] = [`function dec${j}() {`, '  const m = I[dp++]; const o = {};'];
    o.fields.forEach((f, i) => {
      const k = JSON.stringify(f.key), bit = `${1 << i}`;
      e.push(`  v = o[${k}];`);
      switch (f.kind) {
        case Kind.Str: {
          const sl = slot++;
          e.push(`  if (typeof v === 'string') { m |= ${bit}; c++; int(lastS[${sl}] === v ? lastSI[${sl}] : str(${sl}, v)); }`);
          d.push(`  if (m & ${bit}) o[${k}] = S[I[dp++]];`);
          break;
        }
        case Kind.Time:
          e.push(`  if (typeof v === 'string') { m |= ${bit}; c++; const t = isoMs(v); if (t === t) { int(0); num(t); } else { int(1); int(strs.push(v) - 1); } }`);
          d.push(`  if (m & ${bit}) o[${k}] = I[dp++] === 0 ? isoOf(F[fp++]) : S[I[dp++]];`);
          break;
        case Kind.Ip:
          e.push(`  if (typeof v === 'string') { m |= ${bit}; c++; const n = v4(v); if (n >= 0) { int(0); int(n); } else { int(1); int(strs.push(v) - 1); } }`);
          d.push(`  if (m & ${bit}) o[${k}] = I[dp++] === 0 ? v4s(I[dp++] >>> 0) : S[I[dp++]];`);
          break;
        case Kind.Num:
          e.push(`  if (typeof v === 'number') { m |= ${bit}; c++; num(v); }`);
          d.push(`  if (m & ${bit}) o[${k}] = F[fp++];`);
          break;
        case Kind.Bool:
          e.push(`  if (typeof v === 'boolean') { m |= ${bit}; c++; int(v ? 1 : 0); }`);
          d.push(`  if (m & ${bit}) o[${k}] = I[dp++] === 1;`);
          break;
        case Kind.Shared: {
          const sl = slot++;
          e.push(`  if (v === lastO[${sl}]) { m |= ${bit}; c++; int(lastOI[${sl}]); }`,
            `  else if (typeof v === 'object' && v !== null && Object.isFrozen(v)) { m |= ${bit}; c++; int(shared(${sl}, v)); }`);
          d.push(`  if (m & ${bit}) o[${k}] = SH[I[dp++]];`);
          break;
        }
        case Kind.Sub:
          e.push(`  if (typeof v === 'object' && v !== null && !Array.isArray(v)) { m |= ${bit}; c++; enc${idOf.get(f.sub!)}(v); }`);
          d.push(`  if (m & ${bit}) o[${k}] = dec${idOf.get(f.sub!)}();`);
          break;
      }
    });
    // Every key of the object must have gone to a slot; any other (or one holding undefined, or a value of
    // another type) goes to the extras, so nothing is lost or changed.
    e.push('  let n = 0; for (const _ in o) n++;', `  if (n !== c) { m |= ${EXTRAS_BIT}; extrasOf(o, m, KEYS[${j}]); }`, '  ints[mp] = m;', '}');
    d.push(`  if (m & ${EXTRAS_BIT}) { const s = I[dp++], n = I[dp++]; for (let i = s; i < s + n; i++) { const x = X[i]; o[x[0]] = x[1]; } }`, '  return o;', '}');
    enc.push(e.join('\n'));
    dec.push(d.join('\n'));
  }
  return { encSrc: enc.join('\n'), decSrc: dec.join('\n'), slots: slot };
}

function keysOf(): string[][] {
  const out: string[][] = [];
  const visit = (o: Obj): void => { out.push(o.fields.map((f) => f.key)); for (const f of o.fields) if (f.sub) visit(f.sub); };
  visit(ROOT);
  return out;
}

const GEN = generate();
const KEYS = keysOf();

/**
 * What a parser's record writes (see VendorParser.record), in an order its RecordReader reads back.
 * `str`: a string (or undefined) of a field that often repeats from one event to the next, `slot` (0-15)
 * telling the fields apart; `ip`: an address or undefined (an IPv4 address in dotted-quad form goes as a
 * number); `int`: a 32-bit integer; `num`: any number.
 */
export interface RecordWriter {
  int(v: number): void;
  num(v: number): void;
  str(slot: number, v: string | undefined): void;
  ip(v: string | undefined): void;
}
export interface RecordReader {
  int(): number;
  num(): number;
  str(): string | undefined;
  ip(): string | undefined;
}
/** String slots of the record writer (RecordWriter.str). */
const RECORD_SLOTS = 16;
/** A parser's record, as the encoder and decoder use it (VendorParser.record). */
export interface EventRecord {
  write(w: RecordWriter): void;
  build(r: RecordReader): object;
}

/** One batch as it crosses threads. `ints`/`nums` are transferable. */
export interface EventBatch {
  count: number;
  /** Absent when the batch was written into arrays both threads share (see EventEncoder.into). */
  ints?: Int32Array;
  nums?: Float64Array;
  strs: string[];
  /** New shared objects: [id, value]. */
  objs: [number, unknown][];
  /** The decoder drops its shared-object table before reading this batch (the encoder's table filled up). */
  reset: boolean;
  extras: [string, unknown][];
}

/** The ArrayBuffers of a batch, for postMessage's transfer list. */
export function transferList(b: EventBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (b.ints) out.push(b.ints.buffer as ArrayBuffer);
  if (b.nums) out.push(b.nums.buffer as ArrayBuffer);
  return out;
}

const MAX_SHARED = 1 << 16;

interface EncoderFns {
  add(ev: object): void; record(kind: number, rec: EventRecord): void; take(reset: boolean): EventBatch; size(): number; sharedCount(): number; clearShared(): void;
  into(ints: Int32Array, nums: Float64Array): void; room(): number;
}

/**
 * Words a batch written into shared arrays should keep free for the next event (one of the usual ECS
 * fields takes fewer); an event that does not fit (many keys unknown to the schema) is not lost: the
 * batch moves to arrays of its own.
 */
export const MAX_EVENT_WORDS = 17 * 33;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const makeEncoder = new Function('KEYS', 'SLOTS', 'RECORD_SLOTS', 'expected', 'msOfIso', 'parseIPv4', `
  let ints = new Int32Array(expected * 48), nums = new Float64Array(expected * 8), ip = 0, np = 0, count = 0;
  let strs = [], extras = [], objs = [];
  const strIdx = new Map(), sharedIds = new Map();
  let lastS = new Array(SLOTS + RECORD_SLOTS).fill(undefined), lastSI = new Array(SLOTS + RECORD_SLOTS).fill(0);
  const NO = {}; // never an event's value: an empty slot of lastO
  let lastO = new Array(SLOTS).fill(NO), lastOI = new Array(SLOTS).fill(0);
  // Writing into shared arrays (into): one that fills up is left for an array of this batch's own.
  let fixedI = false, fixedN = false;
  function int(v) {
    if (ip === ints.length) { const n = new Int32Array(ints.length * 2); n.set(ints); ints = n; fixedI = false; }
    ints[ip++] = v;
  }
  function num(v) {
    if (np === nums.length) { const n = new Float64Array(nums.length * 2); n.set(nums); nums = n; fixedN = false; }
    nums[np++] = v;
  }
  function str(sl, s) {
    let i = strIdx.get(s);
    if (i === undefined) { i = strs.length; strs.push(s); strIdx.set(s, i); }
    lastS[sl] = s; lastSI[sl] = i;
    return i;
  }
  function shared(sl, o) {
    let id = sharedIds.get(o);
    if (id === undefined) { id = sharedIds.size; sharedIds.set(o, id); objs.push([id, o]); }
    lastO[sl] = o; lastOI[sl] = id;
    return id;
  }
  // The number of an IPv4 address written exactly as v4s writes it (no leading zeros, four parts), else -1.
  function v4(s) {
    const L = s.length;
    if (L < 7 || L > 15) return -1;
    let n = 0, part = 0, digits = 0, dots = 0;
    for (let i = 0; i < L; i++) {
      const c = s.charCodeAt(i);
      if (c === 46) {
        if (digits === 0 || dots === 3) return -1;
        n = n * 256 + part; part = 0; digits = 0; dots++;
      } else if (c >= 48 && c <= 57) {
        if (digits > 0 && part === 0) return -1;
        part = part * 10 + (c - 48);
        if (++digits > 3 || part > 255) return -1;
      } else return -1;
    }
    return dots === 3 && digits > 0 ? n * 256 + part : -1;
  }
  // The milliseconds of "YYYY-MM-DDTHH:MM:SS.sssZ" when toISOString gives back exactly that text (a real
  // day of its month, second 0-59), else NaN. Stricter than parseTimeMs, which reads 31 Feb or second 60
  // as a time: here the decoder's isoOf must give back the very text. The day's start is kept: events come in time order.
  let dayKey = -1, dayMs = 0;
  const MDAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  function dd(s, i) { const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48; return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1000; }
  function isoMs(s) {
    const known = msOfIso(s); // the time the parser just wrote: no need to read (or even flatten) the text
    if (known === known) return known;
    if (s.length !== 24 || s.charCodeAt(23) !== 90 || s.charCodeAt(19) !== 46 || s.charCodeAt(16) !== 58 || s.charCodeAt(13) !== 58
      || s.charCodeAt(10) !== 84 || s.charCodeAt(7) !== 45 || s.charCodeAt(4) !== 45) return NaN;
    const y = dd(s, 0) * 100 + dd(s, 2), mo = dd(s, 5), d = dd(s, 8), h = dd(s, 11), mi = dd(s, 14), se = dd(s, 17);
    const f3 = s.charCodeAt(22) - 48, f = dd(s, 20) * 10 + f3;
    if (y < 100 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 || f3 < 0 || f3 > 9 || f < 0) return NaN;
    const key = y * 10000 + mo * 100 + d;
    if (key !== dayKey) {
      if (mo < 1 || mo > 12 || d < 1) return NaN;
      const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
      if (d > MDAYS[mo - 1] + (leap ? 1 : 0)) return NaN;
      dayKey = key; dayMs = Date.UTC(y, mo - 1, d); // (years 0-99, which Date.UTC reads as 19xx, are refused above)
    }
    return dayMs + h * 3600000 + mi * 60000 + se * 1000 + f;
  }
  function extrasOf(o, m, keys) {
    const s = extras.length;
    for (const k in o) { const i = keys.indexOf(k); if (i < 0 || (m & (1 << i)) === 0) extras.push([k, o[k]]); }
    int(s); int(extras.length - s);
  }
  ${GEN.encSrc}
  // A record: its kind as a negative word where an event's root mask (never negative) would be, then what the parser writes.
  const w = {
    int(v) { int(v); },
    num(v) { num(v); },
    str(sl, v) { int(v === undefined ? -1 : lastS[SLOTS + sl] === v ? lastSI[SLOTS + sl] : str(SLOTS + sl, v)); },
    // parseIPv4 reads dotted quads exactly as v4 does, and remembers the addresses the parser just read.
    ip(v) { if (v === undefined) int(2); else { const n = parseIPv4(v); if (n >= 0) { int(0); int(n); } else { int(1); int(strs.push(v) - 1); } } },
  };
  return {
    add(ev) { enc0(ev); count++; },
    record(kind, rec) { int(-1 - kind); rec.write(w); count++; },
    size() { return count; },
    sharedCount() { return sharedIds.size; },
    clearShared() { sharedIds.clear(); lastO.fill(NO); },
    into(i, n) { ints = i; nums = n; fixedI = fixedN = true; ip = 0; np = 0; },
    room() { return Math.min(ints.length - ip, nums.length - np); },
    take(reset) {
      const b = { count, ints: fixedI ? undefined : ints.slice(0, ip), nums: fixedN ? undefined : nums.slice(0, np), strs, objs, reset, extras };
      ip = 0; np = 0; count = 0; strs = []; extras = []; objs = [];
      strIdx.clear(); lastS.fill(undefined);
      return b;
    },
  };
`) as (keys: string[][], slots: number, recordSlots: number, expected: number, msOf: (iso: string) => number, parseV4: (s: string) => number) => EncoderFns;

interface DecoderFns { decode(b: EventBatch, each: (ev: Record<string, unknown>) => void, ints?: Int32Array, nums?: Float64Array): void }

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const makeDecoder = new Function('deepFreeze', 'isoOf', 'rememberIPv4', 'RECS', `
  let I, F, S, SH = [], X, dp = 0, fp = 0;
  // The text of an IPv4 number; enrichment and detection then read it back from parseIPv4's memory. The
  // texts of recent numbers are kept (a small table by number): an address that comes again (the site's
  // own, a scanner's) is the same string, neither built nor hashed again by the tables of later stages.
  const V4N = new Int32Array(1024), V4S = new Array(1024).fill('');
  function v4s(n) {
    const h = (n ^ (n >>> 10) ^ (n >>> 20)) & 1023;
    let s = V4S[h];
    if (V4N[h] !== (n | 0) || s === '') {
      s = (n >>> 24) + '.' + ((n >>> 16) & 255) + '.' + ((n >>> 8) & 255) + '.' + (n & 255);
      V4N[h] = n; V4S[h] = s;
    }
    rememberIPv4(s, n);
    return s;
  }
  ${GEN.decSrc}
  const r = {
    int() { return I[dp++]; },
    num() { return F[fp++]; },
    str() { const i = I[dp++]; return i < 0 ? undefined : S[i]; },
    ip() { const k = I[dp++]; return k === 0 ? v4s(I[dp++] >>> 0) : k === 1 ? S[I[dp++]] : undefined; },
  };
  function rec(kind) {
    const x = RECS[kind];
    if (x === undefined) throw new Error('event codec: a record of unknown kind ' + kind);
    return x.build(r);
  }
  return {
    decode(b, each, ints, nums) {
      if (b.reset) SH = [];
      // The originals were frozen (and shared by the events that refer to them): so are the copies.
      for (const [id, v] of b.objs) SH[id] = deepFreeze(v);
      I = b.ints ?? ints; F = b.nums ?? nums; S = b.strs; X = b.extras; dp = 0; fp = 0;
      for (let i = 0; i < b.count; i++) { const m = I[dp]; if (m < 0) { dp++; each(rec(-1 - m)); } else each(dec0()); }
      I = F = S = X = undefined;
    },
  };
`) as (deepFreeze: (o: unknown) => unknown, isoOf: (ms: number) => string, rememberV4: (s: string, n: number) => void, recs: readonly EventRecord[]) => DecoderFns;

/** Writes events into batches (the sending thread). */
export class EventEncoder {
  private readonly fns: EncoderFns;
  private resetNext = false;
  /** `expected`: events per batch (sizes the first buffers); `maxShared`: shared objects remembered before the table starts again. */
  constructor(expected = 4096, private readonly maxShared = MAX_SHARED) {
    this.fns = makeEncoder(KEYS, GEN.slots, RECORD_SLOTS, expected, msOfIso, parseIPv4);
  }

  get size(): number { return this.fns.size(); }

  add(ev: object): void { this.fns.add(ev); }

  /**
   * An event as a record of `rec` (what rec.write writes now), which the decoder turns into an event with the
   * `rec.build` of its records[kind] (both sides list the same records, in the same order).
   */
  addRecord(kind: number, rec: EventRecord): void { this.fns.record(kind, rec); }

  /**
   * Write the next batches into these arrays (shared with the decoding thread, e.g. on a
   * SharedArrayBuffer) instead of arrays of its own: nothing to copy or transfer. Take the batch while
   * `room` is at least MAX_EVENT_WORDS (if they fill up, the batch goes on in arrays of its own, sent with
   * it). Call again before each batch.
   */
  into(ints: Int32Array, nums: Float64Array): void { this.fns.into(ints, nums); }

  /** Words left in the shared arrays of this batch (see `into`). */
  get room(): number { return this.fns.room(); }

  /** The batch so far; the encoder starts a new one. */
  take(): EventBatch {
    const b = this.fns.take(this.resetNext);
    // The table is bounded between batches (within one it grows by that batch's new objects at most):
    // full, it starts again here and, told by the next batch, in the decoder.
    this.resetNext = this.fns.sharedCount() >= this.maxShared;
    if (this.resetNext) this.fns.clearShared();
    return b;
  }
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
    Object.freeze(o);
  }
  return o;
}

/** Reads batches back into events (the receiving thread). Batches must be decoded in the order they were taken. */
export class EventDecoder {
  private readonly fns: DecoderFns;
  /** `records`: the parsers' records (see EventEncoder.addRecord), by kind. */
  constructor(records: readonly EventRecord[] = []) {
    this.fns = makeDecoder(deepFreeze, isoOf, rememberIPv4, records);
  }

  /** Calls `each` with the events of a batch, in order; `ints`/`nums`: the shared arrays it was written into, if so. */
  decode(b: EventBatch, each: (ev: Record<string, unknown>) => void, ints?: Int32Array, nums?: Float64Array): void {
    this.fns.decode(b, each, ints, nums);
  }
}
