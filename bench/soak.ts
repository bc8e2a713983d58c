/**
 * `npm run bench -- soak`: a month of a small office's logs through everything the appliance runs on each line —
 * parse, enrich (geo city), detect (live settings, ticks every 5 simulated seconds, the silence watch), the alert
 * engine (on a simulated clock) and the report store (SQLite on disk, flushed hourly, maintained daily) — with the
 * cost per line and the memory measured day by day. The question is the one CrowdSec and fail2ban users ask of
 * theirs (CrowdSec #3641 and #4603: memory until OOM; #4477: CPU from 5 % to 345 % over 13 days; fail2ban #885):
 * does a month cost more per line, or hold more memory, at its end than at its start?
 *
 * The traffic (generated, netfilter lines): each day GW_SOAK_LINES (default 100k) lines — background probes from
 * 2,000 regular and ~20,000 new addresses a day (over 600k distinct in a month: past every cap, so the tables
 * evict all the time), late replies, 20 PCs browsing a changing set of servers, two new port scanners and twenty
 * new password-guessing robots at a forwarded Remote Desktop a day, fifteen survey scanners every day, a printer
 * polling its cloud each minute and one PC beaconing every ten minutes.
 *
 * The peer is the same pipeline on its own early days (days 3–7, after the tables have filled): the verdict is
 * the ratio of the last five days' median CPU per line to theirs, and the heap after a full GC at the end less
 * at day 7. GW_SOAK_DAYS (default 30). At the end, the month's report is built from the store as the report node
 * builds it (query, build, render) and timed; GW_SOAK_REPORT=FILE.html keeps it to read.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectEngine } from '../src/detect/engine';
import type { Incident } from '../src/detect/incident';
import { SilenceWatch } from '../src/detect/silence';
import { Enricher } from '../src/enrich/pipeline';
import { LineParser } from '../src/parsers/registry';
import { Alerter, type Scheduler } from '../src/report/alert';
import { buildReport, pickBucket } from '../src/report/build';
import { renderAll } from '../src/report/render';
import { ReportStore } from '../src/report/store';
import { LAN, netfilterLine, Rng, syntheticSource, type Pkt } from '../test/helpers/traffic';
import { collectGarbage, median } from './util';

const DAYS = Math.max(8, Number(process.env.GW_SOAK_DAYS ?? 30) || 30);
const PER_DAY = Math.max(10_000, Number(process.env.GW_SOAK_LINES ?? 100_000) || 100_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 10, 2);
const WAN = '198.51.100.2';
const RDP_PC = '192.168.1.60';
const PRINTER = '192.168.1.40';
const INFECTED = '192.168.1.23';
const PCS = Array.from({ length: 20 }, (_, i) => `192.168.1.${100 + i}`);
const SURVEY = Array.from({ length: 15 }, (_, i) => syntheticSource(40_000_000 + i));
const REGULARS = Array.from({ length: 2000 }, (_, i) => syntheticSource(41_000_000 + i));
const LONG_LIVED_SITES = Array.from({ length: 2000 }, (_, i) => syntheticSource(42_000_000 + i));
const PROBE_PORTS = [22, 23, 80, 443, 445, 1433, 3389, 5060, 8080, 8443, 2323, 5900, 6379, 3306, 25, 21];

/** One day's packets, in time order. */
function* day(d: number, rng: Rng): Generator<Pkt> {
  const t0 = START + d * DAY;
  const scanners = [0, 1].map((k) => ({ src: syntheticSource(43_000_000 + d * 2 + k), port: 1 }));
  const robots = Array.from({ length: 20 }, (_, k) => syntheticSource(44_000_000 + d * 20 + k));
  const sitesToday = Array.from({ length: 500 }, (_, k) => syntheticSource(45_000_000 + d * 500 + k));
  let nextBeacon = t0 + 137_000, nextPoll = t0 + 11_000;
  for (let i = 0; i < PER_DAY; i++) {
    const t = t0 + Math.floor((i * DAY) / PER_DAY);
    if (t >= nextBeacon) {
      nextBeacon += 600_000 * (0.9 + 0.2 * rng.next());
      yield { t, src: INFECTED, dst: '185.220.1.9', sport: 40000 + (i & 8191), dport: 8443, action: 'allow' };
      continue;
    }
    if (t >= nextPoll) {
      nextPoll += 60_000;
      yield { t, src: PRINTER, dst: '203.0.113.200', sport: 30000 + (i & 8191), dport: 443, action: 'allow' };
      continue;
    }
    const r = rng.next();
    if (r < 0.55) {
      const src = rng.next() < 0.3 ? REGULARS[rng.int(REGULARS.length)]! : syntheticSource(1_000_000 + d * 20_000 + rng.int(20_000));
      yield { t, src, dst: WAN, sport: 40000 + (i & 8191), dport: PROBE_PORTS[rng.int(PROBE_PORTS.length)]! };
    } else if (r < 0.7) {
      yield { t, src: LONG_LIVED_SITES[rng.int(LONG_LIVED_SITES.length)]!, dst: WAN, sport: 443, dport: 32768 + rng.int(28000), flags: ['ACK', 'FIN'] };
    } else if (r < 0.9) {
      const dst = rng.next() < 0.6 ? LONG_LIVED_SITES[rng.int(LONG_LIVED_SITES.length)]! : sitesToday[rng.int(sitesToday.length)]!;
      yield { t, src: PCS[rng.int(PCS.length)]!, dst, sport: 30000 + rng.int(30000), dport: 443, action: 'allow' };
    } else if (r < 0.93) {
      const s = scanners[rng.int(2)]!;
      yield { t, src: s.src, dst: WAN, sport: 55555, dport: s.port++ };
    } else if (r < 0.96) {
      yield { t, src: SURVEY[rng.int(SURVEY.length)]!, dst: WAN, sport: 61000, dport: 1 + rng.int(65000) };
    } else {
      yield { t, src: robots[rng.int(robots.length)]!, dst: RDP_PC, sport: 30000 + rng.int(30000), dport: 3389, action: 'allow' };
    }
  }
}

/** A clock the alert engine's timers run on: simulated time, advanced by the stream. */
class SimClock implements Scheduler {
  t = START;
  private timers: { at: number; fn: () => void }[] = [];
  now(): number { return this.t; }
  setTimer(fn: () => void, ms: number): unknown { const h = { at: this.t + ms, fn }; this.timers.push(h); return h; }
  clearTimer(h: unknown): void { this.timers = this.timers.filter((x) => x !== h); }
  advance(to: number): void {
    for (;;) {
      let next: { at: number; fn: () => void } | undefined;
      for (const x of this.timers) if (x.at <= to && (!next || x.at < next.at)) next = x;
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.t = next.at;
      next.fn();
    }
    this.t = to;
  }
  get pending(): number { return this.timers.length; }
}

interface DayRow { day: number; lines: number; events: number; cpuUsPerLine: number; heapMB: number; rssMB: number; profiles: number; incidents: number; pairs: number; dbMB: number; alerts: number; timers: number }

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-soak-'));
  const parser = new LineParser({ format: 'auto', tz: 'UTC' });
  const enricher = await Enricher.create({ site: { homeNets: [`${WAN}/32`, '192.168.0.0/16'] }, geo: 'city' });
  const engine = new DetectEngine({});
  const silence = new SilenceWatch({ afterHours: 2, timeZone: 'UTC' });
  const clock = new SimClock();
  let mails = 0;
  const alerter = new Alerter({}, () => { mails++; }, clock);
  const store = new ReportStore(join(dir, 'gatewatch.db'), { flushMs: 0, maintainMs: 0 });
  const rng = new Rng(7);
  const rows: DayRow[] = [];
  const handle = (incs: Incident[]) => { for (const inc of incs) { alerter.push(inc); store.addIncident(inc); } };
  console.log(`${DAYS} simulated days of ${PER_DAY.toLocaleString('en-GB')} lines each: parse → enrich (geo city) → detect (live, ticks every 5 s, silence watch) → alerts (simulated clock) → report store (SQLite in ${dir})`);
  try {
    for (let d = 0; d < DAYS; d++) {
      let nextTick = START + d * DAY + 5000, nextHour = START + d * DAY + HOUR;
      let events = 0;
      const cpu0 = process.cpuUsage();
      for (const p of day(d, rng)) {
        const t = p.t;
        while (nextTick <= t) {
          handle(engine.tick(nextTick));
          handle(silence.check(nextTick));
          nextTick += 5000;
        }
        if (t >= nextHour) { clock.advance(nextHour); store.flush(); nextHour += HOUR; }
        const ev = parser.parse(netfilterLine(p), t);
        if (ev === null) continue;
        events++;
        enricher.enrich(ev);
        const incs = engine.process(ev);
        const back = silence.seen(ev, t);
        if (back) incs.push(back);
        if (incs.length) { clock.advance(t); handle(incs); }
        store.addEvent(ev);
      }
      clock.advance(START + (d + 1) * DAY);
      store.flush();
      store.maintain(START + (d + 1) * DAY);
      const c = process.cpuUsage(cpu0);
      collectGarbage();
      collectGarbage();
      const mem = process.memoryUsage();
      const tables = engine.tableSizes().tables;
      let db = 0;
      for (const f of ['gatewatch.db', 'gatewatch.db-wal']) try { db += statSync(join(dir, f)).size; } catch { /* no WAL */ }
      rows.push({
        day: d + 1, lines: PER_DAY, events, cpuUsPerLine: (c.user + c.system) / PER_DAY, heapMB: mem.heapUsed / 1048576, rssMB: mem.rss / 1048576,
        profiles: tables.profiles ?? 0, incidents: tables.incidents ?? 0, pairs: tables.pairs ?? 0, dbMB: db / 1048576, alerts: mails, timers: clock.pending,
      });
      const r = rows[rows.length - 1]!;
      if (d < 3 || (d + 1) % 5 === 0 || d === DAYS - 1) {
        console.log(`  day ${String(r.day).padStart(2)}: ${r.cpuUsPerLine.toFixed(2)} µs CPU/line · heap ${r.heapMB.toFixed(0)} MB · RSS ${r.rssMB.toFixed(0)} MB`
          + ` · profiles ${r.profiles} · open incidents ${r.incidents} · beacon pairs ${r.pairs} · store ${r.dbMB.toFixed(1)} MB · alert mails so far ${r.alerts} · timers ${r.timers}`);
      }
    }
    // The month's report, as the report node makes it.
    const to = START + DAYS * DAY, from = to - 30 * DAY;
    const t0 = process.hrtime.bigint();
    const q = store.query(from, to, { bucketMs: pickBucket(to - from) });
    const report = buildReport({ from, to, kind: 'monthly', incidents: q.incidents, rollups: q.rollups, clocks: q.clocks, site: { name: 'Soak office', homeCountry: 'GB', timezone: 'UTC' } });
    const out = renderAll(report);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`  the month's report: ${s.toFixed(2)} s to query, build and render (${report.incidentsTotal} incidents in ${report.incidents.length} rows, HTML ${Math.round(out.fileHtml.length / 1024)} KB): "${report.headline}"`);
    if (process.env.GW_SOAK_REPORT) writeFileSync(process.env.GW_SOAK_REPORT, out.fileHtml);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const early = rows.slice(2, 7), late = rows.slice(-5);
  const cost = median(late.map((r) => r.cpuUsPerLine)) / median(early.map((r) => r.cpuUsPerLine));
  const heapGrowth = rows[rows.length - 1]!.heapMB - rows[6]!.heapMB;
  const storePerDay = (rows[rows.length - 1]!.dbMB - rows[6]!.dbMB) / (rows.length - 7);
  console.log(`  CPU per line, last 5 days ÷ days 3–7 (medians): ${cost.toFixed(2)} (target ≤ 1.15: no creep)`);
  console.log(`  heap after a full GC, day ${rows.length} − day 7: ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB (target ≤ +10 MB: bounded)`);
  console.log(`  report store: ${storePerDay.toFixed(2)} MB a day (rollups and incidents kept 13 months by default, capped at 1 GiB)`);
  const st = engine.tableSizes();
  console.log(`  at the end: detect tables ${JSON.stringify(st.tables)}, evicted ${JSON.stringify(st.evicted)}; alerts ${JSON.stringify(alerter.stats)}`);
}
