/**
 * The whole offline pipeline over log files: parse → enrich → detect. Used by `gatewatch analyze`,
 * `gatewatch share`, tests and benchmarks. INTERFACE CONTRACT: keep `analyzeFiles`/`analyzeLines`
 * and the result shape stable; add fields rather than rename.
 */
import type { GwEvent } from './event';
import { forEachLine } from './cli/lines';
import { DetectEngine, type DetectOptions, type DetectStats } from './detect/engine';
import type { Incident } from './detect/incident';
import { Enricher, EnrichOptions } from './enrich/pipeline';
import { LineParser, LineParserOptions, ParseStats } from './parsers/registry';

export interface AnalyzeOptions extends EnrichOptions {
  parse?: LineParserOptions;
  detect?: DetectOptions;
  /**
   * Called with every enriched event (reports use it to build rollups). Its geo/AS objects are shared
   * with the enricher's cache (frozen) unless `shareGeo: false` is passed: read them, don't edit them.
   */
  onEvent?: (ev: GwEvent) => void;
}

export interface AnalyzeResult {
  incidents: Incident[];
  parse: ParseStats;
  /** First and last event time seen (ISO), or undefined when there were no events. */
  from?: string;
  to?: string;
  /** What the detection engine counted (skipped, duplicates, allow-listed, table sizes). */
  detect?: DetectStats;
}

/** Keep the latest version of each incident id, in first-seen order. */
function collect(map: Map<string, Incident>, list: Incident[]): void {
  for (const inc of list) map.set(inc.id, inc);
}

export class Analyzer {
  readonly parser: LineParser;
  readonly engine: DetectEngine;
  private readonly incidents = new Map<string, Incident>();
  private from?: string;
  private to?: string;
  private constructor(readonly enricher: Enricher, private readonly opts: AnalyzeOptions) {
    this.parser = new LineParser(opts.parse ?? {});
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
    if (!ev) return;
    this.event(ev);
  }

  event(ev: GwEvent): void {
    this.enricher.enrich(ev);
    const t = ev['@timestamp'];
    // Most lines carry the same or a later time than the one before: compare only when it changed.
    if (t !== this.to) {
      if (this.to === undefined || t > this.to) this.to = t;
      if (this.from === undefined || t < this.from) this.from = t;
    }
    this.opts.onEvent?.(ev);
    collect(this.incidents, this.engine.process(ev));
  }

  finish(): AnalyzeResult {
    collect(this.incidents, this.engine.flush());
    return { incidents: [...this.incidents.values()], parse: this.parser.stats, from: this.from, to: this.to, detect: this.engine.tableSizes() };
  }
}

export async function analyzeFiles(files: string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const a = await Analyzer.create(opts);
  for (const f of files) await forEachLine(f, (l) => a.line(l));
  return a.finish();
}

export async function analyzeLines(lines: Iterable<string>, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const a = await Analyzer.create(opts);
  for (const l of lines) a.line(l);
  return a.finish();
}
