/**
 * LANCOM routers and firewalls (LCOS), the firewall's syslog notification (LCOS reference manual, "SYSLOG
 * notifications"):
 *
 *   PACKET_ALERT: Dst: 192.168.200.10:80 {}, Src: 10.0.0.37:4353 {} (TCP): port filter
 *
 * sent "if the firewall drops an appropriate packet": ports only for protocols that have them, the station's name
 * in the braces when the router knows it without asking DNS, the protocol in parentheses, then why. With the
 * syslog action ticked on a filter rule, a PACKET_INFO notice follows (matched filter, exceeded limit, actions):
 * it names no packet, so it is claimed (it is this make's) and gives null. The manual describes the notification
 * for dropped packets only; a rule that accepts and logs would look the same, so the decision is marked inferred.
 */
import type { GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { bounded, buildEvent, newFlow, splitHostPort } from './flow';
import type { ParseContext, VendorParser } from './types';

/** Where "Dst: " begins, for a PACKET_ALERT notification (as the tag, or within the message), or -1. */
function alertAt(h: SyslogHeader, m: string): number {
  if (h.appName === 'PACKET_ALERT') return m.startsWith('Dst: ') ? 0 : -1;
  const p = m.indexOf('PACKET_ALERT: Dst: ');
  return p >= 0 && p <= 64 ? p + 14 : -1;
}

function isInfo(h: SyslogHeader, m: string): boolean {
  if (h.appName === 'PACKET_INFO') return true;
  const p = m.indexOf('PACKET_INFO:');
  return p >= 0 && p <= 64;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 256);
  return alertAt(h, m) >= 0 || isInfo(h, m);
}

/** One side: "192.168.200.10:80 {ntserver}" (braces optional) → address and port. */
function side(m: string, from: number, end: number): [string, number | undefined] {
  let s = m.slice(from, end).trim();
  const brace = s.indexOf(' {');
  if (brace >= 0) s = s.slice(0, brace);
  return splitHostPort(s);
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = alertAt(h, m);
  if (at < 0) return null;
  // "Dst: a:p {name}, Src: b:q {name} (PROTO): reason"
  const srcAt = m.indexOf(', Src: ', at);
  if (srcAt < 0 || srcAt - at > 200) return null;
  const paren = m.indexOf(' (', srcAt + 7);
  if (paren < 0 || paren - srcAt > 200) return null;
  const close = m.indexOf(')', paren);
  if (close < 0 || close - paren > 16) return null;
  const [dst, dpt] = side(m, at + 5, srcAt);
  const [src, spt] = side(m, srcAt + 7, paren);
  const f = newFlow();
  f.src = src;
  f.dst = dst;
  f.spt = spt;
  f.dpt = dpt;
  f.proto = m.slice(paren + 2, close);
  f.action = 'deny';
  f.inferred = true;
  f.packets = 1;
  if (m.charCodeAt(close + 1) === 58) {
    const why = m.slice(close + 2).trim();
    if (why.length > 0) f.ruleName = why.length > 128 ? why.slice(0, 128) : why;
  }
  return buildEvent('lancom', 'lancom', 'lcos', h, ctx, f);
}

export const lancom: VendorParser = {
  id: 'lancom',
  title: 'LANCOM (LCOS firewall syslog notifications)',
  logHint: 'turn on the SYSLOG notification for the firewall (Firewall/QoS › Alerting, "send a SYSLOG message") and on the filter rules whose drops you want to see',
  detect,
  parse,
};
