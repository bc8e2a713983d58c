/**
 * Report benchmark: a monthly report over 5M events (through RollupAccumulator) and 50k incidents,
 * and store write throughput. Peers in the same run: generating the events alone (the cost the
 * rollup rate excludes) and a plain better-sqlite3 batched insert of one row per event.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, pickBucket } from '../src/report/build';
import { renderAll } from '../src/report/render';
import { RollupAccumulator } from '../src/report/rollup';
import { ReportStore } from '../src/report/store';
import { genEvents, genIncidents } from '../test/helpers/reportdata';
import { fmtRate, median, rssMB } from './util';

const DAY = 86400000;
const N = Number(process.env.GW_BENCH_EVENTS) || 5_000_000;
const NINC = Number(process.env.GW_BENCH_INCIDENTS) || 50_000;
const from = Date.UTC(2026, 9, 1), to = Date.UTC(2026, 10, 1);

function secs(fn: () => void): number {
  const s = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - s) / 1e9;
}

export async function run(): Promise<void> {
  // 1. Rollups over N events (generation measured alone as the peer).
  const tGen = secs(() => { let k = 0; for (const ev of genEvents(N, { from, to, seed: 1 })) k += ev.destination.port ?? 0; if (k < 0) console.log(k); });
  const acc = new RollupAccumulator();
  const tAll = secs(() => { for (const ev of genEvents(N, { from, to, seed: 1 })) acc.add(ev); });
  const rollups = acc.snapshot();
  console.log(`events generated (peer):    ${(N / 1e6).toFixed(1)}M in ${tGen.toFixed(2)} s (${fmtRate(N / tGen)})`);
  console.log(`generate + rollup:          ${tAll.toFixed(2)} s; rollup alone ≈ ${fmtRate(N / Math.max(0.001, tAll - tGen))}`);
  console.log(`rollup rows: traffic ${rollups.traffic.length}, sources ${rollups.sources.length}, asns ${rollups.asns.length}; rss ${rssMB()} MB`);

  // 2. Monthly report: build + render everything (median of 3).
  const incidents = genIncidents(NINC, { from, to, seed: 1 });
  const previous = { from: Date.UTC(2026, 8, 1), to: from, incidents: genIncidents(NINC / 2, { from: Date.UTC(2026, 8, 1), to: from, seed: 2 }), rollups };
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 3; i++) {
    times.push(secs(() => {
      const r = buildReport({ from, to, incidents, rollups, previous, site: { name: 'Bench Ltd', homeCountry: 'GB', timezone: 'Europe/London' } });
      const out = renderAll(r);
      size = out.emailHtml.length + out.csv.length + out.json.length;
    }));
  }
  console.log(`monthly report (${(N / 1e6).toFixed(1)}M events, ${NINC / 1000}k incidents): median ${median(times).toFixed(2)} s (runs ${times.map((t) => t.toFixed(2)).join(', ')}); output ${(size / 1e6).toFixed(1)} MB`);

  // 3. Store writes (median of 3 × 1M events), with a plain SQLite insert as the peer.
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-store-'));
  try {
    const M = 1_000_000;
    const rates: number[] = [], peer: number[] = [];
    for (let i = 0; i < 3; i++) {
      const evs = [...genEvents(M, { from, to, seed: 10 + i })];
      const s = new ReportStore(join(dir, `s${i}.db`), { flushMs: 0, maintainMs: 0 });
      const t = secs(() => { for (const ev of evs) s.addEvent(ev); s.flush(); });
      rates.push(M / t);
      s.close();
      const db = new Database(join(dir, `p${i}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE e(ts TEXT, src TEXT, dst TEXT, port INTEGER, action TEXT)');
      const ins = db.prepare('INSERT INTO e VALUES (?, ?, ?, ?, ?)');
      const tx = db.transaction((xs: typeof evs) => { for (const ev of xs) ins.run(ev['@timestamp'], ev.source.ip, ev.destination.ip, ev.destination.port ?? 0, ev.event.action); });
      const tp = secs(() => { for (let k = 0; k < evs.length; k += 20000) tx(evs.slice(k, k + 20000)); });
      peer.push(M / tp);
      db.close();
    }
    console.log(`store writes (rollups, 20k-event commits): median ${fmtRate(median(rates))} (runs ${rates.map(fmtRate).join(', ')})`);
    console.log(`peer: raw row per event, 20k per commit:   median ${fmtRate(median(peer))}`);

    // 4. Monthly report straight from the store after N events.
    const s = new ReportStore(join(dir, 'month.db'), { flushMs: 0, maintainMs: 0 });
    const tw = secs(() => { for (const ev of genEvents(N, { from, to, seed: 1 })) s.addEvent(ev); for (const inc of incidents) s.addIncident(inc); s.flush(); });
    console.log(`store: ${(N / 1e6).toFixed(1)}M events + ${NINC / 1000}k incidents written in ${tw.toFixed(1)} s incl. generation (${fmtRate(N / tw)}); db ${(s.liveBytes() / 1e6).toFixed(1)} MB`);
    const tq: number[] = [];
    for (let i = 0; i < 3; i++) {
      tq.push(secs(() => {
        const q = s.query(from, to, { bucketMs: pickBucket(to - from) });
        renderAll(buildReport({ from, to, incidents: q.incidents, rollups: q.rollups, site: { timezone: 'Europe/London', homeCountry: 'GB' } }));
      }));
    }
    console.log(`monthly report from the store (query + build + render): median ${median(tq).toFixed(2)} s`);
    s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
