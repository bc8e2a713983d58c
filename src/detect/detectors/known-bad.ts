/**
 * Reputation matches. Inbound: an address on one of your reputation lists contacted you. Outbound:
 * one of YOUR machines talked to a listed address — the likely sign of a compromised computer
 * (malware calling home), critical when the firewall let it through.
 */
import { NEEDS_REPUTATION, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, listPorts, place, plural, type OpenIncident } from '../incidents';
import type { Obs } from '../obs';

function lists(inc: OpenIncident): string {
  const names = new Set<string>();
  for (const r of inc.attacker.reputation ?? []) names.add(r.feed?.name ?? r.indicator?.provider ?? 'a reputation list');
  return [...names].slice(0, 3).join(', ') || 'a reputation list';
}

export const knownBad: DetectorDef = {
  id: 'knownBad',
  kinds: {
    'known-bad-inbound': {
      technique: { id: 'T1595', name: 'Active Scanning', tactic: 'Reconnaissance' },
      reconnaissance: true,
      describe(inc) {
        const got = inc.allowed > 0;
        return {
          score: got ? 65 : 30,
          confidence: 'high',
          summary: `${place(inc.attacker)}, listed as malicious on ${lists(inc)}, contacted ${plural(inc.victimCount, 'of your addresses', 'of your addresses')} ${plural(inc.events, 'time')} in ${duration(inc.last - inc.first)}${got ? `, and ${plural(inc.allowed, 'connection')} got through (ports ${listPorts(inc.topPorts())})` : '; your firewall blocked it'}.`,
          advice: got
            ? 'A known-bad address reached a service of yours: block it at the firewall and check the logs of that service for what it did.'
            : 'Blocked already; nothing to do. You can add the address to your firewall block list.',
        };
      },
    },
    'known-bad-outbound': {
      technique: { id: 'T1071', name: 'Application Layer Protocol', tactic: 'Command and Control' },
      describe(inc) {
        const got = inc.allowed > 0;
        const who = inc.victims.map((v) => v.ip).slice(0, 3).join(', ') || 'one of your machines';
        return {
          score: got ? 90 : 70,
          confidence: 'high',
          summary: `Your computer ${who} ${got ? 'talked to' : 'tried to reach'} ${place(inc.attacker)}, which is listed as malicious on ${lists(inc)} (${plural(inc.events, 'connection')}${got ? '' : ', blocked by your firewall'}); this machine may be infected.`,
          advice: `Check ${who} now: disconnect it from the network if you can, run a full antivirus scan, and change passwords used on it. Block ${inc.attacker.ip} at the firewall.`,
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.knownBad;
    return {
      id: 'knownBad',
      needs: NEEDS_REPUTATION,
      tables: () => ({}),
      process(o: Obs, ctx: Ctx): void {
        if (o.badDst !== undefined && (o.direction === 'outbound' || (o.direction === 'internal' && cfg.general.includeInternal))) {
          const inc = ctx.incident('known-bad-outbound|' + o.dst, 'known-bad-outbound', o, 'destination');
          if (inc === null) return;
          if (inc.events === 0 || (o.allowed && inc.allowed === 0)) inc.level++;
          inc.add(o, o.src, o.dport);
          ctx.changed(inc, o.t);
        }
        if (o.badSrc !== undefined && ctx.profile !== null && (o.allowed || c.inboundDenied)) {
          const inc = ctx.incident('known-bad-inbound|' + o.src, 'known-bad-inbound', o, 'source');
          if (inc === null) return;
          if (o.allowed && inc.allowed === 0) inc.level++;
          inc.add(o, o.dst, o.dport);
          ctx.changed(inc, o.t);
        }
      },
    };
  },
};
