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
import { BoundedMap, type Clocked } from '../util';

const RING = 16;

class Attempts implements Clocked {
  hot = true;
  times = new Float64Array(RING);
  n = 0;
  sports = [-1, -1, -1, -1];
  sp = 0;
  victims: string[] = [];
  constructor(readonly port: number) {}
  /** Span of the last k attempts (ms), or Infinity when fewer. */
  span(k: number): number {
    if (this.n < k) return Infinity;
    let lo = Infinity, hi = -Infinity;
    for (let i = 1; i <= k; i++) {
      const v = this.times[(this.n - i) % RING]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return hi - lo;
  }
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
    const table = new BoundedMap<Attempts>(cfg.general.maxSources);
    const fastMs = c.fastWindowS * 1000, slowMs = c.slowWindowS * 1000;
    const fastK = Math.min(RING, c.fastCount), slowK = Math.min(RING, c.slowCount);
    return {
      id: 'bruteforce',
      tables: () => ({ attempts: table.size }),
      process(o: Obs, ctx: Ctx): void {
        const port = o.dport;
        if (port < 0 || isAuth[port] !== 1 || ctx.profile === null) return;
        const key = o.src + '|' + port;
        let a = table.get(key);
        if (a === undefined) { a = new Attempts(port); table.set(key, a); }
        // A retransmitted SYN of the same attempt (same source port) counts once.
        if (o.sport >= 0) {
          const s = a.sports;
          if (s[0] === o.sport || s[1] === o.sport || s[2] === o.sport || s[3] === o.sport) return;
          s[a.sp] = o.sport;
          a.sp = (a.sp + 1) & 3;
        }
        a.times[a.n % RING] = o.t;
        a.n++;
        if (a.victims.length < 64 && !a.victims.includes(o.dst)) a.victims.push(o.dst);
        const ikey = 'bruteforce|' + o.src;
        let inc = ctx.find(ikey, o.t);
        let sub: string | undefined;
        if (a.victims.length >= c.sprayHosts && a.n >= c.sprayHosts) sub = 'spray';
        else if (a.span(fastK) <= fastMs) sub = 'fast';
        else if (a.span(slowK) <= slowMs) sub = 'slow';
        if (inc === undefined) {
          if (sub === undefined) return;
          inc = ctx.incident(ikey, 'bruteforce', o, 'source') ?? undefined;
          if (inc === undefined) return;
          const seed = Math.min(a.n, RING) - 1;
          inc.first = Math.min(inc.first, ...Array.from(a.times.subarray(0, Math.min(a.n, RING))));
          inc.events += seed;
        }
        inc.add(o, o.dst, port);
        const name = names.get(port) ?? String(port);
        const services = (inc.details.services as string[] | undefined) ?? (inc.details.services = []) as string[];
        if (!services.includes(name) && services.length < 16) services.push(name);
        // Subtype only escalates: slow → fast → spray.
        const rank = (s: string | undefined) => (s === 'spray' ? 3 : s === 'fast' ? 2 : s === 'slow' ? 1 : 0);
        if (rank(sub) > rank(inc.subtype)) { inc.subtype = sub; inc.level++; }
        inc.details.attempts = inc.events;
        ctx.changed(inc, o.t);
      },
    };
  },
};
