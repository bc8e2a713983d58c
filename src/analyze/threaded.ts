/**
 * The offline pipeline on two threads: a worker reads, parses (and enriches) and sends the events in
 * binary batches; this thread decodes them and runs the rest (detection). See analyzeFiles' `threads`.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventDecoder, MAX_EVENT_WORDS } from '../codec/event-codec';
import type { EnrichOptions } from '../enrich/pipeline';
import type { GwEvent } from '../event';
import { RECORD_PARSERS, type LineParserOptions, type ParseStats } from '../parsers/registry';
import type { SenderReport } from '../syslog/sender-watch';
import { threadCpuS } from './thread-cpu';
import type { WorkerInput, WorkerMessage } from './worker';

export interface ThreadStats {
  /** CPU seconds of the worker (read, parse, enrich, encode) and of the calling thread (decode, detect), where known (Linux). */
  workerCpuS?: number;
  mainCpuS?: number;
  batches: number;
}

/** The worker thread ended (its 'exit' event), queued with its messages. */
interface WorkerExit { type: 'exit'; code: number }

export interface WorkerRun {
  files: string[];
  parse: LineParserOptions;
  enrich?: EnrichOptions;
  batch?: number;
  maxInFlight?: number;
  exitAfterBatches?: number;
  /** Judge the senders in the worker (AnalyzeOptions.watchSenders). */
  watchSenders?: boolean;
}

/**
 * Runs the worker over the files, calling `onEvent` for every event in order; resolves with the parse
 * counts. Rejects (and stops the worker) when the worker fails (a file it cannot read: the same error
 * as the single-thread path), dies, or `onEvent` throws (or, given as a promise, rejects).
 *
 * `onEvent` may be a promise: the worker starts reading and parsing at once and its first batches wait
 * (in order) until the promise gives the function, so the caller's own start-up (loading the geo data)
 * runs at the same time as the worker's first batches instead of before them.
 */
export function runWorker(run: WorkerRun, onEvent: ((ev: GwEvent) => void) | Promise<(ev: GwEvent) => void>): Promise<{ stats: ParseStats; thread: ThreadStats; senders?: SenderReport[] }> {
  return new Promise((resolve, reject) => {
    const ctl = new SharedArrayBuffer(4);
    const inFlight = new Int32Array(ctl);
    // Enough batches in flight for the worker to go on while this thread starts up (the geo data load, ~0.2 s,
    // is ~25 batches of the worker's time); a batch of records touches ~0.5 MB of its slot.
    const batch = run.batch ?? 4096, maxInFlight = run.maxInFlight ?? 32;
    // Room for a batch of events of about 40 words (a netfilter event takes 35, its record 24), else it is sent early.
    const words = batch * 48 + MAX_EVENT_WORDS, numWords = batch * 12 + MAX_EVENT_WORDS;
    const slots = Array.from({ length: maxInFlight }, () => ({ ints: new SharedArrayBuffer(words * 4), nums: new SharedArrayBuffer(numWords * 8) }));
    const views = slots.map((s) => ({ ints: new Int32Array(s.ints), nums: new Float64Array(s.nums) }));
    const data: WorkerInput = {
      files: run.files, parse: run.parse, enrich: run.enrich, batch, maxInFlight, ctl, slots, exitAfterBatches: run.exitAfterBatches,
      watchSenders: run.watchSenders,
    };
    const cpu0 = threadCpuS();
    const worker = new Worker(join(__dirname, 'worker.js'), { workerData: data });
    const dec = new EventDecoder(RECORD_PARSERS.map((p) => p.record!));
    let settled = false, batches = 0;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(err);
    };
    let each: ((ev: Record<string, unknown>) => void) | undefined;
    /** Messages that came before `onEvent` was known, in order. */
    let early: (WorkerMessage | WorkerExit)[] | undefined;
    const onMessage = (m: WorkerMessage | WorkerExit): void => {
      if (settled) return;
      if (each === undefined) { (early ??= []).push(m); return; }
      if (m.type === 'exit') {
        fail(new Error(`the analyze worker stopped before the end of the input (exit code ${m.code})`));
      } else if (m.type === 'batch') {
        try {
          const v = views[m.slot]!;
          dec.decode(m.batch, each, v.ints, v.nums);
        } catch (err) {
          fail(err as Error);
          return;
        }
        batches++;
        Atomics.sub(inFlight, 0, 1);
        Atomics.notify(inFlight, 0);
      } else if (m.type === 'end') {
        settled = true;
        const cpu1 = threadCpuS();
        resolve({ stats: m.stats, thread: { workerCpuS: m.cpuS, mainCpuS: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined, batches }, senders: m.senders });
      } else {
        // The worker's error (a file it could not read) as the single-thread path gives it: message, code,
        // errno, syscall, path; no stack from this thread, which would point at this message handler.
        const err = new Error(m.message) as NodeJS.ErrnoException;
        if (m.code !== undefined) err.code = m.code;
        if (m.errno !== undefined) err.errno = m.errno;
        if (m.syscall !== undefined) err.syscall = m.syscall;
        if (m.path !== undefined) err.path = m.path;
        err.stack = `Error: ${m.message}`;
        fail(err);
      }
    };
    worker.on('message', onMessage);
    const start = (fn: (ev: GwEvent) => void): void => {
      each = fn as unknown as (ev: Record<string, unknown>) => void;
      const queued = early ?? [];
      early = undefined;
      for (const m of queued) onMessage(m);
    };
    if (typeof onEvent === 'function') start(onEvent);
    else onEvent.then(start, (err: Error) => fail(err));
    worker.on('error', (err) => fail(err));
    // (in order after its last messages, which may still wait for `onEvent`)
    worker.on('exit', (code) => onMessage({ type: 'exit', code }));
  });
}
