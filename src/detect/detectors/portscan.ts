/**
 * Port scans (MITRE T1046): one address trying many ports. Fast scans (new ports faster than the
 * bucket drains), slow scans (many distinct ports within a day), UDP and IP-protocol scans, the scan
 * type from TCP flags (SYN, FIN, XMAS, NULL, ACK, connect) and tool fingerprints (Masscan, Mirai).
 */
import { NEEDS_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { duration, listPorts, place, plural, type OpenIncident } from '../incidents';
import { SCAN_KINDS, type Obs } from '../obs';
import type { Profile } from '../profile';

const KIND_WORDS: Record<string, string> = {
  syn: 'half-open (SYN)', fin: 'stealthy FIN', xmas: 'stealthy "Christmas tree"', null: 'stealthy NULL', ack: 'firewall-mapping ACK',
  connect: 'full-connection', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', other: 'unusual', ipproto: 'IP-protocol',
};

function detailsFrom(inc: OpenIncident, p: Profile, speed: string): void {
  let kind = p.protoCount >= 5 && p.portCount < 4 ? 'ipproto' : SCAN_KINDS[p.topKind()]!;
  // (blocked, and the log gives no TCP flags: which packets the scanner sent is unknown, and none of them
  // became a full connection)
  if (kind === 'connect' && p.allowed === 0 && p.tcpWithoutFlags) kind = 'tcp';
  const syns = p.kindCount(0);
  let tool: string | undefined;
  if (p.syn23 > 0 && p.syn2323 > 0) tool = 'mirai';
  else if (p.synNoOptions >= 3 && p.synNoOptions >= 0.8 * syns) tool = 'masscan';
  const spanS = Math.max(1, (p.last - p.first) / 1000);
  inc.subtype = speed === 'slow' ? 'slow' : kind;
  inc.details.scan_type = kind;
  inc.details.speed = speed;
  inc.details.distinct_ports = p.portCount;
  inc.details.distinct_hosts = p.hostCount;
  inc.details.protocols = p.protoCount;
  inc.details.ports_per_minute = Math.round((p.portCount / spanS) * 60 * 10) / 10;
  if (tool) inc.details.tool = tool;
  inc.level = (tool ? 1 : 0) + (p.allowed > 0 ? 2 : 0) + (speed === 'fast' ? 4 : 0);
}

/** One more event of an open scan. */
function grow(open: OpenIncident, o: Obs, p: Profile, ctx: Ctx): void {
  open.add(o, o.dst, o.dport);
  if (open.events >= 2 * open.emittedCount || o.allowed) detailsFrom(open, p, String(open.details.speed));
  ctx.changed(open, o.t);
}

/** A scan seen: open its incident (or join the one of this address's key), seeded from the profile. */
function start(o: Obs, p: Profile, ctx: Ctx, speed: string, slowQuietMs: number): void {
  const inc = ctx.incident('portscan|' + p.ip, 'portscan', o, 'source');
  if (inc === null) return;
  p.scanInc = inc;
  if (inc.events === 0) {
    for (const h of p.hostList()) {
      for (const port of h.ports) inc.addVictim(h.ip, port, 0);
      const v = inc.victims.find((x) => x.ip === h.ip);
      if (v) v.count = h.count;
    }
    for (const port of p.portValues()) if (inc.ports.size < 64) inc.ports.set(port, 1);
    inc.add(o, undefined, -1, p.events);
    inc.allowed = p.allowed;
    inc.first = Math.min(inc.first, p.first);
  } else inc.add(o, o.dst, o.dport);
  detailsFrom(inc, p, speed);
  // A slow scan is spread over its window: an hour without a probe does not end it (else each later probe
  // re-opened it, a new incident every hour or two for one survey).
  if (speed === 'slow' && !(inc.quietMs >= slowQuietMs)) inc.quietMs = slowQuietMs;
  const sp = speed, store = p.store, slot = p.slot;
  inc.refresh = () => { if (store.scanInc[slot] === inc) detailsFrom(inc, store.at(slot), String(inc.details.speed ?? sp)); };
  ctx.changed(inc, o.t);
}

export const portscan: DetectorDef = {
  id: 'portscan',
  kinds: {
    portscan: {
      technique: { id: 'T1046', name: 'Network Service Discovery', tactic: 'Discovery' },
      reconnaissance: true,
      describe(inc) {
        const d = inc.details;
        const ports = Number(d.distinct_ports ?? inc.ports.size);
        const hosts = inc.victimCount;
        const tool = d.tool as string | undefined;
        const kind = String(d.scan_type ?? 'syn');
        let score = 25 + Math.min(20, Math.log2(Math.max(1, ports)) * 3) + (hosts > 1 ? 5 : 0);
        if (inc.allowed > 0) score += 20;
        if (d.speed === 'fast') score += 5;
        if (kind === 'fin' || kind === 'xmas' || kind === 'null') score += 5;
        if (tool === 'mirai') score += 10;
        const who = place(inc.attacker);
        const what = tool === 'mirai'
          ? `an infected device (Mirai botnet pattern) at ${who} looked for Telnet on your network`
          : `${who} ${d.speed === 'slow' ? 'slowly ' : ''}tried ${plural(ports, 'port')} on ${hosts === 1 ? (inc.victims[0]?.ip ?? 'one of your addresses') : plural(hosts, 'of your addresses', 'of your addresses')} in ${duration(inc.last - inc.first)} (a ${KIND_WORDS[kind] ?? kind} port scan${tool === 'masscan' ? ' by the Masscan tool' : ''})`;
        const got = inc.allowed > 0 ? `; ${plural(inc.allowed, 'attempt')} got through your firewall` : '; your firewall blocked it';
        const open = inc.allowed > 0
          ? 'Some probes were let through: check which ports are open to the Internet (ports ' + listPorts(inc.topPorts()) + ') and close any you do not need.'
          : 'Nothing to do unless it repeats: your firewall blocked it. If it keeps coming back, block this address.';
        return {
          score,
          confidence: ports >= 32 || d.speed === 'fast' || tool ? 'high' : 'medium',
          summary: `Someone is looking for ways in: ${what}${got}.`,
          advice: open,
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.portscan;
    const slowQuietMs = c.slowWindowS * 1000;
    return {
      id: 'portscan',
      needs: NEEDS_PROFILE,
      tables: () => ({}),
      // Most events meet no open scan and start none: that test stays small (so the compiler inlines the
      // profile's getters into it); updating and opening incidents are functions of their own.
      process(o: Obs, ctx: Ctx): void {
        const p = ctx.profile;
        if (p === null) return;
        const open = p.scanInc;
        if (open !== null && ctx.current(open, o.t)) { grow(open, o, p, ctx); return; }
        let speed: string | undefined;
        if (p.level >= c.fastPorts) speed = 'fast';
        else if (p.portCount >= c.slowPorts) speed = 'slow';
        else if (p.protoCount >= c.protocols) speed = 'fast';
        else if (p.syn23 >= c.miraiTelnet && p.syn2323 > 0) speed = 'fast';
        if (speed === undefined) return;
        start(o, p, ctx, speed, slowQuietMs);
      },
    };
  },
};
