/**
 * Throughput of the vendor parsers of group A (pfSense/OPNsense, Cisco ASA/FTD/IOS/Meraki, FortiGate,
 * PAN-OS, Check Point) on a mix of their own fixture lines, through the whole LineParser (header +
 * auto-detection + vendor parse), beside nsyslog-parser reading only the syslog header of the same
 * lines (the peer). Medians of several runs.
 */
import { join } from 'node:path';
import { readLines } from '../test/helpers/fixtures';
import { LineParser } from '../src/parsers/registry';
import { fmtRate, median } from './util';

/** Median CPU seconds (user + system) of `runs` runs after a warm-up: steadier than wall time when
 *  other processes share the machine. */
function cpuMedian(runs: number, fn: () => void): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = process.cpuUsage();
    fn();
    const d = process.cpuUsage(s);
    t.push((d.user + d.system) / 1e6);
  }
  return median(t);
}
const timeMedian = cpuMedian;

const ROOT = join(__dirname, '..', '..');
const FILES = [
  'pfsense/filterlog.log', 'cisco/asa-ftd.log', 'cisco/ios-acl.log', 'cisco/meraki.log', 'fortinet/fortigate.log',
  'paloalto/panos.log', 'checkpoint/checkpoint.log',
];

export async function run(): Promise<void> {
  const base: string[] = [];
  for (const f of FILES) base.push(...readLines(join(ROOT, 'test', 'fixtures', f)));
  // The same mix, repeated, in a shuffled but fixed order (a stream rarely alternates vendors
  // every line; this is the worse case for the registry's "same parser as last time" shortcut).
  const lines: string[] = [];
  let seed = 7;
  for (let i = 0; i < 200000; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; lines.push(base[seed % base.length]!); }
  // And per-vendor runs, the usual case of one box per stream.
  const perVendor: Record<string, string[]> = {};
  for (const f of FILES) {
    const ls = readLines(join(ROOT, 'test', 'fixtures', f));
    const out: string[] = [];
    for (let i = 0; i < 100000; i++) out.push(ls[i % ls.length]!);
    perVendor[f] = out;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nsyslogParse = require('nsyslog-parser') as (l: string, opts?: object) => unknown;
  // (header only: its defaults also parse CEF/LEEF bodies and split "fields")
  const HEADER_ONLY = { cef: false, leef: false, fields: false };
  const nsyslog = (l: string) => nsyslogParse(l, HEADER_ONLY);
  const ref = Date.UTC(2026, 10, 23, 12);
  let sink = 0;
  const ours = timeMedian(5, () => {
    const p = new LineParser({ tz: 'UTC', refMs: ref });
    for (const l of lines) if (p.parse(l, ref)) sink++;
  });
  const peer = timeMedian(5, () => { for (const l of lines) if (nsyslog(l)) sink++; });
  console.log(`mixed (${base.length} distinct lines, ${lines.length} parsed per run)`);
  console.log(`  gatewatch parse (header + detect + vendor):  ${fmtRate(lines.length / ours)}`);
  console.log(`  nsyslog-parser (header only, peer):          ${fmtRate(lines.length / peer)}`);
  console.log(`  ratio: ${(peer / ours).toFixed(2)}x`);
  for (const [f, ls] of Object.entries(perVendor)) {
    const t = timeMedian(5, () => {
      const p = new LineParser({ tz: 'UTC', refMs: ref });
      for (const l of ls) if (p.parse(l, ref)) sink++;
    });
    console.log(`  ${f.padEnd(28)} ${fmtRate(ls.length / t)}`);
  }
  if (sink < 0) console.log(sink);
}
