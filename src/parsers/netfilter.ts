/**
 * Linux netfilter LOG / NFLOG lines (iptables, ip6tables, nftables `log`), as written by the kernel
 * and relayed by OpenWrt (fw3 and fw4), UFW, EdgeOS/UniFi (USG, UDM), Synology DSM, Proxmox VE and
 * plain Linux routers:
 *
 *   [prefix]IN=eth0 OUT= MAC=… SRC=203.0.113.5 DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=1
 *   PROTO=TCP SPT=4444 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0
 *
 * Every value after IN= is written by the kernel (numbers, hex, interface names), so nothing an
 * attacker sends can appear there; the prefix before IN= is the administrator's. The decision
 * (accept/drop) is not in the kernel's part: it is read from the prefix ("DROP", "[UFW BLOCK]",
 * UniFi "[WAN_IN-3000-D]", OpenWrt "reject wan in: ", Proxmox "policy DROP:"), and when the prefix
 * does not say, a logged packet is taken as dropped, the common case for LOG rules
 * (gatewatch.action_inferred is then true).
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { isoOf } from '../syslog/time';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const TCP_FLAGS = new Set(['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR']);

/** The kernel writes well under 1 KiB after an admin prefix of at most ~1 KiB: read no further than 8 KiB. */
function kernelWindow(s: string): string {
  return s.length > 8192 ? s.slice(0, 8192) : s;
}

/** Position of the kernel's "IN=" (at the start or after the prefix), or -1. */
function findIn(m: string): number {
  let from = 0;
  // The prefix is at most 127 bytes in nftables; UniFi adds DESCR="…" (bounded by the admin).
  const limit = Math.min(m.length, 1024);
  while (from < limit) {
    const i = m.indexOf('IN=', from);
    if (i < 0 || i > limit) return -1;
    if (i === 0) return 0;
    // Not part of a longer key such as PHYSIN=: the prefix may end in anything else (")", "]", ":", " ").
    const c = m.charCodeAt(i - 1);
    const wordChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!wordChar) return i;
    from = i + 3;
  }
  return -1;
}

function detect(h: SyslogHeader): boolean {
  const m = kernelWindow(h.message);
  if (findIn(m) >= 0) return m.indexOf(' PROTO=') > 0 || m.indexOf(' SRC=') > 0;
  // A kernel line cut short by a relay (no IN=, but the kernel's own fields).
  return h.appName === 'kernel' && m.indexOf('PROTO=') >= 0 && (m.indexOf(' DPT=') > 0 || m.indexOf('SRC=') >= 0);
}

/** Decision from the administrator's prefix. */
function prefixAction(prefix: string): 'allow' | 'deny' | undefined {
  if (prefix.length === 0) return undefined;
  // UniFi/EdgeOS rule tags: [WAN_IN-3000-D], [LAN_LOCAL-default-A], [WAN_LOCAL-R-…]
  const lb = prefix.indexOf('[');
  if (lb >= 0) {
    const rb = prefix.indexOf(']', lb);
    if (rb > lb) {
      const tag = prefix.slice(lb + 1, rb);
      const parts = tag.split('-');
      for (const p of parts) {
        if (p === 'A') return 'allow';
        if (p === 'D' || p === 'R') return 'deny';
      }
    }
  }
  let found: 'allow' | 'deny' | undefined;
  let w = '';
  const flush = () => {
    if (w.length === 0) return;
    const u = w.toUpperCase();
    if (u === 'ACCEPT' || u === 'ALLOW' || u === 'ACCEPTED' || u === 'ALLOWED' || u === 'PASS' || u === 'PERMIT') found = 'allow';
    else if (u === 'DROP' || u === 'REJECT' || u === 'BLOCK' || u === 'DENY' || u === 'DROPPED' || u === 'REJECTED'
      || u === 'BLOCKED' || u === 'DENIED' || u === 'REFUSE' || u === 'LIMIT') found = 'deny';
    w = '';
  };
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    const isWord = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (isWord) w += prefix[i];
    else flush();
  }
  flush();
  return found;
}

/** The rule name from the prefix: strip kernel time, brackets, trailing colons. */
function ruleName(prefix: string): string | undefined {
  let p = prefix.trim();
  if (p.startsWith('[')) {
    const rb = p.indexOf(']');
    // "[  123.456]" kernel uptime stamp
    if (rb > 0 && /^\[\s*\d+\.\d+\]$/.test(p.slice(0, rb + 1))) p = p.slice(rb + 1).trim();
  }
  if (p.endsWith(':')) p = p.slice(0, -1).trim();
  if (p.length === 0) return undefined;
  return p.length > 128 ? p.slice(0, 128) : p;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = kernelWindow(h.message);
  let kv = findIn(m);
  let prefix = '';
  if (kv < 0) {
    if (!(h.appName === 'kernel' && m.indexOf('PROTO=') >= 0)) return null;
    kv = 0;
    while (kv < m.length && m.charCodeAt(kv) === 32) kv++;
  } else {
    prefix = m.slice(0, kv);
  }
  let vendor = 'netfilter';
  let product = 'iptables';
  let inIf: string | undefined, outIf: string | undefined, mac: string | undefined;
  let src: string | undefined, dst: string | undefined, proto: string | undefined;
  let spt: number | undefined, dpt: number | undefined, len: number | undefined, ttl: number | undefined;
  let icmpType: number | undefined, icmpCode: number | undefined;
  let flags: string[] | undefined;
  let hasOpt = false;
  let ipv6 = false;
  let sawProto = false;
  // One pass over "KEY=VALUE" and bare-flag tokens; stop at "[" (ICMP errors quote the offending
  // packet, whose SRC/DST must not overwrite the outer ones).
  const n = m.length;
  let i = kv;
  let tokens = 0;
  while (i < n && tokens++ < 128) {
    while (i < n && m.charCodeAt(i) === 32) i++;
    if (i >= n || m.charCodeAt(i) === 91) break;
    const ts = i;
    let eq = -1;
    while (i < n && m.charCodeAt(i) !== 32) { if (eq < 0 && m.charCodeAt(i) === 61) eq = i; i++; }
    if (eq < 0) {
      const word = m.slice(ts, i);
      if (sawProto && TCP_FLAGS.has(word)) (flags ??= []).push(word);
      else if (word === 'OPT') hasOpt = true;
      continue;
    }
    const key = m.slice(ts, eq);
    const val = m.slice(eq + 1, i);
    switch (key) {
      case 'IN': inIf = val; break;
      case 'OUT': outIf = val; break;
      case 'MAC': mac = val; break;
      case 'SRC': src = val; break;
      case 'DST': dst = val; break;
      case 'LEN': if (len === undefined) len = toInt(val, 0, 65535 + 40); break;
      case 'TTL': ttl = toInt(val, 0, 255); break;
      case 'HOPLIMIT': ttl = toInt(val, 0, 255); ipv6 = true; break;
      case 'FLOWLBL': case 'TC': ipv6 = true; break;
      case 'PROTO': proto = val; sawProto = true; break;
      case 'SPT': spt = toPort(val); break;
      case 'DPT': dpt = toPort(val); break;
      case 'TYPE': if (icmpType === undefined) icmpType = toInt(val, 0, 255); break;
      case 'CODE': if (icmpCode === undefined) icmpCode = toInt(val, 0, 255); break;
      default: break;
    }
  }
  if (!sawProto && src === undefined) return null;
  const srcIp = canonicalIp(src);
  const dstIp = canonicalIp(dst);
  if (src !== undefined && srcIp === undefined) return null;
  if (dst !== undefined && dstIp === undefined) return null;

  let action = prefixAction(prefix);
  const inferred = action === undefined;
  if (action === undefined) action = 'deny';
  // Product from well-known prefixes.
  if (prefix.indexOf('[UFW ') >= 0) product = 'ufw';
  else if (prefix.indexOf('PVEFW') >= 0 || /\bpolicy (DROP|ACCEPT|REJECT):/.test(prefix)) product = 'proxmox-ve';
  else if (prefix.indexOf('DESCR="') >= 0 || /\[[A-Z_]+-(\d+|default)-[ADR]\]/.test(prefix)) { vendor = 'ubiquiti'; product = 'edgeos-unifi'; }

  const time = h.time ?? ctx.receivedMs;
  const ev = newEvent('gatewatch.netfilter', vendor, product, isoOf(time), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  if (inIf) ev.observer.ingress = { interface: { name: inIf } };
  if (outIf) ev.observer.egress = { interface: { name: outIf } };
  if (srcIp !== undefined) ev.source.ip = srcIp;
  if (dstIp !== undefined) ev.destination.ip = dstIp;
  // MAC= is dst(6):src(6):ethertype(2); the source MAC is bytes 6..11.
  if (mac && mac.length >= 35) ev.source.mac = mac.slice(18, 35).replace(/:/g, '-').toUpperCase();
  if (proto !== undefined) setTransport(ev, proto);
  const t = ev.network.transport;
  if (t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'udplite') {
    if (spt !== undefined) ev.source.port = spt;
    if (dpt !== undefined) ev.destination.port = dpt;
  }
  if (srcIp !== undefined) ev.network.type = srcIp.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  else if (ipv6) ev.network.type = 'ipv6';
  ev.network.packets = 1;
  if (len !== undefined) ev.network.bytes = len;
  const rn = ruleName(prefix);
  if (rn !== undefined) ev.rule = { name: rn };
  const gw: NonNullable<GwEvent['gatewatch']> = {};
  // The kernel always prints the flags of a TCP packet, so none at all is a NULL packet.
  if (t === 'tcp') gw.tcp_flags = flags ?? [];
  if (t === 'tcp' && flags && flags.length === 1 && flags[0] === 'SYN') {
    // With --log-tcp-options the kernel prints OPT (…); without it, a 40-byte IPv4 (60-byte IPv6) SYN has none.
    if (hasOpt) gw.tcp_options = true;
    else if (len !== undefined) gw.tcp_options = len > (ev.network.type === 'ipv6' ? 60 : 40);
  }
  if ((t === 'icmp' || t === 'ipv6-icmp') && (icmpType !== undefined || icmpCode !== undefined)) gw.icmp = { type: icmpType, code: icmpCode };
  if (ttl !== undefined) gw.ttl = ttl;
  if (inferred) gw.action_inferred = true;
  ev.gatewatch = gw;
  return ev;
}

export const netfilter: VendorParser = {
  id: 'netfilter',
  title: 'Linux netfilter (iptables/nftables LOG: OpenWrt, UFW, EdgeOS/UniFi, Synology, Proxmox, any Linux router)',
  detect,
  parse,
};
