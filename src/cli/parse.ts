import { LineParser, PARSERS } from '../parsers/registry';
import { isValidTimezone } from '../syslog/time';
import { parseArgs, UsageError } from './args';
import { forEachLine, Out } from './lines';

export const usage = `gatewatch parse [--format auto|<id>] [--tz ZONE] [--year YYYY] [--original] FILE|-
  Prints one JSON line per input line: the normalised event, or null when the line is not a
  recognised network event. Formats: auto, ${PARSERS.map((p) => p.id).join(', ')}.`;

/** Shared by parse/analyze/share: the parser options taken from the command line. */
export function parserOptions(opts: Record<string, string | true>): { format: string; tz?: string; refMs?: number; keepOriginal: boolean } {
  const tz = typeof opts.tz === 'string' ? opts.tz : undefined;
  if (tz !== undefined && !isValidTimezone(tz)) throw new UsageError(`unknown timezone "${tz}"`);
  let refMs: number | undefined;
  if (typeof opts.year === 'string') {
    const y = Number(opts.year);
    if (!Number.isInteger(y) || y < 1970 || y > 2200) throw new UsageError('--year takes a year such as 2026');
    // Reference at the end of that year: a yearless date then lands in it.
    refMs = Date.UTC(y, 11, 31, 23, 59, 59) - 31 * 86400000;
  }
  return { format: typeof opts.format === 'string' ? opts.format : 'auto', tz, refMs, keepOriginal: opts.original === true };
}

export async function run(argv: string[]): Promise<number> {
  const { opts, files } = parseArgs(argv, { flags: { format: true, tz: true, year: true, original: false, help: false } });
  if (opts.help) { console.log(usage); return 0; }
  if (files.length !== 1) throw new UsageError('parse takes exactly one FILE (or - for standard input)');
  const parser = new LineParser(parserOptions(opts));
  const out = new Out();
  let pending: Promise<void> | null = null;
  await forEachLine(files[0]!, (line) => {
    const ev = parser.parse(line);
    out.write(ev ? JSON.stringify(ev) + '\n' : 'null\n');
    if (!pending) pending = out.flushIfBig().then(() => { pending = null; });
  });
  await out.flush();
  const s = parser.stats;
  if (s.errors > 0 || s.tooLong > 0) {
    process.stderr.write(`gatewatch parse: ${s.lines} lines, ${s.events} events, ${s.errors} parser errors, ${s.tooLong} too long\n`);
  }
  return 0;
}
