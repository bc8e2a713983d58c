/**
 * Juniper SRX (Junos) session and screen logs, in both forms Junos writes them.
 *
 * Structured (RFC 5424 with `set system syslog … structured-data`, or relayed without the header):
 *   <14>1 2026-11-23T10:00:00.000Z srx RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.26
 *     source-address="203.0.113.5" source-port="51515" destination-address="192.0.2.10" destination-port="23"
 *     service-name="None" protocol-id="6" icmp-type="0" policy-name="default-deny" source-zone-name="untrust" …]
 *
 * Plain text (the default "brief" form):
 *   RT_FLOW_SESSION_CREATE: session created 192.168.1.10/50000->198.51.100.7/443 0x0 junos-https
 *     203.0.113.1/30001->198.51.100.7/443 0x0 source rule r1 N/A N/A 6 trust-to-untrust trust untrust 1234 …
 *   RT_FLOW_SESSION_CLOSE: session closed TCP FIN: <flow> … 6 policy trust untrust 1234 10(1200) 8(4000) 30 …
 *   RT_FLOW_SESSION_DENY: session denied <flow> 0x0 None 6(0) policy untrust trust …
 *
 * Also read: APPTRACK_SESSION_* (AppTrack), RT_SCREEN_* (screens), IDP_ATTACK_LOG_EVENT and
 * SECINTEL_ACTION_LOG. Other Junos messages (UI_*, mgd, chassis …) give null.
 */
import { markSession, type Action, type GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionOf } from './cef';
import { addCounts, bounded, buildEvent, Flow, newFlow, splitChar } from './flow';
import { kvValues, toInt, toPort } from './kv';
import { keySlots } from './keyslots';
import type { ParseContext, VendorParser } from './types';

type Kind = 'create' | 'close' | 'deny' | 'apptrack' | 'screen' | 'idp' | 'secintel';

function kindOf(tag: string): Kind | undefined {
  if (tag.startsWith('RT_FLOW_SESSION_')) {
    const rest = tag.slice(16);
    if (rest.startsWith('CREATE')) return 'create';
    if (rest.startsWith('CLOSE')) return 'close';
    if (rest.startsWith('DENY')) return 'deny';
    return undefined;
  }
  if (tag.startsWith('APPTRACK_SESSION_')) return 'apptrack';
  if (tag.startsWith('RT_SCREEN_')) return 'screen';
  if (tag.startsWith('IDP_ATTACK_LOG_EVENT')) return 'idp';
  if (tag.startsWith('SECINTEL_ACTION_LOG')) return 'secintel';
  return undefined;
}

/** The event tag: RFC 5424 MSGID, or the first word of the message (up to space, ':' or '['). */
function tagOf(h: SyslogHeader): [string, number] {
  if (h.msgId !== undefined && (h.msgId.startsWith('RT_') || h.msgId.startsWith('APPTRACK_') || h.msgId.startsWith('IDP_') || h.msgId.startsWith('SECINTEL_'))) {
    return [h.msgId, 0];
  }
  const m = bounded(h.message);
  const lim = Math.min(m.length, 64);
  let i = 0;
  while (i < lim) {
    const c = m.charCodeAt(i);
    if (c === 32 || c === 58 || c === 91) break;
    i++;
  }
  return [m.slice(0, i), i];
}

function detect(h: SyslogHeader): boolean {
  const c = h.msgId !== undefined ? h.msgId.charCodeAt(0) : h.message.charCodeAt(0);
  if ((c === 82 || c === 65 || c === 73 || c === 83) && kindOf(tagOf(h)[0]) !== undefined) return true; // R A I S
  return junosNotice(h);
}

/** Junos daemons whose messages are the box's own notices (commits, logins, routing, chassis). */
const JUNOS_DAEMONS: Record<string, true> = {
  mgd: true, rpd: true, chassisd: true, dcd: true, eventd: true, snmpd: true, kmd: true, alarmd: true, cosd: true,
  dfwd: true, jsrpd: true, idpd: true, utmd: true, mib2d: true, l2ald: true, lacpd: true, craftd: true, smid: true, license_check: true,
};

/**
 * A Junos box's own message (not a session): structured data of Juniper's enterprise number (2636), or a Junos
 * daemon's tag ("mgd … UI_COMMIT …"). parse() gives null; an owner is then told the SRX logs no sessions.
 */
function junosNotice(h: SyslogHeader): boolean {
  const sd = h.structuredData;
  if (sd !== undefined && sd.indexOf('@2636') > 0) return true;
  const app = h.appName;
  if (app === undefined || JUNOS_DAEMONS[app] !== true) return false;
  const tag = h.msgId ?? tagOf(h)[0];
  if (tag.length < 3) return false;
  for (let i = 0; i < tag.length; i++) { const x = tag.charCodeAt(i); if (!((x >= 65 && x <= 90) || (x >= 48 && x <= 57) || x === 95)) return false; }
  return true;
}

/** Every structured-data key parse() reads; the other pairs are skipped without being copied. */
const KEYS = keySlots(['action', 'application', 'bytes-from-client', 'bytes-from-server', 'destination-address',
  'destination-port', 'destination-zone-name', 'elapsed-time', 'icmp-type', 'interface-name',
  'nat-destination-address', 'nat-destination-port', 'nat-source-address', 'nat-source-port',
  'packet-incoming-interface', 'packets-from-client', 'packets-from-server', 'policy-name', 'protocol',
  'protocol-id', 'protocol-name', 'rule-name', 'source-address', 'source-port', 'source-zone-name', 'username']);

/** The picked values by name (same order as KEYS). */
function fields(v: (string | undefined)[]) {
  return { 'action': v[0], 'application': v[1], 'bytes-from-client': v[2], 'bytes-from-server': v[3],
    'destination-address': v[4], 'destination-port': v[5], 'destination-zone-name': v[6], 'elapsed-time': v[7],
    'icmp-type': v[8], 'interface-name': v[9], 'nat-destination-address': v[10], 'nat-destination-port': v[11],
    'nat-source-address': v[12], 'nat-source-port': v[13], 'packet-incoming-interface': v[14],
    'packets-from-client': v[15], 'packets-from-server': v[16], 'policy-name': v[17], 'protocol': v[18],
    'protocol-id': v[19], 'protocol-name': v[20], 'rule-name': v[21], 'source-address': v[22], 'source-port': v[23],
    'source-zone-name': v[24], 'username': v[25] };
}

/** key="value" pairs of a Junos structured-data element, "[junos@… k="v" …]" (the SD-ID is optional). */
function sdPairs(sd: string, start: number) {
  let i = start;
  if (sd.charCodeAt(i) === 91) i++;
  // Skip an SD-ID ("junos@2636.1.1.1.2.26"): a first word without '='.
  let j = i;
  while (j < sd.length && j < i + 64) {
    const c = sd.charCodeAt(j);
    if (c === 32 || c === 61) break;
    j++;
  }
  if (sd.charCodeAt(j) === 32) i = j + 1;
  return fields(kvValues(sd, i, KEYS, 256));
}

/** "ip/port->ip/port" → [src, sport, dst, dport] or null. IPv6 addresses contain no '/' or '-' so the split is exact. */
function flowTuple(tok: string): [string, number | undefined, string, number | undefined] | null {
  const arrow = tok.indexOf('->');
  if (arrow < 0) return null;
  const a = tok.slice(0, arrow), b = tok.slice(arrow + 2);
  const sa = a.lastIndexOf('/'), sb = b.lastIndexOf('/');
  if (sa < 0 || sb < 0) return null;
  return [a.slice(0, sa), toPort(a.slice(sa + 1)), b.slice(0, sb), toPort(b.slice(sb + 1))];
}

function isDigits(s: string | undefined): boolean {
  return s !== undefined && s.length > 0 && toInt(s) !== undefined;
}

/** "60(52906)" → [60, 52906]. */
function pktBytes(s: string | undefined): [number | undefined, number | undefined] {
  if (s === undefined) return [undefined, undefined];
  const lp = s.indexOf('(');
  if (lp < 0 || s.charCodeAt(s.length - 1) !== 41) return [undefined, undefined];
  return [toInt(s.slice(0, lp)), toInt(s.slice(lp + 1, -1))];
}

function parseText(kind: Kind, body: string, f: Flow): boolean {
  // Tokens after "session created" / "session closed <reason>:" / "session denied".
  let at: number;
  if (kind === 'close') {
    const c = body.indexOf('session closed ');
    const p = c >= 0 ? body.indexOf(': ', c) : -1;
    if (p < 0) return false;
    at = p + 2;
  } else {
    const p = body.indexOf('session ');
    if (p < 0) return false;
    const sp = body.indexOf(' ', p + 8);
    if (sp < 0) return false;
    at = sp + 1;
  }
  const toks = splitChar(body, ' ', 64, false, at, Math.min(body.length, at + 4096));
  const t0 = flowTuple(toks[0] ?? '');
  if (!t0) return false;
  [f.src, f.spt, f.dst, f.dpt] = t0;
  let k = 1;
  if (kind === 'deny') {
    // <tag?> service protocol(icmp-type) policy szone dzone …
    for (; k < toks.length && k < 6; k++) {
      const t = toks[k]!;
      const lp = t.indexOf('(');
      if (lp > 0 && isDigits(t.slice(0, lp))) {
        f.proto = t.slice(0, lp);
        f.ruleName = toks[k + 1];
        f.srcZone = toks[k + 2];
        f.dstZone = toks[k + 3];
        break;
      }
    }
    return true;
  }
  // The NAT tuple follows the service name.
  for (; k < toks.length && k < 6; k++) {
    const nt = flowTuple(toks[k]!);
    if (nt) {
      f.natSrc = nt[0]; f.natSrcPort = nt[1]; f.natDst = nt[2]; f.natDstPort = nt[3];
      k++;
      break;
    }
  }
  // protocol-id is the number followed by policy, two zones and the numeric session id.
  for (; k + 4 < toks.length && k < 24; k++) {
    const t = toks[k]!;
    if (isDigits(t) && t.length <= 3 && Number(t) <= 255 && isDigits(toks[k + 4])) {
      f.proto = t;
      f.ruleName = toks[k + 1];
      f.srcZone = toks[k + 2];
      f.dstZone = toks[k + 3];
      if (kind === 'close') {
        const [cp, cb] = pktBytes(toks[k + 5]);
        const [sp, sb] = pktBytes(toks[k + 6]);
        f.packets = addCounts(cp, sp);
        f.bytes = addCounts(cb, sb);
        f.duration = toInt(toks[k + 7]);
      }
      break;
    }
  }
  return true;
}

function screenAction(a: string | undefined): Action | undefined {
  if (a === undefined) return undefined;
  const v = a.toLowerCase();
  if (v === 'alarm-without-drop' || v === 'alarm') return 'allow';
  return actionOf(v);
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const [tag, tagEnd] = tagOf(h);
  const kind = kindOf(tag);
  if (kind === undefined) return null;
  const m = bounded(h.message);
  const f = newFlow();
  let sd: ReturnType<typeof sdPairs> | undefined;
  const hsd = h.structuredData !== undefined ? bounded(h.structuredData) : undefined;
  if (hsd !== undefined && hsd.indexOf('-address=') >= 0) {
    sd = sdPairs(hsd, 0);
  } else {
    let i = tagEnd;
    while (i < m.length && m.charCodeAt(i) === 32) i++;
    if (m.charCodeAt(i) === 91) sd = sdPairs(m, i);
  }
  let action: Action | undefined;
  if (sd) {
    f.src = sd['source-address'];
    f.dst = sd['destination-address'];
    f.spt = toPort(sd['source-port']);
    f.dpt = toPort(sd['destination-port']);
    f.proto = sd['protocol-id'] ?? sd['protocol-name'] ?? sd['protocol'];
    f.natSrc = sd['nat-source-address'];
    f.natSrcPort = toPort(sd['nat-source-port']);
    f.natDst = sd['nat-destination-address'];
    f.natDstPort = toPort(sd['nat-destination-port']);
    f.ruleName = kind === 'idp' ? (sd['rule-name'] ?? sd['policy-name']) : sd['policy-name'];
    f.srcZone = sd['source-zone-name'];
    f.dstZone = sd['destination-zone-name'];
    f.inIf = sd['packet-incoming-interface'] ?? sd['interface-name'];
    f.packets = addCounts(toInt(sd['packets-from-client']), toInt(sd['packets-from-server']));
    f.bytes = addCounts(toInt(sd['bytes-from-client']), toInt(sd['bytes-from-server']));
    f.duration = toInt(sd['elapsed-time']);
    f.app = sd['application'] !== 'UNKNOWN' ? sd['application'] : undefined;
    f.user = sd['username'];
    if (kind === 'screen') action = screenAction(sd['action']);
    else if (kind === 'idp' || kind === 'secintel') {
      const a = (sd['action'] ?? '').toLowerCase();
      action = a === 'none' || a === 'permit' || a === 'recommended' || a === 'ignore' ? 'allow' : actionOf(a) ?? (a === 'close' || a === 'close-client' || a === 'close-server' || a === 'close-client-and-server' ? 'deny' : undefined);
    }
    if (kind === 'screen') {
      const icmpType = toInt(sd['icmp-type'], 0, 255);
      if (icmpType !== undefined) f.icmpType = icmpType;
    }
  } else {
    if (kind !== 'create' && kind !== 'close' && kind !== 'deny') return null;
    if (!parseText(kind, m.slice(tagEnd), f)) return null;
  }
  if (kind === 'screen' && f.proto === undefined) {
    if (tag.startsWith('RT_SCREEN_TCP')) f.proto = 'tcp';
    else if (tag.startsWith('RT_SCREEN_UDP')) f.proto = 'udp';
    else if (tag.startsWith('RT_SCREEN_ICMP')) f.proto = 'icmp';
  }
  if (action === undefined) {
    if (kind === 'deny') action = 'deny';
    else if (kind === 'create' || kind === 'close' || kind === 'apptrack') action = 'allow';
  }
  f.inferred = action === undefined;
  f.action = action ?? 'allow';
  f.code = tag;
  const ev = buildEvent('juniper-srx', 'juniper', 'srx', h, ctx, f);
  // A session is logged when it opens and when it closes: marked, so detection counts it once.
  if (ev !== null && f.action === 'allow') {
    if (kind === 'create') markSession(ev, 'start');
    else if (kind === 'close') markSession(ev, 'end');
  }
  return ev;
}


export const juniperSrx: VendorParser = {
  id: 'juniper-srx',
  title: 'Juniper SRX (Junos RT_FLOW sessions, screens, IDP, SecIntel; structured or plain text)',
  logHint: 'add then log session-init session-close to the security policies, with security log mode stream',
  detect,
  parse,
};
