/**
 * The analyze worker thread: reads the files, splits and parses the lines (and enriches the events),
 * and hands the events to the main thread in binary batches (src/codec/event-codec.ts), which runs
 * detection. See `runWorker` in ./threaded.ts for the protocol.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { forEachLineSync } from '../cli/lines';
import { EventEncoder, transferList } from '../codec/event-codec';
import { Enricher, type EnrichOptions } from '../enrich/pipeline';
import { LineParser, type LineParserOptions } from '../parsers/registry';
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
  /** Tests: the worker exits (as if it crashed) after sending this many batches. */
  exitAfterBatches?: number;
}

export type WorkerMessage =
  | { type: 'batch'; batch: import('../codec/event-codec').EventBatch }
  | { type: 'end'; stats: import('../parsers/registry').ParseStats; cpuS?: number }
  | { type: 'error'; message: string; code?: string };

async function main(): Promise<void> {
  const d = workerData as WorkerInput;
  const port = parentPort!;
  const ctl = new Int32Array(d.ctl);
  const parser = new LineParser(d.parse);
  const enricher = d.enrich ? await Enricher.create(d.enrich) : undefined;
  const enc = new EventEncoder(d.batch);
  let sent = 0;
  const flush = (): void => {
    // Wait (blocking this thread only) while the main thread is maxInFlight batches behind.
    for (;;) {
      const v = Atomics.load(ctl, 0);
      if (v < d.maxInFlight) break;
      Atomics.wait(ctl, 0, v, 1000);
    }
    Atomics.add(ctl, 0, 1);
    const batch = enc.take();
    port.postMessage({ type: 'batch', batch } satisfies WorkerMessage, transferList(batch));
    if (d.exitAfterBatches !== undefined && ++sent >= d.exitAfterBatches) process.exit(70);
  };
  const onLine = (line: string): void => {
    const ev = parser.parse(line);
    if (!ev) return;
    if (enricher) enricher.enrich(ev);
    enc.add(ev);
    if (enc.size >= d.batch) flush();
  };
  for (const f of d.files) forEachLineSync(f, onLine);
  if (enc.size > 0) flush();
  port.postMessage({ type: 'end', stats: parser.stats, cpuS: threadCpuS() } satisfies WorkerMessage);
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  parentPort!.postMessage({ type: 'error', message: e?.message ?? String(err), code: typeof e?.code === 'string' ? e.code : undefined } satisfies WorkerMessage);
});
