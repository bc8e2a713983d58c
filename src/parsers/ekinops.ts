/**
 * Ekinops (ex-OneAccess) OneOS routers: access-list hits logged by an ACL entry with logging on.
 * OneOS writes its own level tag before the text, then a Cisco-like "list" record:
 *
 *   : #INFO# list ACL-WAN-IN denied udp 203.0.113.5:5353-> 192.0.2.10:53 3 matches
 *   : #INFO# list ACL-WAN-OUT permitted proto 47 192.168.1.2:0-> 198.51.100.9:0 1 matches
 *
 * Words in a fixed order: "list", the ACL name, permitted|denied, the protocol (a name, or "proto"
 * followed by its number), "source:port->", "destination:port", the hit count and "matches". Numbers
 * printed in the port positions are kept as written (also for ICMP). Only IPv4 endpoints and bracketed
 * IPv6 ones are read ("2001:db8::1:53" cannot be split safely). Every other OneOS message (logins,
 * configuration, interface state, ZTP/CWMP) gives null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { bounded, buildEvent, newFlow, splitChar } from './flow';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

/** Index of "list " after ": #LEVEL# " at the start of the message, or -1. */
function listAt(m: string): number {
  const j = afterLevel(m);
  return j >= 0 && m.startsWith('list ', j) ? j : -1;
}

/** Index just after OneOS's ": #LEVEL# " at the start of the message (any OneOS message has it), or -1. */
function afterLevel(m: string): number {
  let i = 0;
  if (m.charCodeAt(0) === 58) i = 1; // ':' left by the syslog header ("host : #INFO# …")
  while (m.charCodeAt(i) === 32) i++;
  if (m.charCodeAt(i) !== 35) return -1; // '#'
  const e = m.indexOf('#', i + 1);
  if (e < 0 || e - i > 10) return -1;
  for (let k = i + 1; k < e; k++) {
    const c = m.charCodeAt(k);
    if (c < 65 || c > 90) return -1; // upper-case level word: INFO, NOTIFY, WARN, …
  }
  let j = e + 1;
  while (m.charCodeAt(j) === 32 && j < e + 4) j++;
  return j;
}

function detect(h: SyslogHeader): boolean {
  // (OneOS's own notices, "#NOTIFY# DHCP …", are its too: parse() gives null for them)
  return afterLevel(h.message) >= 0;
}

/** "192.0.2.1:53", "[2001:db8::1]:53" → [ip, port]; anything else → undefined. */
function endpoint(s: string | undefined): [string, number | undefined] | undefined {
  if (s === undefined || s.length === 0 || s.length > 64) return undefined;
  if (s.charCodeAt(0) === 91) {
    const rb = s.indexOf(']');
    if (rb < 0) return undefined;
    if (rb === s.length - 1) return [s.slice(1, rb), undefined];
    if (s.charCodeAt(rb + 1) !== 58) return undefined;
    const p = toPort(s.slice(rb + 2));
    return p === undefined ? undefined : [s.slice(1, rb), p];
  }
  const c = s.indexOf(':');
  if (c < 0) return [s, undefined];
  if (s.indexOf(':', c + 1) >= 0) return undefined;
  const p = toPort(s.slice(c + 1));
  return p === undefined ? undefined : [s.slice(0, c), p];
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message, 1024);
  const at = listAt(m);
  if (at < 0) return null;
  const w = splitChar(m, ' ', 16, true, at);
  // list NAME VERDICT PROTO [NUMBER] SRC:PORT-> DST:PORT N matches
  const verdict = w[2];
  const action: Action | undefined = verdict === 'permitted' ? 'allow' : verdict === 'denied' ? 'deny' : undefined;
  if (action === undefined || w.length < 6) return null;
  let k = 3;
  let proto = w[k++]!;
  if (proto === 'proto' || proto === 'protocol') {
    const n = toInt(w[k], 0, 255);
    if (n === undefined) return null;
    proto = String(n);
    k++;
  }
  let srcTok = w[k++]!;
  if (srcTok.endsWith('->')) srcTok = srcTok.slice(0, -2);
  else if (w[k] === '->') k++;
  else return null;
  const src = endpoint(srcTok);
  const dst = endpoint(w[k++]);
  if (src === undefined || dst === undefined) return null;
  const flow = newFlow();
  flow.src = src[0];
  flow.spt = src[1];
  flow.dst = dst[0];
  flow.dpt = dst[1];
  flow.proto = proto;
  flow.action = action;
  flow.ruleName = w[1];
  return buildEvent('ekinops-oneos', 'ekinops', 'oneos', h, ctx, flow);
}

export const ekinops: VendorParser = {
  id: 'ekinops-oneos',
  title: 'Ekinops OneOS (access-list hits)',
  logHint: 'turn on logging on the access-list entries (the log keyword)',
  detect,
  parse,
};
