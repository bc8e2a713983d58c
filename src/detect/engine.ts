/**
 * The detection engine. INTERFACE CONTRACT (used by analyze, the detect node, report, share):
 *   const engine = new DetectEngine(config?)
 *   engine.process(ev)  -> incidents that are new or changed because of this event
 *   engine.tick(nowMs)  -> incidents due on a timer (updates held back, incidents that went quiet); call every few seconds
 *   engine.flush()      -> everything still open (end of a replay)
 *
 * Time is the events' own time (so a replay gives the same result as live), kept per gateway
 * (observer): gateways with skewed clocks, or log files replayed one after the other, do not close
 * each other's windows. Late and out-of-order events are counted in the windows they belong to.
 * When two gateways log the same packet, the second copy is dropped. Every table is capped.
 */
import { isIcmp, type GwEvent } from '../event';
import type { Incident } from './incident';
import { DEFAULT_CONFIG, isIpv6Prefix, resolveConfig, validateConfig, type DetectConfig, type DetectOptions } from './config';
import { NEEDS_ALLOWED_PROFILE, NEEDS_OUTBOUND_ALLOWED, NEEDS_PROFILE, NEEDS_REPUTATION, type Ctx, type Detector, type IncidentKind } from './detector';
import { DETECTORS } from './detectors';
import { OpenIncident, partyOf, type Description } from './incidents';
import { flagBits, looksLikeReply, scanKind, type Obs } from './obs';
import { Profile, ProfileStore } from './profile';
import { ScannerMatcher } from './scanners';
import { BoundedMap, looksInternal, NetList, parseTimeMs, type Clocked } from './util';
import { ipv6Network, parseIPv4 } from '../net/ip';

export type { DetectConfig, DetectOptions } from './config';
export { DEFAULT_CONFIG, resolveConfig } from './config';

export interface DetectStats {
  events: number;
  /** Events without a readable time or addresses. */
  skipped: number;
  allowlisted: number;
  duplicates: number;
  /**
   * Session-end records (event.type "end": ASA Teardown, SRX session close …) from a gateway that also logs
   * the start of every connection: the connection was counted at its start, so the end is not counted again.
   */
  sessionEnds: number;
  /** event.kind "alert" records (IPS/URL hits inside a session the gateway also logs as traffic): not counted. */
  alerts: number;
  /** Packets that look like late replies to our own connections (not counted as probes). */
  replies: number;
  incidents: number;
  open: number;
  tables: Record<string, number>;
  evicted: Record<string, number>;
}

const EMPTY: Incident[] = [];
/** A pause this long ends a burst: a held-back update is sent at the next tick(). */
const SETTLE_MS = 60_000;

class ObserverClock {
  max = -Infinity;
  /** Wall time at the last tick where `max` had moved, and the value it had then. */
  wallAt = 0;
  seenMax = -Infinity;
  /** This gateway logs connection starts (Cisco ASA "Built", Juniper SRX session create …). */
  logsStarts = false;
}

class Dup implements Clocked {
  hot = false;
  constructor(public observer: string, public t: number) {}
}

class RepeatCount implements Clocked {
  hot = true;
  n = 0;
}

const RESEARCH_KIND: IncidentKind = {
  technique: { id: 'T1595', name: 'Active Scanning', tactic: 'Reconnaissance' },
  describe(inc): Description {
    return {
      score: 10,
      severity: 'low',
      confidence: 'high',
      summary: `${inc.attacker.known_scanner ?? 'A research scanner'} (${inc.attacker.ip}) checked ${inc.victimCount === 1 ? 'your address' : `${inc.victimCount} of your addresses`} on ${inc.ports.size === 1 ? 'one port' : `${inc.ports.size} ports`}: an Internet-wide survey that maps what everyone exposes, not an attack on you in particular.`,
      advice: 'Nothing to do. What they see, attackers can see too: make sure only services you mean to offer are reachable.',
    };
  },
};

export class DetectEngine {
  readonly cfg: DetectConfig;
  /** Problems in the given settings (the engine fell back to defaults for them). */
  readonly configProblems: string[];
  readonly stats: DetectStats;
  private readonly detectors: Detector[];
  /** The detectors that keep something per source profile (told when one is evicted). */
  private readonly releasers: Detector[];
  /** The detectors' process functions (called with their detector: no lookup by name per event). */
  private readonly procs: Array<Detector['process']>;
  /** For each combination of NEEDS_* bits an event has, the detectors (bit i = detectors[i]) that want it. */
  private readonly byNeeds: Int32Array;
  /**
   * For each destination port, the detectors that look at it: `portMasks[portClass[port]]` (one byte per port:
   * a 64 KB table stays in cache where one int32 per port, 256 KB, did not); `noPortMask` for events without
   * a plain port.
   */
  private readonly portClass: Uint8Array;
  private readonly portMasks: Int32Array;
  private readonly noPortMask: number;
  private readonly kinds = new Map<string, IncidentKind>();
  private readonly quietMs = new Map<string, number>();
  private readonly profiles: ProfileStore;
  /** The event's source profile (one cursor, moved from slot to slot). */
  private readonly cursor: Profile;
  private readonly book: BoundedMap<OpenIncident>;
  private readonly repeats: BoundedMap<RepeatCount>;
  private readonly dups: BoundedMap<Dup>;
  private readonly clocks = new Map<string, ObserverClock>();
  private readonly scanners: ScannerMatcher;
  private readonly allowAddr: Set<string>;
  private readonly allowNets: NetList;
  private readonly allowPorts: Uint8Array | null;
  /** Any allow-list is set (they are fixed when the engine is made). */
  private readonly anyAllow: boolean;
  private readonly o: Obs;
  private out: Incident[] = [];
  private pending: Incident[] = [];
  private readonly ctx: Ctx;
  private lastTs = '';
  /** The character before the end of `lastTs` (NaN: none). */
  private lastTc = NaN;
  private lastObserver = '';
  private lastClock: ObserverClock | undefined;
  private lastMs = NaN;
  private lastDst = '';
  private lastDn = -1;
  private readonly leakPerMs: number;
  private readonly slowMs: number;
  /** IPv6 sources are profiled per network of this many bits (128: per address). */
  private readonly v6Bits: number;
  /** The last IPv6 source and its network (a stream repeats its sources). */
  private lastV6 = '';
  private lastV6Net = '';

  constructor(readonly config: DetectOptions = {}) {
    const cfg = resolveConfig(config);
    this.configProblems = validateConfig(cfg);
    this.cfg = cfg;
    const g = cfg.general;
    this.stats = { events: 0, skipped: 0, allowlisted: 0, duplicates: 0, sessionEnds: 0, alerts: 0, replies: 0, incidents: 0, open: 0, tables: {}, evicted: {} };
    this.profiles = new ProfileStore(g.maxSources);
    this.cursor = new Profile(this.profiles);
    // An evicted profile's open scan/sweep incident keeps the details it had at that moment.
    const store = this.profiles;
    const freed = new Profile(store);
    store.onFree = (s) => {
      freed.slot = s;
      const a = freed.scanInc, b = freed.sweepInc;
      if (a !== null && !a.closed) a.refresh?.();
      if (b !== null && !b.closed) b.refresh?.();
      const rs = this.releasers;
      for (let i = 0; i < rs.length; i++) rs[i]!.release!(freed);
    };
    this.book = new BoundedMap<OpenIncident>(g.maxOpenIncidents, (_k, inc) => {
      inc.closed = true;
      if (inc.dirty) this.pending.push(this.emit(inc, inc.last));
    });
    this.repeats = new BoundedMap<RepeatCount>(g.maxSources);
    this.dups = new BoundedMap<Dup>(Math.max(1024, g.maxSources >> 1));
    this.scanners = new ScannerMatcher(cfg.knownScanners.orgs, cfg.knownScanners.networks);
    this.allowAddr = new Set(cfg.allowlist.addresses.map(String));
    this.allowNets = new NetList(cfg.allowlist.networks);
    if (cfg.allowlist.ports.length) {
      this.allowPorts = new Uint8Array(65536);
      for (const p of cfg.allowlist.ports) if (p >= 0 && p < 65536) this.allowPorts[p] = 1;
    } else this.allowPorts = null;
    this.anyAllow = this.allowAddr.size > 0 || !this.allowNets.empty || this.allowPorts !== null;
    this.leakPerMs = 1 / (cfg.portscan.fastLeakS * 1000);
    this.slowMs = cfg.portscan.slowWindowS * 1000;
    this.v6Bits = isIpv6Prefix(g.ipv6Prefix) ? g.ipv6Prefix : DEFAULT_CONFIG.general.ipv6Prefix;
    for (const d of DETECTORS) {
      for (const [type, kind] of Object.entries(d.kinds)) this.kinds.set(type, kind);
    }
    const q = g.quietPeriodS * 1000;
    for (const t of this.kinds.keys()) this.quietMs.set(t, q);
    // Slow things have long gaps between their events.
    this.quietMs.set('beacon', Math.max(q, cfg.beacon.maxIntervalS * 3000));
    this.quietMs.set('exposed-service', Math.max(q, 86400000));
    this.detectors = DETECTORS.filter((d) => (cfg as unknown as Record<string, { enabled?: boolean }>)[d.id]?.enabled !== false).map((d) => d.create(cfg));
    const ds = this.detectors;
    this.releasers = ds.filter((d) => d.release !== undefined);
    if (ds.length > 31) throw new Error('at most 31 detectors');
    this.procs = ds.map((d) => d.process);
    this.byNeeds = new Int32Array(16);
    for (let has = 0; has < 16; has++) {
      for (let i = 0; i < ds.length; i++) if ((ds[i]!.needs ?? 0) === 0 || ((ds[i]!.needs ?? 0) & has) !== 0) this.byNeeds[has] |= 1 << i;
    }
    let noPort = 0;
    for (let i = 0; i < ds.length; i++) if (ds[i]!.ports === undefined) noPort |= 1 << i;
    this.noPortMask = noPort;
    // (the distinct masks, at most 256: a detector beyond the 8th with a port list is given every port, which
    // only skips the shortcut for it)
    const byPort = new Int32Array(65536).fill(noPort);
    let limited = 0;
    for (let i = 0; i < ds.length; i++) {
      const ports = ds[i]!.ports;
      if (ports === undefined) continue;
      if (++limited > 8) { for (let p = 0; p < 65536; p++) byPort[p]! |= 1 << i; continue; }
      for (let p = 0; p < 65536; p++) if (ports[p] === 1) byPort[p]! |= 1 << i;
    }
    this.portClass = new Uint8Array(65536);
    const masks: number[] = [];
    const classOf = new Map<number, number>();
    for (let p = 0, m = NaN, k = 0; p < 65536; p++) {
      if (byPort[p] !== m) {
        m = byPort[p]!;
        const c = classOf.get(m);
        if (c === undefined) { k = masks.length; masks.push(m); classOf.set(m, k); } else k = c;
      }
      this.portClass[p] = k;
    }
    this.portMasks = Int32Array.from(masks);
    this.o = {
      ev: undefined as unknown as GwEvent, t: 0, observer: '', src: '', dst: '', sn: -1, dn: -1, sport: -1, dport: -1, transport: '',
      allowed: false, direction: 'inbound', flags: -1, tcpOptions: undefined, fullSyn: false, packets: 1, badSrc: undefined, badDst: undefined,
    };
    const self = this;
    this.ctx = {
      cfg,
      profile: null,
      kind: 0,
      incident: (key, type, o, side) => self.open(key, type, o, side),
      find: (key, t) => self.find(key, t),
      current: (inc, t) => self.current(inc, t),
      changed: (inc, t) => self.changed(inc, t),
    };
  }

  /** Feed one event; returns the incidents that are new or changed because of it. Never throws on bad input. */
  process(ev: GwEvent): Incident[] {
    const st = this.stats;
    st.events++;
    if (ev === null || typeof ev !== 'object') { st.skipped++; return EMPTY; }
    const source = ev.source, destination = ev.destination;
    if (!source || !destination) { st.skipped++; return EMPTY; }
    const src = source.ip, dst = destination.ip;
    if (typeof src !== 'string' || typeof dst !== 'string') { st.skipped++; return EMPTY; }
    // (each part of the event read once: the compiler cannot keep a load across the stores into `o`)
    const evt = ev.event;
    if (evt?.kind === 'alert') { st.alerts++; return EMPTY; }
    const ts = ev['@timestamp'];
    let t: number;
    // (the last event's time again? Its text is compared only when the character before its end matches: two
    // different times of a stream differ there nine times in ten, and comparing two texts is a call)
    const tc = typeof ts === 'string' ? ts.charCodeAt(ts.length - 2) : NaN;
    if (tc === this.lastTc && ts === this.lastTs) t = this.lastMs;
    else { t = parseTimeMs(ts); this.lastTs = ts; this.lastTc = tc; this.lastMs = t; }
    if (!(t === t)) { st.skipped++; return EMPTY; }
    const o = this.o;
    o.ev = ev;
    o.t = t;
    o.src = src;
    o.dst = dst;
    // (parseIPv4 gives -1 for anything with a ':' in it: no separate scan for IPv6; it remembers the last two
    // addresses itself, so the source, which changes from event to event, is not compared here a third time.
    // The source's number is read only for an event that reaches a profile or a detector, below: a late reply
    // goes nowhere, and reading an address is most of the cost of such an event.)
    o.sn = -1;
    let snRead = false;
    if (dst !== this.lastDst) { this.lastDst = dst; this.lastDn = parseIPv4(dst); }
    o.dn = this.lastDn;
    const net = ev.network;
    const transport = net?.transport ?? '';
    o.transport = transport;
    const icmp = isIcmp(transport);
    const sport = icmp ? -1 : source.port ?? -1;
    const dport = icmp ? -1 : destination.port ?? -1;
    o.sport = sport;
    o.dport = dport;
    const allowed = evt?.action === 'allow';
    o.allowed = allowed;
    const gw = ev.gatewatch;
    const observer = ev.observer?.hostname ?? (gw?.reporter as string | undefined) ?? '-';
    o.observer = observer;
    const flags = transport === 'tcp' ? flagBits(gw?.tcp_flags) : -1;
    o.flags = flags;
    const tcpOptions = gw?.tcp_options;
    o.tcpOptions = tcpOptions;
    const bytes = net?.bytes;
    o.fullSyn = tcpOptions === true && typeof bytes === 'number' && bytes >= (dst.indexOf(':') >= 0 ? 72 : 52);
    o.packets = 1;
    let dir = net?.direction;
    if (dir === undefined) {
      const si = looksInternal(src), di = looksInternal(dst);
      dir = si ? (di ? 'internal' : 'outbound') : (di ? 'inbound' : 'external');
    }
    o.direction = dir;
    o.badSrc = undefined;
    o.badDst = undefined;
    const th = ev.threat?.enrichments;
    if (Array.isArray(th) && th.length) {
      for (const e of th) {
        const f = e?.matched?.field;
        if (f === 'source.ip') (o.badSrc ??= []).push(e);
        else if (f === 'destination.ip') (o.badDst ??= []).push(e);
      }
    }
    // Allow-lists (one flag when there are none, the usual case).
    if (this.anyAllow) {
      if (this.allowAddr.size && (this.allowAddr.has(src) || this.allowAddr.has(dst))) { st.allowlisted++; return EMPTY; }
      if (!this.allowNets.empty && (this.allowNets.has(src) || this.allowNets.has(dst))) { st.allowlisted++; return EMPTY; }
      if (this.allowPorts !== null && dport >= 0 && this.allowPorts[dport] === 1) { st.allowlisted++; return EMPTY; }
    }
    // Per-gateway time.
    let clk = observer === this.lastObserver ? this.lastClock : this.clocks.get(observer);
    if (clk === undefined) {
      if (this.clocks.size >= 1024) { this.clocks.clear(); this.lastObserver = ''; }
      clk = new ObserverClock();
      this.clocks.set(observer, clk);
    }
    this.lastObserver = observer;
    this.lastClock = clk;
    if (t > clk.max) clk.max = t;
    // One connection, two records (start and end): count it once.
    const phase = evt?.type?.[1];
    if (phase === 'start') clk.logsStarts = true;
    else if (phase === 'end' && clk.logsStarts) { st.sessionEnds++; return EMPTY; }
    // The same packet from two gateways: drop the second copy.
    if (this.clocks.size > 1) {
      const k = src + '|' + sport + '|' + dst + '|' + dport + '|' + transport + '|' + flags;
      const d = this.dups.peek(k);
      if (d !== undefined && d.observer !== observer && Math.abs(d.t - t) <= this.cfg.general.duplicateWindowS * 1000) {
        st.duplicates++;
        return EMPTY;
      }
      if (d === undefined) this.dups.set(k, new Dup(observer, t));
      else { d.observer = observer; d.t = t; }
    }
    // The remote source's profile, for inbound traffic.
    const ctx = this.ctx;
    const kind = scanKind(o);
    ctx.kind = kind;
    ctx.profile = null;
    // 'external' (neither side is ours: the site's addresses are not configured) counts as inbound only when
    // denied; allowed traffic between two outside addresses is usually our own, logged after NAT.
    if (dir === 'inbound' || (dir === 'external' && !allowed) || (dir === 'internal' && this.cfg.general.includeInternal)) {
      if (looksLikeReply(o)) st.replies++;
      else {
        const n4 = o.sn = parseIPv4(src);
        snRead = true;
        const store = this.profiles, p = this.cursor;
        // (an IPv6 source is profiled by its network: a new address from the same /64 is the same attacker)
        const key = n4 < 0 ? this.v6Key(src) : src;
        const s = store.get(key, n4);
        if (s < 0) p.slot = store.add(key, n4);
        else {
          p.slot = s;
          if (t - p.first > this.slowMs && p.events > 0) {
            p.reset(t);
            if (p.windowReported) this.afterReported(p, t, true);
          } else if (p.windowReported) this.afterReported(p, t, false);
        }
        p.add(o, kind, this.leakPerMs);
        ctx.profile = p;
      }
    }
    this.out = EMPTY;
    const has = (ctx.profile !== null ? (allowed ? NEEDS_PROFILE | NEEDS_ALLOWED_PROFILE : NEEDS_PROFILE) : 0)
      | (allowed && dir === 'outbound' ? NEEDS_OUTBOUND_ALLOWED : 0)
      | (o.badSrc !== undefined || o.badDst !== undefined ? NEEDS_REPUTATION : 0);
    // Which detectors want this event: by its NEEDS_* bits and its port (a number that is not a whole
    // 0-65535 goes to no port-limited detector, as they reject it; anything else, hostile input, to all).
    const dp = dport;
    const pm = typeof dp === 'number'
      ? (dp >= 0 && dp < 65536 && Math.floor(dp) === dp ? this.portMasks[this.portClass[dp]!]! : this.noPortMask)
      : -1;
    let run = this.byNeeds[has]! & pm;
    if (run !== 0 && !snRead) o.sn = parseIPv4(src);
    const ds = this.detectors, procs = this.procs;
    // (lowest bit first: the detectors' order; one call site per position. Through `fn.call` each is a generic
    // call (a builtin, some 50 instructions per event in all); `ds[i].process(o, ctx)`, a method call, is called
    // directly but lets the compiler inline detectors into this function, which then has no inlining budget left
    // for the profile getters inside them: about 100 instructions more per event, measured.)
    while (run !== 0) {
      const i = 31 - Math.clz32(run & -run);
      run &= run - 1;
      switch (i) {
        case 0: procs[0]!.call(ds[0], o, ctx); break;
        case 1: procs[1]!.call(ds[1], o, ctx); break;
        case 2: procs[2]!.call(ds[2], o, ctx); break;
        case 3: procs[3]!.call(ds[3], o, ctx); break;
        case 4: procs[4]!.call(ds[4], o, ctx); break;
        case 5: procs[5]!.call(ds[5], o, ctx); break;
        case 6: procs[6]!.call(ds[6], o, ctx); break;
        case 7: procs[7]!.call(ds[7], o, ctx); break;
        default: procs[i]!.call(ds[i], o, ctx);
      }
    }
    if (this.pending.length) {
      if (this.out === EMPTY) this.out = [];
      this.out.push(...this.pending);
      this.pending = [];
    }
    const r = this.out;
    this.out = EMPTY;
    return r;
  }

  /**
   * A source whose port scan and sweep incidents are all over (went quiet, or reached maxIncidentS): what its
   * profile counted is reported, so a new window starts. Otherwise its next packet, hours later, re-opened a
   * "scan of 301 ports in 2 hours", the old scan again as a repeat; and the closed incident's wording kept
   * following the profile.
   */
  private afterReported(p: Profile, t: number, wasReset: boolean): void {
    const a = p.scanInc, b = p.sweepInc;
    if ((a !== null && this.current(a, t)) || (b !== null && this.current(b, t))) return;
    p.scanInc = null;
    p.sweepInc = null;
    if (!wasReset) p.reset(t);
  }

  /** The profile key of a source that is not IPv4: its IPv6 network, else the text as it is. */
  private v6Key(src: string): string {
    if (src === this.lastV6) return this.lastV6Net;
    const net = this.v6Bits < 128 ? ipv6Network(src, this.v6Bits) ?? src : src;
    this.lastV6 = src;
    this.lastV6Net = net;
    return net;
  }

  /**
   * Call every few seconds with the wall clock. Sends held-back updates and closes incidents that
   * went quiet. Event time moves on with the wall clock between events, per gateway.
   */
  tick(nowMs: number = Date.now()): Incident[] {
    const out: Incident[] = [];
    for (const c of this.clocks.values()) {
      if (c.max !== c.seenMax) { c.seenMax = c.max; c.wallAt = nowMs; }
    }
    const updMs = this.cfg.general.updateEveryS * 1000;
    // An incident whose events have paused for a minute has its held-back update sent then, not up to
    // `updateEveryS` later: the burst is over, and a report made now should count all of it.
    const settleMs = Math.min(updMs, SETTLE_MS);
    for (const [key, inc] of this.book.entries()) {
      const ob = inc.observers[inc.observers.length - 1] ?? '-';
      const c = this.clocks.get(ob);
      const now = c ? c.max + Math.max(0, nowMs - c.wallAt) : inc.last;
      if (now - inc.last > this.quietOf(inc)) {
        this.close(key, inc);
        if (inc.dirty) out.push(this.emit(inc, now));
      } else if (inc.dirty && (now - inc.emittedAt >= updMs || now - inc.last >= settleMs)) out.push(this.emit(inc, now));
    }
    if (this.pending.length) { out.push(...this.pending); this.pending = []; }
    return out;
  }

  /** Everything still open, in its latest state (end of a replay). Incidents stay open. */
  flush(): Incident[] {
    const out: Incident[] = [...this.pending];
    this.pending = [];
    for (const inc of this.book.values()) out.push(this.emit(inc, inc.last));
    return out;
  }

  /** Open incidents right now (for status displays). */
  get openCount(): number {
    return this.book.size;
  }

  /** Table sizes and evictions (tests of the caps, status). */
  tableSizes(): DetectStats {
    const st = this.stats;
    st.open = this.book.size;
    st.tables = { profiles: this.profiles.size, incidents: this.book.size, repeats: this.repeats.size, duplicates: this.dups.size };
    for (const d of this.detectors) Object.assign(st.tables, d.tables());
    st.evicted = { profiles: this.profiles.evictions, incidents: this.book.evicted, duplicates: this.dups.evicted };
    return st;
  }

  // ---- incident book -------------------------------------------------------------------------

  /** The quiet period of an incident's type (kept on the incident: no lookup per event). */
  private quietOf(inc: OpenIncident): number {
    const q = inc.quietMs;
    return q === q ? q : (this.quietMs.get(inc.kindType) ?? 3600000);
  }

  private find(key: string, t: number): OpenIncident | undefined {
    const inc = this.book.get(key);
    if (inc === undefined) return undefined;
    const q = this.quietOf(inc);
    if (t - inc.last > q || t - inc.first > this.cfg.general.maxIncidentS * 1000) {
      this.close(key, inc);
      if (inc.dirty) this.pending.push(this.emit(inc, inc.last));
      return undefined;
    }
    return inc;
  }

  private current(inc: OpenIncident, t: number): boolean {
    if (inc.closed) return false;
    const q = this.quietOf(inc);
    if (t - inc.last > q || t - inc.first > this.cfg.general.maxIncidentS * 1000) {
      this.close(inc.key, inc);
      if (inc.dirty) this.pending.push(this.emit(inc, inc.last));
      return false;
    }
    return true;
  }

  private close(key: string, inc: OpenIncident): void {
    inc.closed = true;
    this.book.delete(key);
  }

  private open(key: string, type: string, o: Obs, side: 'source' | 'destination'): OpenIncident | null {
    const cur = this.find(key, o.t);
    if (cur !== undefined) return cur;
    let kind = this.kinds.get(type);
    if (kind === undefined) throw new Error(`unknown incident type ${type}`);
    const party = partyOf(o.ev, side);
    // (an incident of a source profiled by its IPv6 network, keyed by that network (port scan, sweep, password
    // guessing, flood): the network's, its first address shown with it; one keyed by the address itself, such as
    // a listed address, stays the address's)
    let network: string | undefined;
    if (side === 'source' && this.ctx.profile !== null && party.ip.indexOf(':') >= 0) {
      const k = this.ctx.profile.ip;
      if (k !== party.ip && k.indexOf('/') > 0 && key.endsWith('|' + k)) network = party.network = k;
    }
    let shownType = type;
    if (kind.reconnaissance && this.cfg.knownScanners.mode !== 'off') {
      const name = this.scanners.match(party.ip, party.as?.organization?.name);
      if (name !== undefined) {
        if (this.cfg.knownScanners.mode === 'ignore') return null;
        party.known_scanner = name;
        shownType = 'research-scanner';
        kind = { ...kind, describe: RESEARCH_KIND.describe };
      }
    }
    // (an outbound case's "attacker" is the outside address: a second machine of yours calling it is not that
    // address offending again, so it is counted per incident key (machine and address for a beacon))
    const rkey = side === 'destination' ? key : type + '|' + (party.network ?? party.ip);
    let rc = this.repeats.get(rkey);
    if (rc === undefined) { rc = new RepeatCount(); this.repeats.set(rkey, rc); }
    const inc = new OpenIncident(key, shownType, kind.technique, kind.describe, party, o.t, rc.n);
    if (network !== undefined) inc.addresses = new Set();
    inc.kindType = type;
    inc.quietMs = this.quietMs.get(type) ?? 3600000;
    if (shownType === 'research-scanner') inc.details.activity = type;
    rc.n++;
    inc.direction = o.direction;
    this.book.set(key, inc);
    this.stats.incidents++;
    return inc;
  }

  private changed(inc: OpenIncident, t: number): void {
    let send = false;
    if (inc.emittedCount === 0) send = true;
    else if (inc.events >= 2 * inc.emittedCount || inc.subtype !== inc.emittedSubtype || inc.level !== inc.emittedLevel) send = true;
    else if (t - inc.emittedAt >= this.cfg.general.updateEveryS * 1000) send = true;
    if (!send) return;
    if (this.out === EMPTY) this.out = [];
    this.out.push(this.emit(inc, t));
  }

  private emit(inc: OpenIncident, t: number): Incident {
    const snap = inc.snapshot();
    inc.emittedCount = Math.max(1, inc.events);
    inc.emittedAt = t;
    inc.emittedSubtype = inc.subtype;
    inc.emittedLevel = inc.level;
    inc.dirty = false;
    if (inc.status !== 'update') inc.status = 'update';
    return snap;
  }
}
