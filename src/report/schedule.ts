/**
 * When reports run and which period each covers, in the site's time zone (DST-safe: every instant is
 * computed from local wall-clock parts with zonedToUtc, never by adding 24 hours).
 */
import { zonedToUtc } from '../syslog/time';

const DAY = 86400000;

export interface LocalParts { y: number; m: number; d: number; wd: number; h: number; mi: number }

const partFmt = new Map<string, Intl.DateTimeFormat>();
export function localParts(ms: number, tz: string): LocalParts {
  let f = partFmt.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric' });
    partFmt.set(tz, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    y: Number(get('year')), m: Number(get('month')) - 1, d: Number(get('day')),
    wd: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')),
    h: Number(get('hour')) % 24, mi: Number(get('minute')),
  };
}

/** Local wall clock → UTC ms (month and day may overflow; Date.UTC normalises them). */
export function local(tz: string, y: number, m: number, d: number, h = 0, mi = 0): number {
  const n = new Date(Date.UTC(y, m, d, h, mi));
  return zonedToUtc(tz, n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate(), n.getUTCHours(), n.getUTCMinutes(), 0, 0);
}

/** "08:00" → [8, 0]; bad input → the default. */
export function parseTime(s: string | undefined, def: [number, number] = [8, 0]): [number, number] {
  if (!s) return def;
  const i = s.indexOf(':');
  const h = Number(i < 0 ? s : s.slice(0, i)), mi = i < 0 ? 0 : Number(s.slice(i + 1));
  if (!Number.isInteger(h) || !Number.isInteger(mi) || h < 0 || h > 23 || mi < 0 || mi > 59) return def;
  return [h, mi];
}

/** Next weekly run strictly after nowMs: weekday (0 = Sunday … 6), at hour:minute local time. */
export function nextWeekly(nowMs: number, tz: string, weekday: number, hour: number, minute: number): number {
  const p = localParts(nowMs, tz);
  const delta = (((weekday - p.wd) % 7) + 7) % 7;
  let t = local(tz, p.y, p.m, p.d + delta, hour, minute);
  if (t <= nowMs) t = local(tz, p.y, p.m, p.d + delta + 7, hour, minute);
  return t;
}

/** Next monthly run strictly after nowMs: day of month (1–28), at hour:minute local time. */
export function nextMonthly(nowMs: number, tz: string, day: number, hour: number, minute: number): number {
  const p = localParts(nowMs, tz);
  let t = local(tz, p.y, p.m, day, hour, minute);
  if (t <= nowMs) t = local(tz, p.y, p.m + 1, day, hour, minute);
  return t;
}

export interface Period { from: number; to: number; kind: 'weekly' | 'monthly' | 'custom' }

/** The week a weekly run at runMs reports on: the 7 local days ending at local midnight of the run day. */
export function weeklyPeriod(runMs: number, tz: string): Period {
  const p = localParts(runMs, tz);
  return { from: local(tz, p.y, p.m, p.d - 7), to: local(tz, p.y, p.m, p.d), kind: 'weekly' };
}

/** The month a monthly run at runMs reports on: the previous calendar month, local time. */
export function monthlyPeriod(runMs: number, tz: string): Period {
  const p = localParts(runMs, tz);
  return { from: local(tz, p.y, p.m - 1, 1), to: local(tz, p.y, p.m, 1), kind: 'monthly' };
}

/** The period before: the previous calendar month for a calendar month, else the same length just before. */
export function previousPeriod(per: Period, tz: string): Period {
  const a = localParts(per.from, tz);
  const b = localParts(per.to, tz);
  if (a.d === 1 && a.h === 0 && a.mi === 0 && b.d === 1 && b.h === 0 && b.mi === 0 && per.to - per.from > 27 * DAY && per.to - per.from < 32 * DAY) {
    return { from: local(tz, a.y, a.m - 1, 1), to: per.from, kind: per.kind };
  }
  if (per.kind === 'weekly' && a.h === 0 && a.mi === 0) return { from: local(tz, a.y, a.m, a.d - 7), to: per.from, kind: per.kind };
  return { from: per.from - (per.to - per.from), to: per.from, kind: per.kind };
}

/** Whether [from, to) is exactly one local calendar month. */
export function isCalendarMonth(from: number, to: number, tz: string): boolean {
  const a = localParts(from, tz), b = localParts(to, tz);
  return a.d === 1 && a.h === 0 && a.mi === 0 && b.d === 1 && b.h === 0 && b.mi === 0 && ((b.y * 12 + b.m) - (a.y * 12 + a.m)) === 1;
}

/** The latest scheduled run at or before nowMs (for catching up on a run missed while stopped). */
export function lastDue(nowMs: number, next: (afterMs: number) => number, lookbackMs: number): number | null {
  let t = next(nowMs - lookbackMs);
  if (t > nowMs) return null;
  for (let guard = 0; guard < 100; guard++) {
    const n = next(t);
    if (n > nowMs) return t;
    t = n;
  }
  return t;
}
