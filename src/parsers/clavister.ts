/**
 * Clavister NetWall / cOS Core, and D-Link NetDefend (DFL series, which runs Clavister's firmware), syslog in
 * key=value form. Two layouts:
 *
 *   bracketed sections (cOS Core):
 *   id=600001 event=conn_open action=open [message=Connection opened …][rules rule=LAN_to_WAN ]
 *   [conn [conn connsrcip=192.168.1.10 conndestip=198.51.100.7 connipproto=TCP connsrcport=50000
 *   conndestport=443 connrecvif=lan conndestif=wan ]]
 *
 *   flat, after the tag "EFW:" and a category (NetDefendOS and older cOS Core; D-Link's "How to read the logs"):
 *   EFW: DROP: prio=1 rule=Rule_1 action=drop recvif=wan srcip=… destip=… ipproto=TCP srcport=3572 destport=135
 *   EFW: CONN: prio=1 id=00600001 rev=1 event=conn_open action=allow rule=… conn=open connipproto=TCP
 *   connrecvif=lan connsrcip=… connsrcport=… conndestif=wan conndestip=… conndestport=…
 *   (sometimes behind the firewall's own "[2026-11-23 10:00:00]", which is UTC)
 *
 * Endpoints come from the connection section (conn…), else from the packet sections
 * ([ippacket … srcip= destip=][tcp packet srcport= destport=], ARP data). Records without both
 * ends (user logins, VPN tunnels, routing, ALG sessions, reputation server status, USAGE statistics) give
 * null. A connection is logged when it opens and when it closes: marked start/end, so detection counts it once.
 */
import { markSession, type GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName, actionOf } from './cef';
import { addCounts, bounded, buildEvent, newFlow } from './flow';
import { isoMsAt } from '../syslog/time';
import { keySlots } from './keyslots';
import { scanKvWanted, toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

/** Where the key=value pairs begin: 0 for the bracketed layout, after "CATEGORY: " for the flat one; -1: neither. */
function bodyStart(h: SyslogHeader): number {
  const m = h.message;
  if (m.startsWith('id=')) {
    const sp = m.indexOf(' ', 3);
    return sp > 3 && sp < 14 && toInt(m.slice(3, sp)) !== undefined && m.startsWith('event=', sp + 1) ? 0 : -1;
  }
  return flatStart(h);
}

function detect(h: SyslogHeader): boolean {
  return bodyStart(h) >= 0;
}

/**
 * Where the key=value pairs of a flat record begin (after "CATEGORY: "), or -1. The tag "EFW" is the
 * header's app name, or (behind the firewall's bracketed time, which the header does not read) in the message.
 */
function flatStart(h: SyslogHeader): number {
  const m = h.message;
  let i = 0;
  if (h.appName !== 'EFW') {
    if (m.charCodeAt(0) === 91 && m.charCodeAt(20) === 93 && m.startsWith(' EFW: ', 21)) i = 27;
    else if (m.startsWith('EFW: ')) i = 5;
    else return -1;
  }
  // The category: capitals, digits and _ (DROP, CONN, RULE, IDP, USAGE …), then ": " and a key ("prio=", or
  // "conns=" of the USAGE statistics).
  const c0 = i;
  while (i < m.length && i - c0 <= 16) {
    const c = m.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) break;
    i++;
  }
  if (i - c0 < 2 || m.charCodeAt(i) !== 58 || m.charCodeAt(i + 1) !== 32) return -1;
  const k0 = i + 2;
  let k = k0;
  while (k < m.length && k - k0 < 16 && m.charCodeAt(k) >= 97 && m.charCodeAt(k) <= 122) k++;
  return k > k0 && m.charCodeAt(k) === 61 ? k0 : -1;
}

/** The keys parse() reads, and their index in KEYS. */
const enum K {
  ipproto, connipproto, event, connsrcip, conndestip, connsrcport, conndestport, srcip, destip, srcport, destport, action,
  connrecvif, recvif, conndestif, newconnsrcip, newconnsrcport, newconndestip, newconndestport, rule, id, conn, origsent, termsent,
}
const KEYS = keySlots([
  'ipproto', 'connipproto', 'event', 'connsrcip', 'conndestip', 'connsrcport', 'conndestport', 'srcip', 'destip', 'srcport',
  'destport', 'action', 'connrecvif', 'recvif', 'conndestif', 'newconnsrcip', 'newconnsrcport', 'newconndestip',
  'newconndestport', 'rule', 'id', 'conn', 'origsent', 'termsent',
]);
const NKEYS = KEYS.names.length;

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  // (the flat layout's category, and the bracketed time before it, are not key=value pairs)
  const start = bodyStart(h);
  if (start < 0) return null;
  // The first non-empty value of each key read (the protocol: see below), by index in KEYS.
  const x = new Array<string | undefined>(NKEYS);
  let ipproto: string | undefined;
  scanKvWanted(m, start, KEYS, (k, v) => {
    if (v.length === 0) return;
    if (k === K.ipproto || k === K.connipproto) { if (k === K.connipproto || ipproto === undefined || v !== 'Ip4') ipproto = v; return; }
    if (x[k] === undefined) x[k] = v;
  }, 400);
  const ev = x[K.event] ?? '';
  if (ev.startsWith('alg_session') || ev.startsWith('oneconnect') || ev.startsWith('user_') || ev.startsWith('ike_') || ev.startsWith('ipsec_')) return null;
  let src = x[K.connsrcip], dst = x[K.conndestip];
  let spt = toPort(x[K.connsrcport]), dpt = toPort(x[K.conndestport]);
  if (src === undefined || dst === undefined) {
    src = x[K.srcip]; dst = x[K.destip];
    spt = toPort(x[K.srcport]); dpt = toPort(x[K.destport]);
  }
  if (src === undefined || dst === undefined) return null;
  const action = actionOf(x[K.action]) ?? actionFromName(ev);
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = ipproto !== undefined && ipproto !== 'Arp' && ipproto !== 'Ip4' && ipproto !== 'Ip6' ? ipproto : undefined;
  flow.action = action ?? 'allow';
  flow.inferred = action === undefined;
  flow.inIf = x[K.connrecvif] ?? x[K.recvif];
  flow.outIf = x[K.conndestif];
  flow.natSrc = x[K.newconnsrcip];
  flow.natSrcPort = toPort(x[K.newconnsrcport]);
  flow.natDst = x[K.newconndestip];
  flow.natDstPort = toPort(x[K.newconndestport]);
  flow.ruleName = x[K.rule];
  flow.code = x[K.id];
  // Bytes both ways, on the record of a connection closing.
  flow.bytes = addCounts(toInt(x[K.origsent]), toInt(x[K.termsent]));
  // The firewall's own time (UTC, say Clavister's and D-Link's manuals), for a line whose header had none.
  if (start > 0 && h.time === undefined && m.charCodeAt(0) === 91) {
    const t = isoMsAt(m, 1, 'UTC');
    if (t !== null) flow.timeMs = t;
  }
  const out = buildEvent('clavister', 'clavister', 'cos-core', h, ctx, flow);
  if (out !== null) {
    const phase = x[K.conn] ?? sessionPhase(ev);
    if (phase === 'open') markSession(out, 'start');
    else if (phase === 'close') markSession(out, 'end');
  }
  return out;
}

/** "open"/"close" from an event name (conn_open, conn_close_natsat …). */
function sessionPhase(event: string): string | undefined {
  if (!event.startsWith('conn_')) return undefined;
  return event.startsWith('conn_open') ? 'open' : event.startsWith('conn_close') ? 'close' : undefined;
}

export const clavister: VendorParser = {
  id: 'clavister',
  title: 'Clavister cOS Core / D-Link NetDefend (NetWall, DFL)',
  logHint: 'turn on logging on the IP rules, and send the CONN and RULE log categories to the syslog receiver',
  detect,
  parse,
};
