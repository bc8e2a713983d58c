/**
 * Peplink Balance and Pepwave (MAX, SOHO/Surf, B One …) firewall rules with "Event Logging" ticked. Peplink's
 * manuals (2011 to 2024) give the same sample of the Event Log entry, which remote syslog carries:
 *
 *   Denied CONN=Ethernet WAN SRC=203.0.113.9 DST=192.168.1.20 LEN=48 PROTO=TCP SPT=2260 DPT=80
 *
 * "Allowed" for a rule whose action is Allow. CONN is the router's connection the entry refers to ("WAN1",
 * "Ethernet WAN", "Cellular 1", "LAN"): it may hold spaces, so it runs to " SRC=". Which side of the router
 * that connection is on depends on the rule (inbound or outbound), so it is kept as the connection's name
 * (gatewatch.connection), not as an ingress or egress interface. ICMP entries carry TYPE= and CODE=, as the
 * Linux kernel's log (which the router runs) does. A line copied from the Event Log page has no host name:
 * "Aug 13 23:47:44 Denied CONN=…" reads as host "Denied", which hostOf() says is not one.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { bounded, buildEvent, newFlow } from './flow';
import { keySlots } from './keyslots';
import { kvValues, toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

/** How far into the message the verdict may be (behind a tag such as "Firewall:" or the router's name). */
const WINDOW = 48;

/** [decision, index of "CONN="] for a line of this format, else null. */
function verdictOf(h: SyslogHeader, m: string): [Action, number] | null {
  // (copied from the web page: the verdict sits where a host name goes)
  if (m.startsWith('CONN=')) {
    if (h.hostname === 'Denied') return ['deny', 0];
    if (h.hostname === 'Allowed') return ['allow', 0];
    return null;
  }
  const p = m.indexOf('CONN=');
  if (p < 7 || p > WINDOW) return null;
  if (m.startsWith('Denied ', p - 7) && (p === 7 || m.charCodeAt(p - 8) === 32)) return ['deny', p];
  if (p >= 8 && m.startsWith('Allowed ', p - 8) && (p === 8 || m.charCodeAt(p - 9) === 32)) return ['allow', p];
  return null;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 256);
  const v = verdictOf(h, m);
  return v !== null && m.indexOf(' SRC=', v[1]) > 0;
}

function hostOf(h: SyslogHeader): string | undefined {
  return h.hostname === 'Denied' || h.hostname === 'Allowed' ? undefined : h.hostname;
}

const KEYS = keySlots(['SRC', 'DST', 'LEN', 'PROTO', 'SPT', 'DPT', 'TYPE', 'CODE']);

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const v = verdictOf(h, m);
  if (v === null) return null;
  const srcAt = m.indexOf(' SRC=', v[1]);
  if (srcAt < 0 || srcAt - v[1] > 69) return null;
  const conn = m.slice(v[1] + 5, srcAt).trim();
  const x = kvValues(m, srcAt + 1, KEYS, 32);
  const [src, dst, len, proto, spt, dpt, type, code] = x;
  if (src === undefined || dst === undefined) return null;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.proto = proto;
  flow.spt = toPort(spt);
  flow.dpt = toPort(dpt);
  flow.action = v[0];
  flow.bytes = toInt(len, 0, 65535);
  flow.packets = 1;
  if (type !== undefined) flow.icmpType = toInt(type, 0, 255);
  if (code !== undefined) flow.icmpCode = toInt(code, 0, 255);
  const ev = buildEvent('peplink', 'peplink', 'balance', h, ctx, flow);
  if (ev && conn.length > 0) ev.gatewatch!.connection = conn.length > 64 ? conn.slice(0, 64) : conn;
  return ev;
}

export const peplink: VendorParser = {
  id: 'peplink',
  title: 'Peplink Balance / Pepwave (firewall Event Logging)',
  logHint: 'tick Event Logging on the inbound and outbound firewall rules (Advanced › Firewall), including the default rules',
  detect,
  hostOf,
  parse,
};
