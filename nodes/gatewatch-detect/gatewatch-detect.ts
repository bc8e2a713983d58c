/**
 * gatewatch detect: enriched events in, incidents out (output 1: msg.payload = Incident,
 * msg.topic = gatewatch/incident/<type>), the events themselves on output 2 when asked.
 * Thin glue over src/detect/engine.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { DetectEngine, DEFAULT_CONFIG, type DetectOptions } from '../../src/detect/engine';
import type { Incident } from '../../src/detect/incident';
import { isIpv6Prefix, parseAccepted } from '../../src/detect/config';
import { SilenceWatch, stillSending } from '../../src/detect/silence';
import { defaultTimezone } from '../../src/syslog/time';
import { findSender } from '../lib/senders';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface DetectNodeDef extends NodeDef {
  passThrough?: boolean;
  tickS?: number | string;
  quietPeriodS?: number | string;
  portscan?: boolean; fastPorts?: number | string; slowPorts?: number | string;
  sweep?: boolean; sweepHosts?: number | string;
  bruteforce?: boolean; bruteFastCount?: number | string; bruteFastWindowS?: number | string; bruteSlowCount?: number | string; bruteSlowWindowS?: number | string; vpnPorts?: string;
  knownBad?: boolean;
  beacon?: boolean; beaconContacts?: number | string; beaconMaxCv?: number | string; beaconCommon?: number | string;
  exposed?: boolean;
  /** Services open on purpose: "3389", "192.168.1.60:3389", comma-separated. */
  exposedAccepted?: string;
  flood?: boolean; floodSource?: number | string; floodDest?: number | string; floodWindowS?: number | string;
  knownScanners?: string;
  allowAddresses?: string; allowPorts?: string;
  includeInternal?: boolean;
  ipv6Prefix?: number | string;
  silenceHours?: number | string;
}

function num(v: unknown, def: number): number {
  if (v === undefined || v === null || v === '') return def;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : NaN;
}
function list(v: unknown): string[] {
  return typeof v === 'string' ? v.split(/[\s,]+/).filter((s) => s.length > 0 && s.length < 100) : [];
}

/** The IPv6 network size (16–128; blank: the default 64). */
function v6Prefix(v: number | string | undefined, problems: string[]): number {
  const def = DEFAULT_CONFIG.general.ipv6Prefix;
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (isIpv6Prefix(n)) return n;
  problems.push('ipv6Prefix must be a whole number from 16 to 128');
  return def;
}

/** Hours without logs from a steady gateway before it is reported (blank: 2; 0 = off). */
function silenceHours(v: number | string | undefined, warn: (problem: string) => void): number {
  if (v === undefined || v === '') return 2;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0 && n <= 168) return n;
  warn('silenceHours must be a number of hours from 0 (off) to 168');
  return 2;
}

/** Beaconing's "shared by N machines" (a whole number; 0 = off; blank: the default). */
function commonHosts(v: number | string | undefined, problems: string[]): number {
  const def = DEFAULT_CONFIG.beacon.commonHosts;
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 0) return n;
  problems.push('beaconCommon must be a whole number, 0 or more');
  return def;
}

/** "Open on purpose": the entries that read as a port or address:port (each other one is a problem). */
function acceptedList(v: string | undefined, problems: string[]): string[] {
  const out: string[] = [];
  for (const a of list(v)) {
    if (parseAccepted(a) === null) problems.push(`exposedAccepted: "${a.slice(0, 60)}" is not a port or address:port`);
    else out.push(a);
  }
  return out;
}

/** The engine settings from the node's editor fields (blank = documented default). */
function optionsFromNode(c: DetectNodeDef): { opts: DetectOptions; problems: string[] } {
  const d = DEFAULT_CONFIG;
  const problems: string[] = [];
  const n = (field: keyof DetectNodeDef, def: number) => {
    const v = num(c[field], def);
    if (Number.isNaN(v)) { problems.push(`${String(field)} must be a positive number`); return def; }
    return v;
  };
  const on = (v: boolean | undefined) => v !== false;
  const ports = list(c.vpnPorts).map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  const allowPorts = list(c.allowPorts).map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  const addrs = list(c.allowAddresses);
  const scannerMode = c.knownScanners === 'ignore' || c.knownScanners === 'off' ? c.knownScanners : 'low';
  const opts: DetectOptions = {
    general: { quietPeriodS: n('quietPeriodS', d.general.quietPeriodS), includeInternal: !!c.includeInternal, ipv6Prefix: v6Prefix(c.ipv6Prefix, problems) },
    allowlist: { addresses: addrs.filter((a) => a.indexOf('/') < 0), networks: addrs.filter((a) => a.indexOf('/') >= 0), ports: allowPorts },
    knownScanners: { mode: scannerMode },
    portscan: { enabled: on(c.portscan), fastPorts: n('fastPorts', d.portscan.fastPorts), slowPorts: n('slowPorts', d.portscan.slowPorts) },
    sweep: { enabled: on(c.sweep), hosts: n('sweepHosts', d.sweep.hosts) },
    bruteforce: {
      enabled: on(c.bruteforce), fastCount: n('bruteFastCount', d.bruteforce.fastCount), fastWindowS: n('bruteFastWindowS', d.bruteforce.fastWindowS),
      slowCount: n('bruteSlowCount', d.bruteforce.slowCount), slowWindowS: n('bruteSlowWindowS', d.bruteforce.slowWindowS), vpnPorts: ports,
    },
    knownBad: { enabled: on(c.knownBad) },
    beacon: { enabled: on(c.beacon), minContacts: n('beaconContacts', d.beacon.minContacts), maxCv: n('beaconMaxCv', d.beacon.maxCv), commonHosts: commonHosts(c.beaconCommon, problems) },
    exposed: { enabled: on(c.exposed), accepted: acceptedList(c.exposedAccepted, problems) },
    flood: { enabled: on(c.flood), sourceEvents: n('floodSource', d.flood.sourceEvents), destEvents: n('floodDest', d.flood.destEvents), windowS: n('floodWindowS', d.flood.windowS) },
  };
  return { opts, problems };
}

type Msg = NodeMessageInFlow & { flush?: boolean };

export = function (RED: NodeAPI) {
  function GatewatchDetectNode(this: Node, config: DetectNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const { opts, problems } = optionsFromNode(config);
    for (const p of problems) node.warn(RED._('gatewatch-detect.errors.badSetting', { problem: p }));
    const engine = new DetectEngine(opts);
    // (the router that stops logging: by the wall clock, so live only; 0 hours = off)
    const silence = new SilenceWatch({
      afterHours: silenceHours(config.silenceHours, (problem) => node.warn(RED._('gatewatch-detect.errors.badSetting', { problem }))),
      timeZone: defaultTimezone(),
    });
    const rate = new RateMeter();
    let bad = 0;
    let last: Incident | null = null;
    let lastAt = 0;
    const status = new ThrottledStatus(node, () => {
      const lastText = last ? ` · last: ${last.type} ${new Date(lastAt).toISOString().slice(11, 16)}` : '';
      // (a router gone silent is said first: while it lasts, nothing else here means much)
      const quiet = silence.silent();
      const quietText = quiet.length ? ` · no logs from ${quiet.slice(0, 2).join(', ')}${quiet.length > 2 ? ` +${quiet.length - 2}` : ''}` : '';
      const fill = quiet.length || (last && (last.severity === 'critical' || last.severity === 'high')) ? 'red' : bad ? 'yellow' : 'green';
      return { fill, text: `${compact(rate.perSecond())}/s · ${engine.openCount} open${quietText}${lastText}${bad ? ` · ${compact(bad)} bad` : ''}` };
    });
    const toMsgs = (incs: Incident[]) => incs.map((inc) => ({ topic: `gatewatch/incident/${inc.type}`, payload: inc }));
    const noted = (incs: Incident[]) => {
      if (incs.length) { last = incs[incs.length - 1]!; lastAt = Date.now(); status.touch(); }
    };

    node.on('input', (msg: Msg, send, done) => {
      if (msg.flush === true) {
        const incs = engine.flush();
        noted(incs);
        if (incs.length) send([toMsgs(incs) as unknown as NodeMessageInFlow, null] as never);
        done();
        return;
      }
      const ev = msg.payload as unknown;
      if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) {
        bad++;
        status.touch();
        done(new Error(RED._('gatewatch-detect.errors.notEvent', { type: ev === null ? 'null' : Array.isArray(ev) ? 'array' : typeof ev })));
        return;
      }
      rate.add();
      const skippedBefore = engine.stats.skipped;
      let incs: Incident[];
      try {
        incs = engine.process(ev as never);
      } catch (err) {
        bad++;
        status.touch();
        done(err as Error);
        return;
      }
      if (engine.stats.skipped > skippedBefore) bad++;
      if (silence.enabled) {
        const back = silence.seen(ev as never, Date.now());
        if (back !== null) incs = [...incs, back];
      }
      noted(incs);
      const out1 = incs.length ? toMsgs(incs) : null;
      const out2 = config.passThrough ? msg : null;
      if (out1 || out2) send([out1 as unknown as NodeMessageInFlow, out2] as never);
      status.touch();
      done();
    });

    // A box gone quiet to detection whose lines still reach a parse node, none understood: its log changed.
    const stillArriving = (inc: Incident): Incident => {
      const gw = typeof inc.details?.gateway === 'string' ? inc.details.gateway : '';
      const r = findSender(gw, inc.attacker.ip !== '0.0.0.0' ? inc.attacker.ip : undefined);
      const last = r?.lastSeen ? Date.parse(r.lastSeen) : NaN;
      return r !== undefined && r.sinceEvent > 0 && last > Date.parse(inc.first_seen) ? stillSending(inc, r.sinceEvent, last, defaultTimezone()) : inc;
    };
    const tickMs = Math.max(1, num(config.tickS, 5) || 5) * 1000;
    const timer = setInterval(() => {
      try {
        const now = Date.now();
        const incs = engine.tick(now);
        const quiet = silence.check(now);
        for (const inc of quiet) incs.push(stillArriving(inc));
        if (incs.length) {
          noted(incs);
          node.send([toMsgs(incs) as unknown as NodeMessageInFlow, null] as never);
        }
      } catch (err) {
        node.error(err);
      }
      status.touch();
    }, tickMs);

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(timer);
      status.close();
      done();
    });
  }
  RED.nodes.registerType('gatewatch-detect', GatewatchDetectNode);
};
