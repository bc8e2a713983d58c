/**
 * Cisco Meraki MX syslog (Meraki "Syslog Server Overview and Configuration"): after an optional
 * RFC 5424 "1 " the line is `<epoch.nanoseconds> <device name> <type> …` with key=value pairs:
 *
 *   flows / firewall / vpn_firewall / cellular_firewall / bridge_anyconnect_client_vpn_firewall:
 *       [allow|deny] src=… dst=… [mac=…] protocol=udp sport=… dport=… [pattern: 1 all]
 *       (older firmware writes no verdict word, only "pattern: <0|1|allow|deny> …": 1 = deny, 0 = allow)
 *   ip_flow_start / ip_flow_end: src=… dst=… protocol=… sport=… dport=… [translated_…]
 *   urls: src=ip:port dst=ip:port mac=… request: GET …
 *   security_event ids_alerted / ids-alerts: … src=ip:port dst=ip:port … [decision=blocked]
 *
 * Event-log lines ("events": DHCP, VPN logins and tunnels, …) and air-marshal lines are not network events:
 * null, except a content-filtering block and an AnyConnect server connection record (see parseEventLog).
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';

import { kvObject, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

const FLOW_TYPES = new Set(['flows', 'firewall', 'vpn_firewall', 'cellular_firewall', 'bridge_anyconnect_client_vpn_firewall',
  'ip_flow_start', 'ip_flow_end', 'urls', 'security_event', 'ids-alerts', 'events', 'airmarshal_events']);

/** [epochMs, device, type, index after type] or null. */
function head(m: string): [number, string, string, number] | null {
  let i = 0;
  if (m.charCodeAt(0) === 49 && m.charCodeAt(1) === 32) i = 2;
  const st = i;
  while (i < m.length && i - st < 12) { const c = m.charCodeAt(i); if (c < 48 || c > 57) break; i++; }
  if (i - st < 9 || i - st > 10 || m.charCodeAt(i) !== 46) return null;
  const secs = Number(m.slice(st, i));
  i++;
  const fs = i;
  while (i < m.length) { const c = m.charCodeAt(i); if (c < 48 || c > 57) break; i++; }
  const frac = m.slice(fs, Math.min(i, fs + 3));
  const ms = secs * 1000 + (frac.length ? Number(frac.padEnd(3, '0')) : 0);
  if (m.charCodeAt(i) !== 32) return null;
  const d0 = i + 1;
  const d1 = m.indexOf(' ', d0);
  if (d1 <= d0 || d1 - d0 > 128) return null;
  const t1e = m.indexOf(' ', d1 + 1);
  const t1 = m.slice(d1 + 1, t1e < 0 ? m.length : t1e);
  if (!FLOW_TYPES.has(t1)) return null;
  return [ms, m.slice(d0, d1), t1, t1e < 0 ? m.length : t1e + 1];
}

function detect(h: SyslogHeader): boolean {
  const c = h.message.charCodeAt(0);
  return c >= 48 && c <= 57 && head(h.message) !== null;
}

/** "ip:port", "[v6]:port", "v6-with-port-appended" or a bare address. */
function hostPort(v: string | undefined): [string, number | undefined] | undefined {
  if (!v) return undefined;
  let s = v;
  if (s.charCodeAt(0) === 39 && s.charCodeAt(s.length - 1) === 39) s = s.slice(1, -1);
  if (s.charCodeAt(0) === 91) {
    const rb = s.indexOf(']');
    if (rb < 0) return undefined;
    const ip = canonicalIp(s.slice(1, rb));
    return ip === undefined ? undefined : [ip, s.charCodeAt(rb + 1) === 58 ? toPort(s.slice(rb + 2)) : undefined];
  }
  const whole = canonicalIp(s);
  const c = s.lastIndexOf(':');
  if (c > 0) {
    const port = toPort(s.slice(c + 1));
    const ip = canonicalIp(s.slice(0, c));
    // IPv4 with a port, or IPv6 that is only valid without its last group.
    if (port !== undefined && ip !== undefined && (whole === undefined || s.indexOf(':') === c)) return [ip, port];
  }
  return whole === undefined ? undefined : [whole, undefined];
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  const hd = head(m);
  if (!hd) return null;
  const [ms, device, type] = hd;
  let i = hd[3];
  if (type === 'events') return parseEventLog(m, i, ms, device);
  if (type === 'airmarshal_events') return null;
  let sub: string | undefined;
  if (type === 'security_event') {
    const e = m.indexOf(' ', i);
    sub = m.slice(i, e < 0 ? m.length : e);
    if (sub !== 'ids_alerted' && sub !== 'security_filtering_file_scanned') return null;
    i = e < 0 ? m.length : e + 1;
  }
  // Verdict word before the pairs (firmware MX15+)
  let verdict: 'allow' | 'deny' | undefined;
  if (m.startsWith('allow ', i)) { verdict = 'allow'; i += 6; }
  else if (m.startsWith('deny ', i)) { verdict = 'deny'; i += 5; }
  // Pairs stop at "pattern:" / "request:" / "message:"
  let end = m.length;
  for (const stop of [' pattern: ', ' request: ', ' message: ']) {
    const p = m.indexOf(stop, i);
    if (p >= 0 && p < end) end = p;
  }
  const kv = kvObject(m.slice(i, end), 0, 64);
  const src = hostPort(kv.src);
  const dst = hostPort(kv.dst);
  if (!src && !dst) return null;
  if (verdict === undefined && end < m.length && m.startsWith(' pattern: ', end)) {
    const pv = m.slice(end + 10, end + 16);
    if (pv.startsWith('1 ') || pv.startsWith('deny')) verdict = 'deny';
    else if (pv.startsWith('0 ') || pv.startsWith('allow')) verdict = 'allow';
  }
  if (verdict === undefined) {
    const dec = kv.decision ?? kv.action;
    verdict = dec === 'blocked' || dec === 'block' ? 'deny' : 'allow';
  }
  const ev = newEvent('gatewatch.meraki', 'cisco', 'meraki', fastIso(ms), verdict);
  markAction(ev, verdict);
  ev.observer.hostname = device;
  let proto = kv.protocol;
  if (proto !== undefined && proto.endsWith('/ip')) proto = proto.slice(0, -3);
  if (proto) setTransport(ev, proto);
  const t = ev.network.transport;
  const ports = t === undefined || t === 'tcp' || t === 'udp' || t === 'sctp';
  if (src) { ev.source.ip = src[0]; if (ports && src[1] !== undefined) ev.source.port = src[1]; }
  if (dst) { ev.destination.ip = dst[0]; if (ports && dst[1] !== undefined) ev.destination.port = dst[1]; }
  if (ports) {
    const sp = toPort(kv.sport), dp = toPort(kv.dport);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
  }
  if (kv.mac && kv.mac.length === 17) ev.source.mac = kv.mac.replace(/:/g, '-').toUpperCase();
  const ip = ev.source.ip ?? ev.destination.ip!;
  ev.network.type = ip.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const gw: NonNullable<GwEvent['gatewatch']> = { meraki_type: sub ? `${type}/${sub}` : type };
  if (kv.signature) gw.signature = kv.signature;
  ev.gatewatch = gw;
  void ctx;
  return ev;
}

/** `<key>'value'` (single-quoted, as the event log writes it) starting the search at `from`; the last one wins. */
function quotedAfter(m: string, key: string, from: number): string | undefined {
  const k = m.lastIndexOf(' ' + key + "='");
  if (k < from) return undefined;
  const vs = k + key.length + 3;
  const ve = m.indexOf("'", vs);
  return ve < 0 || ve - vs > 256 ? undefined : m.slice(vs, ve);
}

/** The text after `label` up to the next space or quote, searched in [from, lim]: [value, end] or undefined. */
function labelled(m: string, label: string, from: number, lim: number): [string, number] | undefined {
  const k = m.indexOf(label, from);
  if (k < 0 || k > lim) return undefined;
  const vs = k + label.length;
  let ve = vs;
  while (ve < m.length && ve - vs < 64) { const c = m.charCodeAt(ve); if (c === 32 || c === 39) break; ve++; }
  return [m.slice(vs, ve), ve];
}

/**
 * The event log (`events`) is mostly not about traffic (DHCP, VPN logins and tunnels, uplink changes):
 * null. Two of its entries do describe a connection and are read:
 *   content_filtering_block url='…' category0='…' server='ip:port' client_mac='…'   (a blocked web request)
 *   type=anyconnect_vpn_connection_success msg= 'Server IP=… Server port=443 Prot[TCP] Peer IP=… Peer port=… …'
 *                                                  (a client's connection to the AnyConnect server)
 */
function parseEventLog(m: string, i: number, ms: number, device: string): GwEvent | null {
  if (m.startsWith('content_filtering_block ', i)) {
    // url= comes first and is chosen by whoever browses: read the fields after it from the end of the line.
    const dst = hostPort(quotedAfter(m, 'server', i));
    if (!dst) return null;
    const ev = newEvent('gatewatch.meraki', 'cisco', 'meraki', fastIso(ms), 'deny');
    ev.observer.hostname = device;
    ev.destination.ip = dst[0];
    if (dst[1] !== undefined) ev.destination.port = dst[1];
    const mac = quotedAfter(m, 'client_mac', i);
    if (mac && mac.length === 17) ev.source.mac = mac.replace(/:/g, '-').toUpperCase();
    ev.network.type = dst[0].indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
    ev.gatewatch = { meraki_type: 'events/content_filtering_block' };
    return ev;
  }
  if (m.startsWith('type=anyconnect_vpn_connection_success ', i)) {
    const lim = Math.min(m.length, i + 400);
    const sip = labelled(m, 'Server IP=', i, lim);
    const spt = sip && labelled(m, 'Server port=', sip[1], lim);
    const pr = spt && labelled(m, 'Prot[', spt[1], lim);
    const pip = labelled(m, 'Peer IP=', (pr ?? spt ?? sip)?.[1] ?? i, lim);
    const ppt = pip && labelled(m, 'Peer port=', pip[1], lim);
    const server = sip ? canonicalIp(sip[0]) : undefined;
    const peer = pip ? canonicalIp(pip[0]) : undefined;
    if (server === undefined || peer === undefined) return null;
    const ev = newEvent('gatewatch.meraki', 'cisco', 'meraki', fastIso(ms), 'allow');
    ev.observer.hostname = device;
    ev.source.ip = peer;
    ev.destination.ip = server;
    if (pr) {
      const b = pr[0].indexOf(']');
      setTransport(ev, b > 0 ? pr[0].slice(0, b) : pr[0]);
    }
    const t = ev.network.transport;
    if (t === undefined || t === 'tcp' || t === 'udp') {
      const sp = ppt ? toPort(ppt[0]) : undefined, dp = spt ? toPort(spt[0]) : undefined;
      if (sp !== undefined) ev.source.port = sp;
      if (dp !== undefined) ev.destination.port = dp;
    }
    ev.network.type = peer.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
    ev.gatewatch = { meraki_type: 'events/anyconnect_vpn_connection_success' };
    return ev;
  }
  return null;
}

export const meraki: VendorParser = {
  id: 'meraki',
  title: 'Cisco Meraki MX (flows, firewall, urls, IDS)',
  logHint: 'in Network-wide › General › Reporting give the syslog server the Flows and Security events roles, and tick Logging on the firewall rules',
  detect,
  parse,
};
