/**
 * The extension part of a CEF line ("key=value key=value …", where a value runs up to the space
 * before the next key and may contain spaces, "\=" and "\\"), read with indexOf jumps: linear in
 * the line, no regular expression on the hot path. Shared by the vendor parsers that receive CEF
 * from their own devices (FortiGate, PAN-OS, Check Point).
 */

import { asciiBytes, BYTES, CEF_FIELD_KEY_BYTE } from './ascii';
import { KEY_BYTES, KeySlots, keySlots, wantedIndex, wantedIndexBytes } from './keyslots';

// Module constants, read by the scanners themselves: TurboFan then embeds their addresses (see wantedIndexBytes).
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES, KEY_BYTE = CEF_FIELD_KEY_BYTE;

function isKeyChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46;
}

/** Where the key ending at the "=" nextKeyEq found last starts. */
let keyAt = 0;

/**
 * The next "=" at or after `from` that ends a key (key chars back to a space or `min`); -1 if none.
 * The key's start is left in keyAt, so that no caller walks back over the key again.
 */
function nextKeyEq(s: string, from: number, min: number): number {
  let eq = s.indexOf('=', from);
  while (eq >= 0) {
    let k = eq - 1;
    while (k >= min && isKeyChar(s.charCodeAt(k))) k--;
    if (k < eq - 1 && (k < min || s.charCodeAt(k) === 32)) { keyAt = k + 1; return eq; }
    eq = s.indexOf('=', eq + 1);
  }
  return -1;
}

/** The value from `vs` to `vEnd`: trailing spaces dropped, backslash escapes undone. */
function valueAt(s: string, vs: number, vEnd: number): string {
  let e = vEnd;
  while (e > vs && s.charCodeAt(e - 1) === 32) e--;
  const v = s.slice(vs, e);
  return v.indexOf('\\') >= 0 ? v.replace(/\\(.)/g, '$1') : v;
}

/** Whether the walk of the last nextKeyEqBytes met a backslash. */
let sawBackslash = false;

/**
 * nextKeyEq(s, p, p) on the line's bytes, walking forward: a key is a run of key bytes that starts at `p` or
 * after a space and is followed by "=" (nextKeyEq walks back from each "=" to the same answer). The key's
 * start is left in keyAt, and whether a backslash was passed in sawBackslash.
 */
function nextKeyEqBytes(b: Uint8Array, keyByte: Uint8Array, p: number, n: number): number {
  let rs = p; // where the run of key bytes at p started, when it started at the first byte or after a space; else -1
  sawBackslash = false;
  for (;;) {
    const c = b[p]!;
    if (keyByte[c] === 1) { p++; continue; }
    if (c === 61) {
      if (rs >= 0 && p > rs) { keyAt = rs; return p; }
      rs = -1;
    } else if (c === 32) {
      if (p >= n) return -1; // b[n] is a space
      rs = p + 1;
    } else {
      rs = -1;
      if (c === 92) sawBackslash = true;
    }
    p++;
  }
}

/** valueAt on the bytes (`bs`: a backslash in the value, as the walk over it saw). */
function valueAtBytes(s: string, b: Uint8Array, vs: number, vEnd: number, bs: boolean): string {
  let e = vEnd;
  while (e > vs && b[e - 1] === 32) e--;
  const v = s.slice(vs, e);
  return bs ? v.replace(/\\(.)/g, '$1') : v;
}

/**
 * Adds each pair to `out` (first occurrence wins). `rename` maps CEF names to the caller's names;
 * `want`, when given, limits the keys kept (after renaming). At most `maxPairs` pairs. An ASCII line is read
 * as bytes, any other, or every line with `chars` (the differential test compares the two), on its characters.
 */
export function cefFields(s: string, start: number, out: Record<string, string>, rename?: (k: string) => string,
  want?: Set<string>, maxPairs = 512, chars = false): void {
  if (chars || !asciiBytes(s)) { cefFieldsChars(s, start, out, rename, want, maxPairs); return; }
  const b = LINE_BYTES, keyByte = KEY_BYTE; // b[n] is a space, b[n + 1] a 0
  const n = s.length;
  let ks = start;
  while (ks < n && b[ks] === 32) ks++;
  if (ks >= n) return;
  let eq = nextKeyEqBytes(b, keyByte, ks, n);
  let pairs = 0;
  while (eq >= 0 && pairs++ < maxPairs) {
    const keyStart = keyAt;
    const next = nextKeyEqBytes(b, keyByte, eq + 1, n);
    const bs = sawBackslash;
    const vEnd = next >= 0 ? keyAt - 1 : n;
    let key = s.slice(keyStart, eq);
    if (rename) key = rename(key);
    if ((want === undefined || want.has(key)) && out[key] === undefined) {
      out[key] = valueAtBytes(s, b, eq + 1, vEnd, bs);
    }
    if (next < 0) break;
    eq = next;
  }
}

/** cefFields on the characters of s (any line). */
function cefFieldsChars(s: string, start: number, out: Record<string, string>, rename: ((k: string) => string) | undefined,
  want: Set<string> | undefined, maxPairs: number): void {
  const n = s.length;
  let ks = start;
  while (ks < n && s.charCodeAt(ks) === 32) ks++;
  let eq = nextKeyEq(s, ks, ks);
  let pairs = 0;
  while (eq >= 0 && pairs++ < maxPairs) {
    // The key runs back from "=" to a space or the scan start (nextKeyEq found where); the value runs to the
    // character before the next key (a space, or the "=" itself when the value is empty).
    const keyStart = keyAt;
    const next = nextKeyEq(s, eq + 1, eq + 1);
    const vEnd = next >= 0 ? keyAt - 1 : n;
    let key = s.slice(keyStart, eq);
    if (rename) key = rename(key);
    if ((want === undefined || want.has(key)) && out[key] === undefined) {
      out[key] = valueAt(s, eq + 1, vEnd);
    }
    if (next < 0) break;
    eq = next;
  }
}

/**
 * cefFields without renaming, keeping only the keys in `slots`: their values as an array in the order of
 * `slots.names` (undefined where absent; first occurrence wins). The other keys are not sliced out.
 */
export function cefFieldValues(s: string, start: number, slots: KeySlots, maxPairs = 512, chars = false): (string | undefined)[] {
  const out = new Array<string | undefined>(slots.names.length);
  const n = s.length;
  // On the bytes of an ASCII line: cefFieldsInto's walk, each name to its own place.
  if (!chars && slots.names.length <= SAME_PLACE.length && cefFieldsInto(s, start, slots, SAME_PLACE, out, maxPairs)) return out;
  let ks = start;
  while (ks < n && s.charCodeAt(ks) === 32) ks++;
  let eq = nextKeyEq(s, ks, ks);
  let pairs = 0;
  while (eq >= 0 && pairs++ < maxPairs) {
    // The key runs back from "=" to a space or the scan start (nextKeyEq found where); the value runs to the
    // character before the next key (a space, or the "=" itself when the value is empty).
    const keyStart = keyAt;
    const next = nextKeyEq(s, eq + 1, eq + 1);
    const vEnd = next >= 0 ? keyAt - 1 : n;
    const k = wantedIndex(slots, s, keyStart, eq);
    if (k >= 0 && out[k] === undefined) {
      out[k] = valueAt(s, eq + 1, vEnd);
    }
    if (next < 0) break;
    eq = next;
  }
  return out;
}

/** to[k] = k: cefFieldsInto's map for a caller that keeps every name in its own place (cefFieldValues). */
const SAME_PLACE = Int16Array.from({ length: 1024 }, (_, k) => k);

/**
 * cefFields for a caller whose rename function sends several CEF names to one of its own (FortiGate:
 * "src", "FTNTFGTsrcip" and "ad.srcip" are all its srcip), on the bytes of an ASCII line: name k of `slots`
 * goes to out[to[k]], the first occurrence in each place wins, and names not in `slots` are walked over
 * unsliced. Returns false, having read nothing, when s is not ASCII or longer than BYTES_MAX: the caller
 * then takes cefFields with its rename function (a differential test compares the two).
 */
export function cefFieldsInto(s: string, start: number, slots: KeySlots, to: Int16Array, out: (string | undefined)[],
  maxPairs = 512): boolean {
  if (!asciiBytes(s)) return false;
  const b = LINE_BYTES, names = NAME_BYTES, keyByte = KEY_BYTE;
  const n = s.length;
  const table = slots.table;
  let ks = start;
  while (ks < n && b[ks] === 32) ks++;
  if (ks >= n) return true;
  let eq = nextKeyEqBytes(b, keyByte, ks, n);
  let pairs = 0;
  while (eq >= 0 && pairs++ < maxPairs) {
    const keyStart = keyAt;
    const next = nextKeyEqBytes(b, keyByte, eq + 1, n);
    const bs = sawBackslash;
    const vEnd = next >= 0 ? keyAt - 1 : n;
    let h = 0;
    for (let p = keyStart; p < eq; p++) h = (Math.imul(h, 31) + b[p]!) | 0;
    const k = wantedIndexBytes(table, names, b, keyStart, eq, h);
    if (k >= 0) {
      const at = to[k]!;
      if (out[at] === undefined) out[at] = valueAtBytes(s, b, eq + 1, vEnd, bs);
    }
    if (next < 0) break;
    eq = next;
  }
  return true;
}

/**
 * The CEF names a rename function sends to the wanted names, for cefFieldsInto: every name that renames to
 * one of `wanted` given that the function only strips one of `prefixes` or looks the name up in `map`
 * (own keys), else keeps it. Checked by applying `rename` to each candidate.
 */
export function cefNamesFor(wanted: readonly string[], prefixes: readonly string[], map: Record<string, string>,
  rename: (k: string) => string): { slots: KeySlots; to: Int16Array } {
  const cands = new Set<string>(Object.keys(map));
  for (const w of wanted) { cands.add(w); for (const p of prefixes) cands.add(p + w); }
  const names: string[] = [];
  const to: number[] = [];
  for (const c of cands) {
    const at = wanted.indexOf(rename(c));
    if (at >= 0) { names.push(c); to.push(at); }
  }
  return { slots: keySlots(names), to: Int16Array.from(to) };
}
