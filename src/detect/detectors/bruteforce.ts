/**
 * Brute force (MITRE T1110): bursts of connections from one address to a login service (SSH, RDP,
 * VPN, mail, databases …). A firewall log shows connections, not failed passwords, so this counts
 * connection attempts (retransmissions of the same attempt count once). Fast (5 in 10 s, like
 * CrowdSec's ssh-bf), slow (10 in 10 min, like fail2ban's jails) and password spraying (the same
 * service on many of your machines).
 */
import type { DetectorDef, Detector, Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import { own } from '../util';

const RING = 16;

/** Attempts of one source on one login service, kept on the source's profile (so capped with it). */
class Attempts {
  times: number[] = [];
  n = 0;
  s0 = -1; s1 = -1; s2 = -1; s3 = -1;
  sp = 0;
  victim0: string;
  victims: string[] | null = null;
  constructor(readonly port: number, victim: string) { this.victim0 = victim; }
  get victimCount(): number { return this.victims === null ? 1 : this.victims.length; }
  /** Remember a source port; false when it is a repeat of one of the last four (a retransmission). */
  newSport(sp: number): boolean {
    if (sp === this.s0 || sp === this.s1 || sp === this.s2 || sp === this.s3) return false;
    switch (this.sp) { case 0: this.s0 = sp; break; case 1: this.s1 = sp; break; case 2: this.s2 = sp; break; default: this.s3 = sp; }
    this.sp = (this.sp + 1) & 3;
    return true;
  }
  /** Time between the latest attempt and the k-th latest (ms, by arrival order), or Infinity when fewer. */
  span(k: number): number {
    if (this.n < k) return Infinity;
    return Math.abs(this.times[(this.n - 1) % RING]! - this.times[(this.n - k) % RING]!);
  }
}

function rank(s: string | undefined): number {
  return s === 'spray' ? 3 : s === 'fast' ? 2 : s === 'slow' ? 1 : 0;
}

interface AuthState { list: Attempts[]; inc: OpenIncident | null }

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
    return {
      id: 'bruteforce',
      tables: () => ({}),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        const p = ctx.profile;
        if (port < 0 || isAuth[port] !== 1 || p === null) return;
        let holder = p.auth as AuthState | null;
        if (holder === null) p.auth = holder = { list: [], inc: null };
        const list = holder.list;
        let a: Attempts | undefined;
        for (let i = 0; i < list.length; i++) if (list[i]!.port === port) { a = list[i]; break; }
        if (a === undefined) {
          if (list.length >= 8) return;
          a = new Attempts(port, own(o.dst));
          list.push(a);
        }
        // A retransmitted SYN of the same attempt (same source port) counts once.
        if (o.sport >= 0 && !a.newSport(o.sport)) return;
        if (a.n < RING) a.times.push(o.t);
        else a.times[a.n % RING] = o.t;
        a.n++;
        if (o.dst !== a.victim0) {
          const vs = (a.victims ??= [a.victim0]);
          if (vs.length < 64 && !vs.includes(o.dst)) vs.push(own(o.dst));
        }
        const held = holder.inc;
        let inc = held !== null && ctx.current(held, o.t) ? held : undefined;
        let sub: string | undefined;
        if (a.victimCount >= c.sprayHosts && a.n >= c.sprayHosts) sub = 'spray';
        else if (a.span(fastK) <= fastMs) sub = 'fast';
        else if (a.span(slowK) <= slowMs) sub = 'slow';
        if (inc === undefined) {
          if (sub === undefined) return;
          inc = ctx.incident('bruteforce|' + o.src, 'bruteforce', o, 'source') ?? undefined;
          if (inc === undefined) return;
          holder.inc = inc;
          const seed = Math.min(a.n, RING) - 1;
          inc.first = Math.min(inc.first, ...a.times);
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
