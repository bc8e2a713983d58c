import { writeFileSync } from 'node:fs';
import { analyzeFiles, type AnalyzeOptions } from '../analyze';
import { parseArgs, UsageError } from './args';
import { Out } from './lines';
import { parserOptions } from './parse';

export const usage = `gatewatch analyze [--home-net CIDR,…] [--feeds DIR|FILE] [--json FILE] [--format auto|<id>] [--tz ZONE] [--year YYYY] FILE…
  Runs the whole pipeline offline (parse → enrich → detect) over the log files and prints the
  incidents found as NDJSON, one per line (latest state of each). --json FILE also writes the whole
  result (incidents, parse counts, time range). --feeds takes reputation lists (IP/CIDR per line; a
  folder means every list in it), --home-net your own networks (default: the private ranges).`;

/** Report outputs that other work adds (--html, --pdf): accepted, refused with a clear message until then. */
const NOT_YET: Record<string, string> = { html: 'the HTML report', pdf: 'the PDF report' };

export function analyzeOptions(opts: Record<string, string | true>): AnalyzeOptions {
  const p = parserOptions(opts);
  const out: AnalyzeOptions = { parse: { format: p.format, tz: p.tz, refMs: p.refMs, keepOriginal: false } };
  if (typeof opts['home-net'] === 'string') {
    const nets = opts['home-net'].split(',').map((s) => s.trim()).filter(Boolean);
    if (nets.length === 0) throw new UsageError('--home-net takes CIDR blocks separated by commas');
    out.site = { homeNets: nets };
    if (p.tz) out.site.timezone = p.tz;
  }
  if (typeof opts.feeds === 'string') out.feeds = opts.feeds.split(',').map((s) => s.trim()).filter(Boolean);
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { opts, files } = parseArgs(argv, {
    flags: { 'home-net': true, feeds: true, json: true, html: true, pdf: true, format: true, tz: true, year: true, help: false },
  });
  if (opts.help) { console.log(usage); return 0; }
  if (files.length === 0) throw new UsageError('analyze needs at least one FILE (or - for standard input)');
  for (const [flag, what] of Object.entries(NOT_YET)) {
    // --html / --pdf: the report work plugs in here (write `what` for the whole period of the input).
    if (opts[flag] !== undefined) throw new UsageError(`--${flag}: ${what} is not available yet in this build`);
  }
  const result = await analyzeFiles(files, analyzeOptions(opts));
  const out = new Out();
  for (const inc of result.incidents) out.write(JSON.stringify(inc) + '\n');
  await out.flush();
  if (typeof opts.json === 'string') writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
  const s = result.parse;
  if (s.errors > 0 || s.tooLong > 0) {
    process.stderr.write(`gatewatch analyze: ${s.lines} lines, ${s.events} events, ${s.errors} parser errors, ${s.tooLong} too long\n`);
  }
  return 0;
}
