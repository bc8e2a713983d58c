/**
 * Clavister NetWall / cOS Core, syslog in key=value form with bracketed sections:
 *
 *   id=600001 event=conn_open action=open [message=Connection opened …][rules rule=LAN_to_WAN ]
 *   [conn [conn connsrcip=192.168.1.10 conndestip=198.51.100.7 connipproto=TCP connsrcport=50000
 *   conndestport=443 connrecvif=lan conndestif=wan ]]
 *
 * Endpoints come from the connection section (conn…), else from the packet sections
 * ([ippacket … srcip= destip=][tcp packet srcport= destport=], ARP data). Records without both
 * ends (user logins, VPN tunnels, routing, ALG sessions, reputation server status) give null.
 */
import type { GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName, actionOf } from './cef';
import { bounded, buildEvent, newFlow } from './flow';
import { keySlots } from './keyslots';
import { scanKvWanted, toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (!m.startsWith('id=')) return false;
  const sp = m.indexOf(' ', 3);
  return sp > 3 && sp < 14 && toInt(m.slice(3, sp)) !== undefined && m.startsWith('event=', sp + 1);
}

/** The keys parse() reads, and their index in KEYS. */
const enum K {
  ipproto, connipproto, event, connsrcip, conndestip, connsrcport, conndestport, srcip, destip, srcport, destport, action,
  connrecvif, recvif, conndestif, newconnsrcip, newconnsrcport, newconndestip, newconndestport, rule, id,
}
const KEYS = keySlots([
  'ipproto', 'connipproto', 'event', 'connsrcip', 'conndestip', 'connsrcport', 'conndestport', 'srcip', 'destip', 'srcport',
  'destport', 'action', 'connrecvif', 'recvif', 'conndestif', 'newconnsrcip', 'newconnsrcport', 'newconndestip',
  'newconndestport', 'rule', 'id',
]);
const NKEYS = KEYS.names.length;

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  if (!detect(h)) return null;
  // The first non-empty value of each key read (the protocol: see below), by index in KEYS.
  const x = new Array<string | undefined>(NKEYS);
  let ipproto: string | undefined;
  scanKvWanted(m, 0, KEYS, (k, v) => {
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
  return buildEvent('clavister', 'clavister', 'cos-core', h, ctx, flow);
}

export const clavister: VendorParser = {
  id: 'clavister',
  title: 'Clavister cOS Core (NetWall)',
  logHint: 'turn on logging on the IP rules, and send the CONN and RULE log categories to the syslog receiver',
  detect,
  parse,
};
