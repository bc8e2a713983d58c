/**
 * The whole offline pipeline over log files: parse → enrich → detect. Used by `gatewatch analyze`,
 * `gatewatch share`, tests and benchmarks. INTERFACE CONTRACT: keep `analyzeFiles`/`analyzeLines`
 * and the result shape stable; add fields rather than rename.
 */
import { statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import type { GwEvent } from './event';
import { runWorker, type ThreadStats } from './analyze/threaded';
import { forEachLine } from './cli/lines';
import { DetectEngine, type DetectOptions, type DetectStats } from './detect/engine';
import type { Incident } from './detect/incident';
import { Enricher, EnrichOptions } from './enrich/pipeline';
import { LineParser, LineParserOptions, ParseStats } from './parsers/registry';
import { OfflineSenders } from './analyze/senders';
import type { SenderReport } from './syslog/sender-watch';
import { msOfIso } from './syslog/time';

export interface AnalyzeOptions extends EnrichOptions {
  parse?: LineParserOptions;
  detect?: DetectOptions;
  /**
   * Called with every enriched event (reports use it to build rollups). Its geo/AS objects are shared
   * with the enricher's cache (frozen) unless `shareGeo: false` is passed: read them, don't edit them.
   */
  onEvent?: (ev: GwEvent) => void;
  /**
   * analyzeFiles only: 1 (default) runs everything on this thread; 2 reads, parses and enriches on a
   * worker thread while this one runs detection (same result); 'auto' takes 2 for files big enough to
   * gain from it (see THREADS_MIN_BYTES) on a machine with a core to spare (two or more, and the load
   * average of the last minute at least one below their number), else 1: two threads cost about a fifth
   * more CPU in all (netfilter lines; more for formats without a record, see VendorParser.record), which
   * only pays when the second thread gets a core of its own. Standard input
   * ("-"), and a reputation index object passed in (`reputation`) with threadEnrich 'worker', run on one thread.
   */
  threads?: 'auto' | 1 | 2;
  /**
   * With threads: where enrichment runs, 'main' (default: the worker, which reads and parses, is the
   * busier thread) or 'worker'.
   */
  threadEnrich?: 'worker' | 'main';
  /** With threads: called at the end with the CPU time of each thread (benchmarks). */
  onThreadStats?: (s: ThreadStats) => void;
  /** Tests only: the worker exits (as if it crashed) after sending this many batches. */
  testWorkerExitAfterBatches?: number;
  /**
   * Judge which boxes in the logs are understood (src/syslog/sender-watch.ts) and give the result in
   * `senders`: for a report, so that a log of a box's notices only is not "no firewall logs". Off by default
   * (a Map lookup a line).
   */
  watchSenders?: boolean;
}

/** Below this much input (bytes, all files), 'auto' stays on one thread: starting a worker costs more than it gains. */
export const THREADS_MIN_BYTES = 16 << 20;

export interface AnalyzeResult {
  incidents: Incident[];
  parse: ParseStats;
  /** First and last event time seen (ISO), or undefined when there were no events. */
  from?: string;
  to?: string;
  /** What the detection engine counted (skipped, duplicates, allow-listed, table sizes). */
  detect?: DetectStats;
  /** With watchSenders: every sender (host name in the lines, else the file's name) and what was made of it. */
  senders?: SenderReport[];
}

/** Keep the latest version of each incident id, in first-seen order. */
function collect(map: Map<string, Incident>, list: Incident[]): void {
  for (const inc of list) map.set(inc.id, inc);
}

export class Analyzer {
  readonly parser: LineParser;
  readonly engine: DetectEngine;
  readonly senders?: OfflineSenders;
  private readonly incidents = new Map<string, Incident>();
  private from?: string;
  private to?: string;
  /** The times of `from` and `to` when known (msOfIso), else NaN. */
  private fromMs = NaN;
  private toMs = NaN;
  private constructor(readonly enricher: Enricher, private readonly opts: AnalyzeOptions) {
    this.parser = new LineParser(opts.parse ?? {});
    if (opts.watchSenders) this.senders = new OfflineSenders();
    // Offline only the latest state of each incident is kept: no periodic re-sends needed.
    const d = opts.detect ?? {};
    this.engine = new DetectEngine({ ...d, general: { updateEveryS: 1e9, ...d.general } });
  }

  static async create(opts: AnalyzeOptions = {}): Promise<Analyzer> {
    // Offline, events go only to the engine and onEvent, which read them: they can share the geo answers.
    return new Analyzer(await Enricher.create({ ...opts, shareGeo: opts.shareGeo ?? true }), opts);
  }

  line(line: string): void {
    const ev = this.parser.parse(line);
    if (this.senders !== undefined) this.senders.note(this.parser, line, ev);
    if (!ev) return;
    this.event(ev);
  }

  event(ev: GwEvent): void {
    this.enricher.enrich(ev);
    this.enriched(ev);
  }

  /** `event` for an event already enriched (by the analyze worker). */
  enriched(ev: GwEvent): void {
    const t = ev['@timestamp'];
    // The time the parser (or the thread decoder) just wrote is known as a number: compared as one, its text
    // is not read (toISOString's texts, which those are, sort as their times). Any other text is compared as
    // text; most lines carry the same or a later time than the one before: compare only when it changed.
    const ms = msOfIso(t);
    if (ms === ms) {
      if (this.to === undefined || (this.toMs === this.toMs ? ms > this.toMs : t > this.to)) { this.to = t; this.toMs = ms; }
      if (this.from === undefined || (this.fromMs === this.fromMs ? ms < this.fromMs : t < this.from)) { this.from = t; this.fromMs = ms; }
    } else if (t !== this.to) {
      if (this.to === undefined || t > this.to) { this.to = t; this.toMs = NaN; }
      if (this.from === undefined || t < this.from) { this.from = t; this.fromMs = NaN; }
    }
    this.opts.onEvent?.(ev);
    collect(this.incidents, this.engine.process(ev));
  }

  /**
   * The result; `parse` and `senders`: what a parser that ran elsewhere (the worker) counted and judged,
   * instead of this one's.
   */
  finish(parse?: ParseStats, senders?: SenderReport[]): AnalyzeResult {
    collect(this.incidents, this.engine.flush());
    const r: AnalyzeResult = { incidents: [...this.incidents.values()], parse: parse ?? this.parser.stats, from: this.from, to: this.to, detect: this.engine.tableSizes() };
    const judged = senders ?? this.senders?.watch.list(true);
    if (judged !== undefined) r.senders = judged;
    return r;
  }
}

function threadsFor(files: string[], opts: AnalyzeOptions): 1 | 2 {
  const t = opts.threads ?? 1;
  // A reputation index object cannot go to the worker: with it, enrichment stays here (threadEnrich 'main').
  if (t === 1 || (opts.reputation && opts.threadEnrich === 'worker') || files.length === 0 || files.includes('-')) return 1;
  if (t === 2) return 2;
  const cores = availableParallelism();
  if (cores < 2 || loadavg()[0] > cores - 1) return 1;
  let bytes = 0;
  for (const f of files) {
    try { bytes += statSync(f).size; } catch { return 1; } // the single-thread path reports the error
  }
  return bytes >= THREADS_MIN_BYTES ? 2 : 1;
}

async function analyzeFilesThreaded(files: string[], opts: AnalyzeOptions): Promise<AnalyzeResult> {
  const inWorker = opts.threadEnrich === 'worker';
  const shareGeo = opts.shareGeo ?? true;
  // Enriching in the worker, this thread's enricher is never used: no geo data or lists loaded here.
  // The worker starts first: it reads and parses while this thread loads the geo data and lists.
  const analyzer = Analyzer.create(inWorker ? { ...opts, geo: 'off', feeds: [] } : opts);
  const enrich = inWorker ? {
    site: opts.site, geo: opts.geo, feeds: opts.feeds, geoSides: opts.geoSides, geoCacheSize: opts.geoCacheSize, cityDb: opts.cityDb,
    asnDb: opts.asnDb, matchLocalOnFeeds: opts.matchLocalOnFeeds, shareGeo,
  } : undefined;
  const { stats, thread, senders } = await runWorker(
    { files, parse: opts.parse ?? {}, enrich, exitAfterBatches: opts.testWorkerExitAfterBatches, watchSenders: opts.watchSenders },
    analyzer.then((a) => {
      if (inWorker) return (ev: GwEvent) => a.enriched(ev);
      // The geo data (~0.2 s to load) now, while the worker starts, rather than on the first batch.
      a.enricher.geo.preload();
      return (ev: GwEvent) => a.event(ev);
    }),
  );
  opts.onThreadStats?.(thread);
  return (await analyzer).finish(stats, senders);
}

export async function analyzeFiles(files: string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  if (threadsFor(files, opts) === 2) return analyzeFilesThreaded(files, opts);
  const a = await Analyzer.create(opts);
  for (const f of files) {
    a.senders?.reading(f);
    await forEachLine(f, (l) => a.line(l));
  }
  return a.finish();
}

export async function analyzeLines(lines: Iterable<string>, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const a = await Analyzer.create(opts);
  for (const l of lines) a.line(l);
  return a.finish();
}
