/**
 * Sweeps (MITRE T1595.001): one address probing the same port (or pinging) across many of your
 * addresses, looking for any machine that answers. psad's first level is 10 hosts.
 */
import { NEEDS_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';
import type { Profile } from '../profile';

function topPortOf(p: Profile): number {
  const counts = new Map<number, number>();
  for (const h of p.hostList()) for (const port of h.ports) counts.set(port, (counts.get(port) ?? 0) + 1);
  let best = -1, bc = 0;
  for (const [port, c] of counts) if (c > bc) { best = port; bc = c; }
  return best;
}

function detailsFrom(inc: OpenIncident, p: Profile): void {
  const icmp = p.kindCount(7) > p.events / 2;
  inc.subtype = icmp ? 'icmp' : p.kindCount(6) > p.events / 2 ? 'udp' : 'tcp';
  inc.details.distinct_hosts = p.hostCount;
  const port = topPortOf(p);
  if (!icmp && port >= 0) inc.details.port = port;
  inc.details.distinct_ports = p.portCount;
}

export const sweep: DetectorDef = {
  id: 'sweep',
  kinds: {
    sweep: {
      technique: { id: 'T1595.001', name: 'Active Scanning: Scanning IP Blocks', tactic: 'Reconnaissance' },
      reconnaissance: true,
      describe(inc) {
        const hosts = Math.max(inc.victimCount, Number(inc.details.distinct_hosts ?? 0));
        const port = inc.details.port as number | undefined;
        let score = 25 + Math.min(20, hosts / 2);
        if (inc.allowed > 0) score += 15;
        const what = inc.subtype === 'icmp' ? 'pinged' : `tried port ${port ?? '?'} on`;
        return {
          score,
          confidence: hosts >= 20 ? 'high' : 'medium',
          summary: `${place(inc.attacker)} ${what} ${plural(hosts, 'of your addresses', 'of your addresses')} in ${duration(inc.last - inc.first)}, looking for any machine that answers${inc.allowed > 0 ? `; ${plural(inc.allowed, 'attempt')} got through` : ''}.`,
          advice: inc.allowed > 0
            ? `Some of your machines answered${port !== undefined ? ` on port ${port}` : ''}: make sure only the ones that must be reachable from the Internet are.`
            : 'Your firewall blocked it; nothing to do unless it repeats. If it does, block this address.',
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.sweep;
    return {
      id: 'sweep',
      needs: NEEDS_PROFILE,
      tables: () => ({}),
      process(o: Obs, ctx: Ctx): void {
        const p = ctx.profile;
        if (p === null) return;
        const open = p.sweepInc;
        if (open !== null && ctx.current(open, o.t)) {
          open.add(o, o.dst, o.dport);
          if (open.events >= 2 * open.emittedCount) detailsFrom(open, p);
          ctx.changed(open, o.t);
          return;
        }
        if (p.hostCount < c.hosts) return;
        if (p.last - p.first > c.windowS * 1000) return;
        const inc = ctx.incident('sweep|' + p.ip, 'sweep', o, 'source');
        if (inc === null) return;
        p.sweepInc = inc;
        if (inc.events === 0) {
          for (const h of p.hostList()) {
            inc.addVictim(h.ip, h.ports[0] ?? -1, h.count);
          }
          inc.add(o, undefined, -1, p.events);
          inc.allowed = p.allowed;
          inc.first = Math.min(inc.first, p.first);
        } else inc.add(o, o.dst, o.dport);
        detailsFrom(inc, p);
        const store = p.store, slot = p.slot;
        inc.refresh = () => { if (store.sweepInc[slot] === inc) detailsFrom(inc, store.at(slot)); };
        ctx.changed(inc, o.t);
      },
    };
  },
};
