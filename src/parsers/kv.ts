/**
 * Helpers shared by the key=value vendor formats. Values are read from their own position with a
 * single left-to-right scan: no regular expression, no backtracking, linear in the line length.
 */
import { asciiBytes, BYTES } from './ascii';
import { KEY_BYTES, KeySlots, wantedIndex, wantedIndexBytes } from './keyslots';

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
  // The same walk as scanInto below (indexOf jumps), handing every pair to the callback.
  const n = s.length;
  let i = start;
  let pairs = 0;
  let sp = -1;
  let eq = -1;
  let bsl = -1;
  while (i < n && pairs++ < maxPairs) {
    if (s.charCodeAt(i) === 32) {
      i++;
      while (i < n && s.charCodeAt(i) === 32) i++;
      if (i >= n) break;
    }
    const ks = i;
    if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
    if (eq < i && eq !== n) { eq = s.indexOf('=', i); if (eq < 0) eq = n; }
    i = eq < sp ? eq : sp;
    const key = s.slice(ks, i);
    if (i >= n || i === sp) {
      if (onPair(key, '', false) === false) return;
      continue;
    }
    i++; // '='
    if (s.charCodeAt(i) === 34) {
      i++;
      const vs = i;
      i = closingQuote(s, vs);
      // Values are cut at MAX_VALUE (no field needs more); escapes are undone in one native pass.
      let v = s.slice(vs, Math.min(i, vs + MAX_VALUE));
      if (bsl < vs) { bsl = s.indexOf('\\', vs); if (bsl < 0) bsl = n; }
      if (bsl < i) v = v.replace(UNESCAPE, '$1');
      i++; // closing quote (or end)
      if (onPair(key, v, true) === false) return;
    } else {
      if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
      const v = s.slice(i, sp);
      i = sp;
      if (onPair(key, v, false) === false) return;
    }
  }
}

/**
 * scanKv for the keys in `slots` only: `onPair` gets the key's index in `slots.names` and the value, for
 * each pair with a wanted key (every occurrence, in order); the other pairs are walked over, nothing sliced
 * out of them. `maxPairs` counts every pair, as scanKv does.
 */
export function scanKvWanted(s: string, start: number, slots: KeySlots, onPair: (key: number, value: string) => void, maxPairs = 512,
  chars = false): void {
  // `chars`: the character walk even for an ASCII line (the differential test compares the two).
  if (!chars && scanBytesInto(s, start, undefined, slots, maxPairs, onPair)) return;
  const n = s.length;
  let i = start;
  let pairs = 0;
  let sp = -1;
  let eq = -1;
  let bsl = -1;
  while (i < n && pairs++ < maxPairs) {
    if (s.charCodeAt(i) === 32) {
      i++;
      while (i < n && s.charCodeAt(i) === 32) i++;
      if (i >= n) break;
    }
    const ks = i;
    if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
    if (eq < i && eq !== n) { eq = s.indexOf('=', i); if (eq < 0) eq = n; }
    i = eq < sp ? eq : sp;
    const key = wantedIndex(slots, s, ks, i);
    if (i >= n || i === sp) {
      if (key >= 0) onPair(key, '');
      continue;
    }
    i++; // '='
    if (s.charCodeAt(i) === 34) {
      i++;
      const vs = i;
      i = closingQuote(s, vs);
      if (key >= 0) {
        let v = s.slice(vs, Math.min(i, vs + MAX_VALUE));
        if (bsl < vs) { bsl = s.indexOf('\\', vs); if (bsl < 0) bsl = n; }
        if (bsl < i) v = v.replace(UNESCAPE, '$1');
        onPair(key, v);
      }
      i++; // closing quote (or end)
    } else {
      if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
      if (key >= 0) onPair(key, s.slice(i, sp));
      i = sp;
    }
  }
}

/** Index of the first double quote at or after `vs` not escaped by a backslash (an odd run), or the length. */
function closingQuote(s: string, vs: number): number {
  let q = s.indexOf('"', vs);
  while (q > 0) {
    let b = q - 1;
    while (b >= vs && s.charCodeAt(b) === 92) b--;
    if (((q - 1 - b) & 1) === 0) return q;
    q = s.indexOf('"', q + 1);
  }
  return s.length;
}

/** Recently seen keys, so that a key repeated on every line is not sliced out of each (bounded). */
const INTERN_SIZE = 1024;
const internTab: string[] = new Array<string>(INTERN_SIZE).fill('');

function internKey(s: string, ks: number, ke: number): string {
  const len = ke - ks;
  const slot = (len * 97 + s.charCodeAt(ks) * 31 + s.charCodeAt(ke - 1) * 7 + s.charCodeAt(ks + (len >> 1))) & (INTERN_SIZE - 1);
  const c = internTab[slot]!;
  if (c.length === len && s.startsWith(c, ks)) return c;
  const k = s.slice(ks, ke);
  if (len <= 64) internTab[slot] = k;
  return k;
}

/**
 * The scan of scanKv without a callback: pairs go into `out` (first occurrence wins, empty keys
 * skipped). With `slots`, only the wanted keys are kept and nothing else is sliced out of the line.
 * Separators are found with indexOf (native) rather than a loop over every character.
 */
function scanInto(s: string, start: number, out: Record<string, string> | (string | undefined)[], slots: KeySlots | undefined, maxPairs: number): void {
  const rec = out as Record<string | number, string>;
  const n = s.length;
  let i = start;
  let pairs = 0;
  let sp = -1; // next space at or after i (when sp >= i)
  let eq = -1; // next '=' at or after i (when eq >= i)
  let bsl = -1; // next backslash (when bsl >= the value start), so no value searches the line twice
  while (i < n && pairs++ < maxPairs) {
    if (s.charCodeAt(i) === 32) {
      i++;
      while (i < n && s.charCodeAt(i) === 32) i++;
      if (i >= n) break;
    }
    const ks = i;
    if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
    if (eq < i && eq !== n) { eq = s.indexOf('=', i); if (eq < 0) eq = n; }
    i = eq < sp ? eq : sp;
    let key: string | number | undefined;
    if (slots !== undefined) { const k = wantedIndex(slots, s, ks, i); if (k >= 0) key = k; }
    else if (i > ks) key = internKey(s, ks, i);
    if (key !== undefined && rec[key] !== undefined) key = undefined;
    if (i >= n || i === sp) {
      if (key !== undefined) rec[key] = '';
      continue;
    }
    i++; // '='
    if (s.charCodeAt(i) === 34) {
      i++;
      const vs = i;
      i = closingQuote(s, vs);
      if (key !== undefined) {
        let v = s.slice(vs, Math.min(i, vs + MAX_VALUE));
        if (bsl < vs) { bsl = s.indexOf('\\', vs); if (bsl < 0) bsl = n; }
        if (bsl < i) v = v.replace(UNESCAPE, '$1');
        rec[key] = v;
      }
      i++; // closing quote (or end)
    } else {
      if (sp < i) { sp = s.indexOf(' ', i); if (sp < 0) sp = n; }
      if (key !== undefined) rec[key] = s.slice(i, sp);
      i = sp;
    }
  }
}

/** Collect key=value pairs into a plain object (first occurrence wins). */
export function kvObject(s: string, start = 0, maxPairs = 512): Record<string, string> {
  const o: Record<string, string> = Object.create(null);
  scanInto(s, start, o, undefined, maxPairs);
  return o;
}

/**
 * Like kvObject, but keeps only the keys in `slots` (the ones a parser reads), as an array of values
 * in the order of `slots.names` (undefined where absent); the other pairs are skipped unsliced. An
 * array costs a fraction of a dictionary object with dozens of keys. An ASCII line is read as bytes
 * (scanBytesInto), any other on its characters (scanInto).
 */
export function kvValues(s: string, start: number, slots: KeySlots, maxPairs = 512, chars = false): (string | undefined)[] {
  const v = new Array<string | undefined>(slots.names.length);
  // `chars`: the character scanner even for an ASCII line (the differential test compares the two).
  if (chars || !scanBytesInto(s, start, v, slots, maxPairs)) scanInto(s, start, v, slots, maxPairs);
  return v;
}

/**
 * ascii.ts's line buffer and the key names as constants of this module, read in scanBytesInto itself: TurboFan
 * then embeds their addresses (read through ascii.ts's exports instead, Sophos lines cost ~2.9k more
 * instructions; see wantedIndexBytes).
 */
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES;

/**
 * scanInto(s, start, out, slots, maxPairs) on the bytes of s: the same pairs, values and rules (a
 * differential test holds the two together; change both). Without `out`, scanKvWanted's walk instead:
 * `onPair` gets every wanted pair, repeats included. Keys are hashed as they are walked and looked up
 * in slots.table. Returns false, having read nothing, when s is not ASCII or longer than BYTES_MAX.
 */
export function scanBytesInto(s: string, start: number, out: (string | undefined)[] | undefined, slots: KeySlots, maxPairs: number,
  onPair?: (key: number, value: string) => void): boolean {
  const n = s.length;
  if (!asciiBytes(s)) return false;
  const b = LINE_BYTES; // b[n] is a space
  const names = NAME_BYTES;
  const table = slots.table;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < maxPairs) {
    let c = b[i]!;
    while (c === 32) c = b[++i]!;
    if (i >= n) break;
    const ks = i;
    let h = 0;
    while (c !== 61 && c !== 32) { h = (Math.imul(h, 31) + c) | 0; c = b[++i]!; }
    let key = i > ks ? wantedIndexBytes(table, names, b, ks, i, h) : -1;
    if (key >= 0 && out !== undefined && out[key] !== undefined) key = -1;
    if (c !== 61) { // a bare word (or the end)
      if (key >= 0) { if (out !== undefined) out[key] = ''; else onPair!(key, ''); }
      continue;
    }
    i++; // '='
    if (b[i] === 34) {
      // Quoted: a backslash escapes the next byte (closingQuote's rule: a quote after an odd run of them is text).
      const vs = ++i;
      let escaped = false;
      c = b[i]!;
      while (c !== 34 && i < n) {
        if (c === 92) { escaped = true; i++; }
        c = b[++i]!;
      }
      if (i > n) i = n;
      if (key >= 0) {
        let v = s.slice(vs, Math.min(i, vs + MAX_VALUE));
        if (escaped) v = v.replace(UNESCAPE, '$1');
        if (out !== undefined) out[key] = v; else onPair!(key, v);
      }
      i++; // closing quote (or end)
    } else {
      const vs = i;
      c = b[i]!;
      while (c !== 32) c = b[++i]!;
      if (key >= 0) { if (out !== undefined) out[key] = s.slice(vs, i); else onPair!(key, s.slice(vs, i)); }
    }
  }
  return true;
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
