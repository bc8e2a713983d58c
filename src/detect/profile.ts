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
 *
 * `Profile` is a cursor on one slot: the engine keeps one and points it at the event's source.
 * Detectors must not keep it beyond the event; to come back to a profile later, keep `store` and
 * `slot` and check that the slot still belongs to the same incident (see `ProfileStore.at`).
 */
import type { OpenIncident } from './incidents';
import type { Obs } from './obs';
import { BoundedMap, DistinctInts, fnv32, own, type Clocked } from './util';

export const MAX_HOSTS_EXACT = 16;
export const MAX_PORTS_PER_HOST = 16;

export interface HostEntry {
  ip: string;
  ports: number[];
  count: number;
}

// Record layout, in Float64 units (F_*) and Int32 units (I_*) from the slot's base.
const REC_F64 = 16;
const REC_I32 = 32;
const F_FIRST = 0, F_LAST = 1, F_LEVELT = 2, F_LEVEL = 3, F_RATESTART = 4; // int32 words 0-9
const I_EVENTS = 10, I_ALLOWED = 11, I_HOST0COUNT = 12, I_SYNNOOPT = 13, I_SYN23 = 14, I_SYN2323 = 15;
const I_RATECOUNT = 16, I_PORT0 = 17, I_PROTOBITS = 18, I_HOT = 19, I_KINDS = 20; // 9 kinds: 20-28

class V6Entry implements Clocked {
  hot = true;
  constructor(public slot: number) {}
}

export class ProfileStore {
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  // Per-slot references (null when unused).
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
  // IPv4: open addressing (key = address number, 0 = empty) → slot.
  private readonly keys: Uint32Array;
  private readonly slotAt: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private n4 = 0;
  private hand = 0;
  private readonly v6: BoundedMap<V6Entry>;
  private readonly free: Int32Array;
  private nFree: number;
  evicted = 0;

  constructor(readonly cap: number) {
    let bits = 4;
    while ((1 << bits) < cap * 2) bits++;
    this.keys = new Uint32Array(1 << bits);
    this.slotAt = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    const cap6 = Math.max(16, cap >> 2);
    this.v6 = new BoundedMap<V6Entry>(cap6, (_k, e) => this.release(e.slot));
    const slots = cap + cap6 + 1;
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
    const keys = this.keys, mask = this.mask;
    let i = Math.imul(n, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i]!;
      if (k === n) { const s = this.slotAt[i]!; this.i32[s * REC_I32 + I_HOT] = 1; return s; }
      if (k === 0) return -1;
      i = (i + 1) & mask;
    }
  }

  /** A new, empty profile for `ip` (not in the store); may evict another one first. */
  add(ip: string, n: number): number {
    let s: number;
    if (n <= 0) {
      s = this.alloc(ip);
      this.v6.set(ip, new V6Entry(s));
      return s;
    }
    if (this.n4 >= this.cap) this.evictOne();
    s = this.alloc(ip);
    const keys = this.keys, mask = this.mask;
    let i = Math.imul(n, 0x9e3779b1) >>> this.shift;
    while (keys[i] !== 0 && keys[i] !== n) i = (i + 1) & mask;
    if (keys[i] === 0) this.n4++;
    else this.release(this.slotAt[i]!);
    keys[i] = n;
    this.slotAt[i] = s;
    return s;
  }

  /** A cursor on `slot` (for code that comes back to a profile later, e.g. an incident's refresh). */
  at(slot: number): Profile {
    const p = new Profile(this);
    p.slot = slot;
    return p;
  }

  private alloc(ip: string): number {
    const s = this.free[--this.nFree]!;
    const b = s * REC_I32;
    this.i32.fill(0, b, b + REC_I32);
    this.i32[b + I_PORT0] = -1;
    this.i32[b + I_HOT] = 1;
    this.ip[s] = own(ip);
    return s;
  }

  private release(s: number): void {
    this.onFree?.(s);
    this.ip[s] = '';
    this.host0[s] = '';
    this.ports[s] = null;
    this.hosts[s] = null;
    this.moreHosts[s] = null;
    this.protoOther[s] = null;
    this.scanInc[s] = null;
    this.sweepInc[s] = null;
    this.floodInc[s] = null;
    this.auth[s] = null;
    this.free[this.nFree++] = s;
  }

  private evictOne(): void {
    const keys = this.keys, mask = this.mask, i32 = this.i32;
    for (let guard = 0; guard < 4 * (mask + 1); guard++) {
      const i = this.hand;
      this.hand = (i + 1) & mask;
      if (keys[i] === 0) continue;
      const h = this.slotAt[i]! * REC_I32 + I_HOT;
      if (i32[h] !== 0) { i32[h] = 0; continue; }
      this.removeAt(i);
      this.evicted++;
      return;
    }
  }

  /** Backward-shift deletion keeps probe chains intact without tombstones. */
  private removeAt(i: number): void {
    const keys = this.keys, slotAt = this.slotAt, mask = this.mask;
    this.release(slotAt[i]!);
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === 0) break;
      const home = Math.imul(k, 0x9e3779b1) >>> this.shift;
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = k;
        slotAt[i] = slotAt[j]!;
        i = j;
      }
    }
    keys[i] = 0;
    this.n4--;
  }
}

/** A cursor on one profile of a ProfileStore. */
export class Profile {
  slot = 0;
  constructor(readonly store: ProfileStore) {}

  get ip(): string { return this.store.ip[this.slot]!; }
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
  /** Incidents this profile has open (so later packets reach them without a lookup). */
  get scanInc(): OpenIncident | null { return this.store.scanInc[this.slot]!; }
  set scanInc(v: OpenIncident | null) { this.store.scanInc[this.slot] = v; }
  get sweepInc(): OpenIncident | null { return this.store.sweepInc[this.slot]!; }
  set sweepInc(v: OpenIncident | null) { this.store.sweepInc[this.slot] = v; }
  get floodInc(): OpenIncident | null { return this.store.floodInc[this.slot]!; }
  set floodInc(v: OpenIncident | null) { this.store.floodInc[this.slot] = v; }
  /** Owned by the bruteforce detector: its per-service attempt records for this source. */
  get auth(): unknown { return this.store.auth[this.slot]; }
  set auth(v: unknown) { this.store.auth[this.slot] = v; }

  get portCount(): number {
    const ps = this.store.ports[this.slot]!;
    return ps !== null ? ps.count : this.store.i32[this.slot * REC_I32 + I_PORT0]! >= 0 ? 1 : 0;
  }
  portValues(): number[] {
    const ps = this.store.ports[this.slot]!;
    const p0 = this.store.i32[this.slot * REC_I32 + I_PORT0]!;
    return ps !== null ? ps.values() : p0 >= 0 ? [p0] : [];
  }
  get hostCount(): number {
    const st = this.store, s = this.slot;
    const hs = st.hosts[s]!, mh = st.moreHosts[s]!;
    return (hs !== null ? hs.length : st.host0[s] ? 1 : 0) + (mh !== null ? mh.count : 0);
  }
  hostList(): HostEntry[] {
    const st = this.store, s = this.slot;
    const hs = st.hosts[s]!;
    if (hs !== null) return hs;
    const h0 = st.host0[s]!, p0 = st.i32[s * REC_I32 + I_PORT0]!;
    return h0 ? [{ ip: h0, ports: p0 >= 0 ? [p0] : [], count: st.i32[s * REC_I32 + I_HOST0COUNT]! }] : [];
  }
  get protoCount(): number {
    let b = this.store.i32[this.slot * REC_I32 + I_PROTOBITS]!, n = 0;
    while (b) { n += b & 1; b >>>= 1; }
    const po = this.store.protoOther[this.slot]!;
    return n + (po !== null ? po.length : 0);
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
    i32[b + I_PORT0] = -1;
    i32[b + I_PROTOBITS] = 0;
    i32.fill(0, b + I_KINDS, b + I_KINDS + 9);
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
    }
    const tr = o.transport;
    if (tr === 'tcp') i32[b + I_PROTOBITS] |= 1;
    else if (tr === 'udp') i32[b + I_PROTOBITS] |= 2;
    else if (tr === 'icmp' || tr === 'ipv6-icmp') i32[b + I_PROTOBITS] |= 4;
    else {
      const n = Number(o.ev.network?.iana_number ?? -1);
      // (a number of 0–255 or nothing: anything else is ignored)
      if (n >= 0 && n < 256) {
        let po = st.protoOther[s]!;
        if (po === null) st.protoOther[s] = po = [];
        if (po.length < 256 && !po.includes(n)) po.push(n);
      }
    }
    // Hosts and their ports.
    const dst = o.dst, port = o.dport;
    let hs = st.hosts[s]!;
    const h0 = st.host0[s]!;
    if (hs === null && (h0 === '' || h0 === dst)) {
      if (h0 === '') st.host0[s] = own(dst);
      i32[b + I_HOST0COUNT]++;
    } else {
      if (hs === null) {
        hs = st.hosts[s] = [{ ip: h0, ports: this.portValues().slice(0, MAX_PORTS_PER_HOST), count: i32[b + I_HOST0COUNT]! }];
      }
      let h: HostEntry | undefined;
      for (let i = 0; i < hs.length; i++) if (hs[i]!.ip === dst) { h = hs[i]; break; }
      if (h === undefined) {
        if (hs.length < MAX_HOSTS_EXACT) { h = { ip: own(dst), ports: [], count: 0 }; hs.push(h); }
        else {
          let mh = st.moreHosts[s]!;
          if (mh === null) st.moreHosts[s] = mh = new DistinctInts();
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
      const ps = st.ports[s]!;
      if (ps === null) {
        const p0 = i32[b + I_PORT0]!;
        if (p0 < 0) { i32[b + I_PORT0] = port; fresh = true; }
        else if (p0 !== port) {
          const d = st.ports[s] = new DistinctInts();
          d.add(p0);
          fresh = d.add(port);
        }
      } else fresh = ps.add(port);
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
