import { analyzeFiles } from '../analyze';
import { DEFAULT_HOME_NETS } from '../enrich/pipeline';
import { Anonymiser, findLeaks, sensitive } from '../share/anonymise';
import { FORMATS, isFormat, renderExport } from '../share/export';
import { Incident, SEVERITIES, Severity } from '../detect/incident';
import { parseArgs, UsageError } from './args';
import { forEachLine, Out } from './lines';
import { parserOptions } from './parse';

export const usage = `gatewatch share --format ${FORMATS.join('|')} --member CODE [--secret S] [--home-net CIDR,…] [--feeds DIR|FILE]
               [--format-in auto|<id>] [--types T,…] [--min-severity low|medium|high|critical] [--no-ports]
               [--victims pseudonymise|drop] [--no-geo] [--tz ZONE] [--year YYYY] FILE…
               (or --incidents FILE|- : incidents as NDJSON, e.g. the output of gatewatch analyze, instead of logs)
  Runs the offline pipeline (like analyze) and prints the anonymised export for the regional hub:
  attacker addresses, types, ports, counts and hour-rounded times. Internal addresses never appear in
  clear: they are dropped, or replaced by a keyed pseudonym when a secret is given (better in the
  GATEWATCH_SHARE_SECRET environment variable than --secret: command lines are visible to other users).`;

/** Incidents as NDJSON (one JSON object per line; blank lines and `null` skipped). */
async function readIncidents(path: string): Promise<Incident[]> {
  const out: Incident[] = [];
  let n = 0, bad = 0;
  await forEachLine(path, (line) => {
    n++;
    const t = line.trim();
    if (!t || t === 'null') return;
    try { out.push(JSON.parse(t) as Incident); } catch { if (!bad) bad = n; }
  });
  if (bad) throw new UsageError(`--incidents: line ${bad} is not JSON`);
  return out;
}

function list(v: string | true | undefined): string[] | undefined {
  return typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
}

export async function run(argv: string[]): Promise<number> {
  const { opts, files } = parseArgs(argv, {
    flags: {
      format: true, member: true, secret: true, 'home-net': true, feeds: true, 'format-in': true, types: true, 'min-severity': true,
      'no-ports': false, victims: true, 'no-geo': false, tz: true, year: true, incidents: true, help: false,
    },
  });
  if (opts.help) { console.log(usage); return 0; }
  const format = typeof opts.format === 'string' ? opts.format : '';
  if (!isFormat(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (typeof opts.member !== 'string') throw new UsageError('--member CODE is required (the code your hub gave you)');
  const incidentsFile = typeof opts.incidents === 'string' ? opts.incidents : undefined;
  if (incidentsFile && files.length) throw new UsageError('give either log FILEs or --incidents, not both');
  if (!incidentsFile && files.length === 0) throw new UsageError('share needs at least one log FILE (or - for standard input)');
  const minSev = typeof opts['min-severity'] === 'string' ? opts['min-severity'] : 'low';
  if (!SEVERITIES.includes(minSev as Severity)) throw new UsageError(`--min-severity must be one of ${SEVERITIES.join(', ')}`);
  const victims = opts.victims;
  if (victims !== undefined && victims !== 'pseudonymise' && victims !== 'drop') throw new UsageError('--victims must be pseudonymise or drop');
  const secret = typeof opts.secret === 'string' ? opts.secret : process.env.GATEWATCH_SHARE_SECRET || undefined;
  if (victims === 'pseudonymise' && !secret) throw new UsageError('--victims pseudonymise needs --secret (or GATEWATCH_SHARE_SECRET)');
  const homeNets = list(opts['home-net']);

  let anon: Anonymiser;
  try {
    anon = new Anonymiser({
      member: opts.member, secret, homeNets, types: list(opts.types), minSeverity: minSev as Severity,
      includePorts: opts['no-ports'] !== true, victims: victims as 'pseudonymise' | 'drop' | undefined, includeGeo: opts['no-geo'] !== true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const p = parserOptions({ ...opts, format: typeof opts['format-in'] === 'string' ? opts['format-in'] : 'auto' });
  const result = incidentsFile ? { incidents: await readIncidents(incidentsFile) } : await analyzeFiles(files, {
    parse: p,
    site: homeNets ? { homeNets } : undefined,
    feeds: list(opts.feeds),
  });
  const { summaries, skipped } = anon.all(result.incidents);
  const text = renderExport(summaries, format, { member: anon.member });
  // Refuse to print anything that still carries an internal address, a gateway name or the secret.
  const { victims: victimIps, forbidden } = sensitive(result.incidents, secret);
  const leaks = findLeaks(text, (ip) => anon.isInternal(ip), forbidden, victimIps);
  if (leaks.length) {
    process.stderr.write(`gatewatch share: refusing to print: the export would contain ${leaks.length} private value(s)\n`);
    return 1;
  }
  const out = new Out();
  out.write(text);
  await out.flush();
  process.stderr.write(
    `gatewatch share: ${result.incidents.length} incidents, ${summaries.length} shared`
    + ` (held back: ${skipped.type} by type, ${skipped.severity} by severity, ${skipped.internalAttacker} internal, ${skipped.invalid} invalid);`
    + ` victims ${anon.victimsMode === 'drop' ? 'dropped' : 'pseudonymised'}${secret ? '' : ' (no secret: ids are random for this run)'}`
    + `${homeNets ? '' : `; home nets: ${DEFAULT_HOME_NETS.length} defaults`}\n`,
  );
  return 0;
}
