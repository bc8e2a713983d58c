/**
 * Brute force (MITRE T1110): bursts of connections from one address to a login service (SSH, RDP,
 * VPN, mail, databases …). A firewall log shows connections, not failed passwords, so this counts
 * connection attempts (retransmissions of the same attempt count once). Fast (5 in 10 s, like
 * CrowdSec's ssh-bf), slow (10 in 10 min, like fail2ban's jails) and password spraying (the same
 * service on many of your machines). And distributed guessing: many addresses, each with a few connections
 * that stay under every per-address limit, let through to one login service of one machine (a botnet's way
 * round fail2ban) — counted per service, not per address.
 */
import { NEEDS_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import { BoundedMap, own, type Clocked } from '../util';
import { formatIPv4 } from '../../net/ip';
import { AUX_WORDS, type Profile } from '../profile';

const RING = 16;

/**
 * Attempts of one source on one login service, kept per source profile slot (so capped with it).
 * Records live in typed arrays, nothing for the garbage collector to walk: a pool that grows by
 * doubling and reuses freed records. A source's first record keeps its numbers in its profile
 * record's spare words (`Profile.auxBase`, read together with the profile: no second memory fetch
 * for the common source with one login port) and only its attempt times and victims in the pool
 * record named by its R_NEXT word; further records are whole pool records, chained from the profile
 * (`p.aux`: 0 = no record, else the first record is in the profile and aux - 2 is the pool chain's
 * head, -1 for none). Most sources make one attempt and are gone: a first record with an IPv4 victim
 * gets its pool record only at its second attempt (R_NEXT -1 until then), the first attempt's time
 * waiting in the profile's last two spare words (R_T0), where the event reads anyway.
 */
// Record layout: 16 int32 words (one cache line; the first 10 used), then RING attempt times as float64 (two lines).
const R_I32 = 48, R_F64 = 24;
/** R_VF: bit 0 set when the first victim is text (not IPv4: compare the text), the victims listed (0: only the first) above it. */
const R_PORT = 0, R_N = 1, R_NEXT = 2, R_SP = 3, R_SPORTS = 4, R_V0N = 8, R_VF = 9;
/**
 * R_SP's word: bits 0-1 say where the next source port goes (newSport); from bit ALLOWED_SHIFT, one bit per
 * slot of the attempt-time ring, set when that attempt was let through: an incident that opens at the fifth
 * attempt knows how many of the four before it got through.
 */
const SP_MASK = 3, ALLOWED_SHIFT = 8;
/** In a first record (in the profile) without its pool record yet: the first attempt's time, a float64 over two words. */
const R_T0 = 10;
const R_TIMES = 8; // in float64 words
// (a record's numbers must fit in the profile's spare words; R_T0 on a float64 boundary: auxBase + R_T0 is even)
if (R_T0 + 2 > AUX_WORDS || (R_T0 & 1) !== 0) throw new Error('bruteforce record larger than the profile\'s spare words');

/**
 * Fill a new record's numbers at `b` (the chain link is the caller's). The first victim: `vn` its IPv4
 * number as an int32 (`dn | 0`), `text` 1 when it has none (compare the text). Both small integers:
 * an IPv4 number above 2^31 passed as it is would be boxed on every call.
 */
function initRecord(i32: Int32Array, b: number, port: number, vn: number, text: number): void {
  i32[b + R_PORT] = port;
  i32[b + R_N] = 0;
  i32[b + R_SP] = 0;
  i32[b + R_SPORTS] = -1; i32[b + R_SPORTS + 1] = -1; i32[b + R_SPORTS + 2] = -1; i32[b + R_SPORTS + 3] = -1;
  i32[b + R_V0N] = vn;
  i32[b + R_VF] = text;
}

/** Remember a source port in the record at `b`; false when it is a repeat of one of the last four (a retransmission). */
function newSport(s: Int32Array, b: number, v: number): boolean {
  const q = b + R_SPORTS;
  if (v === s[q] || v === s[q + 1] || v === s[q + 2] || v === s[q + 3]) return false;
  const w = s[b + R_SP]!, k = w & SP_MASK;
  s[q + k] = v;
  s[b + R_SP] = (w & ~SP_MASK) | ((k + 1) & SP_MASK);
  return true;
}

/** How many of the low 16 bits of m are set. */
function bits16(m: number): number {
  let x = m & 0xffff;
  x = x - ((x >>> 1) & 0x5555);
  x = (x & 0x3333) + ((x >>> 2) & 0x3333);
  x = (x + (x >>> 4)) & 0x0f0f;
  return (x + (x >>> 8)) & 0x1f;
}

/** Time between the latest attempt and the k-th latest (ms, by arrival order), or Infinity when fewer; n attempts, times at `t`. */
function span(f64: Float64Array, t: number, n: number, k: number): number {
  if (n < k) return Infinity;
  const i = (n - k) % RING;
  // (an entry not written yet reads as NaN, as in a plain list)
  if (!(i >= 0 && (n >= RING || i < n))) return NaN;
  return Math.abs(f64[t + ((n - 1) % RING)]! - f64[t + i]!);
}

/** The earliest kept attempt time (n attempts, times at `t`). */
function minTime(f64: Float64Array, t: number, n: number): number {
  const k = Math.min(n, RING);
  let m = Infinity;
  for (let i = 0; i < k; i++) m = Math.min(m, f64[t + i]!);
  return m;
}

/** The earliest of `t` and the `k` attempt times before attempt n in a ring at `b`. */
function minRecent(f64: Float64Array, b: number, n: number, k: number, t: number): number {
  let m = t;
  for (let i = n - k; i < n; i++) m = Math.min(m, f64[b + (i % RING)]!);
  return m;
}

class AuthPool {
  // Per record: port, attempt count, next record of the same source, the last four source ports and
  // where the next goes, the first victim as an IPv4 number (or a flag: compare the text), and how
  // many victims are listed (0: only the first).
  f64: Float64Array = new Float64Array(0);
  i32: Int32Array = new Int32Array(0);
  /** The first victim's text when it is not IPv4 ('' for an IPv4 one: R_V0N has it). */
  victim0: string[] = [];
  victims: Array<string[] | null> = [];
  /** Attempts on each listed victim, in the order of `victims` (null while only the first victim is known). */
  victimCounts: Array<number[] | null> = [];
  private freeHead = -1;
  private used = 0;
  private cap = 0;

  /**
   * Room for `records` records from the start (a source's first record: one per profile slot), so a busy
   * run does not grow the pool, copying it and allocating anew (large allocations outside the JavaScript
   * heap make the garbage collector run a full collection). Pages never written are not resident.
   */
  constructor(records = 0) {
    const n = Math.floor(records);
    if (n > 0 && n <= 1 << 22) {
      try {
        const f = new Float64Array(n * R_F64);
        this.f64 = f;
        this.i32 = new Int32Array(f.buffer);
        this.cap = n;
      } catch {
        // (no room for it at once: the pool grows as it fills, as it would without this)
      }
    }
  }

  /** A record from the free list or a new one, with its first victim. */
  alloc(victim: string): number {
    let r = this.freeHead;
    if (r >= 0) this.freeHead = this.i32[r * R_I32 + R_NEXT]!;
    else {
      if (this.used === this.cap) this.grow();
      r = this.used++;
    }
    this.victim0[r] = victim;
    this.victims[r] = null;
    this.victimCounts[r] = null;
    return r;
  }

  /**
   * A source's first record: numbers in the profile at `b` of `si`, times and victims in a pool record; with
   * `lazy` and an IPv4 victim, the pool record waits for the second attempt (see `later`).
   */
  first(p: Profile, si: Int32Array, b: number, port: number, victim: string, vn: number, text: number, lazy: boolean): void {
    initRecord(si, b, port, vn, text);
    si[b + R_NEXT] = lazy && text === 0 ? -1 : this.alloc(victim);
    p.aux = 1;
  }

  /** The pool record of a first record that had none (its second attempt), given its first attempt's time from the profile. */
  later(si: Int32Array, b: number, pf: Float64Array): number {
    const r = this.alloc('');
    this.f64[r * R_F64 + R_TIMES] = pf[(b + R_T0) >> 1]!;
    si[b + R_NEXT] = r;
    return r;
  }

  /** A further record, at the head of the profile's chain (after the first, in the profile). */
  add(p: Profile, port: number, victim: string, vn: number, text: number): number {
    const r = this.alloc(victim);
    const i32 = this.i32, b = r * R_I32;
    initRecord(i32, b, port, vn, text);
    i32[b + R_NEXT] = p.aux - 2;
    p.aux = r + 2;
    return r;
  }

  /** Forget a slot's records (its profile was evicted). */
  release(p: Profile): void {
    const aux = p.aux;
    if (aux === 0) return;
    const r0 = p.store.i32[p.auxBase + R_NEXT]!;
    if (r0 >= 0) this.free(r0);
    let r = aux - 2;
    while (r >= 0) {
      const nx = this.i32[r * R_I32 + R_NEXT]!;
      this.free(r);
      r = nx;
    }
    p.aux = 0;
  }

  private free(r: number): void {
    this.victim0[r] = '';
    this.victims[r] = null;
    this.victimCounts[r] = null;
    this.i32[r * R_I32 + R_NEXT] = this.freeHead;
    this.freeHead = r;
  }

  /**
   * A new incident on record `vi` counts the attempts before it that the record's ring still holds (n
   * attempts before this one, at most RING - 1 of them seeded): how many were let through (the ring's
   * allowed bits in `sp`) and on which victims (all on the first while no other is listed; `v0` its text).
   * A record older than its ring (a slow source that sped up) has seen more attempts than are seeded: the
   * ring holds the latest ones, so the victims seen last are given theirs first. Victims are listed in the
   * order they were first seen. At most `fresh` are seeded: the attempts after the source's previous incident
   * (the ones before it were that incident's).
   */
  seedIncident(inc: OpenIncident, dst: string, port: number, n: number, sp: number, vi: number, v0: string, fresh: number): void {
    const seed = Math.min(n + 1, RING, fresh + 1) - 1;
    if (seed <= 0) return;
    // (the allowed bits of the seeded attempts' ring slots: the `seed` before this one)
    let slots = 0;
    for (let m = n - seed; m < n; m++) slots |= 1 << (m % RING);
    let allowed = bits16((sp >>> ALLOWED_SHIFT) & slots);
    const vs = vi >= 0 ? this.victims[vi]! : null;
    if (vs === null) { inc.addEarlier(v0, port, seed, allowed); return; }
    const counts = this.victimCounts[vi]!;
    const take = new Array<number>(vs.length).fill(0);
    let left = seed;
    for (let j = vs.length - 1; j >= 0 && left > 0; j--) {
      // (this attempt is counted by the incident itself)
      const c = Math.min(vs[j] === dst ? counts[j]! - 1 : counts[j]!, left);
      if (c > 0) { take[j] = c; left -= c; }
    }
    for (let j = 0; j < vs.length; j++) {
      const c = take[j]!;
      if (c === 0) continue;
      const k = Math.min(c, allowed);
      inc.addEarlier(vs[j], port, c, k);
      allowed -= k;
    }
    // (attempts on victims past the listed 64: counted, not listed)
    if (left > 0) inc.addEarlier(undefined, port, left, allowed);
  }

  private grow(): void {
    // (four times larger each time: fewer copies; pages never written are not resident)
    this.cap = Math.max(1024, this.cap * 4);
    const f = new Float64Array(this.cap * R_F64);
    f.set(this.f64);
    this.f64 = f;
    this.i32 = new Int32Array(f.buffer);
  }
}

/**
 * Did some machine get more than one of a record's `attempts`? Always, with one machine; by counting when every
 * machine is listed; else (the list is full at 64) from the per-machine counts.
 */
function retried(attempts: number, machines: number, counts: number[] | null): boolean {
  if (machines <= 1 || counts === null) return true;
  if (machines < 64) return attempts > machines;
  for (let i = 0; i < counts.length; i++) if (counts[i]! >= 2) return true;
  return false;
}

/**
 * Logins many legitimate clients use from many addresses — mail (servers delivering, phones and laptops
 * collecting), VoIP phones, VPN clients and portals — are not judged by how many addresses reach them: a small
 * office's own staff would look like a botnet. Remote-admin logins (SSH, Remote Desktop, Telnet, FTP, file
 * sharing, databases, VNC) are, where ten outside addresses in an hour are not normal.
 */
const DIST_NOT = new Set([25, 110, 143, 465, 500, 587, 993, 995, 1194, 4500, 5060, 5061]);

/** Buckets of the distributed-guessing window, and addresses remembered per bucket (enough to count to the threshold). */
const DIST_BUCKETS = 6;
const DIST_SOURCES_PER_BUCKET = 64;

/** One login service of one machine: allowed connections and their addresses, in DIST_BUCKETS time buckets. */
class LoginTarget implements Clocked {
  hot = true;
  readonly bucket = new Float64Array(DIST_BUCKETS).fill(-1);
  readonly attempts = new Int32Array(DIST_BUCKETS);
  readonly sources: string[][] = Array.from({ length: DIST_BUCKETS }, () => []);
  /** Bumped when the addresses change (one added, a bucket started over): the count below is redone only then. */
  version = 0;
  countedVersion = -1;
  counted = 0;
  /** The last connection counted into an incident (-Infinity: none): a new incident right after one counts from here. */
  lastCounted = -Infinity;
  constructor(readonly key: string) {}
  /** Distinct addresses in the window ending with bucket `b` (recounted only when they changed). */
  distinct(b: number): number {
    if (this.countedVersion === this.version) return this.counted;
    const seen = new Set<string>();
    for (let i = 0; i < DIST_BUCKETS; i++) if (this.bucket[i]! > b - DIST_BUCKETS) for (const x of this.sources[i]!) seen.add(x);
    this.countedVersion = this.version;
    return (this.counted = seen.size);
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
        if (inc.subtype === 'distributed') {
          const n = Number(inc.details.sources ?? 0);
          return {
            score: (inc.allowed > 0 ? 65 : 40) + (inc.events >= 100 ? 10 : 0),
            confidence: 'medium',
            summary: `${plural(n, 'address', 'addresses')} made ${attempts} to ${svc} on ${where} in ${duration(inc.last - inc.first)}, each only a few: password guessing spread over many addresses, so that limits per address (like fail2ban's) never trip. The firewall let them reach the login.`,
            advice: `Make sure ${svc} on ${where} uses strong passwords or keys and multi-factor sign-in, and check its log for successful logins you do not recognise. Blocking addresses one by one will not stop this: reach ${svc} only through a VPN, or allow it only from the addresses that need it.`,
          };
        }
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
    // A first attempt reads no attempt times when neither window nor spraying can fire on one attempt: its
    // record's pool record can then wait for a second attempt.
    const lazy = fastK > 1 && slowK > 1 && c.sprayHosts > 1;
    // (one first record per source profile: the profile store's slots, IPv4 and others)
    const pool = new AuthPool(cfg.general.maxSources + Math.max(16, cfg.general.maxSources >> 2) + 1);
    const distOn = c.distributedSources > 0;
    const distPort = new Uint8Array(65536);
    for (const p of names.keys()) if (p >= 0 && p < 65536 && !DIST_NOT.has(p)) distPort[p] = 1;
    for (const p of c.vpnPorts) if (p >= 0 && p < 65536) distPort[Number(p)] = 0;
    const distBucketMs = Math.max(1000, (c.distributedWindowS * 1000) / DIST_BUCKETS);
    const logins = new BoundedMap<LoginTarget>(1024);
    /** Distributed guessing: an allowed connection to login service `port` of o.dst. */
    // (the last service looked up: a site's logins are on one or two machines, so the key is rarely rebuilt)
    let last: LoginTarget | undefined, lastDst = '', lastPort = -1;
    const distributed = (o: Obs, ctx: Ctx, port: number): void => {
      // (should the table have dropped that service meanwhile, counting on in the dropped object is harmless)
      let tg = o.dst === lastDst && port === lastPort ? last : undefined;
      if (tg === undefined) {
        const key = 'bruteforce|dist|' + o.dst + '|' + port;
        tg = logins.get(key);
        if (tg === undefined) { tg = new LoginTarget(key); logins.set(key, tg); }
        last = tg; lastDst = o.dst; lastPort = port;
      }
      tg.hot = true;
      const b = Math.floor(o.t / distBucketMs);
      const slot = ((b % DIST_BUCKETS) + DIST_BUCKETS) % DIST_BUCKETS;
      if (tg.bucket[slot] !== b) {
        // (a late event for a bucket long gone is not counted: it would wipe a newer one)
        if (tg.bucket[slot]! > b) return;
        tg.bucket[slot] = b; tg.attempts[slot] = 0; tg.sources[slot]!.length = 0;
        tg.version++;
      }
      tg.attempts[slot]!++;
      const here = tg.sources[slot]!;
      if (here.length < DIST_SOURCES_PER_BUCKET && !here.includes(o.src)) { here.push(o.src); tg.version++; }
      const open = ctx.find(tg.key, o.t);
      if (open !== undefined) {
        open.add(o, o.dst, port);
        tg.lastCounted = o.t;
        const n = tg.distinct(b);
        if (n > Number(open.details.sources ?? 0)) open.details.sources = n;
        ctx.changed(open, o.t);
        return;
      }
      let attempts = 0;
      for (let i = 0; i < DIST_BUCKETS; i++) if (tg.bucket[i]! > b - DIST_BUCKETS) attempts += tg.attempts[i]!;
      if (attempts < c.distributedAttempts) return;
      const n = tg.distinct(b);
      if (n < c.distributedSources) return;
      const inc = ctx.incident(tg.key, 'bruteforce', o, 'source');
      if (inc === null) return;
      inc.subtype = 'distributed';
      inc.details.services = [names.get(port) ?? `port ${port}`];
      inc.details.sources = n;
      inc.details.window_s = c.distributedWindowS;
      // (the window's earlier connections, unless the incident before (a day's, ended by maxIncidentS) counted them)
      inc.add(o, o.dst, port, o.t - tg.lastCounted <= c.distributedWindowS * 1000 ? 1 : attempts);
      tg.lastCounted = o.t;
      ctx.changed(inc, o.t);
    };
    return {
      id: 'bruteforce',
      needs: NEEDS_PROFILE,
      ports: isAuth,
      tables: () => ({ logins: logins.size }),
      release: (p: Profile) => pool.release(p),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        const p = ctx.profile;
        if (port < 0 || isAuth[port] !== 1 || p === null) return;
        if (o.allowed && distOn && distPort[port] === 1) distributed(o, ctx, port);
        // The record for this port: the profile's own first, then the pool's chain.
        const aux = p.aux;
        let a = -1, count = 0;
        const si = p.store.i32, sb = p.auxBase;
        if (aux !== 0 && si[sb + R_PORT] === port) a = -2;
        else if (aux !== 0) {
          const i32 = pool.i32;
          count = 1;
          for (let r = aux - 2; r >= 0; r = i32[r * R_I32 + R_NEXT]!) {
            if (i32[r * R_I32 + R_PORT] === port) { a = r; break; }
            count++;
          }
        }
        if (a === -1) {
          if (count >= 8) return;
          if (aux === 0) {
            pool.first(p, si, sb, port, o.dn >= 0 ? '' : own(o.dst), o.dn | 0, o.dn >= 0 ? 0 : 1, lazy);
            a = -2;
          } else a = pool.add(p, port, o.dn >= 0 ? '' : own(o.dst), o.dn | 0, o.dn >= 0 ? 0 : 1);
        }
        // The numbers: in the profile for the first record, else in the pool; times and victims: in the pool.
        let I: Int32Array, ab: number;
        if (a === -2) { I = si; ab = sb; a = si[sb + R_NEXT]!; } else { I = pool.i32; ab = a * R_I32; }
        // A retransmitted SYN of the same attempt (same source port) counts once.
        if (o.sport >= 0 && !newSport(I, ab, o.sport)) return;
        const n = I[ab + R_N]!;
        // (a first record without its pool record: the first attempt, from the event that made the record, so the
        // same victim, and no time read below (`lazy`); its time waits in the profile. A later one: the pool record now.)
        if (a < 0) {
          if (n === 0) p.store.f64[(sb + R_T0) >> 1] = o.t;
          else a = pool.later(si, sb, p.store.f64);
        }
        const F = pool.f64, fb = a * R_F64 + R_TIMES, V0 = pool.victim0, VS = pool.victims, VC = pool.victimCounts, vi = a;
        if (a >= 0) F[fb + (n % RING)] = o.t;
        I[ab + R_N] = n + 1;
        const slotBit = 1 << (ALLOWED_SHIFT + (n % RING)), sp = I[ab + R_SP]!;
        I[ab + R_SP] = o.allowed ? sp | slotBit : sp & ~slotBit;
        // Same as the first victim? By number for IPv4 (the text is canonical), else by text.
        const dn = o.dn;
        const vf = I[ab + R_VF]!;
        const same = (vf & 1) === 0 ? dn >= 0 && I[ab + R_V0N] === (dn | 0) : V0[vi] === o.dst;
        if (!same) {
          let vs = VS[vi]!;
          // (the first victim's text: kept only when it is not IPv4, else formatted from its number; every
          // attempt before this one was on it)
          if (vs === null) {
            VS[vi] = vs = [(vf & 1) === 0 ? formatIPv4(I[ab + R_V0N]! >>> 0) : V0[vi]!];
            VC[vi] = [n];
          }
          const j = vs.indexOf(o.dst);
          if (j >= 0) VC[vi]![j]!++;
          else if (vs.length < 64) { vs.push(own(o.dst)); VC[vi]!.push(1); }
          I[ab + R_VF] = (vf & 1) | (vs.length << 1);
        } else if (n > 0 && VS[vi] !== null) VC[vi]![0]!++;
        const held = p.auth as OpenIncident | null;
        let inc = held !== null && ctx.current(held, o.t) ? held : undefined;
        let sub: string | undefined;
        const nv = I[ab + R_VF]! >>> 1;
        const victimCount = nv === 0 ? 1 : nv;
        if (victimCount >= c.sprayHosts && n + 1 >= c.sprayHosts) sub = 'spray';
        else if (span(F, fb, n + 1, fastK) <= fastMs) sub = 'fast';
        else if (span(F, fb, n + 1, slowK) <= slowMs) sub = 'slow';
        if (inc === undefined) {
          if (sub === undefined) return;
          // Guessing a password needs a login to guess at: a connection that got through, or another try at the same
          // machine. Blocked single tries, one per machine (a worm or scanner probing 445 or 22 across the network), are
          // a sweep, reported by the sweep detector; calling them password guessing as well told the owner of one
          // probe twice, the worse way.
          if (((I[ab + R_SP]! >>> ALLOWED_SHIFT) & 0xffff) === 0 && !retried(n + 1, victimCount, VC[vi] ?? null)) return;
          inc = ctx.incident('bruteforce|' + p.ip, 'bruteforce', o, 'source') ?? undefined;
          if (inc === undefined) return;
          p.auth = inc;
          // (a source whose previous incident went quiet and came back: the attempts up to that incident's last
          // event were its; this one counts from there, else a second burst two hours later was "17 attempts in 2
          // hours" with 11 of the first burst's)
          let fresh = n;
          if (held !== null && n > 0) {
            fresh = 0;
            for (let m = n - 1; m >= 0 && n - m < RING; m--) { if (F[fb + (m % RING)]! > held.last) fresh++; else break; }
          }
          inc.first = Math.min(inc.first, fresh === n ? minTime(F, fb, n + 1) : minRecent(F, fb, n, fresh, o.t));
          if (n > 0) pool.seedIncident(inc, o.dst, port, n, I[ab + R_SP]!, vi, (vf & 1) === 0 ? formatIPv4(I[ab + R_V0N]! >>> 0) : V0[vi]!, fresh);
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
