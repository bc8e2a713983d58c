/** Timing helpers for benchmarks: medians of repeated runs, peak RSS sampling. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run `fn` `runs` times (after one warm-up) and return the median seconds. */
export function timeMedian(runs: number, fn: () => void): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  return median(t);
}

export function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k/s`;
  return `${n.toFixed(0)}/s`;
}

export function rssMB(): number {
  return Math.round(process.memoryUsage().rss / 1048576);
}

let gcFn: (() => void) | undefined;
/**
 * A full collection before a timed run, so one run's garbage is not billed to the next. Works without
 * `--expose-gc` on the command line: the flag is set at run time and `gc` fetched from a fresh context.
 */
export function collectGarbage(): void {
  if (!gcFn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('node:v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    gcFn = require('node:vm').runInNewContext('gc') as () => void;
  }
  gcFn();
}
