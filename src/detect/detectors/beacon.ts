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
  /** The outside address (its IPv4 number as an int32, or the text) and port. */
  dst: number | string = 0;
  port = -1;
  /** The next pair with the same outside address (another port). */
  next: Contacts | null = null;
}

/**
 * The pairs of one internal host, oldest dropped first when full. Pairs are only ever removed
 * oldest-first, so insertion order is a ring; a dropped pair's object is reused for the new one.
 * Keys are small integers (IPv4 as int32) so the Map needs no number boxing.
 */
class HostPairs {
  byDst = new Map<number | string, Contacts>();
  ring: Contacts[] = [];
  head = 0;

  get(dk: number | string, port: number): Contacts | undefined {
    let c: Contacts | null | undefined = this.byDst.get(dk);
    while (c !== undefined && c !== null) {
      if (c.port === port) return c;
      c = c.next;
    }
    return undefined;
  }

  /** A new pair (dropping the oldest when `max` are kept). */
  add(dk: number | string, port: number, max: number): Contacts {
    let c: Contacts;
    if (this.ring.length < max) {
      c = new Contacts();
      this.ring.push(c);
    } else {
      c = this.ring[this.head]!;
      this.head = this.head + 1 === max ? 0 : this.head + 1;
      this.unlink(c);
      // (times are kept: only the first min(n, RING) are ever read)
      c.n = 0;
      c.lastT = -Infinity;
      c.inc = null;
    }
    c.dst = dk;
    c.port = port;
    c.next = this.byDst.get(dk) ?? null;
    this.byDst.set(dk, c);
    return c;
  }

  get size(): number { return this.ring.length; }

  private unlink(c: Contacts): void {
    const h = this.byDst.get(c.dst);
    if (h === c) {
      if (c.next === null) this.byDst.delete(c.dst);
      else this.byDst.set(c.dst, c.next);
    } else {
      let x = h ?? null;
      while (x !== null && x.next !== c) x = x.next;
      if (x !== null) x.next = c.next;
    }
    c.next = null;
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
