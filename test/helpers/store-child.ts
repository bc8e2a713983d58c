/**
 * Child process for the kill -9 test: writes events into a store as fast as it can and prints
 * "ACK <n>" after every committed flush (n = events acknowledged so far). The parent SIGKILLs it.
 */
import { ReportStore } from '../../src/report/store';
import { genEvents } from './reportdata';

const path = process.argv[2]!;
const store = new ReportStore(path, { flushMs: 0, flushEvents: 5000, maintainMs: 0 });
const from = Date.UTC(2026, 10, 1);
let acked = 0;
for (const ev of genEvents(50_000_000, { from, to: from + 30 * 86400000, seed: 11 })) {
  store.addEvent(ev);
  if (store.stats.acknowledged !== acked) {
    acked = store.stats.acknowledged;
    process.stdout.write(`ACK ${acked}\n`);
  }
}
