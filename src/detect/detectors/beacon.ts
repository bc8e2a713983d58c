/**
 * Beaconing (MITRE T1071): one of your machines contacting the same outside address and port at
 * regular intervals, as malware does when it checks in with its controller. Regular = the gaps
 * between contacts have a low coefficient of variation (spread ÷ mean), so random jitter added by
 * the malware still counts.
 */
import { NEEDS_OUTBOUND_ALLOWED, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import { internalV4, looksInternal } from '../util';

const RING = 24;
/** Per pair, side by side: latest contact time and contacts counted (HEAD numbers); its last RING contact times apart. */
const HEAD = 2, P_LAST = 0, P_N = 1;

function cellOf(dn: number, port: number, mask: number): number {
  let h = Math.imul(dn ^ Math.imul(port + 1, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}

function plainPort(port: number): boolean {
  return port >= 0 && port < 0x7ffffffe && (port | 0) === port;
}

/**
 * The pairs (outside address and port) one internal host contacts, oldest dropped first when full.
 * Pairs are only ever removed oldest-first, so insertion order is a ring and a pair is its position
 * in it (a dropped pair's position is reused for the new one). Each pair's contacts live in typed
 * arrays at that position: its last contact time and count in a compact array (what every event
 * reads: it stays in cache), its last RING contact times in another (written once per contact, read
 * only when the pair is judged), so an event reads a few numbers instead of following a pair object.
 * IPv4 pairs are found through an open-addressing table of plain integers (address, port + 1,
 * position); other addresses (and odd port numbers) through a Map keyed by text.
 */
export class HostPairs {
  /** Told of each pair dropped to make room (the oldest), before it goes. */
  onDrop: ((dk: number | string, port: number) => void) | null = null;
  private tab = new Int32Array(64 * 3);
  private mask = 63;
  private n4 = 0;
  private readonly text = new Map<string, number>();
  /** The outside address of each pair (its IPv4 number as an int32, or the text) and its port. */
  private readonly dst: Array<number | string> = [];
  private readonly port: number[] = [];
  /** HEAD numbers per pair (P_LAST, P_N). */
  counts = new Float64Array(0);
  /** RING contact times per pair (the n-th at n % RING). */
  times = new Float64Array(0);
  /** The pair's open incident. */
  readonly inc: Array<OpenIncident | null> = [];
  private used = 0;
  head = 0;

  /** The pair's position, or -1. */
  get(dk: number | string, port: number): number {
    if (typeof dk === 'string' || !plainPort(port)) return this.text.get(dk + '|' + port) ?? -1;
    const tab = this.tab, mask = this.mask, p1 = port + 1;
    for (let i = cellOf(dk, port, mask); ; i = (i + 1) & mask) {
      const c = tab[i * 3 + 1]!;
      if (c === 0) return -1;
      if (c === p1 && tab[i * 3] === dk) return tab[i * 3 + 2]!;
    }
  }

  /** A new pair (dropping the oldest when `max` are kept); its position. */
  add(dk: number | string, port: number, max: number): number {
    // (grown first, before any pair changes: the table is rebuilt from the pairs)
    if ((this.n4 + 1) * 2 > this.mask + 1) this.grow();
    let j: number;
    if (this.used < max) {
      j = this.used++;
      if ((j + 1) * HEAD > this.counts.length) this.more(max);
    } else {
      j = this.head;
      this.head = this.head + 1 === max ? 0 : this.head + 1;
      this.onDrop?.(this.dst[j]!, this.port[j]!);
      this.remove(j);
      // (times are kept: only the first min(n, RING) are ever read)
    }
    this.counts[j * HEAD + P_N] = 0;
    this.counts[j * HEAD + P_LAST] = -Infinity;
    this.inc[j] = null;
    this.dst[j] = dk;
    this.port[j] = port;
    if (typeof dk === 'string' || !plainPort(port)) this.text.set(dk + '|' + port, j);
    else this.insert(dk, port, j);
    return j;
  }

  get size(): number { return this.used; }

  /** Pair j's outside address (IPv4 number or text). */
  dstAt(j: number): number | string { return this.dst[j]!; }

  /** Every pair's outside address and port. */
  forEachPair(fn: (dk: number | string, port: number) => void): void {
    for (let j = 0; j < this.used; j++) fn(this.dst[j]!, this.port[j]!);
  }

  /** Room for more pairs (doubling, up to max). */
  private more(max: number): void {
    const cap = Math.min(Math.max(max, 1), Math.max(16, (this.counts.length / HEAD) * 2));
    const counts = new Float64Array(cap * HEAD);
    counts.set(this.counts);
    this.counts = counts;
    const times = new Float64Array(cap * RING);
    times.set(this.times);
    this.times = times;
  }

  private insert(dn: number, port: number, idx: number): void {
    const tab = this.tab, mask = this.mask;
    let i = cellOf(dn, port, mask);
    while (tab[i * 3 + 1] !== 0) i = (i + 1) & mask;
    tab[i * 3] = dn;
    tab[i * 3 + 1] = port + 1;
    tab[i * 3 + 2] = idx;
    this.n4++;
  }

  /** Twice the cells; every pair is in the table, so it is rebuilt from the pairs. */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.tab = new Int32Array(size * 3);
    this.mask = size - 1;
    this.n4 = 0;
    for (let j = 0; j < this.used; j++) {
      const d = this.dst[j]!, port = this.port[j]!;
      if (typeof d === 'number' && plainPort(port)) this.insert(d, port, j);
    }
  }

  private remove(j: number): void {
    const dk = this.dst[j]!, port = this.port[j]!;
    if (typeof dk === 'string' || !plainPort(port)) { this.text.delete(dk + '|' + port); return; }
    const tab = this.tab, mask = this.mask, p1 = port + 1;
    let i = cellOf(dk, port, mask);
    for (;;) {
      const x = tab[i * 3 + 1]!;
      if (x === 0) return;
      if (x === p1 && tab[i * 3] === dk) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps probe chains intact without tombstones.
    let k = i;
    for (;;) {
      k = (k + 1) & mask;
      const x = tab[k * 3 + 1]!;
      if (x === 0) break;
      const home = cellOf(tab[k * 3]!, x - 1, mask);
      if (i <= k ? home <= i || home > k : home <= i && home > k) {
        tab[i * 3] = tab[k * 3]!;
        tab[i * 3 + 1] = x;
        tab[i * 3 + 2] = tab[k * 3 + 2]!;
        i = k;
      }
    }
    tab[i * 3 + 1] = 0;
    this.n4--;
  }
}

/**
 * How many of your machines have contacted each outside address and port (a pair held in their HostPairs):
 * what twenty PCs all contact every five minutes is the software they all run, not twenty infections.
 * Counted when a pair is made and dropped, so it stays as bounded as the pairs. IPv4 addresses with a plain
 * port are keyed by one number (address × 65536 + port: no string made).
 */
export class Prevalence {
  private readonly counts = new Map<number | string, number>();
  add(dk: number | string, port: number, by: number): void {
    const k = prevalenceKey(dk, port);
    const n = (this.counts.get(k) ?? 0) + by;
    if (n > 0) this.counts.set(k, n); else this.counts.delete(k);
  }
  count(dk: number | string, port: number): number {
    return this.counts.get(prevalenceKey(dk, port)) ?? 0;
  }
}

function prevalenceKey(dk: number | string, port: number): number | string {
  return typeof dk === 'number' && plainPort(port) && port < 65536 ? (dk >>> 0) * 65536 + port : dk + '|' + port;
}

/** Mean and coefficient of variation of the gaps between the last contacts (the n contacts' RING times at `base`). */
export function regularity(times: Float64Array, base: number, n: number): { mean: number; cv: number } {
  const k = Math.min(n, RING);
  const xs = Array.from({ length: k }, (_, i) => times[base + ((n - k + i) % RING)]!).sort((a, b) => a - b);
  let sum = 0;
  for (let i = 1; i < k; i++) sum += xs[i]! - xs[i - 1]!;
  const mean = sum / (k - 1);
  let sq = 0;
  for (let i = 1; i < k; i++) { const d = xs[i]! - xs[i - 1]! - mean; sq += d * d; }
  const sd = Math.sqrt(sq / (k - 1));
  return { mean, cv: mean > 0 ? sd / mean : Infinity };
}

/** The i-th contact time of a pair (NaN before the first, as a missing list entry reads in arithmetic). */
function timeAt(times: Float64Array, base: number, i: number): number {
  return i < 0 ? NaN : times[base + (i % RING)]!;
}

export const beacon: DetectorDef = {
  id: 'beacon',
  kinds: {
    beacon: {
      technique: { id: 'T1071', name: 'Application Layer Protocol', tactic: 'Command and Control' },
      describe(inc) {
        const period = Number(inc.details.period_s ?? 0);
        const who = inc.victims[0]?.ip ?? 'one of your machines';
        const bad = (inc.attacker.reputation?.length ?? 0) > 0;
        return {
          score: 45 + (bad ? 30 : 0) + (Number(inc.details.cv ?? 1) < 0.05 ? 5 : 0),
          confidence: bad ? 'high' : 'medium',
          summary: `Your computer ${who} contacts ${place(inc.attacker)} on port ${inc.topPorts()[0] ?? '?'} like clockwork, about every ${duration(period * 1000)} (${plural(inc.events, 'contact')} so far), which is how malware checks in with its controller${bad ? '; that address is on a reputation list' : ''}.`,
          advice: bad
            ? `Have ${who} checked for malware now and block ${inc.attacker.ip}: that address is on a reputation list.`
            : `Find out what on ${who} makes these connections. Printers, cameras, phones and update or backup software check in with their makers like this too: if that is what it is, add ${inc.attacker.ip} to "Never report" in the detect node and you will not hear of it again. If you do not recognise it, have the machine scanned for malware and block ${inc.attacker.ip}.`,
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.beacon;
    const ignore = new Uint8Array(65536);
    for (const p of c.ignorePorts.map(Number)) if (p >= 0 && p < 65536) ignore[p] = 1;
    // Internal host → (outside address, port) → contacts. Both levels are capped, oldest first: a small
    // office has few internal hosts.
    const MAX_HOSTS = 1024, MAX_PAIRS = Math.max(64, Math.min(4096, Math.floor(cfg.general.maxSources / 64)));
    const hosts = new Map<number | string, HostPairs>();
    let pairs = 0;
    const shared = new Prevalence();
    const dropPair = (dk: number | string, port: number): void => shared.add(dk, port, -1);
    const minGap = c.minIntervalS * 1000, maxGap = c.maxIntervalS * 1000;
    /** One more contact of a pair with an open incident. */
    const grow = (open: OpenIncident, o: Obs, tm: Float64Array, tb: number, n: number, ctx: Ctx): void => {
      open.add(o, o.src, o.dport);
      if (n % 8 === 0) { const r = regularity(tm, tb, n); open.details.period_s = Math.round(r.mean / 1000); open.details.cv = Math.round(r.cv * 1000) / 1000; }
      ctx.changed(open, o.t);
    };
    /** Is pair j (n contacts) regular enough to report? (called rarely: its own function, off the per-event path) */
    const judge = (o: Obs, inner: HostPairs, j: number, n: number, ctx: Ctx): void => {
      const tm = inner.times, tb = j * RING;
      // Cheap first look: the last three gaps must be alike before the full computation.
      const g1 = Math.abs(timeAt(tm, tb, n - 1) - timeAt(tm, tb, n - 2)), g2 = Math.abs(timeAt(tm, tb, n - 2) - timeAt(tm, tb, n - 3)), g3 = Math.abs(timeAt(tm, tb, n - 3) - timeAt(tm, tb, n - 4));
      const lo = Math.min(g1, g2, g3), hi = Math.max(g1, g2, g3);
      if (hi > lo * (1 + 6 * c.maxCv)) return;
      const r = regularity(tm, tb, n);
      if (!(r.cv <= c.maxCv && r.mean >= minGap && r.mean <= maxGap)) return;
      if (c.commonHosts > 0 && shared.count(inner.dstAt(j), o.dport) >= c.commonHosts) return;
      const inc = ctx.incident('beacon|' + o.dst + '|' + o.src + '|' + o.dport, 'beacon', o, 'destination');
      if (inc === null) return;
      inner.inc[j] = inc;
      for (let i = 0, k = Math.min(n, RING); i < k; i++) if (tm[tb + i]! < inc.first) inc.first = tm[tb + i]!;
      inc.add(o, o.src, o.dport, Math.min(n, RING));
      inc.details.period_s = Math.round(r.mean / 1000);
      inc.details.cv = Math.round(r.cv * 1000) / 1000;
      inc.details.contacts = n;
      ctx.changed(inc, o.t);
    };
    return {
      id: 'beacon',
      needs: NEEDS_OUTBOUND_ALLOWED,
      tables: () => ({ pairs }),
      process(o: Obs, ctx: Ctx): void {
        if (o.direction !== 'outbound' || !o.allowed || o.dport < 0 || (o.dport < 65536 && ignore[o.dport] === 1)) return;
        const hk: number | string = o.sn >= 0 ? o.sn | 0 : o.src;
        let inner = hosts.get(hk);
        if (inner === undefined) {
          if (hosts.size >= MAX_HOSTS) {
            const [k0, m0] = hosts.entries().next().value as [number | string, HostPairs];
            pairs -= m0.size;
            m0.forEachPair(dropPair);
            hosts.delete(k0);
          }
          inner = new HostPairs();
          inner.onDrop = dropPair;
          hosts.set(hk, inner);
        }
        const dk: number | string = o.dn >= 0 ? o.dn | 0 : o.dst;
        let j = inner.get(dk, o.dport);
        if (j < 0) {
          if (o.dn >= 0 ? internalV4(o.dn) : looksInternal(o.dst)) return;
          if (inner.size >= MAX_PAIRS) pairs--;
          j = inner.add(dk, o.dport, MAX_PAIRS);
          shared.add(dk, o.dport, 1);
          pairs++;
        }
        const hd = inner.counts, hb = j * HEAD;
        // (a pair has an incident only once it reached minContacts: below that, no need to look)
        const held = hd[hb + P_N]! < c.minContacts ? null : inner.inc[j]!;
        const open = held !== null && ctx.current(held, o.t) ? held : undefined;
        // Packets of one burst (a connection's several log lines) are one contact.
        if (Math.abs(o.t - hd[hb + P_LAST]!) < minGap) return;
        if (o.t > hd[hb + P_LAST]!) hd[hb + P_LAST] = o.t;
        const n = hd[hb + P_N]! + 1;
        const tm = inner.times, tb = j * RING;
        tm[tb + ((n - 1) % RING)] = o.t;
        hd[hb + P_N] = n;
        if (open !== undefined) { grow(open, o, tm, tb, n, ctx); return; }
        // Judge at minContacts, then every 4th contact (the sort is the costly part).
        if (n < c.minContacts || (n > c.minContacts && (n - c.minContacts) % 4 !== 0)) return;
        judge(o, inner, j, n, ctx);
      },
    };
  },
};
