/**
 * ClockWatch: a router whose clock is wrong is found from the steady difference between its own times and the
 * lines' arrival, and corrected; late lines, replays and small drift are left alone.
 */
import { expect } from 'chai';
import { CLOCK_OFF_MS, ClockWatch, offsetText } from '../../src/syslog/clock-watch';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** One line a second from `gw` for `minutes`, its own clock `behind` ms late (plus up to 2 s of network delay). */
function feed(w: ClockWatch, gw: string, from: number, minutes: number, behind: number | ((arrived: number) => number)): number[] {
  const fixes: number[] = [];
  for (let s = 0; s < minutes * 60; s++) {
    const arrived = from + s * 1000;
    const off = typeof behind === 'number' ? behind : behind(arrived);
    fixes.push(w.observe(gw, new Date(arrived - off - (s * 7919) % 2000).toISOString(), arrived));
  }
  return fixes;
}

describe('clock watch (routers with a wrong clock)', () => {
  it('leaves a right clock alone, and a clock a few minutes off', () => {
    const w = new ClockWatch();
    expect(feed(w, 'right', T0, 60, 0).every((f) => f === 0)).to.equal(true);
    expect(feed(w, 'drifted', T0, 60, 10 * MIN).every((f) => f === 0)).to.equal(true);
    expect(w.wrongClocks()).to.deep.equal([]);
  });

  it('corrects a clock 3 hours behind after ten minutes of the same difference, and says so', () => {
    const w = new ClockWatch();
    const fixes = feed(w, '192.168.1.1', T0, 30, 3 * HOUR);
    const firstFix = fixes.findIndex((f) => f !== 0);
    // judged after at least 10 minutes and 20 samples (one each 10 s)
    expect(firstFix).to.be.within(600, 620);
    expect(new Set(fixes.slice(firstFix))).to.have.length(1);
    expect(Math.abs(fixes[fixes.length - 1]! - 3 * HOUR)).to.be.at.most(2000);
    const [r] = w.wrongClocks();
    expect(r!.gateway).to.equal('192.168.1.1');
    expect(offsetText(r!.behindMs)).to.equal('3 hours');
    expect(w.stats.changes).to.equal(1);
  });

  it('corrects a clock a year behind or two days ahead', () => {
    const w = new ClockWatch();
    feed(w, 'old', T0, 15, 365 * 24 * HOUR);
    feed(w, 'ahead', T0, 15, -2 * 24 * HOUR);
    const by = Object.fromEntries(w.wrongClocks().map((r) => [r.gateway, r.behindMs]));
    expect(Math.round(by.old! / HOUR)).to.equal(365 * 24);
    expect(Math.round(by.ahead! / HOUR)).to.equal(-48);
    expect(offsetText(by.old!)).to.equal('365 days');
  });

  it('does not take a backlog of late lines for a wrong clock', () => {
    // A relay sends two hours of old lines over 20 minutes, oldest first, then catches up.
    const w = new ClockWatch();
    const fixes = feed(w, 'relay', T0, 20, (arrived) => 2 * HOUR * (1 - (arrived - T0) / (20 * MIN)));
    expect(fixes.every((f) => f === 0)).to.equal(true);
    expect(feed(w, 'relay', T0 + 20 * MIN, 20, 0).every((f) => f === 0)).to.equal(true);
  });

  it('stops correcting within about a minute of the clock being set right', () => {
    const w = new ClockWatch();
    feed(w, 'gw', T0, 20, 3 * HOUR);
    expect(w.wrongClocks()).to.have.length(1);
    const after = feed(w, 'gw', T0 + 20 * MIN, 5, 0);
    const back = after.findIndex((f) => f === 0);
    expect(back).to.be.within(1, 70);
    expect(after.slice(back).every((f) => f === 0)).to.equal(true);
    expect(w.wrongClocks()).to.deep.equal([]);
    // and a later jump to another wrong time is found the same way
    feed(w, 'gw', T0 + 25 * MIN, 15, -5 * HOUR);
    expect(Math.round(w.wrongClocks()[0]!.behindMs / HOUR)).to.equal(-5);
  });

  it('one line stamped wrongly does not unsettle it, and bad times are ignored', () => {
    const w = new ClockWatch();
    let i = 0;
    const fixes = feed(w, 'gw', T0, 20, () => (++i % 50 === 0 ? 7 * 24 * HOUR : 3 * HOUR));
    expect(Math.round(fixes[fixes.length - 1]! / HOUR)).to.equal(3);
    expect(w.observe('gw', 'not a time', T0 + 30 * MIN)).to.equal(fixes[fixes.length - 1]);
    expect(w.observe('gw', 'x', NaN)).to.equal(0);
  });

  it('keeps at most 256 gateways', () => {
    const w = new ClockWatch();
    for (let g = 0; g < 5000; g++) w.observe(`gw${g}`, T0 - 3 * HOUR, T0);
    expect((w as unknown as { gateways: Map<string, unknown> }).gateways.size).to.equal(256);
    expect(CLOCK_OFF_MS).to.equal(15 * MIN);
  });
});
