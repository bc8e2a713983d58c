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
// Record layout: 16 int32 words (one cache line), then RING attempt times as float64 (two lines).
const R_I32 = 48, R_F64 = 24;
const R_PORT = 0, R_N = 1, R_NEXT = 2, R_SP = 3, R_SPORTS = 4, R_V0N = 8, R_V0TEXT = 9, R_NVICT = 10;
const R_TIMES = 8; // in float64 words

class AuthPool {
  // Per record: port, attempt count, next record of the same source, the last four source ports and
  // where the next goes, the first victim as an IPv4 number (or a flag: compare the text), and how
  // many victims are listed (0: only the first).
  f64: Float64Array = new Float64Array(0);
  i32: Int32Array = new Int32Array(0);
  victim0: string[] = [];
  victims: Array<string[] | null> = [];
  private freeHead = -1;
  private used = 0;
  private cap = 0;

  /** A new record at the head of the profile's chain (kept in `p.aux` as record + 1). */
  add(p: Profile, port: number, victim: string, vn: number): number {
    let r = this.freeHead;
    if (r >= 0) this.freeHead = this.i32[r * R_I32 + R_NEXT]!;
    else {
      if (this.used === this.cap) this.grow();
      r = this.used++;
    }
    const i32 = this.i32, b = r * R_I32;
    i32[b + R_PORT] = port;
    i32[b + R_N] = 0;
    i32[b + R_SP] = 0;
    i32[b + R_SPORTS] = -1; i32[b + R_SPORTS + 1] = -1; i32[b + R_SPORTS + 2] = -1; i32[b + R_SPORTS + 3] = -1;
    i32[b + R_V0N] = vn | 0;
    i32[b + R_V0TEXT] = vn >= 0 ? 0 : 1;
    i32[b + R_NVICT] = 0;
    this.victim0[r] = victim;
    this.victims[r] = null;
    i32[b + R_NEXT] = p.aux - 1;
    p.aux = r + 1;
    return r;
  }

  /** Forget a slot's records (its profile was evicted). */
  release(p: Profile): void {
    let r = p.aux - 1;
    while (r >= 0) {
      const nx = this.i32[r * R_I32 + R_NEXT]!;
      this.victim0[r] = '';
      this.victims[r] = null;
      this.i32[r * R_I32 + R_NEXT] = this.freeHead;
      this.freeHead = r;
      r = nx;
    }
    p.aux = 0;
  }

  /** Remember a source port; false when it is a repeat of one of the last four (a retransmission). */
  newSport(r: number, v: number): boolean {
    const s = this.i32, b = r * R_I32 + R_SPORTS;
    if (v === s[b] || v === s[b + 1] || v === s[b + 2] || v === s[b + 3]) return false;
    const k = s[r * R_I32 + R_SP]!;
    s[b + k] = v;
    s[r * R_I32 + R_SP] = (k + 1) & 3;
    return true;
  }

  /** Time between the latest attempt and the k-th latest (ms, by arrival order), or Infinity when fewer. */
  span(r: number, k: number): number {
    const n = this.i32[r * R_I32 + R_N]!;
    if (n < k) return Infinity;
    const i = (n - k) % RING;
    // (an entry not written yet reads as NaN, as in a plain list)
    if (!(i >= 0 && (n >= RING || i < n))) return NaN;
    const t = r * R_F64 + R_TIMES;
    return Math.abs(this.f64[t + ((n - 1) % RING)]! - this.f64[t + i]!);
  }

  /** The earliest kept attempt time. */
  minTime(r: number): number {
    const k = Math.min(this.i32[r * R_I32 + R_N]!, RING), t = r * R_F64 + R_TIMES;
    let m = Infinity;
    for (let i = 0; i < k; i++) m = Math.min(m, this.f64[t + i]!);
    return m;
  }

  private grow(): void {
    this.cap = Math.max(1024, this.cap * 2);
    const f = new Float64Array(this.cap * R_F64);
    f.set(this.f64);
    this.f64 = f;
    this.i32 = new Int32Array(f.buffer);
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
      ports: isAuth,
      tables: () => ({}),
      release: (p: Profile) => pool.release(p),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        const p = ctx.profile;
        if (port < 0 || isAuth[port] !== 1 || p === null) return;
        const i32 = pool.i32;
        let a = -1, count = 0;
        for (let r = p.aux - 1; r >= 0; r = i32[r * R_I32 + R_NEXT]!) {
          if (i32[r * R_I32 + R_PORT] === port) { a = r; break; }
          count++;
        }
        if (a < 0) {
          if (count >= 8) return;
          a = pool.add(p, port, own(o.dst), o.dn);
        }
        // A retransmitted SYN of the same attempt (same source port) counts once.
        if (o.sport >= 0 && !pool.newSport(a, o.sport)) return;
        const ab = a * R_I32;
        const I = pool.i32;
        const n = I[ab + R_N]!;
        pool.f64[a * R_F64 + R_TIMES + (n % RING)] = o.t;
        I[ab + R_N] = n + 1;
        // Same as the first victim? By number for IPv4 (the text is canonical), else by text.
        const dn = o.dn;
        const same = I[ab + R_V0TEXT] === 0 ? dn >= 0 && I[ab + R_V0N] === (dn | 0) : pool.victim0[a] === o.dst;
        if (!same) {
          let vs = pool.victims[a]!;
          if (vs === null) pool.victims[a] = vs = [pool.victim0[a]!];
          if (vs.length < 64 && !vs.includes(o.dst)) vs.push(own(o.dst));
          I[ab + R_NVICT] = vs.length;
        }
        const held = p.auth as OpenIncident | null;
        let inc = held !== null && ctx.current(held, o.t) ? held : undefined;
        let sub: string | undefined;
        const victimCount = I[ab + R_NVICT] === 0 ? 1 : I[ab + R_NVICT]!;
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
