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
import { looksInternal } from '../util';

const RING = 24;

/** Contacts of one internal host with one outside address and port. */
class Contacts {
  times: number[] = [];
  n = 0;
  lastT = -Infinity;
  inc: OpenIncident | null = null;
  /** The outside address (its IPv4 number as an int32, or the text) and port; where it sits in the ring. */
  dst: number | string = 0;
  port = -1;
  idx = 0;
}

function cellOf(dn: number, port: number, mask: number): number {
  let h = Math.imul(dn ^ Math.imul(port + 1, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}

/**
 * The pairs of one internal host, oldest dropped first when full. Pairs are only ever removed
 * oldest-first, so insertion order is a ring; a dropped pair's object is reused for the new one.
 * IPv4 pairs are found through an open-addressing table of plain integers (address, port + 1,
 * ring index); other addresses (and odd port numbers) through a Map keyed by text.
 */
export class HostPairs {
  private tab = new Int32Array(64 * 3);
  private mask = 63;
  private n4 = 0;
  private readonly text = new Map<string, Contacts>();
  ring: Contacts[] = [];
  head = 0;

  get(dk: number | string, port: number): Contacts | undefined {
    if (typeof dk === 'string' || !(port >= 0 && port < 0x7ffffffe && (port | 0) === port)) return this.text.get(dk + '|' + port);
    const tab = this.tab, mask = this.mask, p1 = port + 1;
    for (let i = cellOf(dk, port, mask); ; i = (i + 1) & mask) {
      const c = tab[i * 3 + 1]!;
      if (c === 0) return undefined;
      if (c === p1 && tab[i * 3] === dk) return this.ring[tab[i * 3 + 2]!];
    }
  }

  /** A new pair (dropping the oldest when `max` are kept). */
  add(dk: number | string, port: number, max: number): Contacts {
    // (grown first, before any pair changes: the table is rebuilt from the ring)
    if ((this.n4 + 1) * 2 > this.mask + 1) this.grow();
    let c: Contacts;
    if (this.ring.length < max) {
      c = new Contacts();
      c.idx = this.ring.length;
      this.ring.push(c);
    } else {
      c = this.ring[this.head]!;
      this.head = this.head + 1 === max ? 0 : this.head + 1;
      this.remove(c);
      // (times are kept: only the first min(n, RING) are ever read)
      c.n = 0;
      c.lastT = -Infinity;
      c.inc = null;
    }
    c.dst = dk;
    c.port = port;
    if (typeof dk === 'string' || !(port >= 0 && port < 0x7ffffffe && (port | 0) === port)) this.text.set(dk + '|' + port, c);
    else this.insert(dk, port, c.idx);
    return c;
  }

  get size(): number { return this.ring.length; }

  private insert(dn: number, port: number, idx: number): void {
    const tab = this.tab, mask = this.mask;
    let i = cellOf(dn, port, mask);
    while (tab[i * 3 + 1] !== 0) i = (i + 1) & mask;
    tab[i * 3] = dn;
    tab[i * 3 + 1] = port + 1;
    tab[i * 3 + 2] = idx;
    this.n4++;
  }

  /** Twice the cells; every pair in the ring is in the table, so it is rebuilt from the ring. */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.tab = new Int32Array(size * 3);
    this.mask = size - 1;
    this.n4 = 0;
    for (const c of this.ring) {
      if (typeof c.dst === 'number' && c.port >= 0 && c.port < 0x7ffffffe && (c.port | 0) === c.port) this.insert(c.dst, c.port, c.idx);
    }
  }

  private remove(c: Contacts): void {
    const dk = c.dst, port = c.port;
    if (typeof dk === 'string' || !(port >= 0 && port < 0x7ffffffe && (port | 0) === port)) { this.text.delete(dk + '|' + port); return; }
    const tab = this.tab, mask = this.mask, p1 = port + 1;
    let i = cellOf(dk, port, mask);
    for (;;) {
      const x = tab[i * 3 + 1]!;
      if (x === 0) return;
      if (x === p1 && tab[i * 3] === dk) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps probe chains intact without tombstones.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const x = tab[j * 3 + 1]!;
      if (x === 0) break;
      const home = cellOf(tab[j * 3]!, x - 1, mask);
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        tab[i * 3] = tab[j * 3]!;
        tab[i * 3 + 1] = x;
        tab[i * 3 + 2] = tab[j * 3 + 2]!;
        i = j;
      }
    }
    tab[i * 3 + 1] = 0;
    this.n4--;
  }
}

/** Mean and coefficient of variation of the gaps between the last contacts. */
export function regularity(times: number[], n: number): { mean: number; cv: number } {
  const k = Math.min(n, RING);
  const xs = Array.from({ length: k }, (_, i) => times[(n - k + i) % RING]!).sort((a, b) => a - b);
  let sum = 0;
  for (let i = 1; i < k; i++) sum += xs[i]! - xs[i - 1]!;
  const mean = sum / (k - 1);
  let sq = 0;
  for (let i = 1; i < k; i++) { const d = xs[i]! - xs[i - 1]! - mean; sq += d * d; }
  const sd = Math.sqrt(sq / (k - 1));
  return { mean, cv: mean > 0 ? sd / mean : Infinity };
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
          advice: `Find out which program on ${who} makes these connections. Update software and backup tools do this too; if you do not recognise it, scan the machine for malware and block ${inc.attacker.ip}.`,
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
    const minGap = c.minIntervalS * 1000, maxGap = c.maxIntervalS * 1000;
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
            hosts.delete(k0);
          }
          inner = new HostPairs();
          hosts.set(hk, inner);
        }
        const dk: number | string = o.dn >= 0 ? o.dn | 0 : o.dst;
        let s = inner.get(dk, o.dport);
        if (s === undefined) {
          if (looksInternal(o.dst)) return;
          if (inner.size >= MAX_PAIRS) pairs--;
          s = inner.add(dk, o.dport, MAX_PAIRS);
          pairs++;
        }
        const open = s.inc !== null && ctx.current(s.inc, o.t) ? s.inc : undefined;
        // Packets of one burst (a connection's several log lines) are one contact.
        if (Math.abs(o.t - s.lastT) < minGap) return;
        if (o.t > s.lastT) s.lastT = o.t;
        s.times[s.n % RING] = o.t;
        s.n++;
        if (open !== undefined) {
          open.add(o, o.src, o.dport);
          if (s.n % 8 === 0) { const r = regularity(s.times, s.n); open.details.period_s = Math.round(r.mean / 1000); open.details.cv = Math.round(r.cv * 1000) / 1000; }
          ctx.changed(open, o.t);
          return;
        }
        // Judge at minContacts, then every 4th contact (the sort is the costly part).
        if (s.n < c.minContacts || (s.n > c.minContacts && (s.n - c.minContacts) % 4 !== 0)) return;
        // Cheap first look: the last three gaps must be alike before the full computation.
        const tm = s.times, n = s.n;
        const g1 = Math.abs(tm[(n - 1) % RING]! - tm[(n - 2) % RING]!), g2 = Math.abs(tm[(n - 2) % RING]! - tm[(n - 3) % RING]!), g3 = Math.abs(tm[(n - 3) % RING]! - tm[(n - 4) % RING]!);
        const lo = Math.min(g1, g2, g3), hi = Math.max(g1, g2, g3);
        if (hi > lo * (1 + 6 * c.maxCv)) return;
        const r = regularity(s.times, s.n);
        if (!(r.cv <= c.maxCv && r.mean >= minGap && r.mean <= maxGap)) return;
        const inc = ctx.incident('beacon|' + o.dst + '|' + o.src + '|' + o.dport, 'beacon', o, 'destination');
        if (inc === null) return;
        s.inc = inc;
        for (let i = 0, k = Math.min(s.n, RING); i < k; i++) if (s.times[i]! < inc.first) inc.first = s.times[i]!;
        inc.add(o, o.src, o.dport, Math.min(s.n, RING));
        inc.details.period_s = Math.round(r.mean / 1000);
        inc.details.cv = Math.round(r.cv * 1000) / 1000;
        inc.details.contacts = s.n;
        ctx.changed(inc, o.t);
      },
    };
  },
};
