/**
 * What one remote address has done to us lately: the shared, bounded summary that the portscan,
 * sweep, flood and bruteforce detectors read. One table lookup per inbound event feeds them all.
 *
 * Layout: the numbers of every profile live in one typed array, a fixed 128-byte record per slot
 * (times, counters, the per-scan-kind counts), so the garbage collector has nothing to walk for
 * them and one event touches two adjacent cache lines. The rarer parts (more than one port or host,
 * open incidents, the bruteforce detector's records) sit in plain arrays indexed by the same slot.
 * Slots are found through an open-addressing table keyed by the IPv4 number (a Map for IPv6), with
 * a hard cap and CLOCK (second-chance) eviction; a freed slot is reused by the next new address.
 * A table cell is one int32: the slot and a few bits of the address's hash (the address itself is in
 * the record, which the event reads next anyway), so the table is half the size it would be with
 * the address beside the slot, and stays in cache better.
 *
 * `Profile` is a cursor on one slot: the engine keeps one and points it at the event's source.
 * Detectors must not keep it beyond the event; to come back to a profile later, keep `store` and
 * `slot` and check that the slot still belongs to the same incident (see `ProfileStore.at`).
 */
import type { OpenIncident } from './incidents';
import type { Obs } from './obs';
import { BoundedMap, DistinctInts, fnv32, own, type Clocked } from './util';
import { formatIPv4 } from '../net/ip';

export const MAX_HOSTS_EXACT = 16;
export const MAX_PORTS_PER_HOST = 16;

export interface HostEntry {
  ip: string;
  ports: number[];
  count: number;
}

// Record layout, in Float64 units (F_*) and Int32 units (I_*) from the slot's base.
// 192 bytes: the first 128 (two cache lines) are read or written by every event; the last 64
// hold the first four destination ports and a detector's spare words (`Profile.auxBase`).
const REC_F64 = 24;
const REC_I32 = 48;
const F_FIRST = 0, F_LAST = 1, F_LEVELT = 2, F_LEVEL = 3, F_RATESTART = 4; // int32 words 0-9
const I_EVENTS = 10, I_ALLOWED = 11, I_HOST0COUNT = 12, I_NPORTS = 13, I_FLAGS = 14, I_HOST0N = 15;
/** The source's IPv4 number (as an int32) when SRC_NUM is set (the recently-used bits live in `hot`). */
const I_SRCN = 16;
const I_PROTOBITS = 17, I_KINDS = 18; // 9 kinds: 18-26
const I_SYNNOOPT = 27, I_SYN23 = 28, I_SYN2323 = 29, I_RATECOUNT = 30, I_AUX = 31;
/** The first INLINE_PORTS distinct destination ports, in order (then a DistinctInts takes over). */
const I_PORTS = 32, INLINE_PORTS = 4;
/** AUX_WORDS words a detector keeps in the record, next to the ports (owned by the bruteforce detector). */
const I_AUXREC = 36;
export const AUX_WORDS = 12;
// Which of the slot's references are set (so an event only reads the arrays it needs).
const HAS_PORTS = 1, HAS_HOSTS = 2, HAS_MORE = 4, HAS_PROTO = 8, HAS_SCAN = 16, HAS_SWEEP = 32, HAS_FLOOD = 64, HAS_AUTH = 128;
const HAS_HOST0 = 256, HOST0_TEXT = 512;
/**
 * The source is an IPv4 address kept as its number (I_SRCN), not as text in `ip`: parseIPv4 only reads
 * plain dotted quads, so formatIPv4 gives back the very text. (No string kept per source: nothing for
 * the garbage collector to copy or walk.)
 */
const SRC_NUM = 1024;
/**
 * A blocked TCP event without TCP flags was counted (as "connect"): session-logging firewalls (FortiGate,
 * ASA, PAN-OS …) do not say which packets a scan sent, and a blocked attempt never became a full connection.
 */
const TCP_NO_FLAGS = 2048;

class V6Entry implements Clocked {
  hot = true;
  constructor(public slot: number) {}
}

export class ProfileStore {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  // Per-slot references (null when unused).
  /** The source's text, for sources that are not IPv4 ('' for IPv4 ones: `Profile.ip` formats their number). */
  readonly ip: string[];
  readonly host0: string[];
  readonly ports: Array<DistinctInts | null>;
  readonly hosts: Array<HostEntry[] | null>;
  readonly moreHosts: Array<DistinctInts | null>;
  readonly protoOther: Array<number[] | null>;
  readonly scanInc: Array<OpenIncident | null>;
  readonly sweepInc: Array<OpenIncident | null>;
  readonly floodInc: Array<OpenIncident | null>;
  readonly auth: unknown[];
  /** Called with a slot about to be freed (so incidents can take a last look at it). */
  onFree: ((slot: number) => void) | null = null;
  /**
   * IPv4: open addressing, one cell per int32: (slot + 1) << fpBits | the low fpBits bits of the address's
   * hash (0 = empty). A cell whose bits match is checked against the address kept in its record (I_SRCN).
   */
  private readonly tab: Int32Array;
  private readonly fpBits: number;
  private readonly fpMask: number;
  private readonly mask: number;
  private readonly shift: number;
  private n4 = 0;
  private hand = 0;
  private readonly v6: BoundedMap<V6Entry>;
  private readonly free: Int32Array;
  /**
   * CLOCK's recently-used bit per slot, one byte each apart from the records: the eviction hand reads it
   * for slot after slot, and a compact array stays in cache where a walk over the records would miss.
   */
  private readonly hot: Uint8Array;
  private nFree: number;
  evicted = 0;

  constructor(readonly cap: number) {
    let bits = 4;
    while ((1 << bits) < cap * 2) bits++;
    this.tab = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    const cap6 = Math.max(16, cap >> 2);
    this.v6 = new BoundedMap<V6Entry>(cap6, (_k, e) => this.release(e.slot));
    const slots = cap + cap6 + 1;
    // (slot + 1 takes slotBits bits, the hash the rest of the int32)
    let slotBits = 1;
    while (slotBits < 31 && 2 ** slotBits <= slots) slotBits++;
    this.fpBits = 32 - slotBits;
    this.fpMask = this.fpBits >= 31 ? 0x7fffffff : (1 << this.fpBits) - 1;
    this.f64 = new Float64Array(slots * REC_F64);
    this.i32 = new Int32Array(this.f64.buffer);
    this.ip = new Array<string>(slots).fill('');
    this.host0 = new Array<string>(slots).fill('');
    this.ports = new Array<DistinctInts | null>(slots).fill(null);
    this.hosts = new Array<HostEntry[] | null>(slots).fill(null);
    this.moreHosts = new Array<DistinctInts | null>(slots).fill(null);
    this.protoOther = new Array<number[] | null>(slots).fill(null);
    this.scanInc = new Array<OpenIncident | null>(slots).fill(null);
    this.sweepInc = new Array<OpenIncident | null>(slots).fill(null);
    this.floodInc = new Array<OpenIncident | null>(slots).fill(null);
    this.auth = new Array<unknown>(slots).fill(null);
    this.free = new Int32Array(slots);
    this.hot = new Uint8Array(slots);
    this.nFree = slots;
    for (let i = 0; i < slots; i++) this.free[i] = slots - 1 - i;
  }

  get size(): number { return this.n4 + this.v6.size; }
  get evictions(): number { return this.evicted + this.v6.evicted; }

  /** The slot of `ip` (as text; `n` its IPv4 number, or -1 when not IPv4), or -1. Marks it recently used. */
  get(ip: string, n: number): number {
    if (n <= 0) {
      const e = this.v6.get(ip);
      return e === undefined ? -1 : e.slot;
    }
    const tab = this.tab, mask = this.mask, key = n | 0, fb = this.fpBits, fm = this.fpMask, i32 = this.i32;
    const h = Math.imul(n, 0x9e3779b1), fp = h & fm;
    let i = h >>> this.shift;
    for (;;) {
      const e = tab[i]!;
      if (e === 0) return -1;
      if ((e & fm) === fp) {
        const s = (e >>> fb) - 1;
        if (i32[s * REC_I32 + I_SRCN] === key) { this.hot[s] = 1; return s; }
      }
      i = (i + 1) & mask;
    }
  }

  /** A new, empty profile for `ip` (not in the store); may evict another one first. */
  add(ip: string, n: number): number {
    let s: number;
    if (n <= 0) {
      s = this.alloc(ip, -1);
      this.v6.set(ip, new V6Entry(s));
      return s;
    }
    if (this.n4 >= this.cap) this.evictOne();
    s = this.alloc(ip, n);
    const tab = this.tab, mask = this.mask, key = n | 0, fb = this.fpBits, fm = this.fpMask, i32 = this.i32;
    const h = Math.imul(n, 0x9e3779b1), fp = h & fm;
    let i = h >>> this.shift;
    let e = tab[i]!;
    while (e !== 0 && !((e & fm) === fp && i32[((e >>> fb) - 1) * REC_I32 + I_SRCN] === key)) {
      i = (i + 1) & mask;
      e = tab[i]!;
    }
    if (e === 0) this.n4++;
    else this.release((e >>> fb) - 1);
    tab[i] = ((s + 1) << fb) | fp;
    return s;
  }

  /** A cursor on `slot` (for code that comes back to a profile later, e.g. an incident's refresh). */
  at(slot: number): Profile {
    const p = new Profile(this);
    p.slot = slot;
    return p;
  }

  /** A slot for `ip` (`n` its IPv4 number, or <= 0: kept as text). */
  private alloc(ip: string, n: number): number {
    const s = this.free[--this.nFree]!;
    // Zero the record, eight bytes at a time (a plain loop: cheaper than fill()'s call for 192 bytes).
    const f64 = this.f64;
    for (let i = s * REC_F64, e = i + REC_F64; i < e; i++) f64[i] = 0;
    this.hot[s] = 1;
    if (n > 0) {
      this.i32[s * REC_I32 + I_SRCN] = n | 0;
      this.i32[s * REC_I32 + I_FLAGS] = SRC_NUM;
    } else this.ip[s] = own(ip);
    return s;
  }

  /** Whether `slot` holds a source's profile now. */
  isUsed(slot: number): boolean {
    return (this.i32[slot * REC_I32 + I_FLAGS]! & SRC_NUM) !== 0 || this.ip[slot] !== '';
  }

  private release(s: number): void {
    this.onFree?.(s);
    // Only the references the record says are set (each array is another cache miss).
    const fl = this.i32[s * REC_I32 + I_FLAGS]!;
    this.i32[s * REC_I32 + I_FLAGS] = 0;
    if ((fl & SRC_NUM) === 0) this.ip[s] = '';
    if ((fl & HOST0_TEXT) !== 0) this.host0[s] = '';
    if ((fl & HAS_PORTS) !== 0) this.ports[s] = null;
    if ((fl & HAS_HOSTS) !== 0) this.hosts[s] = null;
    if ((fl & HAS_MORE) !== 0) this.moreHosts[s] = null;
    if ((fl & HAS_PROTO) !== 0) this.protoOther[s] = null;
    if ((fl & HAS_SCAN) !== 0) this.scanInc[s] = null;
    if ((fl & HAS_SWEEP) !== 0) this.sweepInc[s] = null;
    if ((fl & HAS_FLOOD) !== 0) this.floodInc[s] = null;
    if ((fl & HAS_AUTH) !== 0) this.auth[s] = null;
    this.free[this.nFree++] = s;
  }

  private evictOne(): void {
    const tab = this.tab, mask = this.mask, hot = this.hot, fb = this.fpBits;
    for (let guard = 0; guard < 4 * (mask + 1); guard++) {
      const i = this.hand;
      this.hand = (i + 1) & mask;
      const e = tab[i]!;
      if (e === 0) continue;
      const h = (e >>> fb) - 1;
      if (hot[h] !== 0) { hot[h] = 0; continue; }
      this.removeAt(i);
      this.evicted++;
      return;
    }
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private removeAt(i: number): void {
    const tab = this.tab, mask = this.mask, fb = this.fpBits, i32 = this.i32;
    this.release((tab[i]! >>> fb) - 1);
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = tab[j]!;
      if (e === 0) break;
      // (the address from the record: its home cell)
      const home = Math.imul(i32[((e >>> fb) - 1) * REC_I32 + I_SRCN]!, 0x9e3779b1) >>> this.shift;
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        tab[i] = e;
        i = j;
      }
    }
    tab[i] = 0;
    this.n4--;
  }
}

/** A cursor on one profile of a ProfileStore. */
export class Profile {
  slot = 0;
  constructor(readonly store: ProfileStore) {}

  get ip(): string {
    const st = this.store, b = this.slot * REC_I32;
    return (st.i32[b + I_FLAGS]! & SRC_NUM) !== 0 ? formatIPv4(st.i32[b + I_SRCN]! >>> 0) : st.ip[this.slot]!;
  }
  get first(): number { return this.store.f64[this.slot * REC_F64 + F_FIRST]!; }
  get last(): number { return this.store.f64[this.slot * REC_F64 + F_LAST]!; }
  /** Leaky bucket of new ports (fast scan). */
  get level(): number { return this.store.f64[this.slot * REC_F64 + F_LEVEL]!; }
  get rateStart(): number { return this.store.f64[this.slot * REC_F64 + F_RATESTART]!; }
  get events(): number { return this.store.i32[this.slot * REC_I32 + I_EVENTS]!; }
  get allowed(): number { return this.store.i32[this.slot * REC_I32 + I_ALLOWED]!; }
  get synNoOptions(): number { return this.store.i32[this.slot * REC_I32 + I_SYNNOOPT]!; }
  get syn23(): number { return this.store.i32[this.slot * REC_I32 + I_SYN23]!; }
  get syn2323(): number { return this.store.i32[this.slot * REC_I32 + I_SYN2323]!; }
  /** Has a port scan or sweep incident been opened from this window (one read of the flags)? */
  get windowReported(): boolean { return (this.store.i32[this.slot * REC_I32 + I_FLAGS]! & (HAS_SCAN | HAS_SWEEP)) !== 0; }
  /** Incidents this profile has open (so later packets reach them without a lookup). */
  get scanInc(): OpenIncident | null { return this.has(HAS_SCAN) ? this.store.scanInc[this.slot]! : null; }
  set scanInc(v: OpenIncident | null) { this.store.scanInc[this.slot] = v; this.mark(HAS_SCAN, v !== null); }
  get sweepInc(): OpenIncident | null { return this.has(HAS_SWEEP) ? this.store.sweepInc[this.slot]! : null; }
  set sweepInc(v: OpenIncident | null) { this.store.sweepInc[this.slot] = v; this.mark(HAS_SWEEP, v !== null); }
  get floodInc(): OpenIncident | null { return this.has(HAS_FLOOD) ? this.store.floodInc[this.slot]! : null; }
  set floodInc(v: OpenIncident | null) { this.store.floodInc[this.slot] = v; this.mark(HAS_FLOOD, v !== null); }
  /** Owned by the bruteforce detector (its open incident for this source). */
  get auth(): unknown { return this.has(HAS_AUTH) ? this.store.auth[this.slot] : null; }
  set auth(v: unknown) { this.store.auth[this.slot] = v; this.mark(HAS_AUTH, v !== null); }
  /** A number a detector keeps for this source (0 when new). Owned by the bruteforce detector. */
  get aux(): number { return this.store.i32[this.slot * REC_I32 + I_AUX]!; }
  set aux(v: number) { this.store.i32[this.slot * REC_I32 + I_AUX] = v; }
  /**
   * Where, in `store.i32`, the AUX_WORDS words a detector keeps in this profile's record start (owned by the
   * bruteforce detector; zero when the slot is new, untouched by reset: read them only when `aux` says so).
   */
  get auxBase(): number { return this.slot * REC_I32 + I_AUXREC; }

  private has(bit: number): boolean {
    return (this.store.i32[this.slot * REC_I32 + I_FLAGS]! & bit) !== 0;
  }
  private mark(bit: number, on: boolean): void {
    const i = this.slot * REC_I32 + I_FLAGS;
    this.store.i32[i] = on ? this.store.i32[i]! | bit : this.store.i32[i]! & ~bit;
  }

  get portCount(): number {
    if (this.has(HAS_PORTS)) return this.store.ports[this.slot]!.count;
    return this.store.i32[this.slot * REC_I32 + I_NPORTS]!;
  }
  portValues(): number[] {
    if (this.has(HAS_PORTS)) return this.store.ports[this.slot]!.values();
    const b = this.slot * REC_I32, n = this.store.i32[b + I_NPORTS]!;
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(this.store.i32[b + I_PORTS + k]!);
    return out;
  }
  get hostCount(): number {
    const st = this.store, s = this.slot;
    const fl = st.i32[s * REC_I32 + I_FLAGS]!;
    return ((fl & HAS_HOSTS) !== 0 ? st.hosts[s]!.length : (fl & HAS_HOST0) !== 0 ? 1 : 0) + ((fl & HAS_MORE) !== 0 ? st.moreHosts[s]!.count : 0);
  }
  hostList(): HostEntry[] {
    const st = this.store, s = this.slot;
    const fl = st.i32[s * REC_I32 + I_FLAGS]!;
    if ((fl & HAS_HOSTS) !== 0) return st.hosts[s]!;
    const hasPort = st.i32[s * REC_I32 + I_NPORTS]! > 0;
    return (fl & HAS_HOST0) !== 0 ? [{ ip: this.host0Text(), ports: hasPort ? [st.i32[s * REC_I32 + I_PORTS]!] : [], count: st.i32[s * REC_I32 + I_HOST0COUNT]! }] : [];
  }
  /** The first destination host's text (kept as text only when it is not IPv4). */
  private host0Text(): string {
    const st = this.store, b = this.slot * REC_I32;
    return (st.i32[b + I_FLAGS]! & HOST0_TEXT) !== 0 ? st.host0[this.slot]! : formatIPv4(st.i32[b + I_HOST0N]! >>> 0);
  }
  get protoCount(): number {
    let b = this.store.i32[this.slot * REC_I32 + I_PROTOBITS]!, n = 0;
    while (b) { n += b & 1; b >>>= 1; }
    return n + (this.has(HAS_PROTO) ? this.store.protoOther[this.slot]!.length : 0);
  }
  /** Some blocked TCP event of this source had no TCP flags in its log line (see TCP_NO_FLAGS). */
  get tcpWithoutFlags(): boolean {
    return this.has(TCP_NO_FLAGS);
  }
  /** Packets of scan kind k (see SCAN_KINDS). */
  kindCount(k: number): number {
    return this.store.i32[this.slot * REC_I32 + I_KINDS + k]!;
  }

  /** Start a new window (the profile is older than the slow-scan window); open incidents stay. */
  reset(t: number): void {
    const st = this.store, s = this.slot, b = s * REC_I32, f = s * REC_F64;
    st.f64[f + F_FIRST] = t;
    st.f64[f + F_LAST] = t;
    st.f64[f + F_LEVEL] = 0;
    st.f64[f + F_LEVELT] = t;
    const i32 = st.i32;
    i32[b + I_EVENTS] = 0;
    i32[b + I_ALLOWED] = 0;
    i32[b + I_HOST0COUNT] = 0;
    i32[b + I_SYNNOOPT] = 0;
    i32[b + I_SYN23] = 0;
    i32[b + I_SYN2323] = 0;
    i32[b + I_NPORTS] = 0;
    i32[b + I_PROTOBITS] = 0;
    i32.fill(0, b + I_KINDS, b + I_KINDS + 9);
    i32[b + I_FLAGS] &= ~(HAS_PORTS | HAS_HOSTS | HAS_MORE | HAS_PROTO | HAS_HOST0 | HOST0_TEXT);
    st.ports[s] = null;
    st.hosts[s] = null;
    st.host0[s] = '';
    st.moreHosts[s] = null;
    st.protoOther[s] = null;
  }

  /**
   * Count an event. Returns true when the port is new for this address. `leakPerMs` drains the
   * new-port bucket; a late (out-of-order) event adds to it without draining.
   */
  add(o: Obs, kind: number, leakPerMs: number): boolean {
    const st = this.store, s = this.slot, i32 = st.i32, f64 = st.f64;
    const b = s * REC_I32, f = s * REC_F64;
    const t = o.t;
    const events = i32[b + I_EVENTS]!;
    if (events === 0) { f64[f + F_FIRST] = t; f64[f + F_LAST] = t; f64[f + F_LEVELT] = t; }
    else if (t > f64[f + F_LAST]!) f64[f + F_LAST] = t;
    else if (t < f64[f + F_FIRST]!) f64[f + F_FIRST] = t;
    i32[b + I_KINDS + kind]++;
    i32[b + I_EVENTS] = events + 1;
    if (o.allowed) i32[b + I_ALLOWED]++;
    if (kind === 0) {
      if (o.tcpOptions === false) i32[b + I_SYNNOOPT]++;
      if (o.dport === 23) i32[b + I_SYN23]++;
      else if (o.dport === 2323) i32[b + I_SYN2323]++;
    } else if (kind === 5 && o.flags < 0 && !o.allowed) i32[b + I_FLAGS] |= TCP_NO_FLAGS;
    const tr = o.transport;
    if (tr === 'tcp') i32[b + I_PROTOBITS] |= 1;
    else if (tr === 'udp') i32[b + I_PROTOBITS] |= 2;
    else if (tr === 'icmp' || tr === 'ipv6-icmp') i32[b + I_PROTOBITS] |= 4;
    else {
      const n = Number(o.ev.network?.iana_number ?? -1);
      // (a number of 0–255 or nothing: anything else is ignored)
      if (n >= 0 && n < 256) {
        let po = (i32[b + I_FLAGS]! & HAS_PROTO) !== 0 ? st.protoOther[s]! : null;
        if (po === null) { st.protoOther[s] = po = []; i32[b + I_FLAGS] |= HAS_PROTO; }
        if (po.length < 256 && !po.includes(n)) po.push(n);
      }
    }
    // Hosts and their ports.
    const dst = o.dst, port = o.dport, dn = o.dn;
    const fl = i32[b + I_FLAGS]!;
    // Same as the first host? By number for IPv4 (the text is canonical), else by text.
    const same = (fl & HAS_HOST0) !== 0 && (dn >= 0 ? (fl & HOST0_TEXT) === 0 && i32[b + I_HOST0N] === (dn | 0) : (fl & HOST0_TEXT) !== 0 && st.host0[s] === dst);
    if ((fl & HAS_HOSTS) === 0 && ((fl & HAS_HOST0) === 0 || same)) {
      if ((fl & HAS_HOST0) === 0 && dst !== '') {
        // (an IPv4 host as its number only, like the source: formatIPv4 gives back the same text)
        if (dn < 0) st.host0[s] = own(dst);
        i32[b + I_HOST0N] = dn | 0;
        i32[b + I_FLAGS] = fl | HAS_HOST0 | (dn >= 0 ? 0 : HOST0_TEXT);
      }
      i32[b + I_HOST0COUNT]++;
    } else {
      let hs = (fl & HAS_HOSTS) !== 0 ? st.hosts[s]! : null;
      if (hs === null) {
        hs = st.hosts[s] = [{ ip: this.host0Text(), ports: this.portValues().slice(0, MAX_PORTS_PER_HOST), count: i32[b + I_HOST0COUNT]! }];
        i32[b + I_FLAGS] |= HAS_HOSTS;
      }
      let h: HostEntry | undefined;
      for (let i = 0; i < hs.length; i++) if (hs[i]!.ip === dst) { h = hs[i]; break; }
      if (h === undefined) {
        if (hs.length < MAX_HOSTS_EXACT) { h = { ip: own(dst), ports: [], count: 0 }; hs.push(h); }
        else {
          let mh = (i32[b + I_FLAGS]! & HAS_MORE) !== 0 ? st.moreHosts[s]! : null;
          if (mh === null) { st.moreHosts[s] = mh = new DistinctInts(); i32[b + I_FLAGS] |= HAS_MORE; }
          mh.add(fnv32(dst));
        }
      }
      if (h !== undefined) {
        h.count++;
        if (port >= 0 && h.ports.length < MAX_PORTS_PER_HOST && !h.ports.includes(port)) h.ports.push(port);
      }
    }
    let fresh = false;
    if (port >= 0) {
      if ((i32[b + I_FLAGS]! & HAS_PORTS) === 0) {
        const np = i32[b + I_NPORTS]!;
        let k = 0;
        while (k < np && i32[b + I_PORTS + k] !== port) k++;
        if (k === np) {
          fresh = true;
          if (np < INLINE_PORTS) {
            i32[b + I_PORTS + np] = port;
            i32[b + I_NPORTS] = np + 1;
          } else {
            const d = st.ports[s] = new DistinctInts();
            i32[b + I_FLAGS] |= HAS_PORTS;
            for (let j = 0; j < np; j++) d.add(i32[b + I_PORTS + j]!);
            fresh = d.add(port);
          }
        }
      } else fresh = st.ports[s]!.add(port);
      if (fresh) {
        const lt = f64[f + F_LEVELT]!;
        if (t > lt) {
          f64[f + F_LEVEL] = Math.max(0, f64[f + F_LEVEL]! - (t - lt) * leakPerMs);
          f64[f + F_LEVELT] = t;
        }
        f64[f + F_LEVEL] += 1;
      }
    }
    return fresh;
  }

  /** Count towards the rate window; returns the count in the current window. */
  rate(t: number, windowMs: number, n: number): number {
    const st = this.store, b = this.slot * REC_I32, f = this.slot * REC_F64;
    const start = st.f64[f + F_RATESTART]!;
    if (t - start >= windowMs || t < start - windowMs) {
      st.f64[f + F_RATESTART] = t;
      st.i32[b + I_RATECOUNT] = 0;
    }
    return (st.i32[b + I_RATECOUNT] += n);
  }

  /** The scan kind with the most packets. */
  topKind(): number {
    const i32 = this.store.i32, b = this.slot * REC_I32 + I_KINDS;
    let best = 0;
    for (let i = 1; i < 9; i++) if (i32[b + i]! > i32[b + best]!) best = i;
    return best;
  }
}
