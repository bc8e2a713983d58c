/**
 * Recognise a wanted key inside a line without slicing it out: the key-value scanners of the
 * verbose formats (FortiGate, Check Point, CEF) see dozens of keys per line and keep a handful.
 */
export interface KeySlots {
  names: string[];
  byLen: number[][];
}

export function keySlots(names: Iterable<string>): KeySlots {
  const list = [...names];
  const byLen: number[][] = [];
  list.forEach((k, idx) => { (byLen[k.length] ??= []).push(idx); });
  return { names: list, byLen };
}

/** The wanted name equal to s[start, end), or undefined. */
export function wantedKey(ks: KeySlots, s: string, start: number, end: number): string | undefined {
  const cands = ks.byLen[end - start];
  if (cands === undefined) return undefined;
  for (let k = 0; k < cands.length; k++) {
    const name = ks.names[cands[k]!]!;
    if (s.startsWith(name, start)) return name;
  }
  return undefined;
}
