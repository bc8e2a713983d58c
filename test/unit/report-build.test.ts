import { expect } from 'chai';
import { inflateSync } from 'node:zlib';
import { buildReport } from '../../src/report/build';
import { csvCell, renderIncidentsCsv } from '../../src/report/csv';
import { renderHtml } from '../../src/report/html';
import { fileStem, renderAll } from '../../src/report/render';
import { RollupAccumulator, RollupData } from '../../src/report/rollup';
import { renderText } from '../../src/report/text';
import { timelinePng, timelineSvg } from '../../src/report/charts';
import { genEvents, genIncidents } from '../helpers/reportdata';
import type { Incident } from '../../src/detect/incident';

const DAY = 86400000;
const from = Date.UTC(2026, 10, 16), to = from + 7 * DAY;
const site = { name: 'Corner Bakery', homeCountry: 'GB', timezone: 'Europe/London' };
const empty: RollupData = { traffic: [], sources: [], asns: [], distinct: [] };

function fed(n: number, seed = 1) {
  const acc = new RollupAccumulator();
  let inDeny = 0, inAllow = 0, out = 0, gb = 0, ext = 0, p23 = 0;
  for (const ev of genEvents(n, { from, to, seed })) {
    acc.add(ev);
    if (ev.network.direction === 'outbound') out++;
    else if (ev.event.action === 'allow') inAllow++;
    else inDeny++;
    const cc = ev.network.direction === 'outbound' ? ev.destination.geo?.country_iso_code : ev.source.geo?.country_iso_code;
    ext++;
    if (cc === 'GB') gb++;
    if (ev.network.direction === 'inbound' && ev.destination.port === 23) p23++;
  }
  return { rollups: acc.snapshot(), inDeny, inAllow, out, gb, ext, p23 };
}

describe('report model and rendering', () => {
  it('reports the numbers it was fed', () => {
    const f = fed(50000);
    const incidents = genIncidents(40, { from, to });
    const r = buildReport({ from, to, incidents, rollups: f.rollups, site });
    expect(r.totals.events).to.equal(50000);
    expect(r.totals.inboundDenied).to.equal(f.inDeny);
    expect(r.totals.inboundAllowed).to.equal(f.inAllow);
    expect(r.totals.outbound).to.equal(f.out);
    expect(r.totals.incidents).to.equal(40);
    expect(Object.values(r.totals.bySeverity).reduce((a, b) => a + b, 0)).to.equal(40);
    expect(r.homeAbroad.home).to.equal(f.gb);
    expect(r.homeAbroad.home + r.homeAbroad.abroad + r.homeAbroad.unknown).to.equal(f.ext);
    const telnet = r.ports.find((p) => p.port === 23 && p.transport === 'tcp')!;
    expect(telnet.events).to.equal(f.p23);
    expect(telnet.service).to.match(/Telnet/);
    expect(r.ports[0]!.events).to.be.at.least(r.ports[1]!.events);
    expect(r.timeline.points.reduce((a, p) => a + p.denied + p.allowed, 0)).to.equal(f.inDeny + f.inAllow);
    expect(r.timeline.bucketMs).to.equal(3600000);
    expect(r.exposed.map((e) => e.port).sort()).to.deep.equal([1194, 443]);
    expect(r.period.kind).to.equal('weekly');
    // Worst first.
    const ranks = r.incidents.map((i) => ['low', 'medium', 'high', 'critical'].indexOf(i.severity));
    expect(ranks).to.deep.equal([...ranks].sort((a, b) => b - a));
    expect(r.allIncidents).to.have.length(40);
    expect(r.summary[0]).to.contain(r.totals.inboundDenied.toLocaleString('en-GB'));
  });

  it('says a quiet week is quiet, and a week without logs has no data', () => {
    const acc = new RollupAccumulator();
    for (const ev of genEvents(2000, { from, to, outbound: 0 })) { ev.event.action = 'deny'; ev.threat = undefined; acc.add(ev); }
    const q = buildReport({ from, to, incidents: [], rollups: acc.snapshot(), site });
    expect(q.status).to.equal('quiet');
    expect(q.headline).to.equal('A quiet week: nothing needs your attention');
    expect(q.summary.join(' ')).to.contain('did not recognise any attack');
    expect(q.gotThrough).to.deep.equal([]);
    expect(renderText(q)).to.contain('A quiet week');
    expect(q.advice).to.deep.equal(['Nothing to do: everything was blocked. Keep your router and devices updated.']);
    // Blocked low-level scans are reported but need nothing doing.
    const scan = { ...genIncidents(1, { from, to, seriousShare: 0 })[0]!, type: 'portscan', severity: 'low' as const, allowed_count: 0 };
    const s = buildReport({ from, to, incidents: [scan], rollups: acc.snapshot(), site });
    expect(s.status).to.equal('ok');
    expect(s.headline).to.equal('All blocked: 1 attack recognised, nothing got through');
    expect(s.advice).to.deep.equal(['Nothing to do: everything was blocked. Keep your router and devices updated.']);
    expect(s.incidentTypes[0]!.advice).to.match(/^Nothing to do if it was blocked/);
    const none = buildReport({ from, to, incidents: [], rollups: empty, site });
    expect(none.status).to.equal('no-data');
    expect(none.summary[0]).to.contain('received no firewall logs');
    expect(none.subject).to.contain('No firewall logs');
  });

  it('a week of logs that say nothing about connections is not "no logs arrived", and a box not understood beside a working one is named', () => {
    const fgt = {
      sender: '192.168.1.1', verdict: 'no-connections', make: 'Fortinet FortiGate / FortiProxy', hint: 'set Log Allowed Traffic on the firewall policies',
      problem: '192.168.1.1 sends Fortinet FortiGate / FortiProxy logs, but none of its 4,000 lines is about a connection the firewall let in or blocked, so gatewatch has nothing to watch.',
    };
    const blind = buildReport({ from, to, incidents: [], rollups: empty, site, senders: [fgt] });
    expect(blind.status).to.equal('no-data');
    expect(blind.headline).to.equal('Logs arrive, but they do not show what the firewall did');
    expect(blind.summary[0]).to.contain('received logs for Corner Bakery this week, but not one was about a connection')
      .and.to.contain('not because there were none');
    expect(blind.summary[1]).to.equal(fgt.problem);
    expect(blind.advice).to.deep.equal(["Turn on logging of the firewall's decisions on 192.168.1.1 (Fortinet FortiGate / FortiProxy): set Log Allowed Traffic on the firewall policies."]);
    expect(blind.senders).to.deep.equal([{ sender: '192.168.1.1', verdict: 'no-connections', make: 'Fortinet FortiGate / FortiProxy' }]);
    expect(renderText(blind)).to.contain('set Log Allowed Traffic');
    // A quiet week from the router, and a second box sending what gatewatch cannot read: worth a read, not "quiet".
    const acc = new RollupAccumulator();
    for (const ev of genEvents(2000, { from, to, outbound: 0, seed: 9 })) { ev.event.action = 'deny'; ev.threat = undefined; acc.add(ev); }
    const nas = { sender: 'nas-1 (192.168.1.5)', verdict: 'not-understood', problem: 'None of the 40 lines from nas-1 (192.168.1.5) is a kind of log gatewatch reads.' };
    // (a box of unknown make beside a working router may be a NAS sending its notices: said, not "please read")
    const r = buildReport({ from, to, incidents: [], rollups: acc.snapshot(), site, senders: [nas, { sender: 'ok-box', verdict: 'understood' }] });
    expect(r.status).to.equal('quiet');
    expect(r.summary.join(' ')).to.contain(`${nas.problem} If it is a router or firewall, set it to send its firewall log`);
    expect(r.advice.join(' ')).to.not.contain('nas-1');
    expect(r.senders.map((x) => x.sender)).to.deep.equal(['nas-1 (192.168.1.5)']);
    // a second firewall of a known make logging nothing, or one no longer understood, is worth a read
    const r2 = buildReport({ from, to, incidents: [], rollups: acc.snapshot(), site, senders: [nas, fgt] });
    expect(r2.status).to.equal('attention');
    expect(r2.headline).to.equal('Some logs arrive, but they do not show what the firewall did: please read');
    expect(r2.advice[0]).to.match(/^Turn on logging of the firewall's decisions on 192\.168\.1\.1 \(Fortinet FortiGate \/ FortiProxy\)/);
    const fw2 = buildReport({ from, to, incidents: [], rollups: acc.snapshot(), site, senders: [{ sender: 'xg', verdict: 'stopped', make: 'Sophos Firewall', problem: 'xg was understood until …' }] });
    expect(fw2.headline).to.equal('Some logs arrive that gatewatch cannot read: please read');
    expect(fw2.advice[0]).to.match(/^Check xg: gatewatch no longer understands its logs/);
    // nothing else understood: the box not understood is the whole story
    const only = buildReport({ from, to, incidents: [], rollups: empty, site, senders: [nas] });
    expect(only.status).to.equal('no-data');
    expect(only.headline).to.equal('Logs arrive that gatewatch cannot read');
    expect(only.advice[0]).to.match(/^Check what nas-1 \(192\.168\.1\.5\) sends: gatewatch cannot read its logs/);
    // Without them, the same week is quiet.
    expect(buildReport({ from, to, incidents: [], rollups: acc.snapshot(), site }).status).to.equal('quiet');
  });

  it('flags what got through and compares with the previous period', () => {
    const f = fed(20000, 2), p = fed(10000, 3);
    const bad: Incident = { ...genIncidents(1, { from, to })[0]!, id: 'x', type: 'bruteforce', severity: 'high', allowed_count: 4, attacker: { ip: '203.0.113.5', geo: { country_iso_code: 'RU' } } };
    const r = buildReport({ from, to, incidents: [bad], rollups: f.rollups, site, previous: { from: from - 7 * DAY, to: from, incidents: [], rollups: p.rollups } });
    expect(r.status).to.equal('urgent');
    expect(r.subject).to.match(/^\[ACTION NEEDED\] gatewatch weekly report for Corner Bakery/);
    expect(r.gotThrough.join('\n')).to.contain('203.0.113.5 (Russia): 4 connections let through');
    expect(r.previous!.events).to.equal(10000);
    expect(r.comparison[0]).to.match(/up \d+% on last week/);
    expect(r.comparison[2]).to.equal('1 serious incident, none the week before.');
  });

  it('the activity chart\'s day labels never overprint, also for a week that starts late in a day', () => {
    const H = 3600000;
    for (const startHour of [0, 8, 16, 21, 23]) {
      const start = from + startHour * H;
      const points = Array.from({ length: 7 * 24 }, (_, i) => ({ t: start + i * H, denied: i % 5, allowed: 0 }));
      const svg = timelineSvg(points, { tz: 'UTC', bucketMs: H });
      const labels = [...svg.matchAll(/<text x="([\d.]+)" y="\d+" font-size="11"[^>]*>([^<]+)<\/text>/g)].map((m) => [Number(m[1]), m[2]!] as const);
      const days = labels.filter(([, t]) => /^[A-Z][a-z]{2} \d+$/.test(t));
      expect(days.length, `start ${startHour}:00`).to.be.within(6, 8);
      for (let k = 1; k < days.length; k++) expect(days[k]![0] - days[k - 1]![0], `${days[k - 1]![1]} / ${days[k]![1]}`).to.be.at.least(44);
      // The first midnight is always labelled.
      expect(days.map(([, t]) => t)).to.include('Tue 17');
    }
  });

  it('does not compare with a week gatewatch was not watching', () => {
    const f = fed(5000, 4);
    const previous = { from: from - 7 * DAY, to: from, incidents: [], rollups: empty };
    // Installed two days into the week: no "none the week before", and the week is said to be partly watched.
    const late = buildReport({ from, to, incidents: [], rollups: f.rollups, site, previous, watchingSince: from + 2 * DAY + 3600000 });
    expect(late.comparison).to.deep.equal(['gatewatch was not watching yet the week before (it started on Wed, 18 Nov 2026): there is nothing to compare with.']);
    expect(late.summary[1]).to.equal('gatewatch started watching on Wed, 18 Nov 2026, so this report covers only part of the week.');
    expect(late.summary.join(' ')).to.not.contain('Last week');
    expect(renderText(late)).to.contain('nothing to compare with');
    // Installed part-way through the week before: compared, with a warning first.
    const mid = buildReport({ from, to, incidents: [], rollups: f.rollups, site, previous, watchingSince: from - 3 * DAY });
    expect(mid.comparison[0]).to.match(/^gatewatch started watching on Fri, 13 Nov 2026, part-way through last week/);
    expect(mid.comparison[1]).to.match(/blocked attempts from the internet, none the week before/);
    expect(mid.summary.join(' ')).to.not.contain('covers only part');
    // Watching all along: as before.
    const all = buildReport({ from, to, incidents: [], rollups: f.rollups, site, previous, watchingSince: from - 30 * DAY });
    expect(all.comparison[0]).to.match(/none the week before/);
  });

  it('names what got through in plain words, not the detectors\' codes', () => {
    const base = genIncidents(1, { from, to })[0]!;
    const rdp: Incident = { ...base, id: 'r', type: 'exposed-service', subtype: 'rdp', severity: 'critical', allowed_count: 2, details: { service: 'Remote Desktop (RDP)' }, attacker: { ip: '203.0.113.9' },
      victims: [{ ip: '192.168.1.20', ports: [3389], count: 2 }] };
    const scan: Incident = { ...base, id: 's', type: 'portscan', subtype: 'connect', severity: 'high', allowed_count: 3, attacker: { ip: '203.0.113.10' } };
    const spray: Incident = { ...base, id: 'b', type: 'bruteforce', subtype: 'spray', severity: 'high', allowed_count: 1, attacker: { ip: '203.0.113.11' } };
    const odd: Incident = { ...base, id: 'o', type: 'portscan', subtype: 'brand-new-kind', severity: 'high', allowed_count: 1, attacker: { ip: '203.0.113.12' }, victims: [{ ip: '192.168.1.99', ports: [80], count: 1 }] };
    const r = buildReport({ from, to, incidents: [rdp, scan, spray, odd], rollups: empty, site });
    expect(r.gotThrough).to.include.members([
      'Remote Desktop (RDP) open to the internet on 192.168.1.20 (port 3389): 2 connections let through.',
      'Port scan, full connections (someone checking which doors are open) from 203.0.113.10: 3 connections let through.',
      'Password guessing (password spraying) from 203.0.113.11: 1 connection let through.',
      'Port scan, brand-new-kind (someone checking which doors are open) from 203.0.113.12: 1 connection let through.',
    ]);
  });

  it('many attackers at one machine\'s service are one thing that got through, not one line each', () => {
    const base = genIncidents(1, { from, to })[0]!;
    const rdpAt = [{ ip: '192.168.1.60', ports: [3389], count: 1 }];
    const guesses: Incident[] = Array.from({ length: 30 }, (_, i) => ({ ...base, id: `g${i}`, type: 'bruteforce', subtype: 'fast', severity: 'high', direction: 'inbound',
      allowed_count: i === 7 ? 61 : 10, attacker: { ip: `198.51.100.${i}`, geo: { country_iso_code: i === 7 ? 'CN' : 'US' } }, victims: rdpAt }));
    const open: Incident[] = [0, 1, 2].map((d) => ({ ...base, id: `e${d}`, type: 'exposed-service', subtype: 'rdp', severity: 'high', direction: 'inbound',
      allowed_count: 700 + d, details: { service: 'Remote Desktop (RDP)' }, attacker: { ip: `203.0.113.${d}` }, victims: rdpAt }));
    const ssh: Incident = { ...base, id: 'ssh', type: 'bruteforce', subtype: 'fast', severity: 'high', direction: 'inbound', allowed_count: 5, attacker: { ip: '203.0.113.77' },
      victims: [{ ip: '192.168.1.60', ports: [22], count: 1 }] };
    const calls: Incident[] = [1, 2].map((k) => ({ ...base, id: `b${k}`, type: 'beacon', severity: 'high', direction: 'outbound', allowed_count: 9,
      attacker: { ip: `192.0.2.${k}` }, victims: [{ ip: '192.168.1.23', ports: [443], count: 9 }] }));
    const r = buildReport({ from, to, incidents: [...guesses, ...open, ssh, ...calls], rollups: empty, site });
    // (the open service and the guessing at it are one story, as in the alert mails: its count holds theirs)
    expect(r.gotThrough).to.have.length(4);
    expect(r.gotThrough).to.include.members([
      'Remote Desktop (RDP) open to the internet on 192.168.1.60 (port 3389), and passwords are being tried on it from 30 addresses: 2,103 connections let in; the busiest: 198.51.100.7 (China), 61.',
      'Password guessing (fast) from 203.0.113.77: 5 connections let through.',
    ]);
    expect(r.gotThrough.filter((l) => l.includes('talked to 192.0.2.'))).to.have.length(2);
    expect(r.summary.join(' ')).to.contain('4 things may need your IT supplier to look at');
    // guessing alone at a service not found open stays a guessing line
    const alone = buildReport({ from, to, incidents: guesses, rollups: empty, site });
    expect(alone.gotThrough).to.deep.equal(['Password guessing on 192.168.1.60 (port 3389) from 30 addresses: 351 connections let through; the busiest: 198.51.100.7 (China), 61.']);
    // advice written for one attacker ("block this address") is not given for thirty: the kind's own advice is
    const guessing = r.incidentTypes.find((t) => t.type === 'bruteforce')!;
    expect(guessing.advice).to.equal('Use long, unique passwords and two-factor login on anything reachable from the internet; if possible, allow logins only over a VPN.');
    expect(r.advice).to.include(guessing.advice);
    const one = buildReport({ from, to, incidents: [{ ...ssh, advice: 'Block 203.0.113.77.' }], rollups: empty, site });
    expect(one.incidentTypes[0]!.advice).to.equal('Block 203.0.113.77.');
  });

  it('a router that stopped logging is not counted as an attack (the report tells missing logs itself)', () => {
    const base = genIncidents(1, { from, to })[0]!;
    const r = buildReport({ from, to, incidents: [base, { ...base, id: 'ls', type: 'log-silence', severity: 'high', attacker: { ip: '0.0.0.0' }, victims: [] }], rollups: empty, site });
    expect(r.totals.incidents).to.equal(1);
    expect(r.allIncidents.map((i) => i.type)).to.deep.equal([base.type]);
  });

  it('says when the router stopped sending logs: a stretch in the week, and one still going at report time', () => {
    const H = 3_600_000;
    // 30 events an hour, every hour of the week, except Tue 10:00 to Wed 08:00
    const hours = (skip: (h: number) => boolean) => {
      const traffic: RollupData['traffic'] = [];
      for (let h = from; h < to; h += H) if (!skip(h)) traffic.push({ hour: h, direction: 'inbound', action: 'deny', transport: 'tcp', port: 23, country: 'CN', bad: 0, count: 30 });
      return { ...empty, traffic };
    };
    const tue10 = from + DAY + 10 * H, wed08 = from + 2 * DAY + 8 * H;
    const r = buildReport({ from, to, incidents: [], rollups: hours((h) => h >= tue10 && h < wed08), site: { ...site, timezone: 'UTC' }, now: to + H });
    expect(r.logGaps).to.deep.equal([{ from: new Date(tue10).toISOString(), to: new Date(wed08).toISOString(), hours: 22, ongoing: false }]);
    expect(r.status).to.equal('attention');
    expect(r.headline).to.equal('No logs for 22 hours: please check your router');
    expect(r.summary[1]).to.equal('No logs arrived from Tue 17 Nov, 10:00 to Wed 18 Nov, 08:00 (22 hours): gatewatch could not see what happened then. If your router was not switched off, check that it still sends its logs here.');
    expect(r.advice[0]).to.equal('Check the router or firewall still sends its logs to gatewatch: none arrived for 22 hours of this week.');
    expect(renderText(r)).to.contain('No logs arrived from Tue 17 Nov, 10:00');
    // Still silent when the report is made ("report now" on Friday at 12:00, nothing since Thursday 14:00)
    const thu14 = from + 3 * DAY + 14 * H, fri12 = from + 4 * DAY + 12 * H;
    const now = buildReport({ from, to, incidents: [], rollups: hours((h) => h >= thu14), site: { ...site, timezone: 'UTC' }, now: fri12 + 20 * 60_000 });
    expect(now.logGaps.map((g) => [g.hours, g.ongoing])).to.deep.equal([[22, true]]);
    expect(now.summary[1]).to.match(/^No logs have arrived since Thu 19 Nov, 14:00 \(22 hours before this report\)/);
    // Five hours without logs is not reported; nor are gaps in a trickle of rare rule hits
    expect(buildReport({ from, to, incidents: [], rollups: hours((h) => h >= tue10 && h < tue10 + 5 * H), site, now: to + H }).logGaps).to.deep.equal([]);
    const trickle = { ...empty, traffic: Array.from({ length: 40 }, (_, i) => ({ hour: from + i * 4 * H, direction: 'inbound', action: 'deny', transport: 'tcp', port: 23, country: 'CN', count: 2 })) };
    expect(buildReport({ from, to, incidents: [], rollups: trickle as RollupData, site, now: to + H }).logGaps).to.deep.equal([]);
    // Before gatewatch started watching is not "missing"
    expect(buildReport({ from, to, incidents: [], rollups: hours((h) => h < from + 2 * DAY), site, now: to + H, watchingSince: from + 2 * DAY }).logGaps).to.deep.equal([]);
  });

  it('renders HTML that is email-safe and escapes hostile text', () => {
    const evil = '<script>alert(1)</script>"\'';
    const inc: Incident = { ...genIncidents(1, { from, to })[0]!, summary: evil, attacker: { ip: '198.51.100.7', as: { number: 64496, organization: { name: evil } } } };
    const acc = new RollupAccumulator();
    for (const ev of genEvents(1000, { from, to })) { if (ev.source.as) ev.source.as.organization = { name: evil }; acc.add(ev); }
    const r = buildReport({ from, to, incidents: [inc], rollups: acc.snapshot(), site: { ...site, name: '<b>Shop</b>' } });
    for (const mode of ['svg', 'cid', 'datauri'] as const) {
      const { html, images } = renderHtml(r, { charts: mode });
      expect(html).to.not.contain('<script');
      expect(html).to.not.contain('<b>Shop');
      expect(html).to.contain('&lt;script&gt;');
      expect(html).to.not.match(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      expect(html).to.not.match(/<link|<style|class="[^"]*"\s+style=""|url\(/);
      if (mode === 'cid') {
        expect(html).to.contain('src="cid:timeline@gatewatch"');
        expect(images).to.have.length(1);
        expect(images[0]!.content.subarray(1, 4).toString()).to.equal('PNG');
      }
      if (mode === 'svg') expect(html).to.contain('<svg');
    }
  });

  it('writes a correct PNG (decodes to the expected pixels)', () => {
    const { png } = timelinePng([{ t: 0, denied: 10, allowed: 0 }, { t: 1, denied: 0, allowed: 0 }], 20, 10);
    expect(png.readUInt32BE(16)).to.equal(20);
    expect(png.readUInt32BE(20)).to.equal(10);
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).to.equal((20 * 3 + 1) * 10);
    // Row 8: the left bar is blue (denied); the right half (no events) is background, not blue.
    const row = 8 * 61 + 1;
    expect([raw[row], raw[row + 1], raw[row + 2]]).to.deep.equal([0x5b, 0x7f, 0xbf]);
    expect([raw[row + 15 * 3], raw[row + 15 * 3 + 1], raw[row + 15 * 3 + 2]]).to.not.deep.equal([0x5b, 0x7f, 0xbf]);
    expect(raw[row + 15 * 3]).to.be.greaterThan(200);
  });

  it('writes incidents as CSV that spreadsheets cannot run as formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).to.equal('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-12')).to.equal('-12');
    expect(csvCell('a,b')).to.equal('"a,b"');
    const incs = genIncidents(5, { from, to });
    incs[0]!.summary = '@SUM(A1)\nnext';
    const r = buildReport({ from, to, incidents: incs, rollups: empty, site });
    const csv = renderIncidentsCsv(r);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).to.match(/^severity,type,first_seen/);
    expect(csv).to.contain('"\'@SUM(A1)\nnext"');
    expect(lines.length).to.be.at.least(6);
  });

  it('lists attacks on one machine and service as one row, outbound cases one each, and counts the rest right', () => {
    const t0 = from + DAY;
    const inc = (id: string, type: string, severity: Incident['severity'], ip: string, victim: string, port: number, at: number, events: number, allowed: number, cc = 'CN', direction = 'inbound'): Incident => ({
      id, type, severity, score: 50, confidence: 'medium', attacker: { ip, geo: { country_iso_code: cc } },
      victims: [{ ip: victim, ports: [port] }], first_seen: new Date(at).toISOString(), last_seen: new Date(at + 120000).toISOString(),
      event_count: events, allowed_count: allowed, ports: [port], direction, summary: `${type} by ${ip}`, advice: '',
    } as Incident);
    const incidents: Incident[] = [];
    // 30 robots guess at one Remote Desktop over four days; the busiest is the 8th.
    for (let k = 0; k < 30; k++) incidents.push(inc(`bf${k}`, 'bruteforce', 'high', `198.51.100.${k + 1}`, '192.168.1.60', 3389, t0 + k * 3 * 3600000, k === 7 ? 90 : 20 + k, k === 7 ? 90 : 20 + k, k % 3 ? 'CN' : 'US'));
    // The same service found open on three days (each names whoever knocked first).
    for (let d = 0; d < 3; d++) incidents.push({ ...inc(`ex${d}`, 'exposed-service', 'high', `203.0.113.${d + 1}`, '192.168.1.60', 3389, t0 + d * DAY, 500, 500), subtype: 'rdp', details: { service: 'Remote Desktop (RDP)' } });
    // Guessing at another port of the same machine is another row; so is each device inside calling out.
    incidents.push(inc('ssh', 'bruteforce', 'high', '198.51.100.200', '192.168.1.60', 22, t0, 40, 0));
    incidents.push(inc('b1', 'beacon', 'medium', '203.0.113.66', '192.168.1.20', 443, t0, 30, 30, 'RU', 'outbound'));
    incidents.push(inc('b2', 'beacon', 'medium', '203.0.113.67', '192.168.1.21', 443, t0, 30, 30, 'RU', 'outbound'));
    // One scanner, twice (re-opened the next day): one row, "by" that scanner.
    incidents.push(inc('ps1', 'portscan', 'low', '192.0.2.9', '192.168.1.1', 23, t0, 100, 0, 'DE'), inc('ps2', 'portscan', 'low', '192.0.2.9', '192.168.1.1', 23, t0 + DAY, 50, 0, 'DE'));
    const r = buildReport({ from, to, incidents, rollups: empty, site });
    expect(r.incidentsTotal).to.equal(38);
    expect(r.allIncidents).to.have.length(38);
    const rows = r.incidents.map((x) => `${x.severity} ${x.count ?? 1} ${x.attacker} ${x.events}/${x.allowed}`);
    expect(rows).to.deep.equal([
      'high 3 many addresses 1500/1500',
      'high 30 30 addresses 1098/1098',
      'high 1 198.51.100.200 40/0',
      'medium 1 203.0.113.66 30/30',
      'medium 1 203.0.113.67 30/30',
      'low 2 192.0.2.9 150/0',
    ]);
    const bf = r.incidents[1]!;
    expect(bf.summary).to.equal('Password guessing on 192.168.1.60 (port 3389) from 30 addresses, from Tue 17 Nov to Fri 20 Nov (30 incidents). The busiest: 198.51.100.8 (China), 90 events.');
    expect(bf.countryName).to.equal('China, United States');
    expect(bf.addresses).to.equal(30);
    expect(r.incidents[0]!.summary).to.match(/^Remote Desktop \(RDP\) open to the internet on 192\.168\.1\.60 \(port 3389\), from Tue 17 Nov to Thu 19 Nov \(3 incidents\): your firewall let in 1,500 connections\.$/);
    expect(r.incidents[0]!.countryName).to.equal('');
    expect(r.incidents[5]!.summary).to.equal('Port scans of 192.168.1.1 by 192.0.2.9, from Tue 17 Nov to Wed 18 Nov (2 incidents).');
    const html = renderHtml(r, { charts: 'svg' }).html;
    expect(html).to.contain('to Fri 20 Nov');
    expect(html).to.contain('one line per incident');
    // Listing fewer rows: what they do not cover is counted as "more", in incidents.
    const short = buildReport({ from, to, incidents, rollups: empty, site, maxIncidentsListed: 2 });
    expect(renderText(short)).to.contain('and 5 more in the attached CSV');
  });

  it('guessing spread over many addresses counts its addresses, as a lower bound', () => {
    const t0 = from + DAY;
    const mk = (id: string, ip: string, extra: Partial<Incident>): Incident => ({
      id, type: 'bruteforce', severity: 'high', score: 65, confidence: 'medium', attacker: { ip }, victims: [{ ip: '192.168.1.60', ports: [3389] }],
      first_seen: new Date(t0).toISOString(), last_seen: new Date(t0 + 60_000).toISOString(), event_count: 10, allowed_count: 10, ports: [3389], direction: 'inbound', summary: '', advice: '', ...extra,
    } as Incident);
    const r = buildReport({ from, to, rollups: empty, site, incidents: [
      mk('d1', '203.0.113.1', { subtype: 'distributed', details: { sources: 40 } }), mk('d2', '203.0.113.2', { subtype: 'distributed', details: { sources: 25 } }),
      mk('f1', '203.0.113.3', { subtype: 'fast' })] });
    expect(r.incidents[0]!.attacker).to.equal('at least 40 addresses');
    expect(r.gotThrough[0]).to.match(/^Password guessing on 192\.168\.1\.60 \(port 3389\) from at least 40 addresses: 30 connections let through/);
  });

  it('renders everything for an email: subject, HTML, text, attachments', () => {
    const f = fed(5000);
    const r = buildReport({ from, to, incidents: genIncidents(60, { from, to }), rollups: f.rollups, site });
    const out = renderAll(r);
    expect(out.subject).to.equal(r.subject);
    expect(out.attachments.map((a) => a.filename)).to.deep.equal(['activity.png', 'gatewatch-weekly-2026-11-16-incidents.csv', 'gatewatch-weekly-2026-11-16.json']);
    expect(out.attachments[0]!.cid).to.equal('timeline@gatewatch');
    const json = JSON.parse(out.json);
    expect(json.allIncidents).to.have.length(60);
    expect(json.totals.events).to.equal(5000);
    expect(out.text).to.contain('Attacks recognised');
    // (the generated incidents all hit one machine: gathered per kind and port, nothing left over to list)
    expect(out.text).to.match(/Password guessing on 192\.168\.1\.20 \(port 22\) from \d+ addresses/);
    expect(out.text).to.not.contain('more in the attached CSV');
    expect(out.csv.trim().split('\r\n')).to.have.length(61);
    // An on-demand "last 7 days" never overwrites the scheduled week's files.
    const shift = 20 * 3600000 + 43 * 60000;
    expect(fileStem(buildReport({ from: from + shift, to: to + shift, kind: 'weekly', incidents: [], rollups: empty, site }))).to.equal('gatewatch-weekly-2026-11-16-to-2026-11-23-2043');
    // Dates are local: a Sydney week starting at local midnight.
    const syd = { ...site, timezone: 'Australia/Sydney' };
    expect(fileStem(buildReport({ from: Date.UTC(2026, 10, 15, 13), to: Date.UTC(2026, 10, 22, 13), kind: 'weekly', incidents: [], rollups: empty, site: syd }))).to.equal('gatewatch-weekly-2026-11-16');
  });
});
