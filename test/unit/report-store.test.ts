import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ReportStore } from '../../src/report/store';
import { buildReport } from '../../src/report/build';
import { genEvents, genIncidents } from '../helpers/reportdata';
import type { Incident } from '../../src/detect/incident';

const H = 3600000, DAY = 24 * H;
const from = Date.UTC(2026, 10, 1);

function sumTraffic(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT coalesce(sum(count), 0) AS n FROM traffic').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('report store (SQLite)', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'gw-store-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('batches: nothing is written until a flush, which commits everything at once', () => {
    const path = join(dir, 'a.db');
    const s = new ReportStore(path, { flushMs: 0, flushEvents: 1000, maintainMs: 0 });
    let n = 0;
    for (const ev of genEvents(999, { from, to: from + H, seed: 1 })) { s.addEvent(ev); n++; }
    expect(sumTraffic(path)).to.equal(0);
    expect(s.stats.pending).to.equal(999);
    for (const ev of genEvents(1, { from, to: from + H, seed: 2 })) s.addEvent(ev);
    expect(s.stats.acknowledged).to.equal(1000);
    expect(sumTraffic(path)).to.equal(1000);
    expect(s.stats.flushes).to.equal(1);
    s.close();
  });

  it('remembers routers whose clock was corrected, across a restart, and the report tells the owner to set it', () => {
    const path = join(dir, 'clock.db');
    let s = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    const evs = [...genEvents(300, { from, to: from + 2 * DAY, seed: 4 })];
    evs.forEach((ev, i) => {
      ev.gatewatch = { ...(ev.gatewatch ?? {}), reporter: i % 3 ? '192.0.2.1' : '192.0.2.2' };
      if (i % 3) { ev.gatewatch.clock_skew_s = 3 * 3600; ev.gatewatch.device_time = 'x'; }
      s.addEvent(ev);
    });
    s.flush();
    s.close();
    s = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    const q = s.query(from, from + 7 * DAY);
    expect(q.clocks.map((c) => [c.gateway, c.behindS])).to.deep.equal([['192.0.2.1', 10800]]);
    expect(s.query(from + 8 * DAY, from + 9 * DAY).clocks).to.deep.equal([]);
    const r = buildReport({ from, to: from + 7 * DAY, incidents: [], rollups: q.rollups, clocks: q.clocks, site: { timezone: 'UTC' } });
    expect(r.clocks).to.deep.equal([{ gateway: '192.0.2.1', behindS: 10800 }]);
    expect(r.summary.join(' ')).to.contain('The clock of 192.0.2.1 is 3 hours behind: gatewatch corrected the times of its logs');
    expect(r.advice).to.include('Set the clock of 192.0.2.1: turn on its automatic time (NTP) in the router\'s settings. It is 3 hours behind.');
    s.close();
  });

  it('flushes on its own every flushMs', async () => {
    const path = join(dir, 't.db');
    const s = new ReportStore(path, { flushMs: 200, maintainMs: 0 });
    for (const ev of genEvents(10, { from, to: from + H, seed: 1 })) s.addEvent(ev);
    const t0 = Date.now();
    while (s.stats.acknowledged < 10 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
    expect(s.stats.acknowledged).to.equal(10);
    expect(sumTraffic(path)).to.equal(10);
    s.close();
  });

  it('survives a restart: the same numbers come back, incidents are upserted by id', () => {
    const path = join(dir, 'r.db');
    const s1 = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    for (const ev of genEvents(20000, { from, to: from + 2 * DAY, seed: 1 })) s1.addEvent(ev);
    const incs = genIncidents(30, { from, to: from + 2 * DAY });
    for (const i of incs) s1.addIncident(i);
    const before = s1.query(from, from + 2 * DAY);
    s1.close();
    const s2 = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    const after = s2.query(from, from + 2 * DAY);
    expect(after.rollups.traffic.reduce((a, r) => a + r.count, 0)).to.equal(20000);
    expect(after.rollups.traffic.length).to.equal(before.rollups.traffic.length);
    expect(after.incidents.length).to.equal(30);
    // A growing incident replaces its row.
    const grown: Incident = { ...incs[0]!, event_count: 99999, severity: 'critical', last_seen: new Date(from + 2 * DAY - H).toISOString() };
    s2.addIncident(grown);
    const again = s2.query(from, from + 2 * DAY);
    expect(again.incidents.length).to.equal(30);
    expect(again.incidents.find((i) => i.id === grown.id)).to.include({ event_count: 99999, severity: 'critical' });
    expect(s2.stats.incidents).to.equal(30);
    s2.close();
  });

  it('answers a bucketed query with the same report numbers as the hourly one', () => {
    const s = new ReportStore(join(dir, 'b.db'), { flushMs: 0, maintainMs: 0 });
    for (const ev of genEvents(30000, { from, to: from + 30 * DAY, seed: 3 })) s.addEvent(ev);
    const f = from + 90 * 60000, t = from + 30 * DAY;
    const hourly = s.query(f, t), bucketed = s.query(f, t, { bucketMs: 6 * H });
    expect(bucketed.rollups.series!.length).to.be.at.most(30 * 4 * 2 * 2);
    expect(bucketed.rollups.traffic.length).to.be.lessThan(hourly.rollups.traffic.length);
    const a = buildReport({ from: f, to: t, incidents: [], rollups: hourly.rollups }), b = buildReport({ from: f, to: t, incidents: [], rollups: bucketed.rollups });
    expect(b.totals).to.deep.equal(a.totals);
    expect(b.ports).to.deep.equal(a.ports);
    expect(b.countries).to.deep.equal(a.countries);
    expect(b.timeline).to.deep.equal(a.timeline);
    expect(b.exposed).to.deep.equal(a.exposed);
    expect(b.addresses.map((x) => [x.ip, x.events])).to.deep.equal(a.addresses.map((x) => [x.ip, x.events]));
    // Late events for a day already summed into the daily table count in both.
    for (const ev of genEvents(500, { from: from + 2 * DAY, to: from + 3 * DAY, seed: 4 })) s.addEvent(ev);
    const a2 = buildReport({ from: f, to: t, incidents: [], rollups: s.query(f, t).rollups });
    const b2 = buildReport({ from: f, to: t, incidents: [], rollups: s.query(f, t, { bucketMs: 6 * H }).rollups });
    expect(a2.totals.events).to.equal(a.totals.events + 500);
    expect(b2.totals).to.deep.equal(a2.totals);
    expect(b2.ports).to.deep.equal(a2.ports);
    expect(b2.timeline).to.deep.equal(a2.timeline);
    s.close();
    // And after a restart.
    const s3 = new ReportStore(join(dir, 'b.db'), { flushMs: 0, maintainMs: 0 });
    expect(buildReport({ from: f, to: t, incidents: [], rollups: s3.query(f, t, { bucketMs: 6 * H }).rollups }).totals).to.deep.equal(a2.totals);
    s3.close();
  });

  it('two stores sharing one file do not count a day twice', () => {
    const path = join(dir, 'two.db');
    const a = new ReportStore(path, { flushMs: 0, maintainMs: 0 }), b = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    for (const ev of genEvents(5000, { from, to: from + 5 * DAY, seed: 1 })) a.addEvent(ev);
    a.flush();
    for (const ev of genEvents(1000, { from: from + 5 * DAY, to: from + 7 * DAY, seed: 2 })) b.addEvent(ev);
    b.flush();
    const t = from + 7 * DAY;
    const daily = buildReport({ from, to: t, incidents: [], rollups: b.query(from, t, { bucketMs: 6 * H }).rollups });
    expect(daily.totals.events).to.equal(6000);
    a.close();
    b.close();
  });

  it('loses nothing acknowledged when killed with SIGKILL mid-write', async () => {
    const path = join(dir, 'k.db');
    const child = spawn(process.execPath, [join(__dirname, '..', 'helpers', 'store-child.js'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAck = 0, acks = 0, buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('ACK ')) {
            lastAck = Number(line.slice(4));
            if (++acks === 8) child.kill('SIGKILL');
          }
        }
      });
    });
    expect(child.signalCode).to.equal('SIGKILL');
    expect(lastAck).to.be.at.least(40000);
    const db = new Database(path);
    expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
    db.close();
    const total = sumTraffic(path);
    // Every acknowledged event is there; a flush is all or nothing (5,000 events each).
    expect(total).to.be.at.least(lastAck);
    expect(total % 5000).to.equal(0);
    const s = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    expect(s.query(from, from + 31 * DAY).rollups.traffic.reduce((a, r) => a + r.count, 0)).to.equal(total);
    s.close();
  });

  it('deletes data older than the retention period', () => {
    const path = join(dir, 'ret.db');
    const s = new ReportStore(path, { flushMs: 0, maintainMs: 0, retentionMonths: 13 });
    const old = Date.UTC(2025, 0, 1), recent = Date.UTC(2026, 9, 1);
    for (const ev of genEvents(1000, { from: old, to: old + DAY, seed: 1 })) s.addEvent(ev);
    for (const ev of genEvents(1000, { from: recent, to: recent + DAY, seed: 2 })) s.addEvent(ev);
    for (const i of genIncidents(5, { from: old, to: old + DAY })) s.addIncident(i);
    for (const i of genIncidents(5, { from: recent, to: recent + DAY })) s.addIncident(i);
    s.flush();
    expect(s.maintain(Date.UTC(2026, 10, 23))).to.be.greaterThan(0);
    const q = s.query(0, Date.UTC(2027, 0, 1));
    expect(q.rollups.traffic.every((r) => r.hour >= recent)).to.equal(true);
    expect(q.rollups.traffic.reduce((a, r) => a + r.count, 0)).to.equal(1000);
    expect(q.incidents.length).to.equal(5);
    s.close();
  });

  it('keeps under the size cap by deleting the oldest days', () => {
    const path = join(dir, 'cap.db');
    const s = new ReportStore(path, { flushMs: 0, maintainMs: 0, maxBytes: 0 });
    for (const ev of genEvents(300000, { from, to: from + 20 * DAY, seed: 5 })) s.addEvent(ev);
    s.flush();
    const full = s.liveBytes();
    s.close();
    const cap = Math.floor(full / 2);
    const s2 = new ReportStore(path, { flushMs: 0, maintainMs: 0, maxBytes: cap });
    expect(s2.maintain(from + 21 * DAY)).to.be.greaterThan(0);
    expect(s2.liveBytes()).to.be.at.most(cap);
    const hours = s2.query(0, from + 30 * DAY).rollups.traffic.map((r) => r.hour);
    // The newest day survives; the oldest is gone.
    expect(Math.max(...hours)).to.be.at.least(from + 19 * DAY);
    expect(Math.min(...hours)).to.be.greaterThan(from + DAY);
    s2.close();
    expect(statSync(path).size).to.be.at.most(full + 65536);
  });

  it('keeps raw events only when asked, for N days', () => {
    const path = join(dir, 'raw.db');
    const s = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    for (const ev of genEvents(10, { from, to: from + H, seed: 1 })) s.addEvent(ev);
    expect(s.rawEvents(0, Date.UTC(2030, 0, 1))).to.have.length(0);
    s.close();
    const r = new ReportStore(join(dir, 'raw2.db'), { flushMs: 0, maintainMs: 0, keepRawDays: 2 });
    for (const ev of genEvents(10, { from, to: from + H, seed: 1 })) r.addEvent(ev);
    for (const ev of genEvents(10, { from: from + 5 * DAY, to: from + 5 * DAY + H, seed: 1 })) r.addEvent(ev);
    expect(r.rawEvents(0, Date.UTC(2030, 0, 1))).to.have.length(20);
    r.maintain(from + 6 * DAY);
    const left = r.rawEvents(0, Date.UTC(2030, 0, 1));
    expect(left).to.have.length(10);
    expect(left[0]!['@timestamp'] >= new Date(from + 5 * DAY).toISOString()).to.equal(true);
    r.close();
  });

  it('keeps the per-address table bounded on disk', () => {
    const path = join(dir, 'src.db');
    const s = new ReportStore(path, { flushMs: 0, flushEvents: 2000, maintainMs: 0, maxSourcesPerHour: 100 });
    // 200,000 different addresses over 6 hours.
    for (const ev of genEvents(200000, { from, to: from + 6 * H, seed: 9, outbound: 0 })) {
      ev.source.ip = `2001:db8:1::${(Math.random() * 1e9 | 0).toString(16)}`;
      s.addEvent(ev);
    }
    s.flush();
    const db = new Database(path, { readonly: true });
    const perHour = db.prepare('SELECT hour, count(*) AS n FROM sources GROUP BY hour').all() as { n: number }[];
    db.close();
    for (const h of perHour) expect(h.n).to.be.at.most(100 * 8 + 400);
    s.close();
  });
});
