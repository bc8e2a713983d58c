/**
 * What one remote address has done to us lately: the shared, bounded summary that the portscan,
 * sweep and flood detectors read. One table lookup per inbound event feeds all three.
 */
import type { OpenIncident } from './incidents';
import type { Obs } from './obs';
import { DistinctInts, fnv32, type Clocked } from './util';

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
  ports = new DistinctInts();
  hosts: HostEntry[] = [];
  /** Hosts beyond the first 16, as a sketch of their hashes. */
  moreHosts: DistinctInts | null = null;
  /** Distinct IP protocols (iana numbers); bounded by 256. */
  protos: number[] = [];
  /** Packets per scan kind (see SCAN_KINDS). */
  kinds = new Uint32Array(9);
  synNoOptions = 0;
  /** Leaky bucket of new ports (fast scan). */
  level = 0;
  levelT = 0;
  syn23 = 0;
  syn2323 = 0;
  /** Rate window (flood). */
  rateStart = 0;
  rateCount = 0;
  /** Most packets seen in one rate window. */
  ratePeak = 0;
  /** Incidents this profile has open (so later packets reach them without a lookup). */
  scanInc: OpenIncident | null = null;
  sweepInc: OpenIncident | null = null;
  floodInc: OpenIncident | null = null;
  constructor(readonly ip: string) {}

  get hostCount(): number {
    return this.hosts.length + (this.moreHosts ? this.moreHosts.count : 0);
  }

  reset(t: number): void {
    this.first = t;
    this.last = t;
    this.events = 0;
    this.allowed = 0;
    this.ports = new DistinctInts();
    this.hosts = [];
    this.moreHosts = null;
    this.protos = [];
    this.kinds.fill(0);
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
    this.events += o.packets;
    if (o.allowed) this.allowed += o.packets;
    this.kinds[kind] = this.kinds[kind]! + 1;
    if (kind === 0) {
      if (o.tcpOptions === false) this.synNoOptions++;
      if (o.dport === 23) this.syn23++;
      else if (o.dport === 2323) this.syn2323++;
    }
    const tr = o.transport;
    if (tr !== 'tcp' && tr !== 'udp') {
      const n = Number(o.ev.network.iana_number ?? -1);
      if (n >= 0 && this.protos.length < 256 && !this.protos.includes(n)) this.protos.push(n);
    } else if (this.protos.length === 0) this.protos.push(tr === 'tcp' ? 6 : 17);
    else { const n = tr === 'tcp' ? 6 : 17; if (!this.protos.includes(n)) this.protos.push(n); }
    // Hosts and their ports.
    const dst = o.dst, port = o.dport;
    const hs = this.hosts;
    let h: HostEntry | undefined;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.ip === dst) { h = hs[i]; break; }
    if (h === undefined) {
      if (hs.length < MAX_HOSTS_EXACT) { h = { ip: dst, ports: [], count: 0 }; hs.push(h); }
      else (this.moreHosts ??= new DistinctInts()).add(fnv32(dst));
    }
    if (h !== undefined) {
      h.count++;
      if (port >= 0 && h.ports.length < MAX_PORTS_PER_HOST && !h.ports.includes(port)) h.ports.push(port);
    }
    let fresh = false;
    if (port >= 0) {
      fresh = this.ports.add(port);
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
    if (this.rateCount > this.ratePeak) this.ratePeak = this.rateCount;
    return this.rateCount;
  }

  /** The scan kind with the most packets. */
  topKind(): number {
    let best = 0;
    for (let i = 1; i < 9; i++) if (this.kinds[i]! > this.kinds[best]!) best = i;
    return best;
  }
}
