/**
 * `npm run bench -- detect`: the detection engine and the whole offline pipeline.
 *  1. events/s through DetectEngine (median of runs, one core) on 1M generated events from ≥100k sources;
 *  2. peak RSS with 1M distinct sources (every table capped);
 *  3. lines/s of Analyzer (parse + enrich + detect) over a generated netfilter file;
 *  4. psad -A on a sample of the same file, when psad is installed, in the same run (private config).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeFiles } from '../src/analyze';
import { DetectEngine } from '../src/detect/engine';
import type { GwEvent } from '../src/event';
import { LAN, makeEvent, netfilterLine, Rng, syntheticSource, T0, WAN, type Pkt } from '../test/helpers/traffic';
import { fmtRate, median, rssMB } from './util';

const N_EVENTS = Number(process.env.GW_BENCH_EVENTS ?? 1_000_000);
const N_SOURCES = 150_000;

/** A day of busy gateway traffic: background noise from many sources, replies, browsing, scans and brute force. */
function* traffic(n: number, seed = 1): Generator<Pkt> {
  const rng = new Rng(seed);
  const web = Array.from({ length: 2000 }, (_, i) => syntheticSource(10_000_000 + i));
  for (let i = 0; i < n; i++) {
    const t = T0 + Math.floor(i * (86_400_000 / n));
    const r = rng.next();
    if (r < 0.55) {
      const s = Math.floor(rng.next() * rng.next() * N_SOURCES) + (i < N_SOURCES ? 0 : 0);
      const src = syntheticSource(i < N_SOURCES ? i : s);
      yield { t, src, dst: WAN, dport: [22, 23, 80, 443, 445, 3389, 8080, 5060][(s + (rng.next() < 0.8 ? 0 : 1)) & 7]!, sport: 40000 + (i & 8191) };
    } else if (r < 0.7) {
      yield { t, src: web[rng.int(web.length)]!, dst: WAN, sport: 443, dport: 32768 + rng.int(28000), flags: ['ACK', 'FIN'] };
    } else if (r < 0.9) {
      yield { t, src: LAN[rng.int(LAN.length)]!, dst: web[rng.int(web.length)]!, sport: 30000 + rng.int(30000), dport: 443, action: 'allow' };
    } else if (r < 0.95) {
      yield { t, src: syntheticSource(20_000_000 + rng.int(50)), dst: WAN, sport: 55555, dport: 1 + rng.int(65000) };
    } else {
      yield { t, src: syntheticSource(30_000_000 + rng.int(100)), dst: WAN, sport: 30000 + rng.int(30000), dport: 22, action: rng.next() < 0.5 ? 'allow' : 'deny' };
    }
  }
}

/**
 * The events as columns (times, addresses, ports, kind), fed through a small pool of reused event
 * objects: like a live stream, where each event is short-lived. Holding a million full event objects
 * instead would measure the garbage collector marking them, not the engine.
 */
export interface Columns { n: number; ts: string[]; src: string[]; dst: string[]; sport: Int32Array; dport: Int32Array; tpl: Uint8Array; templates: GwEvent[] }

export function buildColumns(n: number): Columns {
  const c: Columns = { n, ts: new Array(n), src: new Array(n), dst: new Array(n), sport: new Int32Array(n), dport: new Int32Array(n), tpl: new Uint8Array(n), templates: [] };
  const keys = new Map<string, number>();
  let i = 0;
  for (const p of traffic(n)) {
    const full = makeEvent(p);
    const key = `${p.action}|${p.proto}|${(p.flags ?? ['SYN']).join()}|${full.network.direction}`;
    let k = keys.get(key);
    if (k === undefined) { k = c.templates.length; keys.set(key, k); c.templates.push(full); }
    c.ts[i] = full['@timestamp'];
    c.src[i] = p.src;
    c.dst[i] = p.dst;
    c.sport[i] = full.source.port ?? -1;
    c.dport[i] = full.destination.port ?? -1;
    c.tpl[i] = k;
    i++;
  }
  return c;
}

/**
 * CPU seconds used by this process's main thread so far (Linux; NaN elsewhere). Other processes on a
 * shared machine take turns on the cores: the main thread's own CPU time is less disturbed by them
 * than the wall clock (it still includes the garbage collector's work on that thread).
 */
function threadCpuS(): number {
  try {
    const f = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const r = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(r[11]) + Number(r[12])) / 100;
  } catch {
    return NaN;
  }
}

const POOL = 1024;
/** Run every event of `c` through `fn`, materialised in a pool of reused event objects. */
export function feed(c: Columns, fn: (ev: GwEvent) => unknown): void {
  const pool: GwEvent[][] = c.templates.map((t) => Array.from({ length: POOL }, () => ({
    '@timestamp': '', event: t.event, observer: t.observer, network: t.network, gatewatch: t.gatewatch,
    source: { ip: '', port: 0, address_scope: t.source.address_scope }, destination: { ip: '', port: 0, address_scope: t.destination.address_scope },
  } as GwEvent)));
  for (let k = 0; k < c.n; k++) {
    const ev = pool[c.tpl[k]!]![k & (POOL - 1)]!;
    ev['@timestamp'] = c.ts[k]!;
    ev.source.ip = c.src[k]!;
    ev.destination.ip = c.dst[k]!;
    if (c.sport[k]! >= 0) ev.source.port = c.sport[k]!; else delete ev.source.port;
    if (c.dport[k]! >= 0) ev.destination.port = c.dport[k]!; else delete ev.destination.port;
    fn(ev);
  }
}

function benchEngine(): void {
  let t = process.hrtime.bigint();
  const cols = buildColumns(N_EVENTS);
  const distinct = new Set(cols.src).size;
  console.log(`engine: ${cols.n} events from ${distinct} distinct sources (built in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s)`);
  // The cost of feeding alone (pool writes, loop), to subtract nothing but to show.
  t = process.hrtime.bigint();
  let sink = 0;
  feed(cols, (ev) => { sink += ev.source.ip!.length; });
  const feedS = Number(process.hrtime.bigint() - t) / 1e9;
  const times: number[] = [], cpu: number[] = [];
  const times2: number[] = [], cpu2: number[] = [];
  // Peer, in the same runs: the floor for any per-source engine — one Map count per source, over the same events.
  const peer: number[] = [], peerCpu: number[] = [];
  let peerSources = 0;
  for (let run = 0; run < 5; run++) {
    for (const [live, arr, carr] of [[true, times, cpu], [false, times2, cpu2]] as const) {
      const e = new DetectEngine(live ? {} : { general: { updateEveryS: 1e9 } });
      let n = 0;
      const c0 = threadCpuS();
      t = process.hrtime.bigint();
      feed(cols, (ev) => { n += e.process(ev).length; });
      n += e.flush().length;
      arr.push(Number(process.hrtime.bigint() - t) / 1e9);
      carr.push(threadCpuS() - c0);
      if (run === 0 && live) console.log(`  incidents opened: ${e.stats.incidents}, sent: ${n}; tables: ${JSON.stringify(e.tableSizes().tables)}`);
    }
    const counts = new Map<string, number>();
    const c0 = threadCpuS();
    t = process.hrtime.bigint();
    feed(cols, (ev) => { const s = ev.source.ip!; counts.set(s, (counts.get(s) ?? 0) + 1); });
    peer.push(Number(process.hrtime.bigint() - t) / 1e9);
    peerCpu.push(threadCpuS() - c0);
    peerSources = counts.size;
  }
  const line = (label: string, wall: number[], cpuS: number[]): void => {
    const c = median(cpuS);
    const cpuText = Number.isFinite(c) && c > 0 ? `; main-thread CPU time: ${fmtRate(cols.n / c)}` : '';
    console.log(`  ${label}: ${fmtRate(cols.n / median(wall))} (median of ${wall.length}: ${wall.map((x) => x.toFixed(2)).join(' ')} s${cpuText})`);
  };
  console.log(`  feeding the pool alone: ${fmtRate(cols.n / feedS)} (${sink > 0 ? 'ok' : ''})`);
  line(`peer, a bare Map count per source (${peerSources} keys)`, peer, peerCpu);
  line('detect engine, live settings (updates every 300 s)', times, cpu);
  line('detect engine, offline settings (latest state only)', times2, cpu2);
  console.log(`  engine ÷ peer (live, offline): ${(median(peer) / median(times)).toFixed(2)}, ${(median(peer) / median(times2)).toFixed(2)}`);
}

/** Runs in a fresh process (see the end of this file) so earlier stages do not inflate the RSS. */
function benchMemory(): void {
  const r = spawnSync(process.execPath, [__filename, 'memory'], { encoding: 'utf8' });
  process.stdout.write(r.stdout || r.stderr);
}

function memoryChild(): void {
  const before = rssMB();
  let peak = before;
  const e = new DetectEngine();
  const ev = makeEvent({ t: T0, src: '203.0.113.1', dst: WAN, dport: 22 });
  const N = Number(process.env.GW_BENCH_MEM_SOURCES ?? 1_000_000);
  for (let i = 0; i < N; i++) {
    ev['@timestamp'] = new Date(T0 + i * 10).toISOString();
    ev.source.ip = syntheticSource(40_000_000 + i);
    ev.destination.port = 1 + (i % 5000);
    e.process(ev);
    if ((i & 65535) === 0) peak = Math.max(peak, rssMB());
  }
  peak = Math.max(peak, rssMB());
  const st = e.tableSizes();
  console.log(`memory: ${N} distinct sources → peak RSS ${peak} MB (was ${before} MB before); profiles kept ${st.tables.profiles} (cap ${e.cfg.general.maxSources}), evicted ${st.evicted.profiles}`);
}

async function benchPipeline(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-detect-'));
  try {
    const file = path.join(dir, 'firewall.log');
    const lines = Number(process.env.GW_BENCH_LINES ?? 1_000_000);
    const fd = fs.openSync(file, 'w');
    let buf: string[] = [];
    for (const p of traffic(lines, 2)) {
      buf.push(netfilterLine(p));
      if (buf.length >= 10000) { fs.writeSync(fd, buf.join('\n') + '\n'); buf = []; }
    }
    if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
    fs.closeSync(fd);
    const mb = fs.statSync(file).size / 1048576;
    console.log(`pipeline: ${lines} netfilter lines (${mb.toFixed(0)} MB)`);
    // The analysis in a fresh process, so its peak RSS is its own (not the generator's).
    const r = spawnSync(process.execPath, [__filename, 'analyze', file, String(lines)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(r.stdout);
    const ours = Number(/lines\/s=(\d+)/.exec(r.stdout)?.[1] ?? 0);
    await benchPsad(dir, file, HOME_NETS, ours);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const HOME_NETS = ['198.51.100.2/32', '192.168.0.0/16'];

async function analyzeChild(file: string, lines: number): Promise<void> {
  let peak = 0, first = 0;
  const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  const times: number[] = [];
  let found = 0;
  for (let run = 0; run < 3; run++) {
    const t = process.hrtime.bigint();
    const res = await analyzeFiles([file], { site: { homeNets: HOME_NETS }, geo: 'off', parse: { tz: 'UTC' } });
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
    found = res.incidents.length;
    if (run === 0) first = Math.max(peak, process.memoryUsage().rss);
  }
  clearInterval(iv);
  const m = median(times);
  console.log(`  gatewatch Analyzer (parse+enrich+detect): ${fmtRate(lines / m)} (median of 3: ${times.map((x) => x.toFixed(2)).join(' ')} s), ${found} incidents, peak RSS ${Math.round(first / 1048576)} MB in the first run, ${Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576)} MB over all three [lines/s=${Math.round(lines / m)}]`);
}

/** psad -A over the first lines of the same file, with a private config (paths in the temp folder, no mail, no look-ups). */
async function benchPsad(dir: string, file: string, homeNets: string[], ours: number): Promise<void> {
  const psad = ['/usr/sbin/psad', '/usr/local/sbin/psad'].find((p) => fs.existsSync(p));
  if (!psad || !fs.existsSync('/etc/psad/psad.conf')) { console.log('  psad: not installed, no peer figure'); return; }
  const sampleLines = Number(process.env.GW_BENCH_PSAD_LINES ?? 100_000);
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
    HOME_NET: homeNets.join(', '), HOSTNAME: 'gatewatch-bench', ENABLE_INTF_LOCAL_NETS: 'N', PSAD_DIR: path.join(conf, 'log'),
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
  // Same sample through ours, for a like-for-like ratio.
  const t1 = process.hrtime.bigint();
  await analyzeFiles([sample], { site: { homeNets }, geo: 'off', parse: { tz: 'UTC' } });
  const oursSample = sampleLines / (Number(process.hrtime.bigint() - t1) / 1e9);
  const t0 = process.hrtime.bigint();
  let out = '';
  try {
    out = execFileSync(psad, ['-c', path.join(conf, 'psad.conf'), '-A', '-m', sample, '--no-whois', '--no-rdns', '--no-netstat'], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    console.log(`  psad: failed to run offline (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const version = /psad v([\d.]+)/.exec(out)?.[1] ?? '?';
  const sources = (out.match(/^\s*SRC:/gm) ?? []).length;
  console.log(`  psad ${version} -A on the first ${sampleLines} lines: ${fmtRate(sampleLines / s)} (${s.toFixed(1)} s, ${sources} sources reported); gatewatch on the same sample: ${fmtRate(oursSample)}; ratio ${(oursSample / (sampleLines / s)).toFixed(0)}x (full-file gatewatch ${fmtRate(ours)})`);
}

export async function run(): Promise<void> {
  // GW_BENCH_STAGES=engine,memory runs only those stages (all three by default).
  const stages = (process.env.GW_BENCH_STAGES ?? 'engine,memory,pipeline').split(',');
  if (stages.includes('engine')) benchEngine();
  if (stages.includes('memory')) benchMemory();
  if (!stages.includes('pipeline')) return;
  // In a fresh process too, so its RSS is its own.
  const r = spawnSync(process.execPath, [__filename, 'pipeline'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
}

if (require.main === module && process.argv[2] === 'memory') memoryChild();
if (require.main === module && process.argv[2] === 'pipeline') benchPipeline().catch((e) => { console.error(e); process.exitCode = 1; });
if (require.main === module && process.argv[2] === 'analyze') analyzeChild(process.argv[3]!, Number(process.argv[4])).catch((e) => { console.error(e); process.exitCode = 1; });
