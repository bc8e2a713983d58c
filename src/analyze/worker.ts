/**
 * The analyze worker thread: reads the files, splits and parses the lines (and enriches the events),
 * and hands the events to the main thread in binary batches (src/codec/event-codec.ts), which runs
 * detection. See `runWorker` in ./threaded.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { forEachLineSync } from '../cli/lines';
import { EventEncoder, MAX_EVENT_WORDS, transferList } from '../codec/event-codec';
import { Enricher, type EnrichOptions } from '../enrich/pipeline';
import { LineParser, RECORD_PARSERS, type LineParserOptions } from '../parsers/registry';
import type { VendorParser } from '../parsers/types';
import { OfflineSenders } from './senders';
import { threadCpuS } from './thread-cpu';

export interface WorkerInput {
  files: string[];
  parse: LineParserOptions;
  /** Enrich in this thread with these options; absent: parse only. */
  enrich?: EnrichOptions;
  batch: number;
  /** Batches sent and not yet processed by the main thread, at most. */
  maxInFlight: number;
  /** Int32 [0]: batches in flight (the main thread decrements it and notifies). */
  ctl: SharedArrayBuffer;
  /** maxInFlight buffers shared with the main thread, used in turn: batch k is written into slots[k % maxInFlight]. */
  slots: { ints: SharedArrayBuffer; nums: SharedArrayBuffer }[];
  /** Tests: the worker exits (as if it crashed) after sending this many batches. */
  exitAfterBatches?: number;
  /** Judge the senders (AnalyzeOptions.watchSenders); their reports go with 'end'. */
  watchSenders?: boolean;
}

export type WorkerMessage =
  | { type: 'batch'; slot: number; batch: import('../codec/event-codec').EventBatch }
  | { type: 'end'; stats: import('../parsers/registry').ParseStats; cpuS?: number; senders?: import('../syslog/sender-watch').SenderReport[] }
  | { type: 'error'; message: string; code?: string; errno?: number; syscall?: string; path?: string };

async function main(): Promise<void> {
  const d = workerData as WorkerInput;
  const port = parentPort!;
  const ctl = new Int32Array(d.ctl);
  const parser = new LineParser(d.parse);
  const senders = d.watchSenders ? new OfflineSenders() : undefined;
  const enricher = d.enrich ? await Enricher.create(d.enrich) : undefined;
  const enc = new EventEncoder(d.batch);
  const slots = d.slots.map((s) => ({ ints: new Int32Array(s.ints), nums: new Float64Array(s.nums) }));
  let sent = 0;
  /** Wait (blocking this thread only) until the main thread is done with the slot of the next batch, and start it there. */
  const nextSlot = (): void => {
    for (;;) {
      const v = Atomics.load(ctl, 0);
      if (v < d.maxInFlight) break;
      Atomics.wait(ctl, 0, v, 1000);
    }
    const s = slots[sent % slots.length]!;
    enc.into(s.ints, s.nums);
  };
  const flush = (): void => {
    Atomics.add(ctl, 0, 1);
    const batch = enc.take();
    port.postMessage({ type: 'batch', slot: sent % slots.length, batch } satisfies WorkerMessage, transferList(batch));
    sent++;
    if (d.exitAfterBatches !== undefined && sent >= d.exitAfterBatches) process.exit(70);
    nextSlot();
  };
  nextSlot();
  // Not enriching here, a line that a parser with a record reads crosses as that record: the event is built
  // only on the main thread (see VendorParser.record).
  const onLine = enricher ? (line: string): void => {
    const ev = parser.parse(line);
    if (senders !== undefined) senders.note(parser, line, ev);
    if (!ev) return;
    enricher.enrich(ev);
    enc.add(ev);
    if (enc.size >= d.batch || enc.room < MAX_EVENT_WORDS) flush();
  } : (line: string): void => {
    const r = parser.parseOrRead(line);
    if (senders !== undefined) senders.note(parser, line, r);
    if (!r) return;
    const kind = RECORD_PARSERS.indexOf(r as VendorParser);
    if (kind >= 0) enc.addRecord(kind, (r as VendorParser).record!);
    else enc.add(r);
    if (enc.size >= d.batch || enc.room < MAX_EVENT_WORDS) flush();
  };
  for (const f of d.files) {
    senders?.reading(f);
    forEachLineSync(f, onLine);
  }
  if (enc.size > 0) flush();
  port.postMessage({ type: 'end', stats: parser.stats, cpuS: threadCpuS(), senders: senders?.watch.list(true) } satisfies WorkerMessage);
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  parentPort!.postMessage({
    type: 'error', message: e?.message ?? String(err), code: typeof e?.code === 'string' ? e.code : undefined,
    errno: typeof e?.errno === 'number' ? e.errno : undefined, syscall: typeof e?.syscall === 'string' ? e.syscall : undefined,
    path: typeof e?.path === 'string' ? e.path : undefined,
  } satisfies WorkerMessage);
});
