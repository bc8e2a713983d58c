/**
 * Parse throughput, single core, median of several runs, side by side in the same run with:
 *  - nsyslog-parser parsing only the syslog header (the peer the issue names),
 *  - a bare regular expression pulling five netfilter fields (the floor to approach).
 * Also: auto-detection vs a forced --format, the mixed-vendor file, and the CLI end to end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineParser } from '../src/parsers/registry';
import { parseHeader } from '../src/syslog/header';
import { mixedVendorLines, netfilterLines } from './gen';
import { fmtRate, median, rssMB } from './util';

const ROOT = join(__dirname, '..', '..');
const N = Number(process.env.BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS || 5);

export async function run(): Promise<void> {
  const rss0 = rssMB();
  const lines = netfilterLines(N, { sources: 100000 });
  const mixed = mixedVendorLines(ROOT, N);
  console.log(`generated ${N} netfilter lines and ${N} mixed-vendor lines; RSS ${rssMB()} MB (was ${rss0} MB)`);
  // Variants run round-robin (one run of each, then the next round) so that a noisy neighbour slows
  // them alike; each variant's median over the rounds is reported.
  const variants: { name: string; input: string[]; fn: (l: string) => unknown; times: number[] }[] = [];
  const bench = (name: string, input: string[], fn: (l: string) => unknown) => { variants.push({ name, input, fn, times: [] }); };
  const now = Date.UTC(2026, 10, 23);
  const auto = new LineParser({ format: 'auto', tz: 'UTC' });
  const forced = new LineParser({ format: 'netfilter', tz: 'UTC' });
  const mixedParser = new LineParser({ format: 'auto', tz: 'UTC' });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nsyslog = require('nsyslog-parser') as (l: string) => unknown;
  const re = /SRC=(\S+) DST=(\S+) .*?PROTO=(\S+)(?: SPT=(\d+) DPT=(\d+))?/;
  bench('bare regex, 5 netfilter fields (floor)', lines, (l) => { const m = re.exec(l); return m && { s: m[1], d: m[2], p: m[3], sp: m[4], dp: m[5] }; });
  bench('nsyslog-parser, header only (peer)', lines, nsyslog);
  const hopts = { tz: 'UTC', refMs: now };
  bench('gatewatch parseHeader, header only', lines, (l) => parseHeader(l, hopts));
  bench('gatewatch, --format netfilter (full event)', lines, (l) => forced.parse(l, now));
  bench('gatewatch, --format auto (full event)', lines, (l) => auto.parse(l, now));
  bench('nsyslog-parser, header only, mixed vendors (peer)', mixed, nsyslog);
  bench('gatewatch, auto, mixed vendors (full event)', mixed, (l) => mixedParser.parse(l, now));
  for (let round = -1; round < RUNS; round++) {
    for (const v of variants) {
      const t = process.hrtime.bigint();
      const { input, fn } = v;
      for (let i = 0; i < input.length; i++) fn(input[i]!);
      if (round >= 0) v.times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
  }
  const rows: [string, number][] = variants.map((v) => [v.name, v.input.length / median(v.times)]);
  const peer = rows.find((r) => r[0].startsWith('nsyslog'))![1];
  const mixedPeer = rows.find((r) => r[0].startsWith('nsyslog') && r[0].includes('mixed'))![1];
  const forcedRate = rows.find((r) => r[0].includes('--format netfilter'))![1];
  console.log(`\n${'what'.padEnd(52)} ${'lines/s'.padStart(10)}  vs nsyslog`);
  for (const [name, rate] of rows) {
    const base = name.includes('mixed') ? mixedPeer : peer;
    console.log(`${name.padEnd(52)} ${fmtRate(rate).padStart(10)}  ${(rate / base).toFixed(2)}x`);
  }
  console.log('(ratios are against nsyslog-parser on the same input: netfilter rows vs the netfilter peer, mixed rows vs the mixed peer)');
  const autoRate = rows.find((r) => r[0].includes('--format auto'))![1];
  console.log(`auto-detection cost over forced: ${((forcedRate / autoRate - 1) * 100).toFixed(1)} %`);
  console.log(`mixed-vendor recognition: ${(100 * mixedParser.stats.events / mixedParser.stats.lines).toFixed(1)} % of fixture lines`);
  console.log(`peak RSS in this process: ${rssMB()} MB`);

  // The CLI end to end (read file, parse, JSON out) on the netfilter file.
  const dir = join(ROOT, 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'netfilter-1m.log');
  writeFileSync(file, lines.join('\n') + '\n');
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    execFileSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'parse', '--tz', 'UTC', file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  console.log(`CLI \`gatewatch parse\` on ${N} lines to /dev/null: ${fmtRate(N / median(times))} (median of 3, incl. startup and JSON output)`);
}
