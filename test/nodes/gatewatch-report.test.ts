import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { ReportStore } from '../../src/report/store';
import { weeklyPeriod, lastDue, nextWeekly } from '../../src/report/schedule';
import { genEvents, genIncidents } from '../helpers/reportdata';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const reportNode = require('../../nodes/gatewatch-report/gatewatch-report');
helper.init(require.resolve('node-red'));

const H = 3600000, DAY = 24 * H;
type Msg = Record<string, any>;

function nextMessage(id: string, timeoutMs = 10000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message on ${id}`)), timeoutMs);
    helper.getNode(id).once('input', (msg: Msg) => { clearTimeout(t); resolve(msg); });
  });
}

describe('gatewatch-report node', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-report-node-'));
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  function flow(extra: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab' },
      { id: 'r', z: 'tab', type: 'gatewatch-report', storePath: join(dir, 'db', 'gw.db'), folder: join(dir, 'reports'), wires: [['out']], ...extra },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'c', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
  }

  it('stores events and incidents and produces a report on demand', async () => {
    await helper.load(reportNode, flow());
    const r = helper.getNode('r');
    const now = Date.now();
    let n = 0;
    for (const ev of genEvents(5000, { from: now - 3 * DAY, to: now - H, seed: 4 })) { r.receive({ payload: ev }); n++; }
    const incs = genIncidents(12, { from: now - 3 * DAY, to: now - H, seriousShare: 0 });
    for (const i of incs) r.receive({ topic: 'gatewatch/incident/new', payload: i });
    // A growing incident replaces the stored one.
    r.receive({ topic: 'gatewatch/incident/update', payload: { ...incs[0], event_count: 77777 } });
    // Arrays of events are fine too.
    r.receive({ payload: [...genEvents(10, { from: now - 2 * H, to: now - H, seed: 5 })] });
    const got = nextMessage('out');
    r.receive({ payload: 'weekly' });
    const msg = await got;
    expect(msg.topic).to.match(/gatewatch weekly report for your site: /);
    expect(msg.payload).to.match(/^<!DOCTYPE html>/);
    expect(msg.payload).to.contain('src="cid:timeline@gatewatch"');
    expect(msg.report.totals.events).to.equal(n + 10);
    expect(msg.report.totals.incidents).to.equal(12);
    expect(msg.report.allIncidents.find((i: Msg) => i.id === incs[0]!.id).events).to.equal(77777);
    expect(msg.payload).to.contain(msg.report.totals.inboundDenied.toLocaleString('en-GB'));
    expect(msg.text).to.contain('gatewatch security report');
    // The data starts 3 days ago: the week before was not watched, and the report says so instead of "none".
    expect(msg.report.comparison[0]).to.match(/^gatewatch was not watching yet the week before \(it started on /);
    expect(msg.report.summary[1]).to.match(/^gatewatch started watching on .*, so this report covers only part of the week\.$/);
    expect(msg.attachments.map((a: Msg) => a.filename)).to.have.length(3);
    expect(msg.attachments[0]).to.include({ cid: 'timeline@gatewatch', contentType: 'image/png' });
    expect(msg.attachments[1].content.split('\r\n')[0]).to.match(/^severity,type/);
    expect(JSON.parse(msg.attachments[2].content).totals.events).to.equal(n + 10);
    // Saved as a file, with the SVG chart.
    expect(msg.filename.startsWith(join(dir, 'reports'))).to.equal(true);
    const html = readFileSync(msg.filename, 'utf8');
    expect(html).to.contain('<svg');
    expect(existsSync(msg.filename.replace(/\.html$/, '-incidents.csv'))).to.equal(true);
    // The status names the last report and its file.
    const t0 = Date.now();
    let text = '';
    while (Date.now() - t0 < 3000) {
      const calls = (r.status as any).args as { text?: string }[][];
      text = calls.length ? String(calls[calls.length - 1]![0]!.text ?? '') : '';
      if (text.includes('→')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    // Outside the Node-RED folder the path is shown in full.
    expect(text).to.contain(`→ ${msg.filename}`);
  });

  it('answers {from, to} and "last-month" requests, and rejects bad input through Catch', async () => {
    await helper.load(reportNode, flow({ writeFiles: false }));
    const r = helper.getNode('r');
    const from = Date.UTC(2026, 9, 1), to = Date.UTC(2026, 9, 8);
    for (const ev of genEvents(1000, { from, to, seed: 6 })) r.receive({ payload: ev });
    let got = nextMessage('out');
    r.receive({ topic: 'report', payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } });
    const msg = await got;
    expect(msg.report.totals.events).to.equal(1000);
    expect(msg.period.kind).to.equal('custom');
    expect(msg.filename).to.equal(undefined);
    got = nextMessage('out');
    r.receive({ payload: 'last-month' });
    expect((await got).period.kind).to.equal('monthly');
    const caught = nextMessage('caught');
    r.receive({ payload: { hello: 'world' } });
    expect((await caught).error.message).to.contain('gatewatch-report.errors.notEventOrIncident');
    const caught2 = nextMessage('caught');
    r.receive({ payload: 'fortnightly' });
    expect((await caught2).error.message).to.contain('gatewatch-report.errors.badPeriod');
  });

  it('keeps its database in the Node-RED user folder by default, and the data survives a restart', async () => {
    helper.settings({ userDir: dir });
    const f = flow({ storePath: '', folder: '' });
    await helper.load(reportNode, f);
    const now = Date.now();
    for (const ev of genEvents(3000, { from: now - DAY, to: now - H, seed: 7 })) helper.getNode('r').receive({ payload: ev });
    await helper.unload(); // close flushes
    expect(existsSync(join(dir, 'gatewatch', 'gatewatch.db'))).to.equal(true);
    await helper.load(reportNode, f);
    const got = nextMessage('out');
    helper.getNode('r').receive({ payload: 'weekly' });
    const msg = await got;
    expect(msg.report.totals.events).to.equal(3000);
    expect(msg.filename.startsWith(join(dir, 'gatewatch', 'reports'))).to.equal(true);
    // Inside it, relative to it.
    const r = helper.getNode('r');
    const t0 = Date.now();
    let text = '';
    while (Date.now() - t0 < 3000 && !text.includes('→')) {
      await new Promise((res) => setTimeout(res, 100));
      const calls = (r.status as any).args as { text?: string }[][];
      text = String(calls[calls.length - 1]?.[0]?.text ?? '');
    }
    expect(text).to.contain(`→ ${join('gatewatch', 'reports', msg.filename.split('/').pop())}`);
    helper.settings({});
  });

  it('reads name, time zone and home country from the site config node', async () => {
    // A stand-in for the gatewatch-site config node (built in parallel): same properties.
    const siteNode = (RED: any) => {
      RED.nodes.registerType('gatewatch-site', function (this: any, config: any) {
        RED.nodes.createNode(this, config);
        this.name = config.name;
        this.timezone = config.timezone;
        this.homeCountry = config.homeCountry;
      });
    };
    const f = flow({ site: 'site', writeFiles: false });
    f.push({ id: 'site', type: 'gatewatch-site', name: 'Corner Bakery', timezone: 'Australia/Sydney', homeCountry: 'AU' } as any);
    await helper.load([reportNode, siteNode], f);
    const got = nextMessage('out');
    helper.getNode('r').receive({ payload: 'last-week' });
    const msg = await got;
    expect(msg.topic).to.contain('report for Corner Bakery');
    expect(msg.report.site).to.deep.equal({ name: 'Corner Bakery', homeCountry: 'AU', timezone: 'Australia/Sydney' });
    // The week runs from local midnight in Sydney (13:00 or 14:00 UTC the day before).
    expect([13, 14]).to.include(new Date(msg.period.from).getUTCHours());
  });

  it('names a box whose logs arrive but say nothing about connections (from the parse node of its site)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const parseNode = require('../../nodes/gatewatch-parse/gatewatch-parse');
    const f = flow({ writeFiles: false });
    f.push({ id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['r'], []] } as any);
    await helper.load([reportNode, parseNode], f);
    const p = helper.getNode('p');
    (p as any).warn = () => {};
    // A FortiGate with traffic logging off: only its notices (written from Fortinet's log reference).
    for (let i = 0; i < 40; i++) {
      p.receive({ payload: `<189>date=2026-12-03 time=09:00:${String(i % 60).padStart(2, '0')} devname="FGT60F" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success"`, syslog: { receivedAt: Date.now() }, remote: { address: '192.0.2.7' } } as any);
    }
    const got = nextMessage('out');
    helper.getNode('r').receive({ payload: 'weekly' });
    const msg = await got;
    expect(msg.report.status).to.equal('no-data');
    expect(msg.topic).to.contain('Logs arrive, but they do not show what the firewall did');
    expect(msg.report.senders).to.deep.equal([{ sender: '192.0.2.7', verdict: 'no-connections', make: 'Fortinet FortiGate / FortiProxy' }]);
    const text = msg.text.replace(/\s+/g, ' ');
    // said once: the situation in the summary, the action under "What to do"
    expect(text).to.contain('192.0.2.7 sends Fortinet FortiGate / FortiProxy logs, but none of its 40 lines is about a connection');
    expect(text.split('set Log Allowed Traffic').length).to.equal(2);
    expect(text).to.contain('Turn on logging of the firewall\'s decisions on 192.0.2.7 (Fortinet FortiGate / FortiProxy): set Log Allowed Traffic');
    // After the parse node is gone (redeployed without it), nothing is said about it.
    await helper.unload();
    await helper.load(reportNode, flow({ writeFiles: false }));
    const again = nextMessage('out');
    helper.getNode('r').receive({ payload: 'weekly' });
    expect((await again).report.senders).to.deep.equal([]);
  });

  it('clears its timers and closes the database on close', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    await new Promise((res) => setTimeout(res, 50));
    const before = timeouts();
    await helper.load(reportNode, flow());
    const r = helper.getNode('r');
    for (const ev of genEvents(100, { from: Date.now() - H, to: Date.now(), seed: 1 })) r.receive({ payload: ev });
    expect(timeouts()).to.be.greaterThan(before);
    await helper.unload();
    await new Promise((res) => setTimeout(res, 50));
    expect(timeouts()).to.be.at.most(before);
    // Closed cleanly: everything received was flushed, and another process can open the file.
    const s = new ReportStore(join(dir, 'db', 'gw.db'), { flushMs: 0, maintainMs: 0 });
    expect(s.query(Date.now() - 2 * H, Date.now() + H).rollups.traffic.reduce((a, x) => a + x.count, 0)).to.equal(100);
    s.close();
  });

  it('sends the weekly report that was due while Node-RED was stopped', async () => {
    const path = join(dir, 'db', 'gw.db');
    const tz = 'UTC';
    const due = lastDue(Date.now(), (t) => nextWeekly(t, tz, 1, 8, 0), 8 * DAY)!;
    const period = weeklyPeriod(due, tz);
    const s = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    s.setMeta('created', String(due - 30 * DAY));
    for (const ev of genEvents(700, { from: period.from, to: period.to, seed: 8 })) s.addEvent(ev);
    s.close();
    const flowWithTz = flow({ monthly: false });
    process.env.TZ = 'UTC';
    const got = new Promise<Msg>((resolve) => {
      // The helper node does not exist until load; listen as soon as it does.
      const iv = setInterval(() => {
        const out = helper.getNode('out');
        if (out) { clearInterval(iv); out.once('input', resolve); }
      }, 1);
    });
    await helper.load(reportNode, flowWithTz);
    const msg = await Promise.race([got, new Promise<Msg>((_, rej) => setTimeout(() => rej(new Error('no catch-up report')), 5000))]);
    expect(msg.period.kind).to.equal('weekly');
    expect(Date.parse(msg.period.from)).to.equal(period.from);
    expect(msg.report.totals.events).to.equal(700);
    // It is remembered: a restart does not send it again.
    await helper.unload();
    const s2 = new ReportStore(path, { flushMs: 0, maintainMs: 0 });
    expect(Number(s2.getMeta('last_weekly'))).to.equal(due);
    s2.close();
  });
});
