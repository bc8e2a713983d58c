/**
 * Brute force (MITRE T1110): bursts of connections from one address to a login service (SSH, RDP,
 * VPN, mail, databases …). A firewall log shows connections, not failed passwords, so this counts
 * connection attempts (retransmissions of the same attempt count once). Fast (5 in 10 s, like
 * CrowdSec's ssh-bf), slow (10 in 10 min, like fail2ban's jails) and password spraying (the same
 * service on many of your machines).
 */
import { NEEDS_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import { own } from '../util';
import type { Profile } from '../profile';

const RING = 16;

/**
 * Attempts of one source on one login service, kept per source profile slot (so capped with it).
 * Records live in typed arrays (a pool that grows by doubling and reuses freed records), chained
 * per slot: no objects per source on the hot path, nothing for the garbage collector to walk.
 */
class AuthPool {
  // Per record: port, attempt count, last four source ports and where the next goes, next record.
  port: Int32Array = new Int32Array(0);
  n: Int32Array = new Int32Array(0);
  sports: Int32Array = new Int32Array(0);
  sp: Uint8Array = new Uint8Array(0);
  next: Int32Array = new Int32Array(0);
  /** RING attempt times per record (ms), by arrival order. */
  times: Float64Array = new Float64Array(0);
  victim0: string[] = [];
  victims: Array<string[] | null> = [];
  private freeHead = -1;
  private used = 0;

  /** A new record at the head of the profile's chain (kept in `p.aux` as record + 1). */
  add(p: Profile, port: number, victim: string): number {
    let r = this.freeHead;
    if (r >= 0) this.freeHead = this.next[r]!;
    else {
      if (this.used === this.port.length) this.grow();
      r = this.used++;
    }
    this.port[r] = port;
    this.n[r] = 0;
    const b = r * 4;
    this.sports[b] = -1; this.sports[b + 1] = -1; this.sports[b + 2] = -1; this.sports[b + 3] = -1;
    this.sp[r] = 0;
    this.victim0[r] = victim;
    this.victims[r] = null;
    this.next[r] = p.aux - 1;
    p.aux = r + 1;
    return r;
  }

  /** Forget a slot's records (its profile was evicted). */
  release(p: Profile): void {
    let r = p.aux - 1;
    while (r >= 0) {
      const nx = this.next[r]!;
      this.victim0[r] = '';
      this.victims[r] = null;
      this.next[r] = this.freeHead;
      this.freeHead = r;
      r = nx;
    }
    p.aux = 0;
  }

  /** Remember a source port; false when it is a repeat of one of the last four (a retransmission). */
  newSport(r: number, v: number): boolean {
    const s = this.sports, b = r * 4;
    if (v === s[b] || v === s[b + 1] || v === s[b + 2] || v === s[b + 3]) return false;
    const k = this.sp[r]!;
    s[b + k] = v;
    this.sp[r] = (k + 1) & 3;
    return true;
  }

  /** Time between the latest attempt and the k-th latest (ms, by arrival order), or Infinity when fewer. */
  span(r: number, k: number): number {
    const n = this.n[r]!;
    if (n < k) return Infinity;
    const i = (n - k) % RING;
    // (an entry not written yet reads as NaN, as in a plain list)
    if (!(i >= 0 && (n >= RING || i < n))) return NaN;
    return Math.abs(this.times[r * RING + ((n - 1) % RING)]! - this.times[r * RING + i]!);
  }

  /** The earliest kept attempt time. */
  minTime(r: number): number {
    const k = Math.min(this.n[r]!, RING);
    let m = Infinity;
    for (let i = 0; i < k; i++) m = Math.min(m, this.times[r * RING + i]!);
    return m;
  }

  private grow(): void {
    const cap = Math.max(1024, this.port.length * 2);
    const g32 = (a: Int32Array, m = 1): Int32Array => { const x = new Int32Array(cap * m); x.set(a); return x; };
    this.port = g32(this.port);
    this.n = g32(this.n);
    this.sports = g32(this.sports, 4);
    this.next = g32(this.next);
    const sp = new Uint8Array(cap); sp.set(this.sp); this.sp = sp;
    const t = new Float64Array(cap * RING); t.set(this.times); this.times = t;
  }
}

function rank(s: string | undefined): number {
  return s === 'spray' ? 3 : s === 'fast' ? 2 : s === 'slow' ? 1 : 0;
}

export const bruteforce: DetectorDef = {
  id: 'bruteforce',
  kinds: {
    bruteforce: {
      technique: { id: 'T1110', name: 'Brute Force', tactic: 'Credential Access' },
      describe(inc: OpenIncident) {
        const services = (inc.details.services as string[] | undefined) ?? [];
        const svc = services.join(', ') || 'a login service';
        const hosts = inc.victimCount;
        let score = inc.allowed > 0 ? 55 : 30;
        if (inc.subtype === 'fast') score += 5;
        if (inc.subtype === 'spray') score += 10;
        if (inc.events >= 100) score += 10;
        const attempts = plural(inc.events, 'connection attempt');
        const where = hosts === 1 ? (inc.victims[0]?.ip ?? 'your network') : plural(hosts, 'of your machines', 'of your machines');
        const summary = inc.subtype === 'spray'
          ? `${place(inc.attacker)} is trying passwords on ${svc} across ${where} (${attempts} in ${duration(inc.last - inc.first)})${inc.allowed > 0 ? ', and the firewall let it reach the login' : ''}.`
          : `${place(inc.attacker)} made ${attempts} to ${svc} on ${where} in ${duration(inc.last - inc.first)}, which looks like password guessing${inc.allowed > 0 ? '; the firewall let it reach the login' : '; your firewall blocked it'}.`;
        const advice = inc.allowed > 0
          ? `Make sure ${svc} uses strong passwords or keys and multi-factor sign-in, check its log for successful logins from this address, and block the address. Better still, reach ${svc} only through a VPN.`
          : 'Your firewall blocked these attempts. Nothing urgent; block the address if it keeps coming back.';
        return { score, confidence: inc.events >= 10 ? 'high' : 'medium', summary, advice };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.bruteforce;
    const names = new Map<number, string>();
    for (const [p, n] of Object.entries(c.services)) names.set(Number(p), n);
    for (const p of c.vpnPorts) if (!names.has(Number(p))) names.set(Number(p), 'VPN/login portal');
    const isAuth = new Uint8Array(65536);
    for (const p of names.keys()) if (p >= 0 && p < 65536) isAuth[p] = 1;
    const fastMs = c.fastWindowS * 1000, slowMs = c.slowWindowS * 1000;
    const fastK = Math.min(RING, c.fastCount), slowK = Math.min(RING, c.slowCount);
    const pool = new AuthPool();
    return {
      id: 'bruteforce',
      needs: NEEDS_PROFILE,
      tables: () => ({}),
      release: (p: Profile) => pool.release(p),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        const p = ctx.profile;
        if (port < 0 || isAuth[port] !== 1 || p === null) return;
        let a = -1, count = 0;
        for (let r = p.aux - 1; r >= 0; r = pool.next[r]!) {
          if (pool.port[r] === port) { a = r; break; }
          count++;
        }
        if (a < 0) {
          if (count >= 8) return;
          a = pool.add(p, port, own(o.dst));
        }
        // A retransmitted SYN of the same attempt (same source port) counts once.
        if (o.sport >= 0 && !pool.newSport(a, o.sport)) return;
        const n = pool.n[a]!;
        pool.times[a * RING + (n % RING)] = o.t;
        pool.n[a] = n + 1;
        let vs = pool.victims[a]!;
        if (o.dst !== pool.victim0[a]) {
          if (vs === null) pool.victims[a] = vs = [pool.victim0[a]!];
          if (vs.length < 64 && !vs.includes(o.dst)) vs.push(own(o.dst));
        }
        const held = p.auth as OpenIncident | null;
        let inc = held !== null && ctx.current(held, o.t) ? held : undefined;
        let sub: string | undefined;
        const victimCount = vs === null ? 1 : vs.length;
        if (victimCount >= c.sprayHosts && n + 1 >= c.sprayHosts) sub = 'spray';
        else if (pool.span(a, fastK) <= fastMs) sub = 'fast';
        else if (pool.span(a, slowK) <= slowMs) sub = 'slow';
        if (inc === undefined) {
          if (sub === undefined) return;
          inc = ctx.incident('bruteforce|' + o.src, 'bruteforce', o, 'source') ?? undefined;
          if (inc === undefined) return;
          p.auth = inc;
          const seed = Math.min(n + 1, RING) - 1;
          inc.first = Math.min(inc.first, pool.minTime(a));
          inc.events += seed;
        }
        inc.add(o, o.dst, port);
        const name = names.get(port) ?? String(port);
        const services = (inc.details.services as string[] | undefined) ?? (inc.details.services = []) as string[];
        if (!services.includes(name) && services.length < 16) services.push(name);
        // Subtype only escalates: slow → fast → spray.
        if (rank(sub) > rank(inc.subtype)) { inc.subtype = sub; inc.level++; }
        inc.details.attempts = inc.events;
        ctx.changed(inc, o.t);
      },
    };
  },
};
