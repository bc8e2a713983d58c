/**
 * Reputation: is either side of a connection on one of the lists? All enabled feeds are combined in
 * one IpSet (each feed one label bit), so a lookup is one binary search whatever the number of lists.
 * Both sides are checked, so an inside machine calling a known-bad address is as visible as an
 * attacker knocking on the door.
 */
import type { AddressScope, GwEvent, ThreatEnrichment } from '../event';
import { CompiledBlocks, IpSet, IpSetBuilder } from './ipset';
import { addressScope, LOCAL_BLOCKS, LOCAL_SCOPES } from './scope';
import { Feed, FeedDef, FeedStore, FetchOptions, FetchOutcome, ParsedFeed } from './feeds';
import type { Site } from './site';

export interface ReputationOptions {
  /**
   * Scopes never matched, whatever a list says (default: private, loopback, link-local, CGNAT,
   * multicast, broadcast, unspecified: somebody's own network). Set `matchLocal: true` to match them.
   * Reserved "bogon" ranges (documentation, benchmarking, 240/4) stay matchable: a packet from a bogon
   * arriving from the internet is spoofed, which is what lists such as FireHOL level1 flag.
   */
  matchLocal?: boolean;
  /** The site: its home networks and public addresses are never matched either. */
  site?: Site;
}

export const MAX_FEEDS = 32;

/** The combined, immutable index over the feeds' entries. */
export class ReputationIndex {
  readonly names: string[];
  private constructor(private readonly set: IpSet, names: string[], private readonly opts: ReputationOptions) {
    this.names = names;
  }

  static build(feeds: { name: string; parsed?: ParsedFeed | null; blocks?: CompiledBlocks | null }[], opts: ReputationOptions = {}): ReputationIndex {
    const b = new IpSetBuilder();
    // Local space (private, loopback, link-local, CGNAT, multicast …) is cut out of the lists once, here.
    if (!opts.matchLocal) for (const c of LOCAL_BLOCKS) b.exclude(c);
    const names: string[] = [];
    for (const f of feeds) {
      if (!f.parsed && !f.blocks) continue;
      if (names.length >= MAX_FEEDS) throw new Error(`at most ${MAX_FEEDS} reputation lists can be used at once`);
      const label = names.length;
      names.push(f.name);
      if (f.blocks) b.addCompiled(f.blocks, label);
      else for (const e of f.parsed!.entries) b.add(e, label);
    }
    return new ReputationIndex(b.build(), names, opts);
  }

  static empty(): ReputationIndex { return ReputationIndex.build([]); }

  get matchLocal(): boolean { return !!this.opts.matchLocal; }

  get stats() { return this.set.stats; }

  /** Label mask for an address (0: on no list, or an address that is never matched). */
  maskOf(ip: string, scope?: AddressScope, site: Site | undefined = this.opts.site): number {
    const m = this.set.match(ip);
    if (m === 0 || this.opts.matchLocal) return m;
    // Local space was cut out at build time; a v6 block is matched on its /64, so check the exact scope
    // (rare: only for addresses that matched) and the site's own addresses.
    const sc = scope ?? addressScope(ip);
    if (sc === undefined || LOCAL_SCOPES.has(sc)) return 0;
    if (site?.isHome(ip)) return 0;
    return m;
  }

  /** The names of the lists an address is on. */
  listsOf(ip: string): string[] {
    const m = this.maskOf(ip);
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (m & (1 << i)) out.push(this.names[i]!);
    return out;
  }

  /** Add threat.enrichments[] for every list each side is on. Returns the number of matches added. */
  enrich(ev: GwEvent, site?: Site): number {
    return this.enrichOf(ev, -1, -1, site);
  }

  /** `enrich` with the addresses already parsed (`sn`/`dn`: IPv4 numbers, or -1 when not IPv4). */
  enrichOf(ev: GwEvent, sn: number, dn: number, site?: Site): number {
    if (this.names.length === 0) return 0;
    let n = 0;
    const st = site ?? this.opts.site;
    const s = ev.source?.ip;
    if (typeof s === 'string') n += this.add(ev, s, this.maskOfN(s, sn, st), 'source.ip');
    const d = ev.destination?.ip;
    if (typeof d === 'string') n += this.add(ev, d, this.maskOfN(d, dn, st), 'destination.ip');
    return n;
  }

  private maskOfN(ip: string, n: number, site: Site | undefined): number {
    if (n < 0) return this.maskOf(ip, undefined, site);
    const m = this.set.matchV4(n);
    if (m === 0) return 0;
    return this.maskOf(ip, undefined, site);
  }

  private add(ev: GwEvent, ip: string, mask: number, field: 'source.ip' | 'destination.ip'): number {
    if (mask === 0) return 0;
    if (!ev.threat || !Array.isArray(ev.threat.enrichments)) ev.threat = { enrichments: [] };
    const list = ev.threat.enrichments;
    let n = 0;
    for (let i = 0; i < this.names.length; i++) {
      if (!(mask & (1 << i))) continue;
      const name = this.names[i]!;
      let dup = false;
      for (const e of list) if (e?.matched?.field === field && e.indicator?.provider === name) { dup = true; break; }
      if (dup) continue;
      const en: ThreatEnrichment = {
        indicator: { ip, type: ip.indexOf(':') >= 0 ? 'ipv6-addr' : 'ipv4-addr', provider: name },
        matched: { field, atomic: ip, type: 'indicator_match_rule' },
        feed: { name },
      };
      list.push(en);
      n++;
    }
    return n;
  }
}

export interface FeedSetOptions extends FetchOptions, ReputationOptions {
  /** Where downloaded copies are kept (null: memory only). */
  storeDir?: string | null;
  /** How often to look whether a feed is due (ms). */
  tickMs?: number;
}

/**
 * A set of feeds that refreshes itself: loads good copies from disk at start, downloads the ones that
 * are due, rebuilds the index after each change and tells listeners.
 */
export class FeedSet {
  readonly feeds: Feed[];
  index: ReputationIndex;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private readonly listeners = new Set<(idx: ReputationIndex) => void>();

  constructor(defs: FeedDef[], private readonly opts: FeedSetOptions = {}) {
    const store = opts.storeDir ? new FeedStore(opts.storeDir) : null;
    const enabled = defs.filter((d) => d.enabled);
    if (enabled.length > MAX_FEEDS) throw new Error(`at most ${MAX_FEEDS} reputation lists can be used at once`);
    this.feeds = enabled.map((d) => new Feed(d, store, opts));
    for (const f of this.feeds) f.loadFromDisk();
    this.index = this.rebuild();
  }

  private rebuild(): ReputationIndex {
    this.index = ReputationIndex.build(this.feeds.map((f) => ({ name: f.def.name, blocks: f.state.blocks })), this.opts);
    return this.index;
  }

  onChange(fn: (idx: ReputationIndex) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Refresh every due feed (or all with `force`). Resolves with each feed's outcome. */
  async refresh(force = false, now = Date.now()): Promise<FetchOutcome[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const due = this.feeds.filter((f) => (f.def.url || f.def.file) && (force || f.due(now)));
      const outcomes = await Promise.all(due.map((f) => f.refresh(now)));
      if (!this.closed && outcomes.some((o) => o === 'updated')) {
        const idx = this.rebuild();
        for (const l of this.listeners) l(idx);
      }
      return outcomes;
    } finally {
      this.running = false;
    }
  }

  /** Start the refresh loop (first check right away). */
  start(): void {
    if (this.timer || this.closed) return;
    void this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, this.opts.tickMs ?? 60000);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** Totals for status text. */
  summary(): { feeds: number; entries: number; failures: number; rejected: number; updates: number; withData: number; lastError?: string } {
    let entries = 0, failures = 0, rejected = 0, updates = 0, withData = 0;
    let lastError: string | undefined;
    for (const f of this.feeds) {
      const s = f.state;
      entries += s.blocks?.count ?? 0;
      failures += s.failures; rejected += s.rejected; updates += s.updates;
      if (s.blocks) withData++;
      if (s.lastError) lastError = `${f.def.name}: ${s.lastError}`;
    }
    return { feeds: this.feeds.length, entries, failures, rejected, updates, withData, lastError };
  }
}
