/**
 * Timestamps in logs: RFC 3164 has no year and no zone, RFC 5424 and most vendors' ISO forms do.
 *
 * How a zoneless time is read (documented in docs/timestamps.md):
 *  - it is wall-clock time in the site's timezone (the gatewatch-site config node, `--tz` on the
 *    command line; default: the timezone of the machine gatewatch runs on);
 *  - a missing year is the one that puts the time nearest to the reference time ("now" for live
 *    syslog, `--year`/the newest file time for replays), allowing at most 31 days into the future:
 *    a "Dec 31" line read on Jan 2 belongs to last year.
 */

export function monthIndex(s: string, at: number): number {
  if (at + 3 > s.length) return -1;
  return monthOf(s.charCodeAt(at), s.charCodeAt(at + 1), s.charCodeAt(at + 2));
}

/** The month (0-11) whose English three-letter name is the character codes a b c in any case, or -1. */
function monthOf(a: number, b: number, c: number): number {
  // Letters lower-cased by OR 32; a switch on codes avoids building a string per line.
  a |= 32; b |= 32; c |= 32;
  switch (a) {
    case 106: return b === 97 && c === 110 ? 0 : b === 117 ? (c === 110 ? 5 : c === 108 ? 6 : -1) : -1; // jan jun jul
    case 102: return b === 101 && c === 98 ? 1 : -1; // feb
    case 109: return b === 97 ? (c === 114 ? 2 : c === 121 ? 4 : -1) : -1; // mar may
    case 97: return b === 112 && c === 114 ? 3 : b === 117 && c === 103 ? 7 : -1; // apr aug
    case 115: return b === 101 && c === 112 ? 8 : -1; // sep
    case 111: return b === 99 && c === 116 ? 9 : -1; // oct
    case 110: return b === 111 && c === 118 ? 10 : -1; // nov
    case 100: return b === 101 && c === 99 ? 11 : -1; // dec
    default: return -1;
  }
}

const offsetCache = new Map<string, number>();
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset of `tz` from UTC in minutes at the UTC instant `utcMs`. */
export function zoneOffsetMinutes(tz: string, utcMs: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const parts = formatterFor(tz).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

let lastDayKey = -1;
let lastDayMs = 0;

/** Wall-clock time in `tz` to a UTC epoch in ms. The offset is cached per zone and hour. */
export function zonedToUtc(tz: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  // Date.UTC once per calendar day; the time of day is plain arithmetic.
  const dayKey = (y * 12 + mo) * 32 + d;
  if (dayKey !== lastDayKey) { lastDayKey = dayKey; lastDayMs = Date.UTC(y, mo, d); }
  const naive = lastDayMs + ((h * 60 + mi) * 60 + s) * 1000 + ms;
  if (tz === 'UTC' || tz === 'Etc/UTC') return naive;
  const key = `${tz}|${Math.floor(naive / 3600000)}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    // Two passes settle the offset across a DST change.
    off = zoneOffsetMinutes(tz, naive);
    off = zoneOffsetMinutes(tz, naive - off * 60000);
    if (offsetCache.size > 10000) offsetCache.clear();
    offsetCache.set(key, off);
  }
  return naive - off * 60000;
}

const YEAR_MS = 366 * 86400000;
const FUTURE_ALLOWANCE_MS = 31 * 86400000;

let lastYearKey = NaN;
let lastYearTz = '';
let lastYear = 0;

/** Pick the year for a yearless month/day so that the result is nearest `refMs` without being > 31 days ahead. */
export function inferYear(mo: number, d: number, h: number, mi: number, s: number, refMs: number, tz: string): number {
  // The answer only changes near the 31-day boundary: cache per reference day and month/day/hour.
  const key = ((Math.floor(refMs / 86400000) * 12 + mo) * 32 + d) * 24 + h;
  if (key === lastYearKey && tz === lastYearTz) return lastYear;
  lastYear = inferYearUncached(mo, d, h, mi, s, refMs, tz);
  lastYearKey = key;
  lastYearTz = tz;
  return lastYear;
}

function inferYearUncached(mo: number, d: number, h: number, mi: number, s: number, refMs: number, tz: string): number {
  const refYear = new Date(refMs).getUTCFullYear();
  for (const y of [refYear, refYear - 1, refYear + 1]) {
    const t = zonedToUtc(tz, y, mo, d, h, mi, s, 0);
    if (t <= refMs + FUTURE_ALLOWANCE_MS && t > refMs + FUTURE_ALLOWANCE_MS - YEAR_MS) return y;
  }
  return refYear;
}

export function defaultTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i) - 48;
    // Past the end charCodeAt gives NaN, which fails both comparisons: test for the good range.
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parse an ISO 8601 / RFC 3339 timestamp at `at` ("2026-11-23T10:00:01.123+01:00", "2026-11-23 10:00:01",
 * "2026-11-23T10:00:01+0100"). Returns [epochMs, endIndex, hadZone] or null.
 */
export function parseIsoAt(s: string, at: number, tz: string): [number, number, boolean] | null {
  const ms = isoMsAt(s, at, tz);
  return ms === null ? null : [ms, timeEnd.end, timeEnd.zone];
}

/**
 * Where the last successful isoMsAt / bsdMsAt stopped, and whether the ISO time had a zone: the
 * header reads these instead of allocating a tuple per line.
 */
export const timeEnd = { end: 0, zone: false };

/** Two decimal digits at s[at, at+2) as a number, or -1 (past the end charCodeAt gives NaN, which fails the tests). */
function d2(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48, b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** parseIsoAt without the tuple: epoch ms or null; the end index is left in timeEnd. */
export function isoMsAt(s: string, at: number, tz: string): number | null {
  // Fixed positions, two digits at a time (no loop: this runs once per line).
  const ya = d2(s, at), yb = d2(s, at + 2);
  if (ya < 0 || yb < 0 || s.charCodeAt(at + 4) !== 45) return null;
  const y = ya * 100 + yb;
  const mo = d2(s, at + 5), d = d2(s, at + 8);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || s.charCodeAt(at + 7) !== 45) return null;
  const sep = s.charCodeAt(at + 10);
  if (sep !== 84 && sep !== 32 && sep !== 116) return null;
  const h = d2(s, at + 11), mi = d2(s, at + 14), sec = d2(s, at + 17);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  if (s.charCodeAt(at + 13) !== 58 || s.charCodeAt(at + 16) !== 58) return null;
  let i = at + 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    i++;
    let scale = 100, n = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (n++ < 3) { ms += c * scale; scale /= 10; }
      i++;
    }
  }
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    timeEnd.end = i + 1; timeEnd.zone = true;
    return utcMs(y, mo - 1, d, h, mi, sec, ms);
  }
  if (z === 43 || z === 45) {
    const oh = d2(s, i + 1);
    let om = -1, end = -1;
    if (oh >= 0) {
      if (s.charCodeAt(i + 3) === 58) { om = d2(s, i + 4); end = i + 6; }
      else { om = d2(s, i + 3); end = i + 5; if (om < 0) { om = 0; end = i + 3; } }
    }
    if (oh >= 0 && om >= 0) {
      const off = (oh * 60 + om) * (z === 45 ? -1 : 1);
      timeEnd.end = end; timeEnd.zone = true;
      return utcMs(y, mo - 1, d, h, mi, sec, ms) - off * 60000;
    }
  }
  timeEnd.end = i; timeEnd.zone = false;
  return zonedToUtc(tz, y, mo - 1, d, h, mi, sec, ms);
}

/** Date.UTC for a valid wall-clock time, once per calendar day (the time of day is arithmetic). */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return zonedToUtc('UTC', y, mo, d, h, mi, s, ms);
}

/**
 * Parse a BSD timestamp at `at`: "Nov 23 10:00:01", "Nov  3 10:00:01", "Nov 3 10:00:01.123",
 * "Nov 23 2026 10:00:01" (Cisco), "Nov 23 10:00:01 2026". Returns [epochMs, endIndex] or null.
 */
export function parseBsdAt(s: string, at: number, tz: string, refMs: number): [number, number] | null {
  const ms = bsdMsAt(s, at, tz, refMs);
  return ms === null ? null : [ms, timeEnd.end];
}

/** parseBsdAt without the tuple: epoch ms or null; the end index is left in timeEnd. */
export function bsdMsAt(s: string, at: number, tz: string, refMs: number): number | null {
  const mo = monthIndex(s, at);
  if (mo < 0 || s.charCodeAt(at + 3) !== 32) return null;
  let i = at + 4;
  if (s.charCodeAt(i) === 32) i++;
  let d = digits(s, i, 2);
  if (d >= 0) i += 2;
  else { d = digits(s, i, 1); if (d < 0) return null; i += 1; }
  if (d < 1 || d > 31 || s.charCodeAt(i) !== 32) return null;
  i++;
  let year = -1;
  // Cisco style: year before the time.
  if (s.charCodeAt(i + 4) === 32) {
    const yy = digits(s, i, 4);
    if (yy >= 1970) { year = yy; i += 5; }
  }
  const h = digits(s, i, 2), mi = digits(s, i + 3, 2), sec = digits(s, i + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  if (s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return null;
  i += 8;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100, n = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (n++ < 3) { ms += c * scale; scale /= 10; }
      i++;
    }
  }
  if (year < 0 && s.charCodeAt(i) === 32) {
    const yy = digits(s, i + 1, 4);
    const after = s.charCodeAt(i + 5);
    if (yy >= 1970 && yy < 2200 && (Number.isNaN(after) || after === 32 || after === 58)) { year = yy; i += 5; }
  }
  if (year < 0) year = inferYear(mo, d, h, mi, sec, refMs, tz);
  timeEnd.end = i;
  return zonedToUtc(tz, year, mo, d, h, mi, sec, ms);
}

/*
 * The same two readers on a line's bytes (the header's byte path, src/syslog/header.ts): b[0, n) is an ASCII
 * line and the bytes after it are left from earlier lines, so every read goes through byteAt, which gives 0
 * past the end where charCodeAt gives NaN; every test below fails on both alike, and where the end itself
 * matters it is told by position. A differential test
 * (header-scan.test) keeps these equal to isoMsAt and bsdMsAt: change both.
 */

/** b[i] inside the line b[0, n), else 0. */
function byteAt(b: Uint8Array, n: number, i: number): number {
  return i < n ? b[i]! : 0;
}

/** d2 on bytes. */
function d2b(b: Uint8Array, n: number, at: number): number {
  const x = byteAt(b, n, at) - 48, y = byteAt(b, n, at + 1) - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** digits on bytes. */
function digitsB(b: Uint8Array, n: number, at: number, count: number): number {
  let v = 0;
  for (let i = 0; i < count; i++) {
    const c = byteAt(b, n, at + i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** monthIndex on bytes (n: the line's length). */
function monthIndexB(b: Uint8Array, at: number, n: number): number {
  return at + 3 > n ? -1 : monthOf(b[at]!, b[at + 1]!, b[at + 2]!);
}

/** isoMsAt on the bytes b[0, n) of a line. */
export function isoMsAtBytes(b: Uint8Array, n: number, at: number, tz: string): number | null {
  const ya = d2b(b, n, at), yb = d2b(b, n, at + 2);
  if (ya < 0 || yb < 0 || byteAt(b, n, at + 4) !== 45) return null;
  const y = ya * 100 + yb;
  const mo = d2b(b, n, at + 5), d = d2b(b, n, at + 8);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || byteAt(b, n, at + 7) !== 45) return null;
  const sep = byteAt(b, n, at + 10);
  if (sep !== 84 && sep !== 32 && sep !== 116) return null;
  const h = d2b(b, n, at + 11), mi = d2b(b, n, at + 14), sec = d2b(b, n, at + 17);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  if (byteAt(b, n, at + 13) !== 58 || byteAt(b, n, at + 16) !== 58) return null;
  let i = at + 19;
  let ms = 0;
  if (byteAt(b, n, i) === 46 || byteAt(b, n, i) === 44) {
    i++;
    let scale = 100, k = 0;
    while (i < n) {
      const c = byteAt(b, n, i) - 48;
      if (c < 0 || c > 9) break;
      if (k++ < 3) { ms += c * scale; scale /= 10; }
      i++;
    }
  }
  const z = byteAt(b, n, i);
  if (z === 90 || z === 122) {
    timeEnd.end = i + 1; timeEnd.zone = true;
    return utcMs(y, mo - 1, d, h, mi, sec, ms);
  }
  if (z === 43 || z === 45) {
    const oh = d2b(b, n, i + 1);
    let om = -1, end = -1;
    if (oh >= 0) {
      if (byteAt(b, n, i + 3) === 58) { om = d2b(b, n, i + 4); end = i + 6; }
      else { om = d2b(b, n, i + 3); end = i + 5; if (om < 0) { om = 0; end = i + 3; } }
    }
    if (oh >= 0 && om >= 0) {
      const off = (oh * 60 + om) * (z === 45 ? -1 : 1);
      timeEnd.end = end; timeEnd.zone = true;
      return utcMs(y, mo - 1, d, h, mi, sec, ms) - off * 60000;
    }
  }
  timeEnd.end = i; timeEnd.zone = false;
  return zonedToUtc(tz, y, mo - 1, d, h, mi, sec, ms);
}

/** bsdMsAt on the bytes b[0, n) of a line. */
export function bsdMsAtBytes(b: Uint8Array, n: number, at: number, tz: string, refMs: number): number | null {
  const mo = monthIndexB(b, at, n);
  if (mo < 0 || byteAt(b, n, at + 3) !== 32) return null;
  let i = at + 4;
  if (byteAt(b, n, i) === 32) i++;
  let d = digitsB(b, n, i, 2);
  if (d >= 0) i += 2;
  else { d = digitsB(b, n, i, 1); if (d < 0) return null; i += 1; }
  if (d < 1 || d > 31 || byteAt(b, n, i) !== 32) return null;
  i++;
  let year = -1;
  if (byteAt(b, n, i + 4) === 32) {
    const yy = digitsB(b, n, i, 4);
    if (yy >= 1970) { year = yy; i += 5; }
  }
  const h = digitsB(b, n, i, 2), mi = digitsB(b, n, i + 3, 2), sec = digitsB(b, n, i + 6, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  if (byteAt(b, n, i + 2) !== 58 || byteAt(b, n, i + 5) !== 58) return null;
  i += 8;
  let ms = 0;
  if (byteAt(b, n, i) === 46) {
    i++;
    let scale = 100, k = 0;
    while (i < n) {
      const c = byteAt(b, n, i) - 48;
      if (c < 0 || c > 9) break;
      if (k++ < 3) { ms += c * scale; scale /= 10; }
      i++;
    }
  }
  if (year < 0 && byteAt(b, n, i) === 32) {
    const yy = digitsB(b, n, i + 1, 4);
    // The end of the line (charCodeAt's NaN) is told by position here.
    const after = byteAt(b, n, i + 5);
    if (yy >= 1970 && yy < 2200 && (i + 5 >= n || after === 32 || after === 58)) { year = yy; i += 5; }
  }
  if (year < 0) year = inferYear(mo, d, h, mi, sec, refMs, tz);
  timeEnd.end = i;
  return zonedToUtc(tz, year, mo, d, h, mi, sec, ms);
}

/**
 * The time isoOf last wrote, in a typed array: kept in a module variable, each new time (about 1.8e12, no small
 * integer) would be a new heap number stored into an old object, an allocation and a write barrier per line.
 */
const LAST_MS = new Float64Array([NaN]);
let lastIso = '';
let dayStart = NaN;
let dayPrefix = '';
const dayPrefixes = new Map<number, string>();
const PAD2: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? '0' : '') + i);
/** ".mmmZ" for each millisecond. */
const MSZ: string[] = Array.from({ length: 1000 }, (_, i) => '.' + String(i).padStart(3, '0') + 'Z');
const HMS: (string | undefined)[] = new Array<string | undefined>(86400).fill(undefined);

/**
 * The same text as Date.prototype.toISOString, faster on the hot path: the date part is cached per
 * day and the time part built from integers; the previous result is reused for the same instant.
 */
export function isoOf(ms: number): string {
  if (ms === LAST_MS[0]) return lastIso;
  // Remembered only once written: a time Date cannot write throws below, and throws again when asked again.
  LAST_MS[0] = NaN;
  const day = Math.floor(ms / 86400000) * 86400000;
  if (day !== dayStart) {
    // Mixed streams jump between days: keep a small cache of date prefixes.
    let prefix = dayPrefixes.get(day);
    if (prefix === undefined) {
      const iso = new Date(day).toISOString();
      if (iso.length !== 24) return (lastIso = new Date(ms).toISOString());
      prefix = iso.slice(0, 11);
      if (dayPrefixes.size > 4096) dayPrefixes.clear();
      dayPrefixes.set(day, prefix);
    }
    dayStart = day;
    dayPrefix = prefix;
  }
  const r = ms - day;
  const sec = Math.floor(r / 1000);
  // "HH:MM:SS" once per second of the day (built on first use): two joins per call instead of seven.
  let hms = HMS[sec];
  if (hms === undefined) {
    const h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60;
    hms = HMS[sec] = PAD2[h] + ':' + PAD2[m] + ':' + PAD2[sec % 60];
  }
  const msz = MSZ[r - sec * 1000];
  // A fraction of a millisecond (a computed time): Date's own text, which drops it.
  if (msz === undefined) return (lastIso = new Date(ms).toISOString());
  lastIso = dayPrefix + hms + msz;
  LAST_MS[0] = ms;
  return lastIso;
}

/**
 * The milliseconds isoOf last wrote as `iso` (the same text), else NaN. The parsers and the analyze thread
 * decoder write times with isoOf; every later stage reads the event's time back as a number: for the event
 * just written this is one string comparison instead of reading the digits again.
 */
export function msOfIso(iso: string): number {
  return iso === lastIso ? LAST_MS[0]! : NaN;
}
