/**
 * The event codec (src/codec/event-codec.ts) and the two-thread analyze path: events come back
 * deep-equal, and analyzeFiles gives the same result on one thread or two.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Analyzer, analyzeFiles, type AnalyzeOptions, type AnalyzeResult } from '../../src/analyze';
import { runWorker } from '../../src/analyze/threaded';
import { EventDecoder, EventEncoder, transferList, type EventBatch } from '../../src/codec/event-codec';
import { Enricher } from '../../src/enrich/pipeline';
import type { GwEvent } from '../../src/event';
import { LineParser } from '../../src/parsers/registry';
import { traffic } from '../../bench/detect';
import { FIXTURES, readLines } from '../helpers/fixtures';
import { netfilterLine, Rng } from '../helpers/traffic';

const HOME = ['198.51.100.2/32', '192.168.0.0/16'];

/** Every fixture log, parsed and enriched (geo country: the data is small), in file order. */
function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const v of readdirSync(FIXTURES).sort()) {
    let fs: string[];
    try { fs = readdirSync(join(FIXTURES, v)); } catch { continue; }
    for (const f of fs.sort()) if (f.endsWith('.log')) out.push(join(FIXTURES, v, f));
  }
  return out;
}

/** Through a real MessagePort (structured clone of the batch, buffers transferred), then decoded. */
function roundTrip(events: object[], batch = 7, enc = new EventEncoder(batch), dec = new EventDecoder()): Record<string, unknown>[] {
  const { port1, port2 } = new MessageChannel();
  const out: Record<string, unknown>[] = [];
  const send = (): void => {
    const b = enc.take();
    port1.postMessage(b, transferList(b));
    const m = receiveMessageOnPort(port2)!.message as EventBatch;
    dec.decode(m, (ev) => out.push(ev));
  };
  for (const ev of events) {
    enc.add(ev);
    if (enc.size >= batch) send();
  }
  if (enc.size > 0) send();
  port1.close();
  return out;
}

function expectSame(got: unknown[], want: unknown[]): void {
  expect(got.length).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    // Deep-equal; the order of the keys may differ (slots are decoded in schema order).
    if (!isDeepStrictEqual(got[i], want[i])) expect(got[i], `event ${i}`).to.deep.equal(want[i]);
  }
}

describe('event codec', function () {
  this.timeout(120000);

  it('gives back every fixture event deep-equal (parsed and enriched, all vendors)', async () => {
    const en = await Enricher.create({ site: { homeNets: HOME }, geo: 'country', shareGeo: true });
    let n = 0;
    for (const f of fixtureFiles()) {
      const p = new LineParser({ tz: 'UTC', refMs: Date.UTC(2026, 10, 23), keepOriginal: f.includes('netfilter') });
      const evs: GwEvent[] = [];
      for (const l of readLines(f)) {
        const ev = p.parse(l);
        if (ev) evs.push(en.enrich(ev));
      }
      n += evs.length;
      expectSame(roundTrip(evs), evs);
    }
    expect(n).to.be.greaterThan(150);
  });

  it('gives back the benchmark netfilter events deep-equal, with geo city', async () => {
    const en = await Enricher.create({ site: { homeNets: HOME }, geo: 'city', shareGeo: true });
    const p = new LineParser({ tz: 'UTC' });
    const evs: GwEvent[] = [];
    for (const pk of traffic(30000, 2)) {
      const ev = p.parse(netfilterLine(pk));
      if (ev) evs.push(en.enrich(ev));
    }
    expect(evs.length).to.equal(30000);
    const got = roundTrip(evs, 4096);
    expectSame(got, evs);
    // Shared (frozen) geo answers stay shared and frozen, as the enricher's are.
    const withGeo = got.filter((e) => (e.source as GwEvent['source']).geo);
    expect(withGeo.length).to.be.greaterThan(1000);
    expect(Object.isFrozen((withGeo[0]!.source as GwEvent['source']).geo)).to.equal(true);
  });

  it('keeps what the schema does not know, values of unexpected types, undefined members and unfrozen objects', () => {
    const geo = Object.freeze({ country_iso_code: 'GB', location: Object.freeze({ lat: 1, lon: 2 }) });
    const odd = [
      { '@timestamp': 't', event: { kind: 'event', type: ['connection', 'denied'], severity: 3, extra: { a: [1, 'x'] } }, source: { ip: '192.0.2.1', port: '80', geo }, destination: { ip: undefined, geo: { country_iso_code: 'FR' } }, network: {} },
      { '@timestamp': 12, threat: { enrichments: [{ indicator: { ip: '192.0.2.1', provider: 'x' } }] }, gatewatch: { tcp_flags: ['SYN', 'ACK'], tcp_options: false, icmp: { type: 3, code: null }, custom: 'é€😀', ttl: NaN, length: -0 } },
      { observer: { ingress: { interface: { name: 'eth0', alias: 'wan' } }, egress: null, hostname: 'h\u0000\u2028' }, source: { nat: { ip: '10.0.0.1', port: 1 }, user: { name: 'u' }, as: { number: 1 } }, rule: [] },
      {},
    ];
    const got = roundTrip(odd, 2);
    expect(got.length).to.equal(odd.length);
    for (let i = 0; i < odd.length; i++) expect(got[i], `event ${i}`).to.deep.equal(odd[i]);
    expect(Object.hasOwn(got[0]!.destination as object, 'ip')).to.equal(true);
    expect(Object.is((got[1]!.gatewatch as { length: number }).length, -0)).to.equal(true);
    expect(((got[0]!.source as GwEvent['source']).geo)).to.deep.equal(geo);
  });

  it('gives back addresses as written: dotted quads sent as numbers, anything else as text', () => {
    const ips = ['0.0.0.0', '255.255.255.255', '1.2.3.4', '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '192.168.001.1',
      '10.0.0.1 ', '2001:db8::1', '::ffff:192.0.2.1', '1.2.3.04', '100.200.250.255', '', '１.2.3.4'];
    const evs = ips.map((ip) => ({ source: { ip, nat: { ip } }, destination: { ip } }));
    expectSame(roundTrip(evs, 5), evs);
  });

  it('gives back times as written: toISOString\'s form sent as milliseconds, anything else as text', () => {
    const times = ['2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '2026-11-23T08:00:60.000Z', '0099-01-01T00:00:00.000Z',
      '0100-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2026-11-23T08:00:00Z', '2026-11-23T08:00:00.000+01:00',
      '2026-13-01T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-11-23T24:00:00.000Z', '2026-11-23T08:00:00.00aZ', '2026-11-23T08:00:00.12/Z', '2026-11-23T08:00:00.1:0Z', '9999-12-31T23:59:59.999Z',
      '2100-02-29T00:00:00.000Z', '2000-02-29T12:00:00.000Z', '２026-11-23T08:00:00.000Z', ''];
    // and a run in time order with many per second, as a log gives them
    const run = times.length;
    for (let t = Date.UTC(2026, 10, 23, 23, 59, 58), i = 0; i < 500; i++, t += 7 + (i % 13)) times.push(new Date(t).toISOString());
    for (let i = 0; i < 200; i++) times.push(new Date(Math.floor(Math.random() * 8e12) - 1e12).toISOString());
    const evs = times.map((t) => ({ '@timestamp': t, source: { ip: '192.0.2.1' } }));
    const got = roundTrip(evs, 64) as { '@timestamp': string }[];
    expectSame(got, evs);
    for (const e of got) expect(typeof e['@timestamp']).to.equal('string');
    // toISOString's form travels as a number: a batch of such times carries no strings
    const enc = new EventEncoder(600);
    for (const t of times.slice(run, run + 500)) enc.add({ '@timestamp': t });
    expect(enc.take().strs).to.deep.equal([]);
  });

  it('writes into shared arrays, and moves a batch that does not fit to arrays of its own', () => {
    const ints = new Int32Array(new SharedArrayBuffer(4 * 64)), nums = new Float64Array(new SharedArrayBuffer(8 * 8));
    const enc = new EventEncoder(4), dec = new EventDecoder();
    const small = { '@timestamp': 'a', source: { ip: '192.0.2.1', port: 1 } };
    const big = { gatewatch: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])), network: { bytes: 1, packets: 2 }, source: { port: 1, nat: { port: 2 } } };
    for (const evs of [[small, small], [small, big, { ...big, network: { bytes: 1, packets: 2, x: 3 } }]]) {
      enc.into(ints, nums);
      for (const e of evs) enc.add(e);
      const b = enc.take();
      const out: unknown[] = [];
      dec.decode(b, (e) => out.push(e), ints, nums);
      expect(out).to.deep.equal(evs);
    }
  });

  it('starts its table of shared objects again when full, in step with the decoder', () => {
    const objs = Array.from({ length: 50 }, (_, i) => Object.freeze({ country_iso_code: `C${i}` }));
    const evs = Array.from({ length: 400 }, (_, i) => ({ source: { ip: `192.0.2.${i % 250}`, geo: objs[(i * 7) % 50] } }));
    const got = roundTrip(evs, 9, new EventEncoder(9, 10));
    expectSame(got, evs);
  });
});

describe('Analyzer from/to', () => {
  it('are the first and last times as text, whether the times come straight from the parser or not', async () => {
    const p = new LineParser({ tz: 'UTC' });
    const r = new Rng(17);
    const odd = ['2026-11-23T08:00:00Z', '2026-11-23T08:00:00.000+01:00', '2026-11-23 07:00:00', 'zzz', '', '1999-01-01T00:00:00.000Z', '2027'];
    for (const mix of [0, 0.02, 0.3]) {
      const a = await Analyzer.create({ geo: 'off', site: { homeNets: HOME } });
      let from: string | undefined, to: string | undefined;
      for (const pk of traffic(3000, 3)) {
        const ev = p.parse(netfilterLine(pk))!;
        const x = r.next();
        // the parser's own text (known to msOfIso), the same time written by Date, or another text
        if (x < mix / 2) ev['@timestamp'] = new Date(Date.parse(ev['@timestamp']) + r.int(5000) - 2500).toISOString();
        else if (x < mix) ev['@timestamp'] = r.pick(odd);
        const t = ev['@timestamp'];
        if (from === undefined || t < from) from = t;
        if (to === undefined || t > to) to = t;
        a.enriched(ev);
      }
      const res = a.finish();
      expect([res.from, res.to], `mix ${mix}`).to.deep.equal([from, to]);
    }
  });
});

describe('analyzeFiles on two threads', function () {
  this.timeout(300000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gw-threads-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const base = (): AnalyzeOptions => ({ site: { homeNets: HOME }, geo: 'city', parse: { tz: 'UTC', refMs: Date.UTC(2026, 10, 23) } });

  async function both(files: string[], opts: () => AnalyzeOptions): Promise<[AnalyzeResult, AnalyzeResult[]]> {
    const one = await analyzeFiles(files, { ...opts(), threads: 1 });
    const two = [
      await analyzeFiles(files, { ...opts(), threads: 2, threadEnrich: 'worker' }),
      await analyzeFiles(files, { ...opts(), threads: 2, threadEnrich: 'main' }),
    ];
    return [one, two];
  }

  /**
   * Fixture files whose events do not depend on the receive time (a line without a date, or a sender's
   * clock skew, is read against the clock's time, which differs between two runs). The codec test above
   * covers the others' events.
   */
  function clockFreeFixtures(): string[] {
    return fixtureFiles().filter((f) => {
      const a = new LineParser({ tz: 'UTC', refMs: Date.UTC(2026, 10, 23) }), b = new LineParser({ tz: 'UTC', refMs: Date.UTC(2026, 10, 23) });
      return readLines(f).every((l) => isDeepStrictEqual(a.parse(l, 1e12), b.parse(l, 2e12)));
    });
  }

  it('gives the same result as one thread on the fixture corpus (incidents, parse counts, from/to), events in the same order', async () => {
    const files = clockFreeFixtures();
    expect(files.length).to.be.greaterThan(fixtureFiles().length / 2);
    const seen: GwEvent[][] = [[], [], []];
    let k = 0;
    const opts = (): AnalyzeOptions => {
      const mine = seen[k++]!;
      return { ...base(), onEvent: (ev) => mine.push(ev) };
    };
    const [one, two] = await both(files, opts);
    expect(one.parse.events).to.be.greaterThan(80);
    expect(one.parse.unrecognised).to.be.greaterThan(0);
    for (const t of two) expect(t).to.deep.equal(one);
    expectSame(seen[1]!, seen[0]!);
    expectSame(seen[2]!, seen[0]!);
  });

  it('gives the same result on the benchmark traffic (2 × 120k netfilter lines) and counts bad lines the same', async () => {
    const f = join(dir, 'bench.log');
    const lines: string[] = [];
    let i = 0;
    for (const p of traffic(120000, 2)) {
      lines.push(netfilterLine(p));
      // Damaged lines among them: truncated, garbage, far too long.
      if (++i % 12000 === 0) lines.push(netfilterLine(p).slice(0, 60), '\u0000\u0001 garbage', 'x'.repeat(70000));
    }
    writeFileSync(f, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('no newline at the end')]));
    const [one, two] = await both([f, f], base);
    expect(one.parse.lines).to.equal(2 * (lines.length + 2));
    expect(one.parse.tooLong).to.equal(20);
    expect(one.incidents.length).to.be.greaterThan(10);
    for (const t of two) expect(t).to.deep.equal(one);
  });

  it('rejects with the same error as one thread for a file it cannot read', async () => {
    const missing = join(dir, 'missing.log');
    const e1 = await analyzeFiles([missing], { ...base(), threads: 1 }).then(() => null, (e: NodeJS.ErrnoException) => e);
    const e2 = await analyzeFiles([missing], { ...base(), threads: 2 }).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(e1?.code).to.equal('ENOENT');
    expect(e2?.code).to.equal('ENOENT');
    expect(e2?.message).to.equal(e1?.message);
    expect([e2?.syscall, e2?.path, e2?.errno]).to.deep.equal([e1?.syscall, e1?.path, e1?.errno]);
  });

  it('rejects, without hanging, when the worker dies mid-way', async () => {
    const f = join(dir, 'die.log');
    const lines: string[] = [];
    for (const p of traffic(30000, 3)) lines.push(netfilterLine(p));
    writeFileSync(f, lines.join('\n') + '\n');
    for (const threadEnrich of ['worker', 'main'] as const) {
      const err = await analyzeFiles([f], { ...base(), threads: 2, threadEnrich, testWorkerExitAfterBatches: 2 }).then(() => null, (e: Error) => e);
      expect(err?.message).to.match(/worker stopped before the end/);
    }
  });

  it('lets the worker start before the main thread is ready: early batches wait, in order, and its end or death too', async () => {
    const f = join(dir, 'late.log');
    const lines: string[] = [];
    for (const p of traffic(30000, 5)) lines.push(netfilterLine(p));
    writeFileSync(f, lines.join('\n') + '\n');
    const run = { files: [f], parse: { tz: 'UTC' }, batch: 1024, maxInFlight: 2 };
    const direct: string[] = [];
    const r1 = await runWorker(run, (ev) => direct.push(JSON.stringify(ev)));
    const late: string[] = [];
    const ready = new Promise<(ev: GwEvent) => void>((res) => setTimeout(() => res((ev) => late.push(JSON.stringify(ev))), 400));
    const r2 = await runWorker(run, ready);
    expect(direct.length).to.equal(30000);
    expect(late).to.deep.equal(direct);
    expect(r2.stats).to.deep.equal(r1.stats);
    // A small input: the worker has sent everything and ended before the function comes.
    const small = join(dir, 'late-small.log');
    writeFileSync(small, lines.slice(0, 50).join('\n'));
    const got: GwEvent[] = [];
    const r3 = await runWorker({ files: [small], parse: { tz: 'UTC' } }, new Promise((res) => setTimeout(() => res((ev: GwEvent) => got.push(ev)), 300)));
    expect([got.length, r3.stats.lines]).to.deep.equal([50, 50]);
    // The worker dies (or cannot read its file) before the function comes: the same errors as otherwise.
    const died = await runWorker({ ...run, exitAfterBatches: 1 }, new Promise((res) => setTimeout(() => res(() => undefined), 300))).then(() => null, (e: Error) => e);
    expect(died?.message).to.match(/worker stopped before the end/);
    const missing = await runWorker({ ...run, files: [join(dir, 'nope.log')] }, new Promise((res) => setTimeout(() => res(() => undefined), 300))).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(missing?.code).to.equal('ENOENT');
    // The promise fails (the main thread's start-up failed): rejects with its error, worker stopped.
    const failed = await runWorker(run, Promise.reject(new Error('no geo data'))).then(() => null, (e: Error) => e);
    expect(failed?.message).to.equal('no geo data');
  });

  it('rejects and stops the worker when a stage on the main thread throws', async () => {
    const f = join(dir, 'throw.log');
    const lines: string[] = [];
    // More batches than may be in flight: the worker is waiting for this thread when it throws.
    for (const p of traffic(60000, 4)) lines.push(netfilterLine(p));
    writeFileSync(f, lines.join('\n') + '\n');
    let n = 0;
    const err = await analyzeFiles([f], { ...base(), threads: 2, onEvent: () => { if (++n === 5000) throw new Error('boom'); } }).then(() => null, (e: Error) => e);
    expect(err?.message).to.equal('boom');
  });

  it('leaves nothing running after a failure: a process ends on its own', () => {
    const f = join(dir, 'exit.log');
    writeFileSync(f, [...traffic(60000, 6)].map(netfilterLine).join('\n') + '\n');
    const mod = join(__dirname, '..', '..', 'src', 'analyze.js');
    const script = `const { analyzeFiles } = require(${JSON.stringify(mod)});
      let n = 0;
      const a = analyzeFiles([${JSON.stringify(f)}], { threads: 2, onEvent: () => { if (++n === 3000) throw new Error('boom'); } }).catch((e) => console.log('A', e.message));
      a.then(() => analyzeFiles([${JSON.stringify(f)}], { threads: 2, testWorkerExitAfterBatches: 1 })).catch((e) => console.log('B', e.message));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
    expect(r.signal, 'the process did not end by itself').to.equal(null);
    expect(r.stdout).to.match(/^A boom\nB the analyze worker stopped before the end/);
  });

  it("'auto' stays on one thread for small files and standard input", async () => {
    const f = join(dir, 'small.log');
    writeFileSync(f, [...traffic(100, 5)].map(netfilterLine).join('\n') + '\n');
    let called = false;
    const r = await analyzeFiles([f], { ...base(), threads: 'auto', onThreadStats: () => { called = true; } });
    expect(r.parse.events).to.equal(100);
    expect(called).to.equal(false);
    const r2 = await analyzeFiles([f], { ...base(), threads: 2, onThreadStats: () => { called = true; } });
    expect(called).to.equal(true);
    expect(r2).to.deep.equal(r);
  });
});
