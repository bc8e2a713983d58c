/**
 * pfSense and OPNsense `filterlog`: the packet filter's log, one CSV line per logged packet
 * (pfSense "Raw Filter Log Format" documentation; OPNsense writes the same layout):
 *
 *   rule,subrule,anchor,tracker,interface,reason,action,direction,ipversion,
 *   IPv4: tos,ecn,ttl,id,offset,flags,protoid,prototext,length,src,dst,
 *   IPv6: class,flowlabel,hoplimit,prototext,protoid,length,src,dst,
 *   then tcp: sport,dport,datalen,flags,seq,ack,window,urg,options
 *        udp: sport,dport,datalen
 *        icmp: icmptype,… (depends on the type)   carp: type,ttl,vhid,version,advskew,advbase
 *
 * It arrives with an RFC 3164 header (`filterlog[pid]:` or `filterlog:`), an RFC 5424 header
 * (app name `filterlog`) or as a bare CSV body (a file export). Every field is written by the
 * kernel/pf, so the layout is fixed; the only text an outsider influences is nothing at all.
 *
 * pfSense or OPNsense? Both write the same line. OPNsense's tracker (rule id) is a 32-hex-digit
 * hash (or a UUID for some automatic rules) where pfSense's is a decimal number, and OPNsense
 * appliances usually carry "opnsense" in their hostname: either makes the vendor `opnsense`,
 * otherwise it is `pfsense`.
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';

import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

const FLAG_NAMES: Record<string, string> = { S: 'SYN', A: 'ACK', F: 'FIN', R: 'RST', P: 'PSH', U: 'URG', E: 'ECE', W: 'CWR' };

/** ICMP type names as pf prints them, to [type, code]. */
const ICMP_TYPES: Record<string, [number, number | undefined]> = {
  request: [8, 0], reply: [0, 0], unreach: [3, undefined], unreachproto: [3, 2], unreachport: [3, 3], needfrag: [3, 4],
  timexceed: [11, undefined], paramprob: [12, undefined], redirect: [5, undefined], tstamp: [13, 0], tstampreply: [14, 0],
  maskreq: [17, 0], maskreply: [18, 0], routeradvert: [9, 0], routersol: [10, 0], sourcequench: [4, 0],
};

/** Field `k` (0-based) of a comma list, found with indexOf; -1 when absent. Returns [start, end]. */
function fieldAt(m: string, k: number, limit: number): [number, number] {
  let s = 0;
  for (let i = 0; i < k; i++) {
    const c = m.indexOf(',', s);
    if (c < 0 || c > limit) return [-1, -1];
    s = c + 1;
  }
  let e = m.indexOf(',', s);
  if (e < 0) e = m.length;
  return [s, e];
}

function eq(m: string, r: [number, number], w: string): boolean {
  return r[0] >= 0 && r[1] - r[0] === w.length && m.startsWith(w, r[0]);
}

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (h.appName === 'filterlog') return true;
  // A bare body: a rule number first, then action/direction/IP version at their places.
  const c = m.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return false;
  const a = fieldAt(m, 6, 200);
  if (!(eq(m, a, 'pass') || eq(m, a, 'block') || eq(m, a, 'reject'))) return false;
  const d = fieldAt(m, 7, 220);
  if (!(eq(m, d, 'in') || eq(m, d, 'out'))) return false;
  const v = fieldAt(m, 8, 230);
  return eq(m, v, '4') || eq(m, v, '6');
}

function isHex32(s: string): boolean {
  if (s.length !== 32) return false;
  for (let i = 0; i < 32; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

function isUuid(s: string): boolean {
  return s.length === 36 && s.charCodeAt(8) === 45 && s.charCodeAt(13) === 45 && s.charCodeAt(18) === 45 && s.charCodeAt(23) === 45;
}

function hasWordCi(s: string | undefined, w: string): boolean {
  return s !== undefined && s.length >= w.length && s.toLowerCase().indexOf(w) >= 0;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const f = h.message.split(',', 64);
  if (f.length < 17) return null;
  const actionText = f[6];
  let action: 'allow' | 'deny';
  if (actionText === 'pass' || actionText === 'rdr' || actionText === 'nat' || actionText === 'binat') action = 'allow';
  else if (actionText === 'block' || actionText === 'reject') action = 'deny';
  else return null;
  const ver = f[8];
  if (ver !== '4' && ver !== '6') return null;
  // Standard positions first; if they do not hold addresses (a variant with extra fields), look
  // for the first pair of adjacent addresses and take the protocol from just before them.
  let srcAt = ver === '4' ? 18 : 15;
  let protoText: string | undefined = ver === '4' ? f[16] : f[12];
  let len: string | undefined = ver === '4' ? f[17] : f[14];
  const hopOrTtl = f[11];
  let src = canonicalIp(f[srcAt]);
  let dst = canonicalIp(f[srcAt + 1]);
  if (src === undefined || dst === undefined) {
    src = dst = undefined;
    for (let k = 11; k + 1 < f.length && k < 30; k++) {
      const a = canonicalIp(f[k]);
      if (a === undefined) continue;
      const b = canonicalIp(f[k + 1]);
      if (b === undefined) break;
      src = a; dst = b; srcAt = k;
      len = f[k - 1];
      const p3 = f[k - 3] ?? '', p2 = f[k - 2] ?? '';
      protoText = isAlpha(p2) ? p2 : isAlpha(p3) ? p3 : undefined;
      break;
    }
    if (src === undefined || dst === undefined) return null;
  }
  const tracker = f[3] ?? '';
  const opn = isHex32(tracker) || isUuid(tracker) || hasWordCi(h.hostname, 'opnsense');
  const vendor = opn ? 'opnsense' : 'pfsense';
  const time = h.time ?? ctx.receivedMs;
  const ev = newEvent('gatewatch.pfsense', vendor, opn ? 'opnsense' : 'pfsense', fastIso(time), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  const iface = f[4];
  if (iface) {
    if (f[7] === 'out') ev.observer.egress = { interface: { name: iface } };
    else ev.observer.ingress = { interface: { name: iface } };
  }
  ev.source.ip = src;
  ev.destination.ip = dst;
  ev.network.type = ver === '6' ? 'ipv6' : 'ipv4';
  if (protoText) setTransport(ev, protoText === 'carp' ? 'carp' : protoText);
  else setTransport(ev, ver === '4' ? f[15] : f[13]);
  ev.network.packets = 1;
  const bytes = toInt(len, 0, 65535 + 40);
  if (bytes !== undefined) ev.network.bytes = bytes;
  const rule: { id?: string; name?: string } = {};
  if (tracker) rule.id = tracker;
  else if (f[0]) rule.id = f[0];
  if (f[2]) rule.name = f[2];
  if (rule.id !== undefined || rule.name !== undefined) ev.rule = rule;
  const gw: NonNullable<GwEvent['gatewatch']> = {};
  if (f[0]) gw.rule_number = f[0];
  if (f[5] && f[5] !== 'match') gw.reason = f[5];
  const ttl = toInt(hopOrTtl, 0, 255);
  if (ttl !== undefined) gw.ttl = ttl;
  const t = ev.network.transport;
  const p = srcAt + 2;
  if (t === 'tcp' || t === 'udp' || t === 'sctp') {
    const sp = toPort(f[p]), dp = toPort(f[p + 1]);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
    if (t === 'tcp') {
      const fl = f[p + 3] ?? '';
      const flags: string[] = [];
      for (let i = 0; i < fl.length && i < 8; i++) {
        const nm = FLAG_NAMES[fl[i]!];
        if (nm !== undefined && flags.indexOf(nm) < 0) flags.push(nm);
      }
      gw.tcp_flags = flags;
      if (flags.length === 1 && flags[0] === 'SYN' && f.length > p + 8) gw.tcp_options = (f[p + 8] ?? '') !== '';
    }
  } else if (t === 'icmp') {
    const it = ICMP_TYPES[f[p] ?? ''];
    if (it) gw.icmp = it[1] === undefined ? { type: it[0] } : { type: it[0], code: it[1] };
  }
  ev.gatewatch = gw;
  return ev;
}

function isAlpha(s: string): boolean {
  if (s.length === 0) return false;
  const c = s.charCodeAt(0) | 32;
  return c >= 97 && c <= 122;
}

export const pfsense: VendorParser = {
  id: 'pfsense',
  title: 'pfSense / OPNsense filterlog',
  detect,
  parse,
};
