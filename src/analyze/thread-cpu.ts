import { readFileSync } from 'node:fs';

/**
 * CPU time used so far by the calling thread (not the whole process), in seconds, from Linux's
 * /proc/thread-self/schedstat (nanoseconds on CPU); undefined elsewhere.
 */
export function threadCpuS(): number | undefined {
  try {
    const s = readFileSync('/proc/thread-self/schedstat', 'latin1');
    const n = Number(s.slice(0, s.indexOf(' ')));
    return Number.isFinite(n) ? n / 1e9 : undefined;
  } catch {
    return undefined;
  }
}
