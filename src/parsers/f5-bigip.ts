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
 */
import type { Action, GwEvent } from '../event';
import { normaliseTransport } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName } from './cef';
import { bounded, buildEvent, FLOW, splitHostPort } from './flow';
import type { ParseContext, VendorParser } from './types';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Index just after "xxxxxxxx:n: " (the message id) at the start or after a short "prog[pid]: ", or -1. */
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

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 1024);
  const e = idEnd(m);
  return e > 0 && m.indexOf(' -> ', e) > 0;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message, 2048);
  const e = idEnd(m);
  if (e < 0) return null;
  const arrow = m.indexOf(' -> ', e);
  if (arrow < 0) return null;
  const before = m.slice(e, arrow);
  const words = before.split(' ');
  const left = words[words.length - 1]!;
  let r = arrow + 4;
  let re = r;
  while (re < m.length && m.charCodeAt(re) !== 32) re++;
  let right = m.slice(r, re);
  if (right.endsWith(':')) right = right.slice(0, -1);
  const [src, spt] = splitHostPort(left);
  const [dst, dpt] = splitHostPort(right);
  const protoWord = words.length >= 2 ? words[words.length - 2]! : '';
  const t = normaliseTransport(protoWord);
  const proto = t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'sctp' ? t : undefined;
  const action: Action | undefined = actionFromName(before);
  return buildEvent('f5-bigip', 'f5', 'big-ip', h, ctx, { ...FLOW,
    src, dst, spt, dpt, proto,
    action: action ?? 'allow', inferred: action === undefined,
    code: m.slice(e - 11, e - 3),
  });
}

export const f5Bigip: VendorParser = {
  id: 'f5-bigip',
  title: 'F5 BIG-IP (LTM/APM connection messages)',
  detect,
  parse,
};
