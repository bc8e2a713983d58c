/**
 * ISO 8601 UTC text for an epoch in ms, as Date.prototype.toISOString writes it, without a Date
 * object: the date part is cached per day and the time part is computed, which costs a fraction of
 * toISOString on a stream whose every line carries a different time. (A candidate to replace
 * syslog/time.ts isoOf for every parser.)
 */
let dayNo = NaN;
let dayPrefix = '';

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

export function fastIso(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0 || ms >= 253402300800000) return new Date(ms).toISOString();
  const d = Math.floor(ms / 86400000);
  if (d !== dayNo) {
    dayNo = d;
    dayPrefix = new Date(d * 86400000).toISOString().slice(0, 11);
  }
  let r = ms - d * 86400000;
  const h = Math.floor(r / 3600000); r -= h * 3600000;
  const mi = Math.floor(r / 60000); r -= mi * 60000;
  const s = Math.floor(r / 1000);
  const msp = Math.floor(r - s * 1000);
  return dayPrefix + pad2(h) + ':' + pad2(mi) + ':' + pad2(s) + '.' + (msp < 10 ? '00' + msp : msp < 100 ? '0' + msp : '' + msp) + 'Z';
}
