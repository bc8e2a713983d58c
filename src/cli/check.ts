import { OfflineSenders } from '../analyze/senders';
import { LineParser } from '../parsers/registry';
import type { SenderVerdict } from '../syslog/sender-watch';
import { parseArgs, UsageError } from './args';
import { forEachLine } from './lines';
import { parserOptions } from './parse';

export const usage = `gatewatch check [--format auto|<id>] [--tz ZONE] [--year YYYY] [--json] FILE…|-
  Which boxes in these logs does gatewatch understand? Per sender (the host name in each line, else the
  file's name): its make, how many lines were connections and how many something else, and, for a box
  that sends nothing gatewatch can watch, what to turn on and a few of its lines. --json prints the same
  as one JSON document. Exit status 0 when every sender is understood, 3 when one is not.`;

const STATE: Record<SenderVerdict, string> = {
  understood: 'understood', 'no-connections': 'logs no connections', 'not-understood': 'not understood',
  stopped: 'no longer understood', waiting: 'too few lines',
};

export async function run(argv: string[]): Promise<number> {
  const { opts, files } = parseArgs(argv, { flags: { format: true, tz: true, year: true, json: false, help: false } });
  if (opts.help) { console.log(usage); return 0; }
  if (files.length === 0) throw new UsageError('check takes one or more FILEs (or - for standard input)');
  const parser = new LineParser({ ...parserOptions(opts), keepOriginal: false });
  // (the same judgement analyze makes for its report: host name in the line, else the file's name)
  const watch = new OfflineSenders();
  for (const file of files) {
    watch.reading(file);
    await forEachLine(file, (line) => watch.note(parser, line, parser.parse(line)));
  }
  const senders = watch.watch.list(true);
  const bad = senders.filter((s) => s.verdict !== 'understood');
  if (opts.json) {
    process.stdout.write(JSON.stringify({ lines: parser.stats.lines, events: parser.stats.events, senders }, null, 2) + '\n');
  } else {
    const out: string[] = [];
    const w = Math.min(40, Math.max(6, ...senders.map((s) => s.sender.length)));
    for (const s of senders) {
      out.push(`${s.sender.padEnd(w)}  ${STATE[s.verdict].padEnd(20)} ${s.make ?? '(unknown make)'}: ${count(s.events, 'event')}, ${count(s.other, 'other line')}`);
      if (s.verdict !== 'understood') {
        if (s.advice) out.push(`  ${s.advice}`);
        for (const l of s.samples) out.push(`    | ${l}`);
      }
    }
    if (senders.length === 0) out.push('no lines');
    out.push('', `${count(parser.stats.lines, 'line')} from ${count(senders.length, 'sender')}, `
      + `${count(parser.stats.events, 'connection event')}; ${bad.length ? `${bad.length} sender${bad.length === 1 ? '' : 's'} not understood` : 'every sender understood'}.`);
    process.stdout.write(out.join('\n') + '\n');
  }
  return bad.length > 0 ? 3 : 0;
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-GB')} ${what}${n === 1 ? '' : 's'}`;
}
