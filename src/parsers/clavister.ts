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
import { bounded, buildEvent, FLOW } from './flow';
import { scanKv, toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (!m.startsWith('id=')) return false;
  const sp = m.indexOf(' ', 3);
  return sp > 3 && sp < 14 && toInt(m.slice(3, sp)) !== undefined && m.startsWith('event=', sp + 1);
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  if (!detect(h)) return null;
  const x: Record<string, string> = Object.create(null);
  let ipproto: string | undefined;
  scanKv(m, 0, (k, v) => {
    if (k.length === 0 || v.length === 0) return;
    if (k === 'ipproto' || k === 'connipproto') { if (k === 'connipproto' || ipproto === undefined || v !== 'Ip4') ipproto = v; return; }
    if (!(k in x)) x[k] = v;
  }, 400);
  const ev = x.event ?? '';
  if (ev.startsWith('alg_session') || ev.startsWith('oneconnect') || ev.startsWith('user_') || ev.startsWith('ike_') || ev.startsWith('ipsec_')) return null;
  let src = x.connsrcip, dst = x.conndestip;
  let spt = toPort(x.connsrcport), dpt = toPort(x.conndestport);
  if (src === undefined || dst === undefined) {
    src = x.srcip; dst = x.destip;
    spt = toPort(x.srcport); dpt = toPort(x.destport);
  }
  if (src === undefined || dst === undefined) return null;
  const action = actionOf(x.action) ?? actionFromName(ev);
  return buildEvent('clavister', 'clavister', 'cos-core', h, ctx, { ...FLOW,
    src, dst, spt, dpt,
    proto: ipproto !== undefined && ipproto !== 'Arp' && ipproto !== 'Ip4' && ipproto !== 'Ip6' ? ipproto : undefined,
    action: action ?? 'allow', inferred: action === undefined,
    inIf: x.connrecvif ?? x.recvif, outIf: x.conndestif,
    natSrc: x.newconnsrcip, natSrcPort: toPort(x.newconnsrcport),
    natDst: x.newconndestip, natDstPort: toPort(x.newconndestport),
    ruleName: x.rule,
    code: x.id,
  });
}

export const clavister: VendorParser = {
  id: 'clavister',
  title: 'Clavister cOS Core (NetWall)',
  detect,
  parse,
};
