/**
 * Recognise a wanted key inside a line without slicing it out: the key-value scanners of the
 * verbose formats (FortiGate, Check Point, CEF) see dozens of keys per line and keep a handful.
 */
export interface KeySlots {
  names: string[];
  byLen: number[][];
  /** First character code of each name (a cheap test before startsWith). */
  first: number[];
  /** The same names for the byte scanners. */
  table: KeyTable;
}

export function keySlots(names: Iterable<string>): KeySlots {
  const list = [...names];
  const byLen: number[][] = [];
  list.forEach((k, idx) => { (byLen[k.length] ??= []).push(idx); });
  return { names: list, byLen, first: list.map((k) => k.charCodeAt(0)), table: keyTable(list) };
}

/** Index in `names` of the wanted name equal to s[start, end), or -1. */
export function wantedIndex(ks: KeySlots, s: string, start: number, end: number): number {
  const cands = ks.byLen[end - start];
  if (cands === undefined) return -1;
  const c0 = s.charCodeAt(start);
  const len = end - start;
  for (let k = 0; k < cands.length; k++) {
    const idx = cands[k]!;
    if (ks.first[idx] !== c0) continue;
    // Names are short: compared in place, no native call.
    const name = ks.names[idx]!;
    let j = 1;
    while (j < len && name.charCodeAt(j) === s.charCodeAt(start + j)) j++;
    if (j === len) return idx;
  }
  return -1;
}

/** The wanted name equal to s[start, end), or undefined. */
export function wantedKey(ks: KeySlots, s: string, start: number, end: number): string | undefined {
  const cands = ks.byLen[end - start];
  if (cands === undefined) return undefined;
  const c0 = s.charCodeAt(start);
  for (let k = 0; k < cands.length; k++) {
    const idx = cands[k]!;
    if (ks.first[idx] !== c0) continue;
    const name = ks.names[idx]!;
    if (s.startsWith(name, start)) return name;
  }
  return undefined;
}


/**
 * The names of a KeySlots as bytes, for scanners that read a line's bytes (kv.ts): an open-addressing
 * table from a key's hash (keyHash's rule, computed while the scanner walks the key) to its index, with
 * the hash kept beside it so most misses cost no byte compare.
 */
export interface KeyTable {
  /** Index in names at each table position, or -1 (empty). */
  idx: Int16Array;
  /** The full hash at each table position. */
  hash: Int32Array;
  mask: number;
  /**
   * Name i is flat[off[i], off[i + 1]). `flat` is KEY_BYTES, shared by every table, unless that was full
   * (`pooled` false): then the table's own.
   */
  flat: Uint8Array;
  off: Int32Array;
  pooled: boolean;
}

/**
 * The names of every table end to end. One buffer for all tables rather than one each, so that a scanner can
 * hold it in a module constant (see wantedIndexBytes): a table's own array is loaded and checked again on
 * every byte compared, ~22 instructions a byte against ~8. Tables are made at module load from the parsers'
 * name lists; a table that would not fit (only tests make that many) keeps its names in its own array.
 */
export const KEY_BYTES = new Uint8Array(64 * 1024);
let keyBytesUsed = 0;

/** The hash a byte scanner computes over a key: h = h * 31 + byte, in 32 bits, from 0. */
export function keyHash(bytes: ArrayLike<number>, from: number, to: number): number {
  let h = 0;
  for (let i = from; i < to; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  return h;
}

function keyTable(names: string[]): KeyTable {
  const enc = new TextEncoder();
  const bytes = names.map((k) => enc.encode(k));
  const size = 1 << Math.max(4, Math.ceil(Math.log2(names.length * 4 + 1)));
  const idx = new Int16Array(size).fill(-1);
  const hash = new Int32Array(size);
  const off = new Int32Array(names.length + 1);
  let total = 0;
  bytes.forEach((b, i) => { off[i] = total; total += b.length; });
  off[names.length] = total;
  const pooled = keyBytesUsed + total <= KEY_BYTES.length;
  const base = pooled ? keyBytesUsed : 0;
  const flat = pooled ? KEY_BYTES : new Uint8Array(total);
  if (pooled) keyBytesUsed += total;
  for (let i = 0; i <= names.length; i++) off[i] = off[i]! + base;
  bytes.forEach((b, i) => {
    flat.set(b, off[i]!);
    const h = keyHash(b, 0, b.length);
    let j = h & (size - 1);
    while (idx[j]! >= 0) j = (j + 1) & (size - 1);
    idx[j] = i;
    hash[j] = h;
  });
  return { idx, hash, mask: size - 1, flat, off, pooled };
}

/**
 * Index in names of the wanted name equal to bytes[start, end), whose keyHash is h, or -1. `nameBytes` is
 * KEY_BYTES, passed in by the scanner from a constant of its own module, and `bytes` likewise its line buffer:
 * TurboFan embeds a module constant's address only where the function it optimises reads it itself, not in
 * a function it inlines (read here, both arrays were loaded and checked again on every byte compared).
 */
export function wantedIndexBytes(t: KeyTable, nameBytes: Uint8Array, bytes: Uint8Array, start: number, end: number, h: number): number {
  const idx = t.idx, hash = t.hash, mask = t.mask;
  for (let j = h & mask; ; j = (j + 1) & mask) {
    const i = idx[j]!;
    if (i < 0) return -1;
    if (hash[j] !== h) continue;
    const off = t.off[i]!, len = t.off[i + 1]! - off;
    if (len !== end - start) continue;
    let k = 0;
    if (t.pooled) { while (k < len && nameBytes[off + k] === bytes[start + k]) k++; } else {
      const flat = t.flat;
      while (k < len && flat[off + k] === bytes[start + k]) k++;
    }
    if (k === len) return i;
  }
}
