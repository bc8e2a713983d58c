/**
 * `npm run bench -- detect`: the detection engine.
 *  1. events/s through DetectEngine (median of runs, one core) on 1M generated events from ≥100k sources;
 *  2. peak RSS with 1M distinct sources (every table capped);
 * The whole offline pipeline and psad -A in the same run: bench/pipeline.ts (`npm run bench -- pipeline`).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { DetectEngine } from '../src/detect/engine';
import type { GwEvent } from '../src/event';
import { LAN, makeEvent, Rng, syntheticSource, T0, WAN, type Pkt } from '../test/helpers/traffic';
import { collectGarbage, fmtRate, median, rssMB } from './util';

const N_EVENTS = Number(process.env.GW_BENCH_EVENTS ?? 1_000_000);
const N_SOURCES = 150_000;
/** Timed runs per engine setting (median reported). */
const RUNS = Math.max(1, Number(process.env.GW_BENCH_RUNS ?? process.env.BENCH_RUNS ?? 5) || 5);

/** A day of busy gateway traffic: background noise from many sources, replies, browsing, scans and brute force. */
export function* traffic(n: number, seed = 1): Generator<Pkt> {
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
  // What the engine sent, in one untimed run per setting before the timed ones: a change in it is a change in
  // behaviour. It is also the warm-up, so the first timed run does not pay for compiling the engine.
  for (const live of [true, false]) {
    const e = new DetectEngine(live ? {} : { general: { updateEveryS: 1e9 } });
    const h = createHash('sha256');
    let n = 0;
    const put = (xs: unknown[]): void => { for (const x of xs) { h.update(JSON.stringify(x)); h.update('\n'); n++; } };
    feed(cols, (ev) => { put(e.process(ev)); });
    put(e.flush());
    console.log(`  ${live ? 'live' : 'offline'}: ${e.stats.incidents} incidents opened, ${n} sent, checksum ${h.digest('hex').slice(0, 16)}`);
  }
  const times: number[] = [], cpu: number[] = [];
  const times2: number[] = [], cpu2: number[] = [];
  // Peer, in the same runs: the floor for any per-source engine — one Map count per source, over the same events.
  const peer: number[] = [], peerCpu: number[] = [];
  let peerSources = 0;
  for (let run = 0; run < RUNS; run++) {
    for (const [live, arr, carr] of [[true, times, cpu], [false, times2, cpu2]] as const) {
      // The engine is built first, then a full GC (twice: array buffers are freed by the second): the previous
      // run's engine is garbage, and building a new one (~50 MB of buffers) can start a full GC whose pause
      // would otherwise land inside the timed run; neither is a per-event cost.
      const e = new DetectEngine(live ? {} : { general: { updateEveryS: 1e9 } });
      collectGarbage();
      collectGarbage();
      let n = 0;
      const c0 = threadCpuS();
      t = process.hrtime.bigint();
      feed(cols, (ev) => { n += e.process(ev).length; });
      n += e.flush().length;
      arr.push(Number(process.hrtime.bigint() - t) / 1e9);
      carr.push(threadCpuS() - c0);
      if (run === 0 && live) console.log(`  incidents opened: ${e.stats.incidents}; tables: ${JSON.stringify(e.tableSizes().tables)}`);
    }
    collectGarbage();
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

export async function run(): Promise<void> {
  // GW_BENCH_STAGES=engine or =memory runs only that stage (both by default).
  const stages = (process.env.GW_BENCH_STAGES ?? 'engine,memory').split(',');
  if (stages.includes('engine')) benchEngine();
  if (stages.includes('memory')) benchMemory();
  console.log('pipeline (parse + enrich + detect, geo on) and psad: `npm run bench -- pipeline` (bench/pipeline.ts)');
}

if (require.main === module && process.argv[2] === 'memory') memoryChild();
