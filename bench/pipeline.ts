/**
 * `npm run bench -- pipeline`: the whole offline pipeline (`gatewatch analyze`: parse → enrich → detect)
 * over a generated netfilter file, as a user runs it (geo ON), with psad -A on a sample in the same run.
 *
 *  - input: GW_BENCH_LINES (default 1M) netfilter lines, ≥ 100k distinct sources (the detect bench's traffic);
 *  - each run is a fresh process (one `analyzeFiles` call, like one `gatewatch analyze`), so its peak RSS
 *    (the kernel's VmHWM) is its own; runs of the geo modes are interleaved, median of GW_BENCH_RUNS (5);
 *  - lines/s counts parse + enrich + detect; loading the geo data (once per process) is timed apart;
 *  - psad -A on the first GW_BENCH_PSAD_LINES (100k) lines, gatewatch on the same sample, and the ratio
 *    (full file: two threads when measured, as `gatewatch analyze --threads auto` runs a big file);
 *  - single thread vs two threads (`threads: 2`: a worker reads and parses, this thread enriches and detects),
 *    GW_BENCH_THREADS (default "1,2") interleaved with the geo modes, compared on the wall time including
 *    the geo data load (a threaded run loads it while its worker starts, inside the timed part), with each thread's
 *    CPU time per line (Linux schedstat) and the whole process's, since the machine may be loaded;
 *    GW_BENCH_THREAD_ENRICH=worker|main says where a threaded run enriches (default: analyzeFiles' own).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeFiles } from '../src/analyze';
import { threadCpuS } from '../src/analyze/thread-cpu';
import type { ThreadStats } from '../src/analyze/threaded';
import { geoipLiteModule } from '../src/enrich/geo';
import { netfilterLine } from '../test/helpers/traffic';
import { traffic } from './detect';
import { fmtRate, median } from './util';

const HOME_NETS = ['198.51.100.2/32', '192.168.0.0/16'];
type Mode = 'city' | 'country' | 'off';

type Threads = 1 | 2;

interface ChildResult {
  mode: Mode; threads: Threads; lines: number; s: number; cpuS: number; loadS: number;
  /** CPU seconds of the main thread and (threaded) of the worker, over the timed part. */
  mainCpuS?: number; workerCpuS?: number; hwmMB: number; heapMB: number; externalMB: number; incidents: number; events: number }

/** Peak resident set of this process (Linux VmHWM), in MB; falls back to the current RSS. */
function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(process.memoryUsage().rss / 1048576);
}

async function child(file: string, mode: Mode, threads: Threads): Promise<void> {
  let t = process.hrtime.bigint();
  // Threaded, analyzeFiles loads the geo data itself while its worker starts parsing (inside the timed part):
  // loading it here first would hide that overlap.
  if (mode !== 'off' && threads === 1) geoipLiteModule(mode);
  const loadS = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuS();
  let ts: ThreadStats | undefined;
  const res = await analyzeFiles([file], { site: { homeNets: HOME_NETS }, geo: mode, parse: { tz: 'UTC' }, threads, onThreadStats: (x) => { ts = x; },
    threadEnrich: process.env.GW_BENCH_THREAD_ENRICH === 'worker' ? 'worker' : process.env.GW_BENCH_THREAD_ENRICH === 'main' ? 'main' : undefined,
  });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const main1 = threadCpuS();
  const mu = process.memoryUsage();
  const out: ChildResult = {
    mode, threads, lines: res.parse.lines, mainCpuS: main0 !== undefined && main1 !== undefined ? main1 - main0 : undefined, workerCpuS: ts?.workerCpuS, s, cpuS: (cpu.user + cpu.system) / 1e6, loadS, hwmMB: peakRssMB(), heapMB: Math.round(mu.heapUsed / 1048576),
    externalMB: Math.round(mu.external / 1048576), incidents: res.incidents.length, events: res.parse.events,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runChild(file: string, mode: Mode, threads: Threads = 1): ChildResult {
  const r = spawnSync(process.execPath, [__filename, 'child', file, mode, String(threads)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildResult;
}

function writeInput(file: string, lines: number): number {
  const fd = fs.openSync(file, 'w');
  const sources = new Set<string>();
  let buf: string[] = [];
  for (const p of traffic(lines, 2)) {
    sources.add(p.src);
    buf.push(netfilterLine(p));
    if (buf.length >= 10000) { fs.writeSync(fd, buf.join('\n') + '\n'); buf = []; }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
  return sources.size;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-pipeline-'));
  try {
    const file = path.join(dir, 'firewall.log');
    const lines = Number(process.env.GW_BENCH_LINES ?? 1_000_000);
    const runs = Number(process.env.GW_BENCH_RUNS ?? 5);
    const modes = (process.env.GW_BENCH_GEO ?? 'city,country').split(',') as Mode[];
    const distinct = writeInput(file, lines);
    console.log(`pipeline: ${lines} netfilter lines (${(fs.statSync(file).size / 1048576).toFixed(0)} MB), ${distinct} distinct sources; `
      + `one fresh process per run, geo modes interleaved, median of ${runs}`);
    const threadsList = (process.env.GW_BENCH_THREADS ?? '1,2').split(',').map(Number) as Threads[];
    const res = new Map<string, ChildResult[]>();
    for (let r = 0; r < runs; r++) {
      for (const m of modes) {
        for (const th of threadsList) {
          const k = `${m}/${th}`;
          if (!res.has(k)) res.set(k, []);
          res.get(k)!.push(runChild(file, m, th));
        }
      }
    }
    const rate = new Map<Mode, number>();
    for (const m of modes) {
      if (!threadsList.includes(1)) break;
      const rs = res.get(`${m}/1`)!;
      const s = median(rs.map((x) => x.s));
      rate.set(m, lines / s);
      const hwm = rs.map((x) => x.hwmMB);
      console.log(`  geo ${m.padEnd(7)}: ${fmtRate(lines / s)} parse+enrich+detect (median; runs ${rs.map((x) => x.s.toFixed(2)).join(' ')} s), `
        + `geo data load ${median(rs.map((x) => x.loadS)).toFixed(2)} s, peak RSS ${Math.max(...hwm)} MB (runs ${hwm.join(' ')}); `
        + `at the end heap ${rs[0]!.heapMB} MB, external ${rs[0]!.externalMB} MB; ${rs[0]!.events} events, ${rs[0]!.incidents} incidents`);
    }
    const threaded = threadsList.length > 1 ? reportThreads(res, modes, threadsList, lines) : undefined;
    // The ratio to psad is taken for what `gatewatch analyze` runs on this input: two threads (its default
    // 'auto' on a big file with an idle core) when measured, wall time including the geo load.
    const m0 = modes[0]!;
    const ours = threaded?.get(m0) ?? rate.get(m0);
    if (threadsList.includes(1) && ours !== undefined) benchPsad(dir, file, ours, m0, threaded?.has(m0) ? 'two threads, with the geo load' : 'one thread');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Single vs threaded: wall time with the geo load (medians of the interleaved runs), CPU per line of each thread. */
function reportThreads(res: Map<string, ChildResult[]>, modes: Mode[], threadsList: Threads[], lines: number): Map<Mode, number> {
  const twoThreadRate = new Map<Mode, number>();
  const us = (s: number | undefined): string => (s === undefined ? '?' : (s * 1e6 / lines).toFixed(2));
  for (const m of modes) {
    const wall = new Map<Threads, number>();
    for (const th of threadsList) {
      const rs = res.get(`${m}/${th}`)!;
      const w = median(rs.map((x) => x.s + x.loadS));
      wall.set(th, w);
      const hwm = rs.map((x) => x.hwmMB);
      const main = median(rs.map((x) => x.mainCpuS ?? NaN));
      const worker = th === 2 ? median(rs.map((x) => x.workerCpuS ?? NaN)) : undefined;
      console.log(`  geo ${m.padEnd(7)} threads ${th}: ${fmtRate(lines / w)} with the geo load (median; runs ${rs.map((x) => (x.s + x.loadS).toFixed(2)).join(' ')} s), `
        + `CPU µs/line: main ${us(main)}${worker !== undefined ? `, worker ${us(worker)}` : ''}, process ${us(median(rs.map((x) => x.cpuS)))}; `
        + `peak RSS ${Math.max(...hwm)} MB; ${rs[0]!.events} events, ${rs[0]!.incidents} incidents`);
    }
    const w1 = wall.get(1), w2 = wall.get(2);
    if (w1 !== undefined && w2 !== undefined) {
      const pairs = res.get(`${m}/1`)!.map((x, i) => (x.s + x.loadS) / (res.get(`${m}/2`)![i]!.s + res.get(`${m}/2`)![i]!.loadS));
      console.log(`  geo ${m.padEnd(7)} threaded/single: ${(w1 / w2).toFixed(2)}x faster on the medians; per interleaved pair ${pairs.map((x) => x.toFixed(2)).join(' ')} (median ${median(pairs).toFixed(2)}x)`);
    }
    if (w2 !== undefined) twoThreadRate.set(m, lines / w2);
  }
  return twoThreadRate;
}

/** psad -A over the first lines of the same file, with a private config (paths in the temp folder, no mail, no look-ups). */
function benchPsad(dir: string, file: string, ours: number, mode: Mode, oursAs: string): void {
  const psad = ['/usr/sbin/psad', '/usr/local/sbin/psad'].find((p) => fs.existsSync(p));
  const sampleLines = Number(process.env.GW_BENCH_PSAD_LINES ?? 100_000);
  if (sampleLines <= 0) return;
  if (!psad || !fs.existsSync('/etc/psad/psad.conf')) { console.log('  psad: not installed, no peer figure'); return; }
  const sample = path.join(dir, 'sample.log');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(fs.statSync(file).size, sampleLines * 1024));
  fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  let end = -1;
  for (let k = 0; k < sampleLines; k++) { const nx = buf.indexOf(10, end + 1); if (nx < 0) break; end = nx; }
  fs.writeFileSync(sample, buf.subarray(0, end + 1));
  const conf = path.join(dir, 'psad');
  for (const d of ['', 'log', 'run', 'fifo']) fs.mkdirSync(path.join(conf, d), { recursive: true });
  for (const f of fs.readdirSync('/etc/psad')) {
    const src = path.join('/etc/psad', f);
    if (fs.statSync(src).isFile()) fs.copyFileSync(src, path.join(conf, f));
  }
  const set: Record<string, string> = {
    HOME_NET: HOME_NETS.join(', '), HOSTNAME: 'gatewatch-bench', ENABLE_INTF_LOCAL_NETS: 'N', PSAD_DIR: path.join(conf, 'log'),
    PSAD_RUN_DIR: path.join(conf, 'run'), PSAD_FIFO_DIR: path.join(conf, 'fifo'), PSAD_CONF_DIR: conf, ALERTING_METHODS: 'noemail',
    ENABLE_WHOIS_LOOKUPS: 'N', ENABLE_DNS_LOOKUPS: 'N', ENABLE_SYSLOG_FILE: 'N', IMPORT_OLD_SCANS: 'N',
  };
  const text = fs.readFileSync('/etc/psad/psad.conf', 'utf8').split('\n').map((l) => {
    const sp = l.search(/\s/);
    const key = sp > 0 ? l.slice(0, sp) : '';
    return key in set ? `${key}    ${set[key]};` : l;
  });
  for (const [k, v] of Object.entries(set)) if (!text.some((l) => l.startsWith(k + ' '))) text.push(`${k}    ${v};`);
  fs.writeFileSync(path.join(conf, 'psad.conf'), text.join('\n'));
  // The same sample through ours (fresh process, same geo mode), for a like-for-like figure.
  const oursSample = runChild(sample, mode);
  const t0 = process.hrtime.bigint();
  let out = '';
  try {
    out = execFileSync(psad, ['-c', path.join(conf, 'psad.conf'), '-A', '-m', sample, '--no-whois', '--no-rdns', '--no-netstat'], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    console.log(`  psad: failed to run offline (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const psadRate = sampleLines / s;
  const version = /psad v([\d.]+)/.exec(out)?.[1] ?? '?';
  const sources = (out.match(/^\s*SRC:/gm) ?? []).length;
  const sampleRate = oursSample.lines / oursSample.s;
  const sampleWall = oursSample.lines / (oursSample.s + oursSample.loadS);
  console.log(`  psad ${version} -A on the first ${sampleLines} lines: ${fmtRate(psadRate)} (${s.toFixed(1)} s, ${sources} sources reported)`);
  console.log(`  gatewatch (geo ${mode}) on the same sample: ${fmtRate(sampleRate)} (${fmtRate(sampleWall)} counting the geo data load)`);
  console.log(`  ratio gatewatch/psad: ${(ours / psadRate).toFixed(0)}x on the full-file median (${oursAs}), ${(sampleRate / psadRate).toFixed(0)}x on the sample (one thread) `
    + `(${(sampleWall / psadRate).toFixed(0)}x counting the geo load) [lines/s=${Math.round(ours)} psad=${Math.round(psadRate)}]`);
}

if (require.main === module && process.argv[2] === 'child') child(process.argv[3]!, process.argv[4] as Mode, Number(process.argv[5] ?? 1) as Threads).catch((e) => { console.error(e); process.exitCode = 1; });
