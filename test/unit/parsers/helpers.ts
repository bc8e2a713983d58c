import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineParser } from '../../../src/parsers/registry';
import type { GwEvent } from '../../../src/event';

export const REF = Date.UTC(2026, 10, 23, 12, 0, 0);

/** Parse one line with auto-detection (or a forced format); fails the test on a parser error. */
export function parseLine(line: string, format = 'auto'): GwEvent | null {
  const p = new LineParser({ format, tz: 'UTC', refMs: REF });
  const ev = p.parse(line, REF);
  if (p.stats.errors > 0) throw new Error(`parser error: ${p.stats.lastError}`);
  return ev;
}

/** Every parser must survive junk: cut lines, huge lines, binary, repeated separators. */
export function hostileVariants(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += Math.max(1, Math.floor(line.length / 40))) out.push(line.slice(0, i));
  out.push(line + ','.repeat(5000), line.replace(/ /g, '  '), line.replace(/"/g, ''), line.replace(/=/g, ''),
    line + ' "' + 'x'.repeat(20000), line.replace(/[0-9]/g, '9'), line.replace(/\./g, ':'), '\u0000' + line);
  return out;
}

/** Every line of every fixture file (test/fixtures/<vendor>/*.log), for the scanners' differential tests. */
export function allFixtureLines(): string[] {
  const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
  const lines: string[] = [];
  for (const vendor of readdirSync(dir)) {
    for (const f of readdirSync(join(dir, vendor))) {
      if (f.endsWith('.log')) lines.push(...readFileSync(join(dir, vendor, f), 'utf8').split('\n').filter(Boolean));
    }
  }
  return lines;
}

/** A copy of `line` damaged by 1–4 random edits: a `noise` string inserted, a few characters cut, or the rest cut off. */
export function damage(line: string, r: () => number, noise: string[]): string {
  let s = line;
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.5) s = s.slice(0, at) + noise[Math.floor(r() * noise.length)]! + s.slice(at);
    else if (op < 0.8) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
    else s = s.slice(0, at);
  }
  return s;
}
