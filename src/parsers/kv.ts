/**
 * Helpers shared by the key=value vendor formats. Values are read from their own position with a
 * single left-to-right scan: no regular expression, no backtracking, linear in the line length.
 */

/** Integer in [min,max] or undefined. Accepts only plain decimal digits. */
export function toInt(s: string | undefined, min = 0, max = 0xffffffff): number | undefined {
  if (s === undefined) return undefined;
  const n = s.length;
  if (n === 0 || n > 15) return undefined;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v >= min && v <= max ? v : undefined;
}

export function toPort(s: string | undefined): number | undefined {
  return toInt(s, 0, 65535);
}

const MAX_VALUE = 4096;
/** A backslash and the character it escapes (linear, no backtracking). */
const UNESCAPE = /\\([\s\S])/g;

/**
 * Scan `key=value` pairs separated by spaces, where values may be double-quoted (with \" escapes).
 * Calls `onPair` for each; stops when it returns false. Bare words (no '=') are passed with value ''.
 * `maxPairs` bounds the work on hostile lines.
 */
export function scanKv(s: string, start: number, onPair: (key: string, value: string, quoted: boolean) => boolean | void, maxPairs = 512): void {
  const n = s.length;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < maxPairs) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 61 || c === 32) break;
      i++;
    }
    const key = s.slice(ks, i);
    if (i >= n || s.charCodeAt(i) === 32) {
      if (onPair(key, '', false) === false) return;
      continue;
    }
    i++; // '='
    if (s.charCodeAt(i) === 34) {
      i++;
      const vs = i;
      let escaped = false;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 92 && i + 1 < n) { escaped = true; i += 2; continue; }
        if (c === 34) break;
        i++;
      }
      // Values are cut at MAX_VALUE (no field needs more); escapes are undone in one native pass.
      let v = s.slice(vs, Math.min(i, vs + MAX_VALUE));
      if (escaped) v = v.replace(UNESCAPE, '$1');
      i++; // closing quote (or end)
      if (onPair(key, v, true) === false) return;
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 32) i++;
      if (onPair(key, s.slice(vs, i), false) === false) return;
    }
  }
}

/** Collect key=value pairs into a plain object (first occurrence wins). */
export function kvObject(s: string, start = 0, maxPairs = 512): Record<string, string> {
  const o: Record<string, string> = Object.create(null);
  scanKv(s, start, (k, v) => { if (k !== '' && !(k in o)) o[k] = v; }, maxPairs);
  return o;
}

/** Words that say a firewall decision, for vendors that put it in free text. */
export function actionWord(w: string): 'allow' | 'deny' | undefined {
  switch (w.toLowerCase()) {
    case 'accept': case 'accepted': case 'allow': case 'allowed': case 'pass': case 'passed': case 'permit': case 'permitted':
    case 'built': case 'close': case 'start': case 'ip-conn': case 'client-rst': case 'server-rst': case 'timeout':
      return 'allow';
    case 'drop': case 'dropped': case 'deny': case 'denied': case 'block': case 'blocked': case 'reject': case 'rejected':
    case 'refuse': case 'refused': case 'discard': case 'discarded':
      return 'deny';
    default:
      return undefined;
  }
}
