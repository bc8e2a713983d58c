/**
 * What one remote address has done to us lately: the shared, bounded summary that the portscan,
 * sweep, flood and bruteforce detectors read. One table lookup per inbound event feeds them all.
 * Kept lean (plain fields, lazily grown arrays): most sources send one or two packets, and the
 * table holds up to general.maxSources of them.
 */
import type { OpenIncident } from './incidents';
import type { Obs } from './obs';
import { DistinctInts, fnv32, own, type Clocked } from './util';

export const MAX_HOSTS_EXACT = 16;
export const MAX_PORTS_PER_HOST = 16;

export interface HostEntry {
  ip: string;
  ports: number[];
  count: number;
}

export class Profile implements Clocked {
  hot = true;
  observer = '';
  first = 0;
  last = 0;
  events = 0;
  allowed = 0;
  /** Distinct destination ports: exact list until it outgrows it, then a sketch. */
  ports: DistinctInts | null = null;
  /** The one port seen while there is only one (saves the set for the many one-port sources). */
  port0 = -1;
  hosts: HostEntry[] | null = null;
  /** The one host seen while there is only one. */
  host0 = '';
  host0count = 0;
  /** Hosts beyond the first 16, as a sketch of their hashes. */
  moreHosts: DistinctInts | null = null;
  /** Distinct IP protocols (iana numbers): a bit set for the common ones, list for others. */
  protoBits = 0;
  protoOther: number[] | null = null;
  /** Packets per scan kind (see SCAN_KINDS). */
  kinds: number[] | null = null;
  kind0 = -1;
  synNoOptions = 0;
  /** Leaky bucket of new ports (fast scan). */
  level = 0;
  levelT = 0;
  syn23 = 0;
  syn2323 = 0;
  /** Rate window (flood). */
  rateStart = 0;
  rateCount = 0;
  /** Incidents this profile has open (so later packets reach them without a lookup). */
  scanInc: OpenIncident | null = null;
  sweepInc: OpenIncident | null = null;
  floodInc: OpenIncident | null = null;
  /** Owned by the bruteforce detector: its per-service attempt records for this source. */
  auth: unknown = null;
  constructor(readonly ip: string) {}

  get portCount(): number {
    return this.ports !== null ? this.ports.count : this.port0 >= 0 ? 1 : 0;
  }
  portValues(): number[] {
    return this.ports !== null ? this.ports.values() : this.port0 >= 0 ? [this.port0] : [];
  }
  get hostCount(): number {
    return (this.hosts !== null ? this.hosts.length : this.host0 ? 1 : 0) + (this.moreHosts ? this.moreHosts.count : 0);
  }
  hostList(): HostEntry[] {
    if (this.hosts !== null) return this.hosts;
    return this.host0 ? [{ ip: this.host0, ports: this.port0 >= 0 ? [this.port0] : [], count: this.host0count }] : [];
  }
  get protoCount(): number {
    let b = this.protoBits, n = 0;
    while (b) { n += b & 1; b >>>= 1; }
    return n + (this.protoOther ? this.protoOther.length : 0);
  }
  kindCount(k: number): number {
    return this.kinds !== null ? this.kinds[k]! : this.kind0 === k ? this.events : 0;
  }

  reset(t: number): void {
    this.first = t;
    this.last = t;
    this.events = 0;
    this.allowed = 0;
    this.ports = null;
    this.port0 = -1;
    this.hosts = null;
    this.host0 = '';
    this.host0count = 0;
    this.moreHosts = null;
    this.protoBits = 0;
    this.protoOther = null;
    this.kinds = null;
    this.kind0 = -1;
    this.synNoOptions = 0;
    this.level = 0;
    this.levelT = t;
    this.syn23 = 0;
    this.syn2323 = 0;
  }

  /**
   * Count an event. Returns true when the port is new for this address. `leakPerMs` drains the
   * new-port bucket; a late (out-of-order) event adds to it without draining.
   */
  add(o: Obs, kind: number, leakPerMs: number): boolean {
    const t = o.t;
    this.observer = o.observer;
    if (this.events === 0) { this.first = t; this.last = t; this.levelT = t; }
    else if (t > this.last) this.last = t;
    else if (t < this.first) this.first = t;
    // Scan kinds: one number while all packets are of one kind.
    if (this.kinds === null) {
      if (this.kind0 < 0 || this.kind0 === kind) this.kind0 = kind;
      else {
        const ks = [0, 0, 0, 0, 0, 0, 0, 0, 0];
        ks[this.kind0] = this.events;
        this.kinds = ks;
      }
    }
    if (this.kinds !== null) this.kinds[kind]!++;
    this.events++;
    if (o.allowed) this.allowed++;
    if (kind === 0) {
      if (o.tcpOptions === false) this.synNoOptions++;
      if (o.dport === 23) this.syn23++;
      else if (o.dport === 2323) this.syn2323++;
    }
    const tr = o.transport;
    if (tr === 'tcp') this.protoBits |= 1;
    else if (tr === 'udp') this.protoBits |= 2;
    else if (tr === 'icmp' || tr === 'ipv6-icmp') this.protoBits |= 4;
    else {
      const n = Number(o.ev.network?.iana_number ?? -1);
      // (a number of 0–255 or nothing: anything else is ignored)
      if (n >= 0 && n < 256) {
        const po = (this.protoOther ??= []);
        if (po.length < 256 && !po.includes(n)) po.push(n);
      }
    }
    // Hosts and their ports.
    const dst = o.dst, port = o.dport;
    if (this.hosts === null && (this.host0 === '' || this.host0 === dst)) {
      if (this.host0 === '') this.host0 = own(dst);
      this.host0count++;
    } else {
      let hs = this.hosts;
      if (hs === null) {
        hs = this.hosts = [{ ip: this.host0, ports: this.portValues().slice(0, MAX_PORTS_PER_HOST), count: this.host0count }];
      }
      let h: HostEntry | undefined;
      for (let i = 0; i < hs.length; i++) if (hs[i]!.ip === dst) { h = hs[i]; break; }
      if (h === undefined) {
        if (hs.length < MAX_HOSTS_EXACT) { h = { ip: own(dst), ports: [], count: 0 }; hs.push(h); }
        else (this.moreHosts ??= new DistinctInts()).add(fnv32(dst));
      }
      if (h !== undefined) {
        h.count++;
        if (port >= 0 && h.ports.length < MAX_PORTS_PER_HOST && !h.ports.includes(port)) h.ports.push(port);
      }
    }
    let fresh = false;
    if (port >= 0) {
      if (this.ports === null) {
        if (this.port0 < 0) { this.port0 = port; fresh = true; }
        else if (this.port0 !== port) {
          this.ports = new DistinctInts();
          this.ports.add(this.port0);
          fresh = this.ports.add(port);
        }
      } else fresh = this.ports.add(port);
      if (fresh) {
        if (t > this.levelT) {
          this.level = Math.max(0, this.level - (t - this.levelT) * leakPerMs);
          this.levelT = t;
        }
        this.level += 1;
      }
    }
    return fresh;
  }

  /** Count towards the rate window; returns the count in the current window. */
  rate(t: number, windowMs: number, n: number): number {
    if (t - this.rateStart >= windowMs || t < this.rateStart - windowMs) {
      this.rateStart = t;
      this.rateCount = 0;
    }
    this.rateCount += n;
    return this.rateCount;
  }

  /** The scan kind with the most packets. */
  topKind(): number {
    if (this.kinds === null) return Math.max(0, this.kind0);
    const k = this.kinds;
    let best = 0;
    for (let i = 1; i < 9; i++) if (k[i]! > k[best]!) best = i;
    return best;
  }
}
