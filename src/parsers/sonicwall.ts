/**
 * SonicWall SonicOS syslog ("default" and "enhanced" key=value formats):
 *
 *   id=firewall sn=0017C5000001 time="2026-11-23 10:00:00 UTC" fw=198.51.100.1 pri=6 c=262144 m=98
 *   msg="Connection Opened" n=1 src=203.0.113.5:51515:X1 dst=192.0.2.10:443:X0 proto=tcp/https fw_action="NA"
 *
 * src/dst are "ip:port:interface[:host]"; IPv6 endpoints come as srcV6=/dstV6= with src=:port:iface.
 * The decision is fw_action ("drop"/"forward"), else read from the message ("… dropped", "… denied").
 * Administration, VPN negotiation, NTP and WAN failover messages give null (by message id and by
 * category: c=1 maintenance, c=2 system errors, c=16 user activity). SonicWall's CEF output is read
 * by the CEF parser.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName, actionOf } from './cef';
import { addCounts, bounded, buildEvent, newFlow, isoTime, splitHostPort } from './flow';
import { kvValues, toInt, toPort } from './kv';
import { keySlots } from './keyslots';
import type { ParseContext, VendorParser } from './types';

/** Message ids that are not about a traffic flow even though they carry src/dst. */
const NON_NETWORK = new Set([
  24, 29, 30, 31, 35, 199, 200, 236, 261, 262, 263, 264, 265, 266, 994, 995, 996, 997, 998, 1079, 1080, 1104, // admin/user logins
  346, 350, 351, 354, 372, 402, 403, 404, 406, 408, 409, 483, 500, 1388, 1389, // IKE / IPsec negotiation
  53, 1231, 1232, 1220, // cache, NTP, SNMP
  307, 326, 436, 584, 585, 586, 587, // WAN probing and failover
]);
const NON_NETWORK_CATEGORY = new Set(['1', '2', '16']);

/** Position of "id=" starting the SonicWall body (within the first bytes, at a word start), or -1. */
function bodyStart(m: string): number {
  const p = m.indexOf('id=');
  if (p < 0 || p > 48 || (p > 0 && m.charCodeAt(p - 1) !== 32)) return -1;
  const sn = m.indexOf(' sn=', p);
  return sn > 0 && sn - p < 64 ? p : -1;
}

function detect(h: SyslogHeader): boolean {
  return bodyStart(bounded(h.message, 256)) >= 0;
}

/** Every key parse() reads below; the other pairs of the line are skipped without being copied. */
const KEYS = keySlots(['appName', 'c', 'cdur', 'code', 'dst', 'dstV6', 'dstZone', 'fw_action', 'm', 'msg', 'natDst',
  'natDstV6', 'natSrc', 'natSrcV6', 'proto', 'rcvd', 'rpkt', 'rule', 'sent', 'spkt', 'src', 'srcMac', 'srcV6',
  'srcZone', 'time', 'type', 'usr']);

/** The picked values by name (same order as KEYS). */
function fields(v: (string | undefined)[]) {
  return { appName: v[0], c: v[1], cdur: v[2], code: v[3], dst: v[4], dstV6: v[5], dstZone: v[6], fw_action: v[7],
    m: v[8], msg: v[9], natDst: v[10], natDstV6: v[11], natSrc: v[12], natSrcV6: v[13], proto: v[14], rcvd: v[15],
    rpkt: v[16], rule: v[17], sent: v[18], spkt: v[19], src: v[20], srcMac: v[21], srcV6: v[22], srcZone: v[23],
    time: v[24], type: v[25], usr: v[26] };
}

/** "ip:port:iface[:host]" → [ip, port, iface]. */
function endpoint(v: string | undefined): [string | undefined, number | undefined, string | undefined] {
  if (v === undefined) return [undefined, undefined, undefined];
  if (v.charCodeAt(0) === 91) {
    const [ip, port] = splitHostPort(v);
    return [ip, port, undefined];
  }
  // v.split(':', 4)'s first three parts, found with indexOf (a native split costs far more on such short text).
  const c1 = v.indexOf(':');
  if (c1 < 0) return [v || undefined, undefined, undefined];
  const c2 = v.indexOf(':', c1 + 1);
  if (c2 < 0) return [v.slice(0, c1) || undefined, toPort(v.slice(c1 + 1)), undefined];
  const c3 = v.indexOf(':', c2 + 1);
  return [v.slice(0, c1) || undefined, toPort(v.slice(c1 + 1, c2)), v.slice(c2 + 1, c3 < 0 ? v.length : c3) || undefined];
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = bodyStart(m);
  if (at < 0) return null;
  const x = fields(kvValues(m, at, KEYS, 300));
  const mid = toInt(x.m);
  if (mid !== undefined && NON_NETWORK.has(mid)) return null;
  if (x.c !== undefined && NON_NETWORK_CATEGORY.has(x.c)) return null;
  let [src, spt, inIf] = endpoint(x.src);
  let [dst, dpt, outIf] = endpoint(x.dst);
  if (x.srcV6 !== undefined && x.srcV6 !== '') src = x.srcV6;
  if (x.dstV6 !== undefined && x.dstV6 !== '') dst = x.dstV6;
  let proto = x.proto;
  if (proto !== undefined) { const sl = proto.indexOf('/'); if (sl >= 0) proto = proto.slice(0, sl); }
  let action: Action | undefined = actionOf(x.fw_action);
  const msg = x.msg ?? '';
  if (action === undefined && msg !== '') {
    action = actionFromName(msg);
    if (action === undefined && (mid === 98 || mid === 537 || msg.startsWith('Connection'))) action = 'allow';
  }
  const [ns, nsp] = x.natSrc !== undefined ? splitHostPort(x.natSrc) : x.natSrcV6 !== undefined ? splitHostPort(x.natSrcV6) : [undefined, undefined];
  const [nd, ndp] = x.natDst !== undefined ? splitHostPort(x.natDst) : x.natDstV6 !== undefined ? splitHostPort(x.natDstV6) : [undefined, undefined];
  const icmp = proto === 'icmp' || mid === 38;
  const cdur = toInt(x.cdur);
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto ?? (mid === 38 ? 'icmp' : undefined);
  flow.action = action ?? 'allow';
  flow.inferred = action === undefined;
  flow.inIf = inIf;
  flow.outIf = outIf;
  flow.srcMac = x.srcMac;
  flow.natSrc = ns;
  flow.natSrcPort = nsp;
  flow.natDst = nd;
  flow.natDstPort = ndp;
  flow.bytes = addCounts(toInt(x.sent), toInt(x.rcvd));
  flow.packets = addCounts(toInt(x.spkt), toInt(x.rpkt));
  flow.ruleName = x.rule;
  flow.icmpType = icmp ? toInt(x.type, 0, 255) : undefined;
  flow.icmpCode = icmp ? toInt(x.code, 0, 255) : undefined;
  flow.duration = cdur !== undefined ? Math.round(cdur / 1000) : undefined;
  flow.app = x.appName;
  flow.srcZone = x.srcZone;
  flow.dstZone = x.dstZone;
  flow.user = x.usr;
  flow.timeMs = isoTime(x.time, ctx);
  flow.code = x.m;
  const ev = buildEvent('sonicwall', 'sonicwall', 'sonicos', h, ctx, flow);
  if (ev && msg !== '') ev.gatewatch!.message = msg.length > 128 ? msg.slice(0, 128) : msg;
  return ev;
}

export const sonicwall: VendorParser = {
  id: 'sonicwall',
  title: 'SonicWall SonicOS (key=value syslog)',
  logHint: 'in Log › Settings send the Network Access and Attacks categories to syslog at Inform level',
  detect,
  parse,
};
