/**
 * The alert engine: threshold, throttling per attacker and type, digests, and the wording (plain
 * English, escaped, single-line subject), with a manual clock.
 */
import { expect } from 'chai';
import { Alerter, type AlertMessage, clean, escapeHtml, renderAlert, type Scheduler } from '../../src/report/alert';
import { incident } from '../helpers/incidents';
import { incidentTarget, type Incident } from '../../src/detect/incident';

class ManualClock implements Scheduler {
  t = Date.UTC(2026, 10, 23, 10, 5);
  timers: { at: number; fn: () => void; id: number }[] = [];
  private n = 0;
  now(): number { return this.t; }
  setTimer(fn: () => void, ms: number): unknown { const id = ++this.n; this.timers.push({ at: this.t + ms, fn, id }); return id; }
  clearTimer(h: unknown): void { this.timers = this.timers.filter((x) => x.id !== h); }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

/** (per-attacker behaviour: the tests of gathering many attackers of one target turn `groupTargets` on) */
function setup(opts: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const out: AlertMessage[] = [];
  const a = new Alerter({ throttleMs: 3_600_000, burst: 3, digestWindowMs: 600_000, groupTargets: false, ...opts }, (m) => out.push(m), clock);
  return { clock, out, a };
}

const MIN = 60_000;
const HOUR = 3_600_000;

/** Password guessing at Remote Desktop on 192.168.1.60, let through, from address 198.51.100.i. */
function rdpGuess(i: number, over: Partial<Incident> = {}): Incident {
  return incident({
    id: `bf-${i}`, type: 'bruteforce', subtype: 'fast', severity: 'high', score: 60, attacker: { ip: `198.51.100.${i}` },
    victims: [{ ip: '192.168.1.60', ports: [3389], count: 7 }], event_count: 7, allowed_count: 7,
    summary: `198.51.100.${i} made 7 connection attempts to Remote Desktop (RDP) on 192.168.1.60 in 15 seconds.`,
    advice: 'Reach Remote Desktop only through a VPN.', ...over,
  });
}

describe('alert engine', () => {
  describe('threshold', () => {
    it('alerts at or above the chosen severity only (default high)', () => {
      const { a, out } = setup();
      expect(a.push(incident({ severity: 'low', attacker: { ip: '198.51.100.1' } }))).to.equal('below');
      expect(a.push(incident({ severity: 'medium', attacker: { ip: '198.51.100.2' } }))).to.equal('below');
      expect(a.push(incident({ severity: 'high', attacker: { ip: '198.51.100.3' } }))).to.equal('sent');
      expect(a.push(incident({ severity: 'critical', attacker: { ip: '198.51.100.4' } }))).to.equal('sent');
      expect(out.map((m) => m.severity)).to.deep.equal(['high', 'critical']);
      expect(a.stats.below).to.equal(2);
    });
    it('a lower threshold lets medium through', () => {
      const { a } = setup({ minSeverity: 'medium' });
      expect(a.push(incident({ severity: 'medium' }))).to.equal('sent');
      expect(a.push(incident({ severity: 'low', attacker: { ip: '198.51.100.9' } }))).to.equal('below');
    });
    it('rejects what is not an incident, counted', () => {
      const { a, out } = setup();
      expect(a.push(null)).to.equal('invalid');
      expect(a.push({ type: 'portscan', severity: 'high' })).to.equal('invalid');
      expect(a.push({ type: 'portscan', severity: 'extreme', attacker: { ip: '203.0.113.1' } })).to.equal('invalid');
      expect(a.stats.invalid).to.equal(3);
      expect(out).to.have.length(0);
    });
  });

  describe('throttling', () => {
    it('one alert per attacker and type per hour; updates in between are muted', () => {
      const { a, out, clock } = setup();
      expect(a.push(incident())).to.equal('sent');
      clock.advance(60_000);
      expect(a.push(incident({ status: 'update', event_count: 90 }))).to.equal('throttled');
      clock.advance(30 * 60_000);
      expect(a.push(incident({ status: 'update' }))).to.equal('throttled');
      clock.advance(30 * 60_000); // an hour and a minute after the first
      expect(a.push(incident({ status: 'update' }))).to.equal('sent');
      expect(out).to.have.length(2);
      expect(a.stats.throttled).to.equal(2);
    });
    it('while the same thing goes on, the quiet time doubles after each alert up to a day, and starts over after a quiet day', () => {
      // A machine beaconing all day long: its incident is updated every 10 minutes.
      const { a, clock } = setup({ burst: 1000 });
      const sentAt: number[] = [];
      const t0 = clock.now();
      for (let m = 0; m <= 3 * 24 * 60; m += 10) {
        if (a.push(incident({ type: 'beacon', status: m ? 'update' : 'new', attacker: { ip: '203.0.113.9' } })) === 'sent') sentAt.push((clock.now() - t0) / HOUR);
        clock.advance(10 * MIN);
      }
      // 0, then 1, 2, 4, 8, 16 h later, then once a day: 7 mails in three days (one an hour would be 72)
      expect(sentAt).to.deep.equal([0, 1, 3, 7, 15, 31, 55]);
      // A day without it: the next one is news again, and the quiet time is an hour again.
      clock.advance(25 * HOUR);
      expect(a.push(incident({ type: 'beacon', attacker: { ip: '203.0.113.9' } }))).to.equal('sent');
      clock.advance(61 * MIN);
      expect(a.push(incident({ type: 'beacon', status: 'update', attacker: { ip: '203.0.113.9' } }))).to.equal('sent');
    });
    it('a more serious alert inside the quiet time keeps it as it was (no doubling)', () => {
      const { a, clock } = setup({ burst: 1000 });
      expect(a.push(incident({ severity: 'high' }))).to.equal('sent');
      clock.advance(10 * MIN);
      expect(a.push(incident({ severity: 'critical' }))).to.equal('sent');
      clock.advance(61 * MIN); // an hour and a minute after the critical one: its quiet time is one hour, not two
      expect(a.push(incident({ severity: 'critical', status: 'update' }))).to.equal('sent');
    });
    it('another type from the same attacker, or another attacker, is not throttled', () => {
      const { a } = setup();
      expect(a.push(incident())).to.equal('sent');
      expect(a.push(incident({ type: 'bruteforce' }))).to.equal('sent');
      expect(a.push(incident({ attacker: { ip: '198.51.100.77' } }))).to.equal('sent');
    });
    it('a severity increase or a repeat alerts again inside the quiet time', () => {
      const { a, clock } = setup({ burst: 10 });
      expect(a.push(incident({ severity: 'high' }))).to.equal('sent');
      clock.advance(1000);
      expect(a.push(incident({ severity: 'critical' }))).to.equal('sent');
      clock.advance(1000);
      expect(a.push(incident({ severity: 'critical' }))).to.equal('throttled');
      expect(a.push(incident({ severity: 'critical', status: 'repeat' }))).to.equal('sent');
    });
    it('remembers a bounded number of attacker/type pairs', () => {
      const { a } = setup({ maxKeys: 100, burst: 1_000_000 });
      for (let i = 0; i < 1000; i++) a.push(incident({ attacker: { ip: `198.51.100.${i % 250}` }, type: `t${i}` }));
      expect((a as unknown as { last: Map<string, unknown> }).last.size).to.equal(100);
    });
  });

  describe('digest', () => {
    it('sends the first few at once and gathers the rest of a burst into one digest', () => {
      const { a, out, clock } = setup({ burst: 3, digestWindowMs: 600_000 });
      const results = [];
      for (let i = 1; i <= 10; i++) results.push(a.push(incident({ attacker: { ip: `198.51.100.${i}` }, severity: i === 9 ? 'critical' : 'high' })));
      expect(results.filter((r) => r === 'sent')).to.have.length(3);
      expect(results.filter((r) => r === 'held')).to.have.length(7);
      expect(out).to.have.length(3);
      expect(a.heldCount).to.equal(7);
      clock.advance(599_000);
      expect(out).to.have.length(3);
      clock.advance(1000);
      expect(out).to.have.length(4);
      const d = out[3]!;
      expect(d.kind).to.equal('digest');
      expect(d.incidents).to.have.length(7);
      expect(d.severity).to.equal('critical');
      expect(d.subject).to.equal('[gatewatch] 7 alerts (1 critical, 6 high): port scan');
      for (let i = 4; i <= 10; i++) {
        expect(d.text).to.include(`198.51.100.${i}`);
        expect(d.html).to.include(`198.51.100.${i}`);
      }
      expect(d.text).to.not.include('198.51.100.1 ');
      expect(a.heldCount).to.equal(0);
      expect(a.stats.digests).to.equal(1);
    });
    it('after the window, single alerts go out at once again', () => {
      const { a, out, clock } = setup({ burst: 2, digestWindowMs: 60_000 });
      for (let i = 1; i <= 4; i++) a.push(incident({ attacker: { ip: `198.51.100.${i}` } }));
      clock.advance(60_000); // digest of 2
      expect(out.map((m) => m.kind)).to.deep.equal(['alert', 'alert', 'digest']);
      clock.advance(60_001);
      expect(a.push(incident({ attacker: { ip: '198.51.100.50' } }))).to.equal('sent');
    });
    it('a held attacker that gets worse replaces its entry instead of being listed twice', () => {
      const { a, out, clock } = setup({ burst: 0, digestWindowMs: 1000 });
      a.push(incident({ attacker: { ip: '198.51.100.1' } }));
      a.push(incident({ attacker: { ip: '198.51.100.2' } }));
      a.push(incident({ attacker: { ip: '198.51.100.1' }, severity: 'critical' }));
      clock.advance(1000);
      expect(out).to.have.length(1);
      expect(out[0]!.incidents.map((i) => `${i.attacker.ip}/${i.severity}`)).to.deep.equal(['198.51.100.1/critical', '198.51.100.2/high']);
    });
    it('a digest lists at most maxDigest incidents and counts the rest', () => {
      const { a, out } = setup({ burst: 0, maxDigest: 5 });
      for (let i = 1; i <= 12; i++) a.push(incident({ attacker: { ip: `198.51.100.${i}` } }));
      a.flush();
      expect(out).to.have.length(1);
      expect(out[0]!.incidents).to.have.length(5);
      expect(out[0]!.omitted).to.equal(7);
      expect(out[0]!.subject).to.equal('[gatewatch] 12 alerts (5 high, 7 more): port scan');
      expect(out[0]!.text).to.include('and 7 more alerts');
    });
    it('close() stops the timer', () => {
      const { a, out, clock } = setup({ burst: 0 });
      a.push(incident());
      a.close();
      expect(clock.timers).to.have.length(0);
      clock.advance(3_600_000);
      expect(out).to.have.length(0);
    });
  });

  describe('many attackers, one target (groupTargets)', () => {
    it('is on by default', () => {
      const out: AlertMessage[] = [];
      const a = new Alerter({}, (m) => out.push(m), new ManualClock());
      expect(a.push(rdpGuess(1))).to.equal('sent');
      expect(a.push(rdpGuess(2))).to.equal('grouped');
      expect(out).to.have.length(1);
    });
    it('tells the first attacker at once and the next 24 in one summary when the quiet time ends', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      expect(a.push(rdpGuess(1))).to.equal('sent');
      for (let i = 2; i <= 25; i++) { clock.advance(2 * MIN); expect(a.push(rdpGuess(i))).to.equal('grouped'); }
      expect(out).to.have.length(1);
      expect(a.heldCount).to.equal(24);
      clock.advance(HOUR - 48 * MIN - 1);
      expect(out).to.have.length(1);
      clock.advance(1);
      expect(out).to.have.length(2);
      const s = out[1]!;
      expect(s.kind).to.equal('summary');
      expect(s.incidents).to.have.length(24);
      expect(s.severity).to.equal('high');
      expect(s.subject).to.equal('[gatewatch] High: Password guessing on 192.168.1.60 (port 3389) goes on: 24 addresses');
      expect(s.text).to.include('Since the last mail about this (23 Nov 2026, 10:05 (UTC)), 24 addresses did the same to 192.168.1.60 (port 3389): 168 connections, 168 let through.');
      expect(s.text).to.include('the next summary comes within 2 hours');
      for (let i = 2; i <= 25; i++) { expect(s.text).to.include(`198.51.100.${i} `); expect(s.html).to.include(`198.51.100.${i}`); }
      expect(s.text).to.not.include('198.51.100.1 ');
      expect(s.html).to.include('goes on: 24 addresses');
      expect(s.short).to.match(/^HIGH: Password guessing on 192\.168\.1\.60 \(port 3389\) goes on: 24 addresses since 23 Nov 2026, 10:05 \(UTC\); 24 got through\./);
      expect(a.heldCount).to.equal(0);
      expect(a.stats).to.include({ alerts: 1, summaries: 1, grouped: 24 });
    });
    it('while the attack goes on, each summary doubles the wait for the next, up to a day; after a quiet day it starts over', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      const sentAt: number[] = [];
      const t0 = clock.now();
      let i = 1;
      // A new address every 10 minutes for three days.
      for (let k = 0; k < 6 * 72; k++) {
        a.push(rdpGuess(i++ % 250, { attacker: { ip: `198.51.${100 + (k >> 8)}.${k & 255}` } }));
        const before = out.length;
        clock.advance(10 * MIN);
        if (out.length > before) sentAt.push((clock.now() - t0) / HOUR);
      }
      // the first alert, then summaries 1, 2, 4, 8, 16 and 24 hours apart
      expect(out[0]!.kind).to.equal('alert');
      expect(out.slice(1).every((m) => m.kind === 'summary')).to.equal(true);
      const gaps = sentAt.map((h, k) => Math.round(h - (k ? sentAt[k - 1]! : 0)));
      // (72 hours: a mail for each of the 432 addresses without gathering)
      expect(gaps).to.deep.equal([1, 2, 4, 8, 16, 24]);
      expect(out).to.have.length(7);
      // A day and more of quiet, then a new address: an alert at once, and the next summary after an hour again.
      clock.advance(25 * HOUR);
      const n = out.length;
      expect(a.push(rdpGuess(251, { attacker: { ip: '203.0.113.50' } }))).to.equal('sent');
      expect(a.push(rdpGuess(252, { attacker: { ip: '203.0.113.51' } }))).to.equal('grouped');
      clock.advance(HOUR);
      expect(out.length).to.equal(n + 2);
      expect(out[n + 1]!.text).to.include('the next summary comes within 2 hours');
    });
    it('a robot a little more than an hour apart does not make a mail each: the quiet time grows with the attack', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      for (let k = 0; k < 24; k++) { a.push(rdpGuess(k + 1)); clock.advance(70 * MIN); }
      clock.advance(2 * 86_400_000);
      // alerts at 0 and 70 min (the hour was over), then the rest gathered: 24 addresses in 6 mails, not 24
      expect(out.map((m) => m.kind)).to.deep.equal(['alert', 'alert', 'summary', 'summary', 'summary', 'summary']);
      expect(out.reduce((n, m) => n + m.incidents.length, 0)).to.equal(24);
    });
    it('guessing spread over many addresses names how many, not the first of them', () => {
      const m = renderAlert([rdpGuess(1, { subtype: 'distributed', details: { sources: 37, services: ['Remote Desktop (RDP)'] } })], 0, { timeZone: 'UTC' });
      expect(m.subject).to.equal('[gatewatch] High: Password guessing from 37 addresses on 192.168.1.60');
    });
    it('an open service is named as the news, not the first address that knocked', () => {
      const m = renderAlert([rdpGuess(1, { type: 'exposed-service', subtype: 'rdp', details: { service: 'Remote Desktop (RDP)' } })], 0, { timeZone: 'UTC' });
      expect(m.subject).to.equal('[gatewatch] High: Service open to the internet: Remote Desktop (RDP) on 192.168.1.60 (port 3389)');
      expect(m.text).to.include('Address: 198.51.100.1');
    });
    it('an open service and the robots guessing at it are one story: one reminder that says both', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      const open = (day: number, allowed: number) => rdpGuess(100 + day, { id: `ex-${day}`, type: 'exposed-service', subtype: 'rdp', details: { service: 'Remote Desktop (RDP)' }, allowed_count: allowed, event_count: allowed });
      expect(a.push(open(0, 700))).to.equal('sent');
      for (let i = 1; i <= 5; i++) { clock.advance(5 * MIN); expect(a.push(rdpGuess(i))).to.equal('grouped'); }
      clock.advance(20 * HOUR);
      expect(a.push(open(1, 800))).to.equal('sent');
      clock.advance(HOUR);
      expect(a.push(open(2, 900))).to.equal('grouped');
      for (let i = 6; i <= 9; i++) expect(a.push(rdpGuess(i))).to.equal('grouped');
      clock.advance(3 * HOUR);
      const kinds = out.map((m) => m.kind);
      expect(kinds).to.deep.equal(['alert', 'summary', 'alert', 'summary']);
      const s = out[3]!;
      expect(s.subject).to.equal('[gatewatch] High: Remote Desktop (RDP) on 192.168.1.60 (port 3389) is still open to the internet and being tried: 4 addresses');
      expect(s.text).to.include('your firewall let 900 connections from the internet reach Remote Desktop (RDP) on 192.168.1.60 (port 3389), and 4 addresses tried to log in: 28 connections, 28 let through.');
    });
    it('an open service found again on the next days is a reminder that it is still open, with what got in', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      const open = (day: number, allowed: number) => rdpGuess(day + 1, { id: `ex-${day}`, type: 'exposed-service', subtype: 'rdp', details: { service: 'Remote Desktop (RDP)' }, allowed_count: allowed, event_count: allowed });
      expect(a.push(open(0, 700))).to.equal('sent');
      clock.advance(20 * HOUR);
      expect(a.push(open(1, 800))).to.equal('sent'); // the hour was long over: told again, its quiet time doubles
      clock.advance(HOUR);
      expect(a.push(open(2, 900))).to.equal('grouped');
      expect(a.push(open(3, 600))).to.equal('grouped');
      clock.advance(3 * HOUR);
      const s = out.find((m) => m.kind === 'summary')!;
      expect(s.subject).to.equal('[gatewatch] High: Remote Desktop (RDP) on 192.168.1.60 (port 3389) is still open to the internet: 1,500 connections let in');
      expect(s.text).to.include('reach Remote Desktop (RDP) on 192.168.1.60 (port 3389)');
      expect(s.text).to.not.match(/goes on: \d+ address/);
    });
    it('another service, another machine, another kind of attack or an outbound case is told on its own', () => {
      const { a } = setup({ groupTargets: true, burst: 100 });
      expect(a.push(rdpGuess(1))).to.equal('sent');
      expect(a.push(rdpGuess(2, { victims: [{ ip: '192.168.1.60', ports: [22], count: 7 }] }))).to.equal('sent');
      expect(a.push(rdpGuess(3, { victims: [{ ip: '192.168.1.61', ports: [3389], count: 7 }] }))).to.equal('sent');
      // (the same service found open is the same story as the guessing at it: it waits for the summary)
      expect(a.push(rdpGuess(4, { type: 'exposed-service' }))).to.equal('grouped');
      expect(a.push(rdpGuess(12, { type: 'exposed-service', victims: [{ ip: '192.168.1.60', ports: [5900], count: 1 }] }))).to.equal('sent');
      expect(a.push(rdpGuess(5, { type: 'known-bad-outbound', direction: 'outbound' }))).to.equal('sent');
      expect(a.push(rdpGuess(6, { type: 'known-bad-outbound', direction: 'outbound' }))).to.equal('sent');
      expect(a.push(rdpGuess(7, { type: 'beacon', direction: 'outbound' }))).to.equal('sent');
      expect(a.push(rdpGuess(8, { type: 'beacon', direction: 'outbound' }))).to.equal('sent');
      expect(a.push(rdpGuess(9, { victims: [] }))).to.equal('sent');
      expect(a.push(rdpGuess(10, { victims: [] }))).to.equal('sent');
      expect(a.push(rdpGuess(11))).to.equal('grouped');
      expect(incidentTarget(rdpGuess(1, { type: 'sweep', victims: [{ ip: '192.168.1.9', ports: [445], count: 1 }] })))
        .to.equal(incidentTarget(rdpGuess(2, { type: 'sweep', victims: [{ ip: '192.168.1.77', ports: [445], count: 1 }] })));
    });
    it('something more serious is alerted at once; a grouped attacker that grows is listed once, as it is now', () => {
      const { a, out, clock } = setup({ groupTargets: true });
      a.push(rdpGuess(1));
      expect(a.push(rdpGuess(2))).to.equal('grouped');
      expect(a.push(rdpGuess(2, { status: 'update', event_count: 90, allowed_count: 90 }))).to.equal('grouped');
      expect(a.push(rdpGuess(3, { severity: 'critical', score: 90 }))).to.equal('sent');
      // the critical one is now what the owner was told: a high one is gathered, a critical one too (same level)
      expect(a.push(rdpGuess(4, { severity: 'critical', score: 90 }))).to.equal('grouped');
      clock.advance(HOUR);
      const s = out.find((m) => m.kind === 'summary')!;
      // most serious first
      expect(s.incidents.map((i) => `${i.attacker.ip}/${i.severity}/${i.event_count}`)).to.deep.equal(['198.51.100.4/critical/7', '198.51.100.2/high/90']);
      expect(s.severity).to.equal('critical');
      expect(a.stats.grouped).to.equal(2);
      clock.advance(2 * HOUR);
      expect(out.map((m) => m.kind)).to.deep.equal(['alert', 'alert', 'summary']);
    });
    it('flush() sends waiting summaries now; close() stops their timers; a summary lists at most maxDigest', () => {
      const { a, out, clock } = setup({ groupTargets: true, maxDigest: 5 });
      a.push(rdpGuess(1));
      for (let i = 2; i <= 12; i++) a.push(rdpGuess(i));
      expect(a.heldCount).to.equal(5);
      a.flush();
      expect(out).to.have.length(2);
      expect(out[1]!.incidents).to.have.length(5);
      expect(out[1]!.omitted).to.equal(6);
      expect(out[1]!.subject).to.include('goes on: 11 addresses');
      expect(out[1]!.text).to.include('and 6 more addresses, not listed');
      a.push(rdpGuess(13));
      expect(a.heldCount).to.equal(1);
      a.close();
      expect(clock.timers).to.have.length(0);
      clock.advance(10 * HOUR);
      expect(out).to.have.length(2);
    });
    it('hostile and odd incidents never throw, and what it keeps stays bounded', () => {
      const { a, out, clock } = setup({ groupTargets: true, maxKeys: 50, maxDigest: 5, burst: 2 });
      let seed = 9;
      const r = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
      const odd = [undefined, null, 7, '', 'x'.repeat(5000), '192.168.1.60\r\nBcc: x@y', [], {}, -1, 1e308, '\u2028'];
      const pick = <T>(xs: T[]): T => xs[r(xs.length)]!;
      for (let i = 0; i < 20_000; i++) {
        const victims = r(4) === 0 ? pick([[], null, [{}], [{ ip: pick(odd), ports: pick([[3389], ['x'], null, [1e9]]) }]]) : [{ ip: `192.168.1.${r(60)}`, ports: [pick([22, 3389, 445])], count: 1 }];
        const inc = {
          ...rdpGuess(r(250)), type: pick(['bruteforce', 'sweep', 'exposed-service', 'log-silence', 'beacon', 'portscan', 'x'.repeat(300)]),
          severity: pick(['high', 'critical', 'medium']), victims, status: pick(['new', 'update', 'repeat']),
          details: r(3) ? { gateway: pick(odd), resumed: r(5) === 0 ? 'x' : undefined } : undefined, observers: r(2) ? [pick(odd)] : undefined,
        } as unknown as Incident;
        expect(() => a.push(inc)).to.not.throw();
        if (r(50) === 0) clock.advance(r(3) * 3_600_000 + r(600_000));
      }
      clock.advance(3 * 86_400_000);
      a.flush();
      const targets = (a as unknown as { targets: Map<string, unknown> }).targets;
      expect(targets.size).to.be.at.most(50);
      expect(a.heldCount).to.equal(0);
      for (const m of out) {
        expect(m.subject.length).to.be.at.most(200);
        expect(m.subject).to.not.match(/[\r\n\u2028]/);
        expect(m.short.length).to.be.at.most(300);
      }
      expect(out.length).to.be.greaterThan(10);
    });
    it('remembers a bounded number of targets, sending what waits for one it forgets', () => {
      const { a, out } = setup({ groupTargets: true, maxKeys: 10, burst: 1_000_000 });
      a.push(rdpGuess(1));
      a.push(rdpGuess(2));
      for (let i = 0; i < 50; i++) a.push(rdpGuess(100 + i, { victims: [{ ip: `192.168.2.${i}`, ports: [3389], count: 7 }] }));
      expect((a as unknown as { targets: Map<string, unknown> }).targets.size).to.equal(10);
      expect(out.filter((m) => m.kind === 'summary').map((m) => m.incidents[0]!.attacker.ip)).to.deep.equal(['198.51.100.2']);
      expect(a.heldCount).to.equal(0);
    });
  });

  describe('logs stopped arriving (log-silence)', () => {
    const silent = (gateway: string, over: Partial<Incident> = {}): Incident => incident({
      id: `ls-${gateway}`, type: 'log-silence', subtype: undefined, severity: 'high', score: 60, attacker: { ip: '0.0.0.0' }, victims: [], event_count: 0,
      allowed_count: undefined, direction: undefined, observers: [gateway], details: { gateway, usual_per_hour: 30 },
      mitre: { technique: { id: 'T1562.006', name: 'Impair Defenses: Indicator Blocking' }, tactic: 'Defense Evasion' },
      summary: `Your router "${gateway}" has sent no logs since Mon 23 Nov, 08:00 (UTC) (2 hours), after about 30 an hour: until it sends again, gatewatch cannot see attacks on your network.`,
      advice: 'Check the router or firewall is switched on and still sends its logs to gatewatch.', ...over,
    });
    it('names the router, not an attacker, and leaves out who/which machines/got through', () => {
      const { a, out } = setup({ groupTargets: true });
      expect(a.push(silent('office-fw'))).to.equal('sent');
      const m = out[0]!;
      expect(m.subject).to.equal('[gatewatch] High: Logs stopped arriving from office-fw');
      expect(m.text).to.include('Your router "office-fw" has sent no logs since');
      expect(m.text).to.not.include('WHO');
      expect(m.text).to.not.include('DID IT GET THROUGH');
      expect(m.text).to.not.include('0.0.0.0');
      expect(m.html).to.not.include('0.0.0.0');
      expect(m.short).to.match(/^HIGH: Your router "office-fw" has sent no logs/);
      // a second router at the same time is its own alert (not throttled as the same "attacker" 0.0.0.0)
      expect(a.push(silent('branch-fw'))).to.equal('sent');
    });
    it('the logs coming back are told (medium) when their stopping was; otherwise not', () => {
      const { a, out } = setup();
      a.push(silent('office-fw'));
      const back = silent('office-fw', { status: 'update', severity: 'medium', details: { gateway: 'office-fw', resumed: '2026-11-23T14:00:00.000Z' },
        summary: 'Logs from your router "office-fw" arrive again, after 6 hours without any: gatewatch could not see what happened in that time.' });
      expect(a.push(back)).to.equal('sent');
      expect(out[1]!.subject).to.equal('[gatewatch] Medium: Logs stopped arriving from office-fw');
      expect(out[1]!.text).to.include('arrive again, after 6 hours');
      // told once; and a box whose silence was never alerted (below the threshold) is not told either
      expect(a.push(back)).to.equal('below');
      expect(a.push(silent('other', { status: 'update', severity: 'medium', details: { gateway: 'other', resumed: 'x' } }))).to.equal('below');
    });
  });

  describe('wording', () => {
    it('says what happened, who, to which machines, whether it got through, and what to do', () => {
      const m = renderAlert([incident()], 0, { timeZone: 'UTC' });
      expect(m.kind).to.equal('alert');
      expect(m.subject).to.equal('[gatewatch] High: Port scan from 203.0.113.7 (Netherlands) on 2 of your machines');
      const t = m.text;
      expect(t).to.include('Port scan. 203.0.113.7 probed 4 ports on 2 of your machines in 4 minutes.');
      expect(t).to.include('Country: Netherlands (NL)');
      expect(t).to.include('Network: Example Hosting BV (AS64500)');
      expect(t).to.include('On blocklists: FireHOL level 1, spamhaus_drop');
      expect(t).to.include('192.168.1.10 (ports 22, 80, 443)');
      expect(t).to.include('192.168.1.20 (port 3389)');
      expect(t).to.include('No. Your firewall blocked all 52 attempts.');
      expect(t).to.include('23 Nov 2026, 10:00 to 10:04 (UTC)');
      expect(t).to.include('Make sure remote desktop (port 3389) is not open to the internet.');
      expect(t).to.include('T1046 Network Service Discovery (Discovery)');
      for (const s of ['Netherlands', 'Example Hosting BV (AS64500)', 'FireHOL level 1', '192.168.1.20', 'blocked all 52 attempts', 'remote desktop']) expect(m.html).to.include(s);
      expect(m.short).to.equal('HIGH: Port scan from 203.0.113.7 (Netherlands) on 2 of your machines, network Example Hosting BV (AS64500); all blocked. Nothing got through, so no action is needed now.');
      expect(m.short.length).to.be.at.most(300);
    });
    it('says when something got through, and words outbound cases from our side', () => {
      const m = renderAlert([incident({
        type: 'known-bad-outbound', direction: 'outbound', severity: 'critical', allowed_count: 3, event_count: 5,
        victims: [{ ip: '192.168.1.30', ports: [443] }], attacker: { ip: '198.51.100.66', geo: { country_iso_code: 'US' } },
      })], 0);
      expect(m.subject).to.equal('[gatewatch] Critical: Your machine contacted a known-bad address: 192.168.1.30 to 198.51.100.66 (United States)');
      expect(m.text).to.include('Yes. Your firewall let 3 of 5 connections out.');
      expect(m.text).to.include('THE OUTSIDE ADDRESS');
      expect(m.short).to.include('3 got through');
    });
    it('names an IPv6 attacker counted by its network by that network', () => {
      const m = renderAlert([incident({ attacker: { ip: '2001:db8:aa:1:1:5ee:a000:1', network: '2001:db8:aa:1::/64' } })], 0);
      expect(m.subject).to.equal('[gatewatch] High: Port scan from 2001:db8:aa:1::/64 on 2 of your machines');
      expect(m.text).to.include('Address: 2001:db8:aa:1::/64');
    });
    it('unknown outcome and missing facts are said plainly, not invented', () => {
      const m = renderAlert([incident({ allowed_count: undefined, attacker: { ip: '203.0.113.9' }, victims: [] })], 0);
      expect(m.text).to.include('Not known');
      expect(m.text).to.include('On blocklists: none of yours');
      expect(m.text).to.not.include('Country:');
      expect(m.subject).to.include('on your network');
    });
    it('escapes attacker-controlled text in HTML and keeps the subject on one line', () => {
      const evil = '<script>alert(1)</script>\r\nBcc: victim@example.com';
      const m = renderAlert([incident({ summary: evil, type: 'x<img src=x onerror=1>', attacker: { ip: '203.0.113.5', geo: { country_name: 'A\r\nB<b>' }, as: { organization: { name: '"><i>org' } } } })], 0);
      expect(m.html).to.not.include('<script>');
      expect(m.html).to.not.include('<img');
      expect(m.html).to.not.include('"><i>');
      expect(m.html).to.include('&lt;script&gt;');
      expect(m.subject).to.not.match(/[\r\n]/);
      expect(m.short).to.not.match(/[\r\n]/);
      expect(m.text.split('\n').some((l) => l.startsWith('Bcc:'))).to.equal(false);
    });
    it('clean() and escapeHtml() cope with large hostile input', () => {
      const big = '\u0000 <&>'.repeat(200_000);
      expect(clean(big, 100).length).to.be.at.most(100);
      expect(escapeHtml(big).length).to.be.greaterThan(big.length);
    });
  });
});
