/**
 * WatchGuard Firebox (Fireware) traffic logs in the native syslog form:
 *
 *   <142>Nov 23 10:00:00 Firebox-M270 801000000001 (2026-11-23T10:00:00) firewall: msg_id="3000-0148"
 *   Deny 0-External Firebox 40 tcp 20 244 203.0.113.5 198.51.100.1 51515 23 offset 5 S 123456 win 1024
 *   (Unhandled External Packet-00)
 *
 * After msg_id come the disposition (Allow/Deny), the source and destination interfaces, then either
 * "<len> <proto> <hdrlen> <ttl> <src> <dst> <sport> <dport> …" (packet logs) or
 * "<proto> <src> <dst> <sport> <dport> …" (proxy and session logs); ICMP logs give type and code in
 * place of the ports (kept in source.port/destination.port as written, and in gatewatch.icmp). The policy name closes the line in parentheses. WatchGuard's LEEF/CEF output is
 * read by those parsers; log lines with no address pair (VPN, management) give null.
 */
import type { GwEvent } from '../event';
import { normaliseTransport } from '../event';
import { parseIPv4, parseIPv6 } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { actionOf } from './cef';
import { addCounts, bounded, buildEvent, newFlow, splitChar, tcpFlagLetters } from './flow';
import { kvObject, toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const WINDOW = 160;

function msgIdAt(m: string): number {
  const p = m.indexOf('msg_id="');
  return p >= 0 && p <= WINDOW ? p : -1;
}

function detect(h: SyslogHeader): boolean {
  return msgIdAt(bounded(h.message, 256)) >= 0;
}

function isIp(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  return s.indexOf(':') >= 0 ? parseIPv6(s) !== null : parseIPv4(s) >= 0;
}

function isDigits(s: string | undefined): boolean {
  return s !== undefined && toInt(s) !== undefined;
}

function isProto(s: string | undefined): boolean {
  if (s === undefined || s.length === 0 || s.length > 10) return false;
  const t = normaliseTransport(s);
  return t === 'tcp' || t === 'udp' || t === 'icmp' || t === 'ipv6-icmp' || t === 'gre' || t === 'esp' || t === 'ah' || t === 'sctp' || t === 'igmp';
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const p = msgIdAt(m);
  if (p < 0) return null;
  const q = m.indexOf('"', p + 8);
  if (q < 0 || q - p > 24) return null;
  const code = m.slice(p + 8, q);
  const rest = m.slice(q + 1, q + 1 + 2048);
  const toks = splitChar(rest, ' ', 40, true);
  const action = actionOf(toks[0]);
  if (action === undefined) return null;
  // The first address pair.
  let k = 1;
  while (k + 1 < toks.length && k < 24 && !(isIp(toks[k]!) && isIp(toks[k + 1]!))) k++;
  if (k + 1 >= toks.length || k >= 24) return null;
  const src = toks[k]!, dst = toks[k + 1]!;
  let proto: string | undefined;
  let len: number | undefined;
  let ifEnd = k;
  if (k >= 4 && isProto(toks[k - 3]) && isDigits(toks[k - 2]) && isDigits(toks[k - 1])) {
    proto = toks[k - 3];
    ifEnd = k - 3;
    if (k >= 5 && isDigits(toks[k - 4])) { len = toInt(toks[k - 4]); ifEnd = k - 4; }
  } else if (isProto(toks[k - 1])) {
    proto = toks[k - 1];
    ifEnd = k - 1;
  }
  const t = normaliseTransport(proto);
  const icmp = t === 'icmp' || t === 'ipv6-icmp';
  let spt: number | undefined, dpt: number | undefined, icmpType: number | undefined, icmpCode: number | undefined;
  // ICMP logs print type and code in the port positions: kept there as written (as Elastic's integration
  // does) and also read as the ICMP type and code.
  if (icmp) { icmpType = toInt(toks[k + 2], 0, 255); icmpCode = toInt(toks[k + 3], 0, 255); }
  spt = toPort(toks[k + 2]); dpt = toPort(toks[k + 3]);
  // Interfaces: exactly two words between the disposition and the packet fields.
  const inIf = ifEnd === 3 ? toks[1] : undefined;
  const outIf = ifEnd === 3 ? toks[2] : undefined;
  // TCP flags follow "offset N".
  let flags: string[] | undefined;
  const off = toks.indexOf('offset', k + 4);
  if (t === 'tcp' && off > 0 && off < k + 8) flags = tcpFlagLetters(toks[off + 2] ?? '');
  // Policy: the parenthesised tail.
  let rule: string | undefined;
  const trimmed = m.trimEnd();
  if (trimmed.endsWith(')')) {
    const lp = trimmed.lastIndexOf('(');
    if (lp > q && trimmed.length - lp < 130) rule = trimmed.slice(lp + 1, -1);
  }
  // key="value" extras after the fixed fields (bytes, duration, app).
  let x: Record<string, string> | undefined;
  const eq = rest.indexOf('="');
  if (eq > 0) x = kvObject(rest, Math.max(0, rest.lastIndexOf(' ', eq) + 1), 64);
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action;
  flow.inIf = inIf;
  flow.outIf = outIf;
  flow.bytes = x ? addCounts(toInt(x.sent_bytes), toInt(x.rcvd_bytes)) : undefined;
  flow.ruleName = rule;
  flow.icmpType = icmpType;
  flow.icmpCode = icmpCode;
  flow.tcpFlags = flags;
  flow.duration = x ? toInt(x.duration) : undefined;
  flow.app = x?.app_name;
  flow.code = code;
  const ev = buildEvent('watchguard', 'watchguard', 'firebox', h, ctx, flow);
  if (ev && len !== undefined) ev.gatewatch!.length = len;
  return ev;
}

export const watchguard: VendorParser = {
  id: 'watchguard',
  title: 'WatchGuard Firebox (Fireware traffic log)',
  logHint: 'tick Send a log message on the policies, and Traffic in the syslog settings',
  detect,
  parse,
};
