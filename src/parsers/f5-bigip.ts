/**
 * F5 BIG-IP (LTM, APM network access ACLs) messages that name a connection, in BIG-IP's own form:
 *
 *   tmm1[20358]: 01260013:4: SSL Handshake failed for TCP 203.0.113.5:57424 -> 192.0.2.10:443
 *   01580002:5: /Common/ap:Common:0f47932d: discard ACL: /Common/acl_deny:0 packet: tcp 203.0.113.5:59407 -> 192.0.2.10:443
 *
 * Each starts with BIG-IP's message id ("01260013:4:", eight hex digits and a level). The first
 * "a:p -> b:q" pair gives the endpoints; "discard"/"reject"/"drop" before it makes a deny. Messages
 * without an address pair (APM session details, audit, iRule text) give null. BIG-IP AFM's CEF
 * output is read by the CEF parser.
 *
 * ASM (Advanced WAF) request-violation records sent by syslog name the client and the virtual server:
 *
 *   perl[32639]: 01310039:3: [SECEV] Request violations: Attack signature detected. … Support id: 1234,
 *   source ip: 203.0.113.5, xff ip: 198.51.100.7, source port: 51515, destination ip: 192.0.2.10,
 *   destination port: 443, route_domain: 0, HTTP classifier: /Common/app, scheme HTTPS, …, request: <…>
 *
 * They describe content inside a connection (a WAF finding), so they carry event.kind "alert". The
 * "key: value" pairs are read in order from "Support id:" and the reading stops at "request:", the
 * client's own text; "xff ip" (a header the client chooses) is never taken as the source.
 */
import type { Action, GwEvent } from '../event';
import { normaliseTransport } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName } from './cef';
import { bounded, buildEvent, newFlow, splitHostPort } from './flow';
import { toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Index of the space after "xxxxxxxx:n:" (the message id) at the start or after a short "prog[pid]: ", or -1. */
function idEnd(m: string): number {
  let at = 0;
  if (!(isHex(m.charCodeAt(0)) && m.charCodeAt(8) === 58)) {
    const p = m.indexOf(']: ');
    if (p < 0 || p > 40) return -1;
    at = p + 3;
  }
  for (let i = 0; i < 8; i++) if (!isHex(m.charCodeAt(at + i))) return -1;
  const d = m.charCodeAt(at + 9);
  if (m.charCodeAt(at + 8) !== 58 || !(d >= 48 && d <= 57) || m.charCodeAt(at + 10) !== 58) return -1;
  return at + 11;
}

const SECEV = '[SECEV] ';

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 1024);
  // (any message with a BIG-IP message id is the box's: its audit and access-policy notices give null)
  return idEnd(m) > 0;
}

/** ASM "[SECEV] Request violations: …" record: client and virtual server from the keyed pairs. */
function parseSecev(h: SyslogHeader, ctx: ParseContext, m: string, e: number): GwEvent | null {
  if (!m.startsWith('Request violations: ', e + 1 + SECEV.length)) return null;
  let i = m.indexOf('Support id: ', e);
  if (i < 0) return null;
  let src: string | undefined, dst: string | undefined, spt: number | undefined, dpt: number | undefined;
  for (let pairs = 0; i < m.length && pairs < 16; pairs++) {
    const comma = m.indexOf(', ', i);
    const end = comma < 0 ? m.length : comma;
    const colon = m.indexOf(': ', i);
    if (colon >= 0 && colon < end) {
      const key = m.slice(i, colon);
      if (key === 'request') break;
      const v = m.slice(colon + 2, end);
      if (key === 'source ip') src ??= v;
      else if (key === 'destination ip') dst ??= v;
      else if (key === 'source port') spt ??= toPort(v);
      else if (key === 'destination port') dpt ??= toPort(v);
    }
    if (comma < 0) break;
    i = comma + 2;
  }
  if (src === undefined || dst === undefined) return null;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.action = 'allow';
  flow.inferred = true;
  flow.code = m.slice(e - 11, e - 3);
  const ev = buildEvent('f5-bigip', 'f5', 'big-ip', h, ctx, flow);
  if (ev) ev.event.kind = 'alert';
  return ev;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message, 2048);
  const e = idEnd(m);
  if (e < 0) return null;
  if (m.startsWith(SECEV, e + 1)) return parseSecev(h, ctx, m, e);
  const arrow = m.indexOf(' -> ', e);
  if (arrow < 0) return null;
  const before = m.slice(e, arrow);
  // The last two words before the arrow: the protocol and "address:port".
  const ls = before.lastIndexOf(' ');
  const left = ls < 0 ? before : before.slice(ls + 1);
  let r = arrow + 4;
  let re = r;
  while (re < m.length && m.charCodeAt(re) !== 32) re++;
  let right = m.slice(r, re);
  if (right.endsWith(':')) right = right.slice(0, -1);
  const [src, spt] = splitHostPort(left);
  const [dst, dpt] = splitHostPort(right);
  const protoWord = ls < 0 ? '' : before.slice(ls > 0 ? before.lastIndexOf(' ', ls - 1) + 1 : 0, ls);
  const t = normaliseTransport(protoWord);
  const proto = t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'sctp' ? t : undefined;
  const action: Action | undefined = actionFromName(before);
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action ?? 'allow';
  flow.inferred = action === undefined;
  flow.code = m.slice(e - 11, e - 3);
  return buildEvent('f5-bigip', 'f5', 'big-ip', h, ctx, flow);
}

export const f5Bigip: VendorParser = {
  id: 'f5-bigip',
  title: 'F5 BIG-IP (LTM/APM connection messages, ASM violations)',
  logHint: 'add a logging profile with network firewall (AFM) or connection events, sent to the remote destination',
  detect,
  parse,
};
