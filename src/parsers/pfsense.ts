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
import type { RecordReader, RecordWriter } from '../codec/event-codec';
import { Action, Endpoint, eventPart, GwEvent, transportOf } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';

import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser, VendorRecord } from './types';

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

/** pfSense/OPNsense's own daemons: their notices say the box is one, though not a connection (parse() gives null). */
const OWN_NOTICES: Record<string, true> = { check_reload_status: true, dpinger: true, filterdns: true, 'configd.py': true };

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (h.appName === 'filterlog') return true;
  if (h.appName !== undefined && OWN_NOTICES[h.appName] === true) return true;
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

/**
 * What read() took from the line it last recognised, from which build() makes the event (on the analyze
 * thread that decodes, F is filled from the worker's record instead: see RECORD). Numbers are -1 when absent.
 */
interface Fields {
  /** The event's time (ms), which build() writes with fastIso. */
  ms: number; opn: boolean; action: Action; hn: string | undefined;
  /** The interface (f[4], absent when empty) and whether it is the egress one (direction "out"). */
  iface: string | undefined; out: boolean;
  src: string; dst: string; v6: boolean;
  /** network.transport and iana_number (transportOf's). */
  t: string | undefined; n: string | undefined;
  bytes: number; tracker: string | undefined; ruleNo: string | undefined; anchor: string | undefined; reason: string | undefined;
  ttl: number; sp: number; dp: number;
  /** The TCP flags in the order written, each FLAG_ORDER index + 1 as a base-9 digit (first flag highest); -1: not TCP. */
  flags: number;
  /** gatewatch.tcp_options: -1 absent, 0 false, 1 true. */
  opts: number;
  icmpType: number; icmpCode: number;
}
const F: Fields = {
  ms: 0, opn: false, action: 'deny', hn: undefined, iface: undefined, out: false, src: '', dst: '', v6: false,
  t: undefined, n: undefined, bytes: -1, tracker: undefined, ruleNo: undefined, anchor: undefined, reason: undefined,
  ttl: -1, sp: -1, dp: -1, flags: -1, opts: -1, icmpType: -1, icmpCode: -1,
};

/** The flag names in a fixed order, and each letter's index in it. */
const FLAG_ORDER = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR'];
const FLAG_INDEX: Record<string, number> = { S: 0, A: 1, F: 2, R: 3, P: 4, U: 5, E: 6, W: 7 };

function read(h: SyslogHeader, ctx: ParseContext): boolean {
  if (h.appName !== undefined && OWN_NOTICES[h.appName] === true) return false;
  const f = h.message.split(',', 64);
  if (f.length < 17) return false;
  const actionText = f[6];
  let action: Action;
  if (actionText === 'pass' || actionText === 'rdr' || actionText === 'nat' || actionText === 'binat') action = 'allow';
  else if (actionText === 'block' || actionText === 'reject') action = 'deny';
  else return false;
  const ver = f[8];
  if (ver !== '4' && ver !== '6') return false;
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
    if (src === undefined || dst === undefined) return false;
  }
  const tracker = f[3] ?? '';
  const opn = isHex32(tracker) || isUuid(tracker) || hasWordCi(h.hostname, 'opnsense');
  const ms = h.time ?? ctx.receivedMs;
  // build() cannot fail: a time Date cannot write (which fastIso refuses) is refused here, with fastIso's error.
  if (!(ms >= 0 && ms < 253402300800000)) fastIso(ms);
  const x = F;
  x.ms = ms;
  x.opn = opn;
  x.action = action;
  x.hn = h.hostname ? h.hostname : undefined;
  x.iface = f[4] ? f[4] : undefined;
  x.out = f[7] === 'out';
  x.src = src;
  x.dst = dst;
  x.v6 = ver === '6';
  const raw = protoText ? protoText : ver === '4' ? f[15] : f[13];
  const info = raw === undefined ? null : transportOf(raw);
  const t = info === null ? undefined : info.t;
  x.t = t;
  x.n = info === null ? undefined : info.n;
  const bytes = toInt(len, 0, 65535 + 40);
  x.bytes = bytes === undefined ? -1 : bytes;
  x.tracker = tracker ? tracker : undefined;
  x.ruleNo = f[0] ? f[0] : undefined;
  x.anchor = f[2] ? f[2] : undefined;
  x.reason = f[5] && f[5] !== 'match' ? f[5] : undefined;
  const ttl = toInt(hopOrTtl, 0, 255);
  x.ttl = ttl === undefined ? -1 : ttl;
  x.sp = x.dp = x.flags = x.opts = x.icmpType = x.icmpCode = -1;
  const p = srcAt + 2;
  if (t === 'tcp' || t === 'udp' || t === 'sctp') {
    const sp = toPort(f[p]), dp = toPort(f[p + 1]);
    if (sp !== undefined) x.sp = sp;
    if (dp !== undefined) x.dp = dp;
    if (t === 'tcp') {
      const fl = f[p + 3] ?? '';
      let code = 0, count = 0, seen = 0;
      for (let i = 0; i < fl.length && i < 8; i++) {
        const k = FLAG_INDEX[fl[i]!];
        if (k !== undefined && (seen & (1 << k)) === 0) {
          seen |= 1 << k;
          code = code * 9 + k + 1;
          count++;
        }
      }
      x.flags = code;
      if (count === 1 && seen === 1 && f.length > p + 8) x.opts = (f[p + 8] ?? '') !== '' ? 1 : 0;
    }
  } else if (t === 'icmp') {
    const it = ICMP_TYPES[f[p] ?? ''];
    if (it) {
      x.icmpType = it[0];
      if (it[1] !== undefined) x.icmpCode = it[1];
    }
  }
  return true;
}

/** gatewatch.tcp_flags of F.flags: a new array each time, as parse() has always given. */
function flagNames(code: number): string[] {
  let div = 1;
  while (div * 9 <= code) div *= 9;
  const flags: string[] = [];
  for (; div >= 1 && code > 0; div = Math.floor(div / 9)) flags.push(FLAG_ORDER[(Math.floor(code / div) % 9) - 1]!);
  return flags;
}

/**
 * The event of F, with the keys in the order parse() has always written them. The common layouts get each
 * object with all its keys at once (fixed-size objects), the rest the same keys added one by one.
 */
function build(): GwEvent {
  const x = F;
  const product = x.opn ? 'opnsense' : 'pfsense';
  const hn = x.hn, iface = x.iface;
  let observer: GwEvent['observer'];
  if (hn !== undefined && iface !== undefined && !x.out) {
    observer = { vendor: product, product, type: 'firewall', hostname: hn, ingress: { interface: { name: iface } } };
  } else {
    observer = { vendor: product, product, type: 'firewall' };
    if (hn !== undefined) observer.hostname = hn;
    if (iface !== undefined) {
      if (x.out) observer.egress = { interface: { name: iface } };
      else observer.ingress = { interface: { name: iface } };
    }
  }
  const source: Endpoint = x.sp >= 0 ? { ip: x.src, port: x.sp } : { ip: x.src };
  const destination: Endpoint = x.dp >= 0 ? { ip: x.dst, port: x.dp } : { ip: x.dst };
  const type = x.v6 ? 'ipv6' : 'ipv4';
  let network: GwEvent['network'];
  if (x.t !== undefined && x.n !== undefined && x.bytes >= 0) {
    network = { type, transport: x.t, iana_number: x.n, packets: 1, bytes: x.bytes };
  } else {
    network = { type };
    if (x.t !== undefined) {
      network.transport = x.t;
      if (x.n !== undefined) network.iana_number = x.n;
    }
    network.packets = 1;
    if (x.bytes >= 0) network.bytes = x.bytes;
  }
  let gw: NonNullable<GwEvent['gatewatch']>;
  if (x.ruleNo !== undefined && x.reason === undefined && x.ttl >= 0 && x.icmpType < 0) {
    if (x.flags < 0) gw = { rule_number: x.ruleNo, ttl: x.ttl };
    else if (x.opts >= 0) gw = { rule_number: x.ruleNo, ttl: x.ttl, tcp_flags: flagNames(x.flags), tcp_options: x.opts === 1 };
    else gw = { rule_number: x.ruleNo, ttl: x.ttl, tcp_flags: flagNames(x.flags) };
  } else {
    gw = {};
    if (x.ruleNo !== undefined) gw.rule_number = x.ruleNo;
    if (x.reason !== undefined) gw.reason = x.reason;
    if (x.ttl >= 0) gw.ttl = x.ttl;
    if (x.flags >= 0) {
      gw.tcp_flags = flagNames(x.flags);
      if (x.opts >= 0) gw.tcp_options = x.opts === 1;
    }
    if (x.icmpType >= 0) gw.icmp = x.icmpCode >= 0 ? { type: x.icmpType, code: x.icmpCode } : { type: x.icmpType };
  }
  const event = eventPart('gatewatch.pfsense', x.action);
  const id = x.tracker !== undefined ? x.tracker : x.ruleNo;
  if (id !== undefined && x.anchor === undefined) {
    return { '@timestamp': fastIso(x.ms), event, observer, source, destination, network, rule: { id }, gatewatch: gw };
  }
  if (id !== undefined || x.anchor !== undefined) {
    const rule: { id?: string; name?: string } = {};
    if (id !== undefined) rule.id = id;
    if (x.anchor !== undefined) rule.name = x.anchor;
    return { '@timestamp': fastIso(x.ms), event, observer, source, destination, network, rule, gatewatch: gw };
  }
  return { '@timestamp': fastIso(x.ms), event, observer, source, destination, network, gatewatch: gw };
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  return read(h, ctx) ? build() : null;
}

function isAlpha(s: string): boolean {
  if (s.length === 0) return false;
  const c = s.charCodeAt(0) | 32;
  return c >= 97 && c <= 122;
}

/**
 * F as a record of the analyze worker's batches (VendorParser.record): the worker reads a line and writes
 * F, the decoding thread reads F back and builds the event there, the very event parse() returns. Every
 * number of F but the time is at most 65575, a base-9 code below 9^8, or -1: an int.
 */
const RECORD: VendorRecord = {
  dataset: 'gatewatch.pfsense',
  read,
  write(w: RecordWriter): void {
    const x = F;
    w.num(x.ms);
    w.str(0, x.hn);
    w.str(1, x.iface);
    w.ip(x.src);
    w.ip(x.dst);
    w.str(2, x.t);
    w.str(3, x.n);
    w.str(4, x.tracker);
    w.str(5, x.ruleNo);
    w.str(6, x.anchor);
    w.str(7, x.reason);
    w.int(x.sp);
    w.int(x.dp);
    w.int(x.bytes);
    w.int(x.ttl);
    w.int(x.flags);
    w.int(x.icmpType);
    w.int(x.icmpCode);
    w.int((x.opn ? 1 : 0) | (x.action === 'deny' ? 2 : 0) | (x.out ? 4 : 0) | (x.v6 ? 8 : 0) | ((x.opts + 1) << 4));
  },
  build(r: RecordReader): GwEvent {
    const x = F;
    x.ms = r.num();
    x.hn = r.str();
    x.iface = r.str();
    x.src = r.ip()!;
    x.dst = r.ip()!;
    x.t = r.str();
    x.n = r.str();
    x.tracker = r.str();
    x.ruleNo = r.str();
    x.anchor = r.str();
    x.reason = r.str();
    x.sp = r.int();
    x.dp = r.int();
    x.bytes = r.int();
    x.ttl = r.int();
    x.flags = r.int();
    x.icmpType = r.int();
    x.icmpCode = r.int();
    const b = r.int();
    x.opn = (b & 1) !== 0;
    x.action = (b & 2) !== 0 ? 'deny' : 'allow';
    x.out = (b & 4) !== 0;
    x.v6 = (b & 8) !== 0;
    x.opts = ((b >> 4) & 3) - 1;
    return build();
  },
};

export const pfsense: VendorParser = {
  id: 'pfsense',
  title: 'pfSense / OPNsense filterlog',
  logHint: 'tick Log packets matched from the default block rules (Status › System Logs › Settings) and the Log option on the rules you want to see, and send the Firewall events',
  detect,
  parse,
  record: RECORD,
};
