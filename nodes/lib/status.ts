/**
 * Node status that tells the truth without flooding the editor: callers update counters on the hot
 * path; the status text is refreshed at most once a second by a timer that is cleared on close.
 */
import type { Node } from 'node-red';

export type Fill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

export class ThrottledStatus {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private last = '';

  constructor(private readonly node: Node, private readonly render: () => { fill: Fill; shape?: 'dot' | 'ring'; text: string }, private readonly everyMs = 1000) {}

  /** Mark that something changed; the status is redrawn within `everyMs`. */
  touch(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.everyMs);
    this.timer.unref?.();
  }

  flush(): void {
    if (!this.dirty) {
      if (this.timer) { clearInterval(this.timer); this.timer = null; }
      return;
    }
    this.dirty = false;
    const s = this.render();
    const key = `${s.fill}|${s.shape}|${s.text}`;
    if (key === this.last) return;
    this.last = key;
    this.node.status({ fill: s.fill, shape: s.shape ?? 'dot', text: s.text });
  }

  set(fill: Fill, text: string, shape: 'dot' | 'ring' = 'dot'): void {
    this.last = `${fill}|${shape}|${text}`;
    this.node.status({ fill, shape, text });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Events per second over a sliding window of whole seconds. */
export class RateMeter {
  private readonly buckets: number[];
  private lastSec = 0;
  constructor(private readonly windowS = 5) {
    this.buckets = new Array(windowS).fill(0);
  }
  add(n = 1, nowMs = Date.now()): void {
    this.roll(nowMs);
    this.buckets[Math.floor(nowMs / 1000) % this.windowS]! += n;
  }
  perSecond(nowMs = Date.now()): number {
    this.roll(nowMs);
    const cur = Math.floor(nowMs / 1000);
    let sum = 0;
    // Exclude the current, partial second.
    for (let s = cur - this.windowS + 1; s < cur; s++) sum += this.buckets[((s % this.windowS) + this.windowS) % this.windowS]!;
    return sum / (this.windowS - 1);
  }
  private roll(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (sec === this.lastSec) return;
    const gap = Math.min(sec - this.lastSec, this.windowS);
    for (let k = 1; k <= gap; k++) this.buckets[(((this.lastSec + k) % this.windowS) + this.windowS) % this.windowS] = 0;
    this.lastSec = sec;
  }
}

/** Compact counts for status text: 1234 → "1.2k". */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}
