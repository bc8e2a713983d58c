import { readFileSync, writeFileSync } from 'node:fs';
import { analyzeFiles, type AnalyzeOptions } from '../analyze';
import { DEFAULT_CONFIG, resolveConfig, validateConfig, type DetectOptions } from '../detect/config';
import { offlinePeriod, writeOfflineReport } from '../report/offline';
import { RollupAccumulator } from '../report/rollup';
import { parseArgs, UsageError } from './args';
import { Out } from './lines';
import { parserOptions } from './parse';

export const usage = `gatewatch analyze [--home-net CIDR,…] [--feeds DIR|FILE] [--json FILE] [--html FILE] [--pdf FILE]
                  [--home-country CC] [--format auto|<id>] [--tz ZONE] [--year YYYY] [--threads 1|2|auto]
                  [--settings FILE] FILE…
  Runs the whole pipeline offline (parse → enrich → detect) over the log files and prints the
  incidents found as NDJSON, one per line (latest state of each). --json FILE also writes the whole
  result (incidents, parse counts, time range). --feeds takes reputation lists (IP/CIDR per line; a
  folder means every list in it), --home-net your own networks (default: the private ranges).
  --html FILE writes the report for the whole period of the input ("what has my firewall been
  seeing?"); --pdf FILE the same as PDF (needs Chromium); --home-country for the home/abroad split.
  --threads 2 reads and parses on a second thread while detection runs on this one (same result;
  default auto: two threads only for inputs of 16 MB or more when a core is idle).
  --settings FILE: detection thresholds as JSON, only what you change, e.g.
  {"portscan": {"fastPorts": 5}, "bruteforce": {"vpnPorts": [443]}, "allowlist": {"addresses": ["198.51.100.7"]}}
  (sections and names as in docs/detection.md; anything else is refused).`;

/**
 * The detection settings in FILE (DetectOptions as JSON): known sections and names only, values checked as the
 * engine checks them, so that a typo is an error instead of a default silently used.
 */
export function readSettings(file: string): DetectOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--settings: cannot read ${file}: ${(err as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--settings: ${file} is not JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`--settings: ${file} must hold a JSON object`);
  const problems: string[] = [];
  const defaults = DEFAULT_CONFIG as unknown as Record<string, Record<string, unknown>>;
  for (const [section, body] of Object.entries(v as Record<string, unknown>)) {
    const def = defaults[section];
    if (def === undefined) { problems.push(`unknown section "${section}" (known: ${Object.keys(defaults).join(', ')})`); continue; }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) { problems.push(`"${section}" must be an object`); continue; }
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (!(name in def)) { problems.push(`unknown setting "${section}.${name}" (known: ${Object.keys(def).join(', ')})`); continue; }
      const want = def[name];
      const kind = Array.isArray(want) ? 'array' : typeof want;
      const got = Array.isArray(value) ? 'array' : typeof value;
      if (kind !== got) problems.push(`"${section}.${name}" must be ${kind === 'array' ? 'a list' : `a ${kind}`} (got ${JSON.stringify(value)})`);
    }
  }
  if (problems.length === 0) problems.push(...validateConfig(resolveConfig(v as DetectOptions)));
  if (problems.length) throw new UsageError(`--settings: ${file}: ${problems.join('; ')}`);
  return v as DetectOptions;
}

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
  if (typeof opts.settings === 'string') out.detect = readSettings(opts.settings);
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { opts, files } = parseArgs(argv, {
    flags: { 'home-net': true, 'home-country': true, feeds: true, json: true, html: true, pdf: true, format: true, tz: true, year: true, threads: true, settings: true, help: false },
  });
  if (opts.help) { console.log(usage); return 0; }
  if (files.length === 0) throw new UsageError('analyze needs at least one FILE (or - for standard input)');
  const options = analyzeOptions(opts);
  // Default auto: a second thread only for big inputs on a machine with an idle core (see threadsFor).
  const t = opts.threads ?? 'auto';
  if (t !== '1' && t !== '2' && t !== 'auto') throw new UsageError('--threads takes 1, 2 or auto');
  options.threads = t === 'auto' ? 'auto' : t === '2' ? 2 : 1;
  const wantReport = typeof opts.html === 'string' || typeof opts.pdf === 'string';
  const homeCountry = typeof opts['home-country'] === 'string' ? opts['home-country'].toUpperCase() : undefined;
  if (homeCountry !== undefined && !/^[A-Z]{2}$/.test(homeCountry)) throw new UsageError('--home-country takes a two-letter country code such as GB');
  // The report counts every enriched event into hourly rollups, as the report node does live.
  const rollups = wantReport ? new RollupAccumulator() : undefined;
  if (rollups) options.onEvent = (ev) => rollups.add(ev);
  // (a report or the JSON names the boxes not understood: a log of a box's notices only is not "no logs")
  if (wantReport || typeof opts.json === 'string') options.watchSenders = true;
  const result = await analyzeFiles(files, options);
  if (rollups) {
    const { from, to } = offlinePeriod(result.from, result.to);
    await writeOfflineReport(
      { incidents: result.incidents, rollups, from, to, senders: result.senders, site: { name: 'gatewatch analyze', homeCountry: homeCountry ?? '', timezone: options.site?.timezone ?? options.parse?.tz ?? 'UTC' } },
      { html: typeof opts.html === 'string' ? opts.html : undefined, pdf: typeof opts.pdf === 'string' ? opts.pdf : undefined },
    );
  }
  const out = new Out();
  for (const inc of result.incidents) out.write(JSON.stringify(inc) + '\n');
  await out.flush();
  if (typeof opts.json === 'string') writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
  const s = result.parse;
  if (s.errors > 0 || s.tooLong > 0) {
    process.stderr.write(`gatewatch analyze: ${s.lines} lines, ${s.events} events, ${s.errors} parser errors, ${s.tooLong} too long\n`);
  }
  // (a log with lines but no connection in it: say why rather than let an empty result read as a quiet time)
  if (s.lines > 0 && s.events === 0) {
    process.stderr.write(`gatewatch analyze: none of the ${s.lines} lines is a connection event gatewatch reads; \`gatewatch check ${files.length === 1 ? files[0] : 'FILE…'}\` shows which box sent what and what to turn on\n`);
  }
  return 0;
}
