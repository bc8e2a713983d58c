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
