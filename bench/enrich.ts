/**
 * `npm run bench -- enrich`: geo lookups (geoip-lite direct = the peer, vs gatewatch's cached lookup),
 * the RSS geoip-lite adds in a cold process (city and country modes), and reputation matching against
 * 300k+ CIDRs (IPv4 + IPv6), with Node's own net.BlockList as the peer. Medians of several runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { formatIPv4, formatIPv6 } from '../src/net/ip';
import { GeoLookup, geoipLiteModule } from '../src/enrich/geo';
import { CompiledBlocks, compileBlocks, IpSetBuilder } from '../src/enrich/ipset';
import { ReputationIndex } from '../src/enrich/reputation';
import { fmtRate, median, rssMB } from './util';
import { Enricher } from '../src/enrich/pipeline';
import { newEvent, GwEvent } from '../src/event';

const RUNS = 5;

/**
 * Median seconds of CPU time (user+system) for each of several functions, runs interleaved (A B A B …)
 * after a warm-up, so a busy shared machine (other processes, time slicing) skews the peers alike.
 */
function cpuMedians(runs: number, fns: (() => void)[]): number[] {
  for (const f of fns) f();
  const t: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    fns.forEach((f, k) => {
      const c = process.cpuUsage();
      f();
      const d = process.cpuUsage(c);
      t[k]!.push((d.user + d.system) / 1e6);
    });
  }
  return t.map(median);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

/** A random public-looking IPv4 number (first octet 1..223, not 10/127). */
function publicV4(r: () => number): number {
  let a: number;
  do { a = 1 + Math.floor(r() * 223); } while (a === 10 || a === 127 || a === 100 || a === 172 || a === 192);
  return (a * 16777216 + Math.floor(r() * 16777216)) >>> 0;
}

/** Cold-process RSS before and after loading geoip-lite through gatewatch (MB). */
function geoipRss(mode: 'city' | 'country'): { before: number; after: number; loadMs: number } {
  const geo = join(__dirname, '..', 'src', 'enrich', 'geo.js');
  const script = `
    const { geoipLiteModule } = require(${JSON.stringify(geo)});
    global.gc && global.gc();
    const before = process.memoryUsage().rss;
    const t = process.hrtime.bigint();
    geoipLiteModule(${JSON.stringify(mode)}).lookup('8.8.8.8');
    const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
    global.gc && global.gc();
    const after = process.memoryUsage().rss;
    console.log(JSON.stringify({ before: before / 1048576, after: after / 1048576, loadMs }));`;
  const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })) as { before: number; after: number; loadMs: number });
  return { before: median(runs.map((x) => x.before)), after: median(runs.map((x) => x.after)), loadMs: median(runs.map((x) => x.loadMs)) };
}

async function benchGeo(): Promise<void> {
  for (const mode of ['city', 'country'] as const) {
    const r = geoipRss(mode);
    console.log(`geoip-lite ${mode.padEnd(7)} cold process: RSS ${r.before.toFixed(0)} MB → ${r.after.toFixed(0)} MB (+${(r.after - r.before).toFixed(0)} MB), load ${r.loadMs.toFixed(0)} ms`);
  }
  const r = rng(7);
  // A realistic log: 200k events from 5k distinct public sources (attackers repeat).
  const distinct = Array.from({ length: 5000 }, () => formatIPv4(publicV4(r)));
  const events = Array.from({ length: 200000 }, () => distinct[Math.floor(r() ** 2 * distinct.length)]!);
  const lite = geoipLiteModule('city') as unknown as { lookup(ip: string): unknown };
  const g = await GeoLookup.create({ mode: 'city', cacheSize: 50000 });
  const [tLite, tCold, tCached] = cpuMedians(RUNS, [
    () => { for (const ip of events) lite.lookup(ip); },
    () => { for (const ip of distinct) g.lookupUncached(ip); },
    () => { for (const ip of events) g.lookup(ip); },
  ]);
  console.log(`geo lookups, geoip-lite direct, every event (peer): ${fmtRate(events.length / tLite!)} (CPU time)`);
  console.log(`geo lookups, gatewatch uncached (+country names):   ${fmtRate(distinct.length / tCold!)} (CPU time)`);
  console.log(`geo lookups, gatewatch cached (5k distinct of 200k): ${fmtRate(events.length / tCached!)} (CPU time; hit rate ${(100 * g.cache.hits / (g.cache.hits + g.cache.misses)).toFixed(1)}%)`);
}

function benchReputation(): ReputationIndex {
  const r = rng(99);
  const rssBefore = rssMB();
  const v4: string[] = [];
  const v6: string[] = [];
  for (let i = 0; i < 260000; i++) {
    const n = publicV4(r);
    const len = r() < 0.8 ? 32 : 16 + Math.floor(r() * 15);
    v4.push(len === 32 ? formatIPv4(n) : `${formatIPv4(n)}/${len}`);
  }
  for (let i = 0; i < 60000; i++) {
    const g = [0x2000 + Math.floor(r() * 0x1000), Math.floor(r() * 65536), Math.floor(r() * 65536), Math.floor(r() * 65536), 0, 0, 0, 1];
    const len = [32, 48, 56, 64, 128][Math.floor(r() * 5)]!;
    v6.push(`${formatIPv6(g)}/${len}`);
  }
  const all = [...v4, ...v6];
  // Spread over 4 lists, as with FireHOL + Spamhaus + Tor + Feodo.
  const feeds: { name: string; blocks: CompiledBlocks }[] = [0, 1, 2, 3].map((k) => ({ name: `list${k}`, blocks: compileBlocks(all.filter((_, i) => i % 4 === k)) }));
  // Memory of the real path in a cold process: a 320k-line list file → FeedSet (parse, compile, index).
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-feeds-'));
  try {
    writeFileSync(join(dir, 'big.netset'), `# bench list\n${all.join('\n')}\n`);
    const rep = join(__dirname, '..', 'src', 'enrich', 'reputation.js');
    const script = `
      const { FeedSet } = require(${JSON.stringify(rep)});
      global.gc(); const before = process.memoryUsage().rss;
      const t = Date.now();
      const fs = new FeedSet([{ id: 'big', name: 'big', file: ${JSON.stringify(join(dir, 'big.netset'))}, format: 'plain', enabled: true }]);
      const ms = Date.now() - t;
      global.gc(); global.gc();
      const after = process.memoryUsage().rss;
      console.log(JSON.stringify({ before: before / 1048576, after: after / 1048576, ms, n: fs.index.stats.blocks }));`;
    const m = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })) as { before: number; after: number; ms: number; n: number };
    console.log(`reputation, cold process: ${m.n} CIDRs loaded from a file into a FeedSet in ${m.ms} ms; RSS ${m.before.toFixed(0)} → ${m.after.toFixed(0)} MB (+${(m.after - m.before).toFixed(0)} MB after GC)`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const tBuild = Date.now();
  const idx = ReputationIndex.build(feeds);
  const buildMs = Date.now() - tBuild;
  const rssAfter = rssMB();
  const indexMB = (idx.stats.v4Segments * 12 + 65536 * 4 + idx.stats.v6Segments * 20) / 1048576;
  console.log(`reputation index: ${all.length} CIDRs (${v4.length} v4, ${v6.length} v6) in 4 lists → ${idx.stats.v4Segments} v4 + ${idx.stats.v6Segments} v6 segments; build ${buildMs} ms`);
  console.log(`  memory: index typed arrays ${indexMB.toFixed(1)} MB; process RSS ${rssBefore} → ${rssAfter} MB (includes the 320k source strings and 1M probe strings of this bench)`);

  // Probes: 88% random public IPv4 (nearly all misses), 7% listed addresses, 5% IPv6.
  const probes: string[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const x = r();
    if (x < 0.88) probes.push(formatIPv4(publicV4(r)));
    else if (x < 0.95) probes.push(v4[Math.floor(r() * v4.length)]!.split('/')[0]!);
    else probes.push(formatIPv6([0x2000 + Math.floor(r() * 0x1000), Math.floor(r() * 65536), Math.floor(r() * 65536), Math.floor(r() * 65536), 1, 2, 3, 4]));
  }
  let hits = 0;
  const b = new IpSetBuilder();
  for (const c of all) b.add(c);
  const set = b.build();
  let sink = 0;
  const [tIdx, tSet] = cpuMedians(7, [
    () => { hits = 0; for (const ip of probes) if (idx.maskOf(ip) !== 0) hits++; },
    () => { for (const ip of probes) sink += set.match(ip); },
  ]);
  console.log(`reputation matches, ReputationIndex.maskOf (4 lists, local space excluded): ${fmtRate(probes.length / tIdx!)} (CPU time; ${(100 * hits / probes.length).toFixed(1)}% hits)`);
  console.log(`reputation matches, bare IpSet.match (1 label):                          ${fmtRate(probes.length / tSet!)} (CPU time)${sink < 0 ? '' : ''}`);

  // Peer: Node's net.BlockList (linear in the number of rules), on a tenth of the rules and probes.
  const bl = new BlockList();
  for (const c of all.slice(0, 30000)) {
    const [a, l] = c.split('/');
    const type = a!.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
    if (l === undefined) bl.addAddress(a!, type); else bl.addSubnet(a!, Number(l), type);
  }
  const few = probes.slice(0, 2000);
  const [tBl] = cpuMedians(3, [() => { for (const ip of few) bl.check(ip, ip.indexOf(':') >= 0 ? 'ipv6' : 'ipv4'); }]);
  console.log(`peer: node:net BlockList with 30k rules (not 300k): ${fmtRate(few.length / tBl!)} (CPU time)`);
  return idx;
}

/** The whole stage: scope + direction + geo (cached) + reputation, per event. */
async function benchEnricher(idx: ReputationIndex): Promise<void> {
  const r = rng(5);
  const attackers = Array.from({ length: 5000 }, () => formatIPv4(publicV4(r)));
  const events: GwEvent[] = Array.from({ length: 200000 }, (_, i) => {
    const e = newEvent('bench', 'bench', 'bench', '2026-11-23T10:00:00.000Z', 'deny');
    e.source.ip = attackers[Math.floor(r() ** 2 * attackers.length)]!;
    e.destination.ip = `192.168.1.${1 + (i % 50)}`;
    return e;
  });
  const en = await Enricher.create({ reputation: idx, geo: 'city' });
  const [t] = cpuMedians(RUNS, [() => {
    for (const e of events) { e.source.address_scope = undefined; e.destination.address_scope = undefined; e.threat = undefined; en.enrich(e); }
  }]);
  console.log(`Enricher.enrich (scope + direction + geo city cached + reputation 320k): ${fmtRate(events.length / t!)} events (CPU time)`);
}

export async function run(): Promise<void> {
  const only = process.env.GATEWATCH_BENCH_ONLY;
  if (only !== 'reputation') await benchGeo();
  if (only !== 'geo') await benchEnricher(benchReputation());
}
