/**
 * Cisco IOS / IOS XE access-list logging (an ACL entry with the `log` or `log-input` keyword):
 *
 *   %SEC-6-IPACCESSLOGP: list 101 denied tcp 192.0.2.7(40000) -> 198.51.100.1(23), 1 packet
 *   %SEC-6-IPACCESSLOGP: list 101 denied tcp 192.0.2.7(40000) (GigabitEthernet0/0 0011.2233.4455) -> …
 *   %SEC-6-IPACCESSLOGDP: list 150 denied icmp 192.0.2.7 -> 198.51.100.1 (8/0), 3 packets
 *   %SEC-6-IPACCESSLOGNP: list 171 denied 47 192.0.2.7 -> 198.51.100.1, 1 packet
 *   %SEC-6-IPACCESSLOGRP / …LOGSP: routing / source-routed variants (same layout)
 *   %SEC-6-IPACCESSLOGS: list 10 denied 192.0.2.7 5 packets               (standard ACL: source only)
 *   %IPV6-6-ACCESSLOGP / ACCESSLOGDP / ACCESSLOGNP / ACCESSLOGSP: the IPv6 equivalents
 *   %FMANFP-6-IPACCESSLOGP: R0/0: fman_fp_image: list …                   (IOS XE forwarding plane)
 *
 * The device's own sequence number and timestamp may precede the mnemonic ("585917: Feb  8
 * 04:00:47.272: %SEC-…"); the syslog header time is used. Other IOS messages return null.
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';

import { splitChar } from './flow';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

/** Index just after "%<FAC>-<sev>-<MNEMONIC>:" when the mnemonic is an ACL log one, else -1. */
function findAclTag(m: string): number {
  const lim = Math.min(m.length, 160);
  let i = m.indexOf('%');
  while (i >= 0 && i < lim) {
    const colon = m.indexOf(':', i);
    if (colon < 0 || colon - i > 48) return -1;
    const tag = m.slice(i + 1, colon);
    const d = tag.lastIndexOf('-');
    if (d > 0) {
      const mn = tag.slice(d + 1);
      if (mn.startsWith('IPACCESSLOG') || mn.startsWith('ACCESSLOG')) return colon + 1;
    }
    i = m.indexOf('%', i + 1);
  }
  return -1;
}

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  return (m.indexOf('ACCESSLOG') >= 0 && findAclTag(m) >= 0) || mnemonicAt(m) >= 0;
}

const ASA_FAMILY: Record<string, true> = { ASA: true, FTD: true, PIX: true, FWSM: true, NGIPS: true };

/**
 * Where an IOS message's "%SYS-5-CONFIG_I:" starts (in the first 80 characters), else -1: a router's own notices
 * (configuration, interfaces) are not connections, but they say the box is a Cisco router whose access lists
 * do not log.
 */
function mnemonicAt(m: string): number {
  const p = m.indexOf('%');
  if (p < 0 || p > 80) return -1;
  let i = p + 1;
  const f0 = i;
  while (i < m.length && i - f0 < 24) { const c = m.charCodeAt(i); if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) i++; else break; }
  if (i === f0 || m.charCodeAt(i) !== 45 || ASA_FAMILY[m.slice(f0, i)] === true) return -1;
  const s = m.charCodeAt(i + 1);
  if (!(s >= 48 && s <= 55) || m.charCodeAt(i + 2) !== 45) return -1;
  let k = i + 3;
  const n0 = k;
  while (k < m.length && k - n0 < 40) { const c = m.charCodeAt(k); if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) k++; else break; }
  return k > n0 && m.charCodeAt(k) === 58 ? p : -1;
}

/** "ip(port)" or "ip" → [ip, port]. */
function ipPort(tok: string | undefined): [string, number | undefined] | undefined {
  if (!tok) return undefined;
  let t = tok;
  if (t.charCodeAt(t.length - 1) === 44) t = t.slice(0, -1);
  let port: number | undefined;
  if (t.charCodeAt(t.length - 1) === 41) {
    const lp = t.lastIndexOf('(');
    if (lp <= 0) return undefined;
    port = toPort(t.slice(lp + 1, -1));
    t = t.slice(0, lp);
  }
  const ip = canonicalIp(t);
  return ip === undefined ? undefined : [ip, port];
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  const start = findAclTag(m);
  if (start < 0) return null;
  const w = splitChar(m, ' ', 64, true, start);
  const k = w.indexOf('list');
  if (k < 0 || k > 6) return null;
  const acl = w[k + 1];
  const verdict = w[k + 2];
  const action = verdict === 'permitted' ? 'allow' : verdict === 'denied' ? 'deny' : undefined;
  if (!acl || !action) return null;
  let j = k + 3;
  let proto: string | undefined;
  // Standard ACLs log no protocol: the next word is already the source address.
  if (ipPort(w[j]) === undefined) { proto = w[j]; j++; }
  const src = ipPort(w[j]);
  if (!src) return null;
  j++;
  let iface: string | undefined;
  if (w[j] !== undefined && w[j]!.charCodeAt(0) === 40 && w[j] !== '->') {
    // "(GigabitEthernet0/0 0011.2233.4455)" from log-input
    iface = w[j]!.slice(1);
    if (iface.endsWith(')')) iface = iface.slice(0, -1);
    while (j < w.length && !w[j]!.endsWith(')')) j++;
    j++;
  }
  let dst: [string, number | undefined] | undefined;
  if (w[j] === '->') { dst = ipPort(w[j + 1]); j += 2; }
  const ev = newEvent('gatewatch.cisco-ios', 'cisco', 'ios', fastIso(h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  if (iface) ev.observer.ingress = { interface: { name: iface } };
  ev.rule = { name: acl };
  if (proto !== undefined && proto !== 'ip' && proto !== 'ipv6') setTransport(ev, proto);
  const t = ev.network.transport;
  const ports = t === 'tcp' || t === 'udp' || t === 'sctp';
  ev.source.ip = src[0];
  if (ports && src[1] !== undefined) ev.source.port = src[1];
  if (dst) {
    ev.destination.ip = dst[0];
    if (ports && dst[1] !== undefined) ev.destination.port = dst[1];
  }
  ev.network.type = src[0].indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  // "(type/code)" for ICMP, then ", N packet(s)"
  for (; j < w.length && j < 64; j++) {
    const x = w[j]!;
    if (x.charCodeAt(0) === 40 && (t === 'icmp' || t === 'ipv6-icmp')) {
      const inner = x.slice(1, x.indexOf(')') > 0 ? x.indexOf(')') : x.length);
      const sl = inner.indexOf('/');
      const ty = toInt(sl > 0 ? inner.slice(0, sl) : inner, 0, 255);
      const co = sl > 0 ? toInt(inner.slice(sl + 1), 0, 255) : undefined;
      if (ty !== undefined) ev.gatewatch = { icmp: { type: ty, code: co } };
    } else if ((x === 'packet' || x === 'packets' || x.startsWith('packet')) && j > 0) {
      const n = toInt(w[j - 1]);
      if (n !== undefined) ev.network.packets = n;
      break;
    }
  }
  return ev;
}

export const ciscoIos: VendorParser = {
  id: 'cisco-ios',
  title: 'Cisco IOS / IOS XE access-list log (%SEC-6-IPACCESSLOG…, %IPV6-6-ACCESSLOG…)',
  logHint: 'add log to the access-list lines, e.g. deny ip any any log',
  detect,
  parse,
};
