/**
 * Routers with a wrong clock. Many small boxes have no battery-backed clock and keep the time only through
 * NTP; when that fails (blocked, misconfigured, a box that never synced after a power cut) every line they
 * send carries a time hours, months or years off. gatewatch files events by their own time, so such a box's
 * traffic lands in the wrong hours, or in a week long gone, and the weekly report says no logs arrived while
 * they arrive all the time. A router sending local time without a zone while the site's zone is set wrong does
 * the same by whole hours.
 *
 * For live syslog, where the moment each line arrived is known, ClockWatch compares the two per gateway. When
 * the difference stays the same (within 2 minutes) for at least 10 minutes and 20 samples and is 15 minutes or
 * more, the gateway's clock is wrong by that much, and its events' times are corrected by it: the order and
 * spacing of its events are kept (scan speeds, beacon intervals), only the offset goes. A backlog that a relay
 * sends late has a *changing* difference (old lines first), so it is not mistaken for a wrong clock; a replay
 * of a file has no arrival times and is never touched.
 *
 * One sample per gateway every 10 s of arrival time (a busy box costs one Map lookup per line), 64 kept;
 * bounded to 256 gateways. No Node-RED import: the parse node is the glue.
 */

const SAMPLE_EVERY_MS = 10_000;
const RING = 64;
/** Samples and arrival-time span needed to judge a gateway's clock. */
const MIN_SAMPLES = 20;
const MIN_SPAN_MS = 10 * 60_000;
/** Differences within this of each other are "the same" (network delay, a slow drift). */
const STEADY_MS = 2 * 60_000;
/** A clock off by less than this is left alone (minutes of drift do not move an event out of its hour much). */
export const CLOCK_OFF_MS = 15 * 60_000;
const MAX_GATEWAYS = 256;
/** Samples (a minute's worth) that, all agreeing, show a corrected clock was set right or jumped again. */
const RECENT = 6;

class GatewayClock {
  /** Arrival time minus the line's own time, per sample, and the arrival time of the sample. */
  readonly diffs = new Float64Array(RING);
  readonly at = new Float64Array(RING);
  n = 0;
  nextSample = 0;
  /** The correction applied now (ms to add to the line's time), 0 when the clock is right. */
  correctionMs = 0;
}

export interface ClockReport {
  gateway: string;
  /** How far behind the gateway's clock is, in ms (negative: ahead). */
  behindMs: number;
}

export class ClockWatch {
  private readonly gateways = new Map<string, GatewayClock>();
  /** Corrections that started or changed (for a log line), and events corrected. */
  readonly stats = { corrected: 0, changes: 0 };

  /**
   * A line from `gateway` with its own time `eventTime` (ms, or ISO text: read only when sampled) arrived at
   * `arrivedMs`. Returns the correction in ms to add to its time (0 for a right clock, and while the gateway is
   * being judged).
   */
  observe(gateway: string, eventTime: number | string, arrivedMs: number): number {
    if (!(arrivedMs === arrivedMs)) return 0;
    let g = this.gateways.get(gateway);
    if (g === undefined) {
      if (this.gateways.size >= MAX_GATEWAYS) this.gateways.delete(this.gateways.keys().next().value as string);
      g = new GatewayClock();
      this.gateways.set(gateway, g);
    }
    if (arrivedMs >= g.nextSample) {
      const eventMs = typeof eventTime === 'number' ? eventTime : Date.parse(eventTime);
      if (!(eventMs === eventMs)) return g.correctionMs;
      g.nextSample = arrivedMs + SAMPLE_EVERY_MS;
      const k = g.n % RING;
      g.diffs[k] = arrivedMs - eventMs;
      g.at[k] = arrivedMs;
      g.n++;
      if (this.judge(g)) this.stats.changes++;
    }
    if (g.correctionMs !== 0) this.stats.corrected++;
    return g.correctionMs;
  }

  /** Gateways whose clock is being corrected now, and by how much. */
  wrongClocks(): ClockReport[] {
    const out: ClockReport[] = [];
    for (const [gateway, g] of this.gateways) if (g.correctionMs !== 0) out.push({ gateway, behindMs: g.correctionMs });
    return out;
  }

  /** Re-judge a gateway's clock from its samples; true when its correction changed. */
  private judge(g: GatewayClock): boolean {
    // A corrected clock that was set right (NTP came back) or jumped: the last minute's samples agree with each
    // other and not with the correction. Act on them now rather than after a whole new ring (ten minutes of
    // events would otherwise be moved by the old offset); the ring starts over from them.
    if (g.correctionMs !== 0 && g.n >= RECENT) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 1; i <= RECENT; i++) { const x = g.diffs[(g.n - i) % RING]!; if (x < lo) lo = x; if (x > hi) hi = x; }
      if (hi - lo <= STEADY_MS && (lo - g.correctionMs > STEADY_MS || g.correctionMs - hi > STEADY_MS)) {
        const mid = (lo + hi) / 2;
        const keepD = Array.from({ length: RECENT }, (_, i) => g.diffs[(g.n - RECENT + i) % RING]!);
        const keepA = Array.from({ length: RECENT }, (_, i) => g.at[(g.n - RECENT + i) % RING]!);
        g.diffs.set(keepD);
        g.at.set(keepA);
        g.n = RECENT;
        g.correctionMs = Math.abs(mid) >= CLOCK_OFF_MS ? Math.round(mid / 1000) * 1000 : 0;
        return true;
      }
    }
    const n = Math.min(g.n, RING);
    if (n < MIN_SAMPLES) return false;
    let first = Infinity, last = -Infinity;
    for (let i = 0; i < n; i++) { const a = g.at[i]!; if (a < first) first = a; if (a > last) last = a; }
    if (last - first < MIN_SPAN_MS) return false;
    const d = Array.from(g.diffs.subarray(0, n)).sort((a, b) => a - b);
    // (the middle 80 %: one line held up in a queue, or one stamped before a reboot, does not unsettle it)
    const lo = d[Math.floor(n * 0.1)]!, hi = d[Math.ceil(n * 0.9) - 1]!;
    if (hi - lo > STEADY_MS) return false; // changing: a backlog, a clock being set, a replay — keep what we had
    const median = d[n >> 1]!;
    const next = Math.abs(median) >= CLOCK_OFF_MS ? Math.round(median / 1000) * 1000 : 0;
    // (a steady clock keeps its correction within the steady margin: no change on every sample)
    if (next !== 0 && g.correctionMs !== 0 && Math.abs(next - g.correctionMs) <= STEADY_MS / 2) return false;
    if (next === g.correctionMs) return false;
    g.correctionMs = next;
    return true;
  }
}

/** "3 hours 12 minutes", "41 days" */
export function offsetText(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.floor(m / 60), rm = m % 60;
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}${rm ? ` ${rm} minute${rm === 1 ? '' : 's'}` : ''}`;
  const days = Math.round(h / 24);
  if (days < 730) return `${days} days`;
  return `${Math.round(days / 365.25)} years`;
}
