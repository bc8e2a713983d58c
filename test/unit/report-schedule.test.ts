import { expect } from 'chai';
import { lastDue, monthlyPeriod, nextMonthly, nextWeekly, parseTime, previousPeriod, weeklyPeriod } from '../../src/report/schedule';

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3600000;

describe('report schedule', () => {
  it('next weekly run: Monday 08:00 local, across the spring DST change (Europe/London)', () => {
    // Sunday 22 March 2026 12:00 UTC (GMT) → Monday 23 March 08:00 GMT.
    expect(iso(nextWeekly(Date.UTC(2026, 2, 22, 12), 'Europe/London', 1, 8, 0))).to.equal('2026-03-23T08:00:00.000Z');
    // Clocks go forward on Sunday 29 March: the next Monday 08:00 is BST, 07:00 UTC.
    expect(iso(nextWeekly(Date.UTC(2026, 2, 29, 12), 'Europe/London', 1, 8, 0))).to.equal('2026-03-30T07:00:00.000Z');
    // At exactly the run time, the next run is a week later.
    expect(iso(nextWeekly(Date.UTC(2026, 2, 30, 7), 'Europe/London', 1, 8, 0))).to.equal('2026-04-06T07:00:00.000Z');
    // Autumn: back to GMT after Sunday 25 October.
    expect(iso(nextWeekly(Date.UTC(2026, 9, 20), 'Europe/London', 1, 8, 0))).to.equal('2026-10-26T08:00:00.000Z');
  });

  it('next weekly run in other zones (New York, Sydney, UTC)', () => {
    // US DST starts 8 March 2026: Monday 9 March 08:00 EDT = 12:00 UTC.
    expect(iso(nextWeekly(Date.UTC(2026, 2, 7), 'America/New_York', 1, 8, 0))).to.equal('2026-03-09T12:00:00.000Z');
    // Sydney (UTC+11 in November): Monday 23 Nov 08:00 local = Sunday 22 Nov 21:00 UTC.
    expect(iso(nextWeekly(Date.UTC(2026, 10, 22, 12), 'Australia/Sydney', 1, 8, 0))).to.equal('2026-11-22T21:00:00.000Z');
    expect(iso(nextWeekly(Date.UTC(2026, 10, 22, 21), 'Australia/Sydney', 1, 8, 0))).to.equal('2026-11-29T21:00:00.000Z');
    expect(iso(nextWeekly(Date.UTC(2026, 10, 23, 9), 'UTC', 5, 17, 30))).to.equal('2026-11-27T17:30:00.000Z');
  });

  it('next monthly run: the 1st at 08:00 local, in summer and winter time', () => {
    expect(iso(nextMonthly(Date.UTC(2026, 2, 15), 'Europe/London', 1, 8, 0))).to.equal('2026-04-01T07:00:00.000Z');
    expect(iso(nextMonthly(Date.UTC(2026, 9, 15), 'Europe/London', 1, 8, 0))).to.equal('2026-11-01T08:00:00.000Z');
    expect(iso(nextMonthly(Date.UTC(2026, 11, 1, 9), 'Europe/London', 1, 8, 0))).to.equal('2027-01-01T08:00:00.000Z');
    expect(iso(nextMonthly(Date.UTC(2026, 0, 31), 'Europe/Berlin', 28, 6, 15))).to.equal('2026-02-28T05:15:00.000Z');
  });

  it('periods: the local week and month before the run, 167 hours across DST', () => {
    const w = weeklyPeriod(Date.UTC(2026, 2, 30, 7), 'Europe/London');
    expect(iso(w.from)).to.equal('2026-03-23T00:00:00.000Z');
    expect(iso(w.to)).to.equal('2026-03-29T23:00:00.000Z');
    expect((w.to - w.from) / H).to.equal(167);
    const m = monthlyPeriod(Date.UTC(2026, 10, 1, 8), 'Europe/London');
    expect([iso(m.from), iso(m.to)]).to.deep.equal(['2026-09-30T23:00:00.000Z', '2026-11-01T00:00:00.000Z']);
    const pm = previousPeriod(m, 'Europe/London');
    expect([iso(pm.from), iso(pm.to)]).to.deep.equal(['2026-08-31T23:00:00.000Z', '2026-09-30T23:00:00.000Z']);
    const pw = previousPeriod(w, 'Europe/London');
    expect([iso(pw.from), iso(pw.to)]).to.deep.equal(['2026-03-16T00:00:00.000Z', '2026-03-23T00:00:00.000Z']);
  });

  it('finds the run missed while stopped, and parses times', () => {
    const next = (t: number) => nextWeekly(t, 'UTC', 1, 8, 0);
    expect(iso(lastDue(Date.UTC(2026, 10, 25), next, 8 * 86400000)!)).to.equal('2026-11-23T08:00:00.000Z');
    expect(parseTime('07:45')).to.deep.equal([7, 45]);
    expect(parseTime('25:00')).to.deep.equal([8, 0]);
    expect(parseTime('x')).to.deep.equal([8, 0]);
  });
});
