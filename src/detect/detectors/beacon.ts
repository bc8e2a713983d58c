/**
 * Beaconing (MITRE T1071): one of your machines contacting the same outside address and port at
 * regular intervals, as malware does when it checks in with its controller. Regular = the gaps
 * between contacts have a low coefficient of variation (spread ÷ mean), so random jitter added by
 * the malware still counts.
 */
import type { DetectorDef, Detector, Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import { looksInternal } from '../util';
import { parseIPv4 } from '../../net/ip';

const RING = 24;

/** Contacts of one internal host with one outside address and port. */
class Contacts {
  times: number[] = [];
  n = 0;
  lastT = -Infinity;
  inc: OpenIncident | null = null;
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
    const ignore = new Set(c.ignorePorts.map(Number));
    // Internal host → (outside address, port) → contacts. Keys are numbers for IPv4 (no string building
    // on the hot path); both levels are capped, oldest first: a small office has few internal hosts.
    const MAX_HOSTS = 1024, MAX_PAIRS = Math.max(64, Math.min(4096, Math.floor(cfg.general.maxSources / 64)));
    const hosts = new Map<number | string, Map<number | string, Contacts>>();
    let pairs = 0;
    const minGap = c.minIntervalS * 1000, maxGap = c.maxIntervalS * 1000;
    return {
      id: 'beacon',
      tables: () => ({ pairs }),
      process(o: Obs, ctx: Ctx): void {
        if (o.direction !== 'outbound' || !o.allowed || o.dport < 0 || ignore.has(o.dport)) return;
        const sn = o.src.indexOf(':') < 0 ? parseIPv4(o.src) : -1;
        const hk: number | string = sn >= 0 ? sn : o.src;
        let inner = hosts.get(hk);
        if (inner === undefined) {
          if (hosts.size >= MAX_HOSTS) {
            const [k0, m0] = hosts.entries().next().value as [number | string, Map<number | string, Contacts>];
            pairs -= m0.size;
            hosts.delete(k0);
          }
          inner = new Map();
          hosts.set(hk, inner);
        }
        const dn = o.dst.indexOf(':') < 0 ? parseIPv4(o.dst) : -1;
        const pk: number | string = dn >= 0 ? dn * 65536 + o.dport : o.dst + '|' + o.dport;
        let s = inner.get(pk);
        if (s === undefined) {
          if (looksInternal(o.dst)) return;
          if (inner.size >= MAX_PAIRS) { inner.delete(inner.keys().next().value as number | string); pairs--; }
          s = new Contacts();
          inner.set(pk, s);
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
        inc.first = Math.min(inc.first, ...s.times);
        inc.add(o, o.src, o.dport, Math.min(s.n, RING));
        inc.details.period_s = Math.round(r.mean / 1000);
        inc.details.cv = Math.round(r.cv * 1000) / 1000;
        inc.details.contacts = s.n;
        ctx.changed(inc, o.t);
      },
    };
  },
};
