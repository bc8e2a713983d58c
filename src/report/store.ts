/**
 * The report store: incidents and hourly traffic rollups in an embedded SQLite database
 * (better-sqlite3; see docs/report.md for why).
 *
 * Writes are buffered in memory (a RollupAccumulator plus pending incidents) and committed in one
 * transaction every `flushMs` or every `flushEvents` events, whichever comes first. "Acknowledged"
 * means committed by a flush: `acknowledged` counts those events, and a crash (even `kill -9`) after a
 * flush returned never loses them. WAL journal with synchronous=FULL, so a committed flush also
 * survives a power cut.
 *
 * Bounded on disk: rows older than `retentionMonths` are deleted, and when the live data passes
 * `maxBytes` the oldest days are deleted until it fits.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GwEvent } from '../event';
import type { Incident } from '../detect/incident';
import { hllMerge, HLL_M, RollupAccumulator, RollupData, RollupOptions } from './rollup';

export interface StoreOptions extends RollupOptions {
  /** Commit at least this often (ms). 0 = only when asked or when `flushEvents` is reached. Default 1000. */
  flushMs?: number;
  /** Commit when this many events are waiting. Default 20000. */
  flushEvents?: number;
  /** Months of rollups and incidents to keep. Default 13. */
  retentionMonths?: number;
  /** Upper bound on the live data in bytes (oldest days are deleted past it). Default 1 GiB; 0 = no cap. */
  maxBytes?: number;
  /** Keep raw events for this many days (0 = don't store raw events, the default). */
  keepRawDays?: number;
  /** Run retention and the size cap this often (ms). Default 1 hour; 0 = only when asked. */
  maintainMs?: number;
  /** Called when a timed flush or maintenance fails (the store keeps going). */
  onError?: (err: Error) => void;
}

export interface StoreQuery {
  incidents: Incident[];
  rollups: RollupData;
  /** Routers whose clock was wrong (their times corrected by the parse node) during the period. */
  clocks: ClockSeen[];
}

/** A router whose events arrived with a corrected time (gatewatch.clock_skew_s), by its event times. */
export interface ClockSeen {
  gateway: string;
  /** The latest correction, in seconds (positive: its clock was behind). */
  behindS: number;
  first: number;
  last: number;
}

/** Routers remembered with a wrong clock (a site has few). */
const MAX_CLOCKS = 32;

export interface StoreStats {
  acknowledged: number;
  pending: number;
  flushes: number;
  incidents: number;
  lastFlushMs: number;
}

const HOUR = 3600000;
const DAY = 86400000;

function ms(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

export class ReportStore {
  readonly db: Database.Database;
  readonly acc: RollupAccumulator;
  private readonly opts: Required<Omit<StoreOptions, keyof RollupOptions | 'onError'>> & StoreOptions;
  private pendingEvents = 0;
  private readonly pendingIncidents = new Map<string, Incident>();
  private pendingRaw: [number, string][] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private maintainTimer: NodeJS.Timeout | null = null;
  private readonly sourceRowsWritten = new Map<number, number>();
  private readonly clocks = new Map<string, ClockSeen>();
  private clocksDirty = false;
  private closed = false;
  /** Every whole UTC day before this (ms) has been summed into traffic_day. */
  private rolledUntil = 0;
  readonly stats: StoreStats = { acknowledged: 0, pending: 0, flushes: 0, incidents: 0, lastFlushMs: 0 };
  private readonly st: Record<string, Database.Statement>;

  constructor(readonly path: string, opts: StoreOptions = {}) {
    this.opts = {
      flushMs: 1000, flushEvents: 20000, retentionMonths: 13, maxBytes: 1024 ** 3, keepRawDays: 0, maintainMs: HOUR,
      ...opts,
    };
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // auto_vacuum must be chosen before the first table exists; it lets the size cap shrink the file.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE IF NOT EXISTS traffic(hour INTEGER NOT NULL, action TEXT NOT NULL, direction TEXT NOT NULL,
        country TEXT NOT NULL, port INTEGER NOT NULL, transport TEXT NOT NULL, bad INTEGER NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY(hour, action, direction, country, port, transport, bad)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS traffic_day(day INTEGER NOT NULL, action TEXT NOT NULL, direction TEXT NOT NULL,
        country TEXT NOT NULL, port INTEGER NOT NULL, transport TEXT NOT NULL, bad INTEGER NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY(day, action, direction, country, port, transport, bad)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sources(hour INTEGER NOT NULL, dir TEXT NOT NULL, ip TEXT NOT NULL, country TEXT NOT NULL,
        asn INTEGER NOT NULL, org TEXT NOT NULL, deny INTEGER NOT NULL, allow INTEGER NOT NULL, bad INTEGER NOT NULL,
        PRIMARY KEY(hour, dir, ip)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS asns(hour INTEGER NOT NULL, asn INTEGER NOT NULL, org TEXT NOT NULL, country TEXT NOT NULL,
        deny INTEGER NOT NULL, allow INTEGER NOT NULL, PRIMARY KEY(hour, asn)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS distinct_sources(hour INTEGER PRIMARY KEY, regs BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS incidents(id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
        severity TEXT NOT NULL, type TEXT NOT NULL, json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS incidents_last ON incidents(last_seen);
      CREATE TABLE IF NOT EXISTS events(ts INTEGER NOT NULL, json TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
    `);
    this.db.prepare(`INSERT OR IGNORE INTO meta(k, v) VALUES ('schema', '1')`).run();
    this.db.prepare(`INSERT OR IGNORE INTO meta(k, v) VALUES ('created', ?)`).run(String(Date.now()));
    try {
      const saved = JSON.parse(this.getMeta('clocks') ?? '[]') as ClockSeen[];
      if (Array.isArray(saved)) {
        for (const c of saved.slice(0, MAX_CLOCKS)) {
          if (c && typeof c.gateway === 'string' && Number.isFinite(c.behindS) && Number.isFinite(c.first) && Number.isFinite(c.last)) this.clocks.set(c.gateway, c);
        }
      }
    } catch { /* a damaged note is dropped: it only feeds a report line */ }
    this.st = {
      traffic: this.db.prepare(`INSERT INTO traffic(hour, action, direction, country, port, transport, bad, count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count`),
      trafficDay: this.db.prepare(`INSERT INTO traffic_day(day, action, direction, country, port, transport, bad, count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count`),
      rollDays: this.db.prepare(`INSERT INTO traffic_day(day, action, direction, country, port, transport, bad, count)
        SELECT ? AS day, action, direction, country, port, transport, bad, sum(count) FROM traffic WHERE hour >= ? AND hour < ?
        GROUP BY action, direction, country, port, transport, bad
        ON CONFLICT DO UPDATE SET count = count + excluded.count`),
      source: this.db.prepare(`INSERT INTO sources(hour, dir, ip, country, asn, org, deny, allow, bad)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET deny = deny + excluded.deny,
        allow = allow + excluded.allow, bad = max(bad, excluded.bad)`),
      asn: this.db.prepare(`INSERT INTO asns(hour, asn, org, country, deny, allow) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET deny = deny + excluded.deny, allow = allow + excluded.allow`),
      distinctGet: this.db.prepare(`SELECT regs FROM distinct_sources WHERE hour = ?`),
      distinctPut: this.db.prepare(`INSERT OR REPLACE INTO distinct_sources(hour, regs) VALUES (?, ?)`),
      incident: this.db.prepare(`INSERT INTO incidents(id, first_seen, last_seen, severity, type, json) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = excluded.last_seen,
        severity = excluded.severity, type = excluded.type, json = excluded.json`),
      raw: this.db.prepare(`INSERT INTO events(ts, json) VALUES (?, ?)`),
      pruneSources: this.db.prepare(`DELETE FROM sources WHERE hour = ? AND (dir, ip) IN
        (SELECT dir, ip FROM sources WHERE hour = ? ORDER BY bad DESC, deny + allow DESC LIMIT -1 OFFSET ?)`),
      qTraffic: this.db.prepare(`SELECT hour, action, direction, country, port, transport, bad, count FROM traffic WHERE hour >= ? AND hour < ?`),
      qSources: this.db.prepare(`SELECT hour, dir, ip, country, asn, org, deny, allow, bad FROM sources WHERE hour >= ? AND hour < ?`),
      qAsns: this.db.prepare(`SELECT hour, asn, org, country, deny, allow FROM asns WHERE hour >= ? AND hour < ?`),
      qDistinct: this.db.prepare(`SELECT hour, regs FROM distinct_sources WHERE hour >= ? AND hour < ?`),
      qIncidents: this.db.prepare(`SELECT json FROM incidents WHERE last_seen >= ? AND first_seen < ? ORDER BY first_seen`),
      count: this.db.prepare(`SELECT count(*) AS n FROM incidents`),
    };
    this.acc = new RollupAccumulator(opts);
    this.rolledUntil = Number(this.getMeta('rolled_until') ?? 0);
    this.stats.incidents = (this.st.count!.get() as { n: number }).n;
    if (this.opts.flushMs > 0) {
      this.flushTimer = setInterval(() => this.safe(() => this.flush()), this.opts.flushMs);
      this.flushTimer.unref?.();
    }
    if (this.opts.maintainMs > 0) {
      this.safe(() => this.maintain());
      this.maintainTimer = setInterval(() => this.safe(() => this.maintain()), this.opts.maintainMs);
      this.maintainTimer.unref?.();
    }
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }

  /** Count one event into the hourly rollups (and keep it raw when keepRawDays > 0). */
  addEvent(ev: GwEvent): void {
    if (this.closed) throw new Error('report store is closed');
    this.acc.add(ev);
    const skew = ev.gatewatch?.clock_skew_s;
    if (typeof skew === 'number' && skew !== 0 && Number.isFinite(skew)) this.noteClock(ev, skew);
    if (this.opts.keepRawDays > 0) this.pendingRaw.push([ms(ev['@timestamp']), JSON.stringify(ev)]);
    this.pendingEvents++;
    this.stats.pending = this.pendingEvents;
    if (this.pendingEvents >= this.opts.flushEvents) this.flush();
  }

  private noteClock(ev: GwEvent, skew: number): void {
    const t = ms(ev['@timestamp']);
    if (t === 0) return;
    const gw = ev.gatewatch?.reporter;
    const name = (typeof gw === 'string' && gw ? gw : ev.observer?.hostname ?? '-').slice(0, 80);
    let c = this.clocks.get(name);
    if (c === undefined) {
      if (this.clocks.size >= MAX_CLOCKS) {
        let oldest: string | undefined;
        for (const [k, v] of this.clocks) if (oldest === undefined || v.last < this.clocks.get(oldest)!.last) oldest = k;
        this.clocks.delete(oldest!);
      }
      c = { gateway: name, behindS: skew, first: t, last: t };
      this.clocks.set(name, c);
      this.clocksDirty = true;
    }
    if (c.behindS !== skew) { c.behindS = skew; this.clocksDirty = true; }
    if (t < c.first) { c.first = t; this.clocksDirty = true; }
    // (the end moves with every event: written at the next flush, no sooner than a minute after the last write)
    if (t > c.last) { if (t - c.last >= 60_000) this.clocksDirty = true; c.last = t; }
  }

  /** Store an incident; a later version with the same id replaces it. */
  addIncident(inc: Incident): void {
    if (this.closed) throw new Error('report store is closed');
    this.pendingIncidents.set(inc.id, inc);
  }

  /** Commit everything buffered in one transaction. Returns the events acknowledged by this flush. */
  flush(): number {
    if (this.closed) return 0;
    if (this.pendingEvents === 0 && this.pendingIncidents.size === 0) return 0;
    const data = this.acc.drain();
    const incidents = [...this.pendingIncidents.values()];
    const raw = this.pendingRaw;
    const n = this.pendingEvents;
    const st = this.st;
    const closedBefore = this.acc.closedBefore();
    const cap = this.acc.maxSourcesPerHour;
    // IMMEDIATE: take the write lock first, so another process sharing the file cannot interleave
    // between reading rolled_until and summing days.
    this.db.transaction(() => {
      this.rolledUntil = Number(this.getMeta('rolled_until') ?? 0);
      for (const r of data.traffic) {
        st.traffic!.run(r.hour, r.action, r.direction, r.country, r.port, r.transport, r.bad, r.count);
        // Late events for a day already summed: add them to the day too.
        if (r.hour < this.rolledUntil) st.trafficDay!.run(r.hour - (r.hour % DAY), r.action, r.direction, r.country, r.port, r.transport, r.bad, r.count);
      }
      this.rollDays(closedBefore);
      for (const a of data.asns) st.asn!.run(a.hour, a.asn, a.org, a.country, a.deny, a.allow);
      for (const s of data.sources) {
        st.source!.run(s.hour, s.dir, s.ip, s.country, s.asn, s.org, s.deny, s.allow, s.bad);
        this.sourceRowsWritten.set(s.hour, (this.sourceRowsWritten.get(s.hour) ?? 0) + 1);
      }
      for (const d of data.distinct) {
        const old = st.distinctGet!.get(d.hour) as { regs: Buffer } | undefined;
        const regs = d.regs;
        if (old && old.regs.length === HLL_M) hllMerge(regs, old.regs);
        st.distinctPut!.run(d.hour, Buffer.from(regs.buffer, regs.byteOffset, regs.byteLength));
      }
      for (const inc of incidents) {
        const first = ms(inc.first_seen), last = Math.max(ms(inc.last_seen), first);
        st.incident!.run(inc.id, first, last, inc.severity, inc.type, JSON.stringify(inc));
      }
      for (const [t, j] of raw) st.raw!.run(t, j);
      if (this.clocksDirty) {
        this.setMeta('clocks', JSON.stringify([...this.clocks.values()]));
        this.clocksDirty = false;
      }
      // Keep the per-address table bounded: closed hours keep their busiest addresses only, and an
      // open hour is trimmed whenever many new rows arrived for it.
      for (const [hour, written] of this.sourceRowsWritten) {
        if (hour < closedBefore || written > cap * 8) {
          st.pruneSources!.run(hour, hour, cap);
          if (hour < closedBefore) this.sourceRowsWritten.delete(hour);
          else this.sourceRowsWritten.set(hour, 0);
        }
      }
    }).immediate();
    this.pendingIncidents.clear();
    this.pendingRaw = [];
    this.pendingEvents = 0;
    this.stats.acknowledged += n;
    this.stats.pending = 0;
    this.stats.flushes++;
    this.stats.lastFlushMs = Date.now();
    if (incidents.length) this.stats.incidents = (st.count!.get() as { n: number }).n;
    return n;
  }

  /**
   * Incidents and rollups for [fromMs, toMs). Flushes first so the answer includes everything received.
   * With `bucketMs` (a multiple of an hour), traffic rows are summed into buckets aligned on fromMs, and
   * addresses and networks over the whole period, in SQL: a month becomes a few thousand rows.
   */
  query(fromMs: number, toMs: number, opts: { bucketMs?: number; maxSources?: number } = {}): StoreQuery {
    this.flush();
    const h0 = fromMs - (((fromMs % HOUR) + HOUR) % HOUR);
    const st = this.st;
    const g = opts.bucketMs && opts.bucketMs > HOUR ? Math.floor(opts.bucketMs / HOUR) * HOUR : 0;
    let rollups: RollupData;
    if (g) {
      // Hourly rows that start before fromMs (fromMs not on the hour) stay in the first bucket.
      // Integers written into the SQL (JS numbers bind as REAL, which would not divide as integers).
      const f = Math.floor(fromMs);
      const args = [h0, toMs];
      const regs = new Uint8Array(HLL_M);
      let any = false;
      for (const r of st.qDistinct!.all(h0, toMs) as { regs: Buffer }[]) {
        hllMerge(regs, r.regs);
        any = true;
      }
      // Totals over the whole period (hour = fromMs): whole days from traffic_day, the edges from the
      // hourly table. The chart's series comes from the hourly table in key order (no sort), bucketed here.
      const d0 = Math.ceil(fromMs / DAY) * DAY;
      const d1 = Math.min(Math.floor(toMs / DAY) * DAY, this.rolledUntil);
      const hourly = this.db.prepare(`SELECT ${f} AS hour, action, direction, country, port, transport, bad, sum(count) AS count FROM traffic
        WHERE hour >= ? AND hour < ? GROUP BY 2, 3, 4, 5, 6, 7`);
      let traffic: RollupData['traffic'];
      if (d0 < d1) {
        traffic = [
          ...(this.db.prepare(`SELECT ${f} AS hour, action, direction, country, port, transport, bad, sum(count) AS count FROM traffic_day
            WHERE day >= ? AND day < ? GROUP BY 2, 3, 4, 5, 6, 7`).all(d0, d1) as RollupData['traffic']),
          ...(hourly.all(h0, d0) as RollupData['traffic']),
          ...(hourly.all(d1, toMs) as RollupData['traffic']),
        ];
      } else traffic = hourly.all(h0, toMs) as RollupData['traffic'];
      const series = new Map<string, { hour: number; action: string; direction: string; count: number }>();
      for (const [hour, action, direction, count] of this.db.prepare(`SELECT hour, action, direction, sum(count) FROM traffic
        WHERE hour >= ? AND hour < ? GROUP BY hour, action, direction`).raw().iterate(...args) as Iterable<[number, string, string, number]>) {
        const bh = Math.max(f, f + Math.floor((hour - f) / g) * g);
        const k = `${bh}|${action}|${direction}`;
        const e = series.get(k);
        if (e) e.count += count;
        else series.set(k, { hour: bh, action, direction, count });
      }
      rollups = {
        traffic,
        series: [...series.values()],
        // The busiest addresses and every known-bad one (a report lists the top 15 and the bad ones).
        sources: this.db.prepare(`SELECT ? AS hour, dir, ip, max(country) AS country, max(asn) AS asn, max(org) AS org, sum(deny) AS deny,
          sum(allow) AS allow, max(bad) AS bad FROM sources WHERE hour >= ? AND hour < ? GROUP BY dir, ip
          ORDER BY max(bad) DESC, sum(deny) + sum(allow) DESC LIMIT ?`).all(fromMs, h0, toMs, opts.maxSources ?? 2000) as RollupData['sources'],
        asns: this.db.prepare(`SELECT ? AS hour, asn, max(org) AS org, max(country) AS country, sum(deny) AS deny, sum(allow) AS allow
          FROM asns WHERE hour >= ? AND hour < ? GROUP BY asn`).all(fromMs, h0, toMs) as RollupData['asns'],
        distinct: any ? [{ hour: fromMs, regs }] : [],
      };
    } else {
      rollups = {
        traffic: st.qTraffic!.all(h0, toMs) as RollupData['traffic'],
        sources: st.qSources!.all(h0, toMs) as RollupData['sources'],
        asns: st.qAsns!.all(h0, toMs) as RollupData['asns'],
        distinct: (st.qDistinct!.all(h0, toMs) as { hour: number; regs: Buffer }[]).map((r) => ({ hour: r.hour, regs: new Uint8Array(r.regs) })),
      };
    }
    const incidents = (st.qIncidents!.all(fromMs, toMs) as { json: string }[]).map((r) => JSON.parse(r.json) as Incident);
    const clocks = [...this.clocks.values()].filter((c) => c.last >= fromMs && c.first < toMs).map((c) => ({ ...c }));
    return { incidents, rollups, clocks };
  }

  getMeta(k: string): string | undefined {
    return (this.db.prepare(`SELECT v FROM meta WHERE k = ?`).get(k) as { v: string } | undefined)?.v;
  }

  setMeta(k: string, v: string): void {
    this.db.prepare(`INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)`).run(k, v);
  }

  /** Raw events kept with keepRawDays, for [fromMs, toMs). */
  rawEvents(fromMs: number, toMs: number, limit = 100000): GwEvent[] {
    this.flush();
    return (this.db.prepare(`SELECT json FROM events WHERE ts >= ? AND ts < ? ORDER BY ts LIMIT ?`).all(fromMs, toMs, limit) as { json: string }[])
      .map((r) => JSON.parse(r.json) as GwEvent);
  }

  /**
   * Sum whole UTC days that have closed (all their hours are older than `closedBefore`) from hourly
   * traffic into traffic_day, so a month's report reads about 31 × (keys a day) rows instead of
   * 744 × (keys an hour). Runs inside flush's transaction.
   */
  private rollDays(closedBefore: number): void {
    const limit = closedBefore - (((closedBefore % DAY) + DAY) % DAY);
    if (limit <= this.rolledUntil) return;
    let d = this.rolledUntil;
    if (d === 0) {
      const r = this.db.prepare(`SELECT min(hour) AS h FROM traffic`).get() as { h: number | null };
      if (r.h === null) return;
      d = r.h - (((r.h % DAY) + DAY) % DAY);
    }
    for (; d < limit; d += DAY) this.st.rollDays!.run(d, d, d + DAY);
    this.rolledUntil = limit;
    this.db.prepare(`INSERT OR REPLACE INTO meta(k, v) VALUES ('rolled_until', ?)`).run(String(limit));
  }

  /** Bytes used by live data (pages in use × page size). */
  liveBytes(): number {
    const pc = this.db.pragma('page_count', { simple: true }) as number;
    const fl = this.db.pragma('freelist_count', { simple: true }) as number;
    const ps = this.db.pragma('page_size', { simple: true }) as number;
    return (pc - fl) * ps;
  }

  /** Retention and size cap. Returns the rows deleted. */
  maintain(nowMs = Date.now()): number {
    if (this.closed) return 0;
    this.flush();
    const d = new Date(nowMs);
    const cutoff = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - this.opts.retentionMonths, d.getUTCDate(), d.getUTCHours());
    let deleted = this.deleteBefore(cutoff);
    if (this.opts.keepRawDays > 0) deleted += this.db.prepare(`DELETE FROM events WHERE ts < ?`).run(nowMs - this.opts.keepRawDays * DAY).changes;
    if (this.opts.maxBytes > 0) {
      for (let guard = 0; guard < 100000 && this.liveBytes() > this.opts.maxBytes; guard++) {
        const oldest = this.oldestMs();
        if (oldest === null) break;
        const n = this.deleteBefore(oldest + DAY - (((oldest % DAY) + DAY) % DAY));
        deleted += n;
        if (n === 0) break;
      }
    }
    if (deleted > 0) {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return deleted;
  }

  /** The time of the oldest data kept (when gatewatch started watching, until retention deletes it); null when empty. */
  oldestMs(): number | null {
    const r = this.db.prepare(`SELECT min(t) AS t FROM (SELECT min(hour) AS t FROM traffic UNION ALL SELECT min(hour) FROM sources
      UNION ALL SELECT min(last_seen) FROM incidents UNION ALL SELECT min(ts) FROM events)`).get() as { t: number | null };
    return r.t;
  }

  private deleteBefore(t: number): number {
    let n = 0;
    this.db.transaction(() => {
      n += this.db.prepare(`DELETE FROM traffic WHERE hour < ?`).run(t).changes;
      this.db.prepare(`DELETE FROM traffic_day WHERE day < ?`).run(t);
      n += this.db.prepare(`DELETE FROM sources WHERE hour < ?`).run(t).changes;
      n += this.db.prepare(`DELETE FROM asns WHERE hour < ?`).run(t).changes;
      n += this.db.prepare(`DELETE FROM distinct_sources WHERE hour < ?`).run(t).changes;
      n += this.db.prepare(`DELETE FROM incidents WHERE last_seen < ?`).run(t).changes;
      n += this.db.prepare(`DELETE FROM events WHERE ts < ?`).run(t).changes;
    })();
    if (n) this.stats.incidents = (this.st.count!.get() as { n: number }).n;
    return n;
  }

  /** Flush what is buffered, stop the timers and close the database. */
  close(): void {
    if (this.closed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.maintainTimer) clearInterval(this.maintainTimer);
    this.flushTimer = this.maintainTimer = null;
    try {
      this.flush();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }
}
