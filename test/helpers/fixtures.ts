import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root (tests run from dist/test/…). */
export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Each vendor folder's `<name>.log` with its `<name>.expected.jsonl` (flat dotted keys, or null). */
export function vendorFixtures(): { vendor: string; name: string; lines: string[]; expected: (Record<string, unknown> | null)[] }[] {
  const out = [];
  for (const vendor of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, vendor);
    let entries: string[];
    try { entries = readdirSync(dir); } catch { continue; }
    for (const f of entries.sort()) {
      if (!f.endsWith('.log')) continue;
      const exp = join(dir, f.replace(/\.log$/, '.expected.jsonl'));
      if (!existsSync(exp)) continue;
      out.push({ vendor, name: f, lines: readLines(join(dir, f)), expected: readLines(exp).map((l) => JSON.parse(l)) });
    }
  }
  return out;
}

/** Dotted-path lookup: get(obj, 'source.geo.country_iso_code'). */
export function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
