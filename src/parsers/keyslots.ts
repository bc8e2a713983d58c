/**
 * Recognise a wanted key inside a line without slicing it out: the key-value scanners of the
 * verbose formats (FortiGate, Check Point, CEF) see dozens of keys per line and keep a handful.
 */
export interface KeySlots {
  names: string[];
  byLen: number[][];
  /** First character code of each name (a cheap test before startsWith). */
  first: number[];
}

export function keySlots(names: Iterable<string>): KeySlots {
  const list = [...names];
  const byLen: number[][] = [];
  list.forEach((k, idx) => { (byLen[k.length] ??= []).push(idx); });
  return { names: list, byLen, first: list.map((k) => k.charCodeAt(0)) };
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

