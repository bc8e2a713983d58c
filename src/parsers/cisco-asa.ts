/**
 * Cisco ASA and Firepower Threat Defense (FTD) syslog messages, `%ASA-<sev>-<id>: text` and
 * `%FTD-<sev>-<id>: text` (same catalogue: "Cisco Secure Firewall ASA Series Syslog Messages").
 *
 * Only the message IDs that describe a connection or a packet are turned into events; every other
 * ASA message (logins, AAA, VPN sessions, failover, configuration, …) returns null. Each handled ID
 * has its words read at their documented places after the ID:
 *
 *   deny:  106001 106002 106006 106007 106010 106011 106012 106013 106014 106015 106016 106017
 *          106018 106020 106021 106022 106023 106027 110002 110003 313001 313004 313005 313008
 *          305005 305006 304002 338008 338006 419001 500004 507003 710003 710005 710006 106100/denied
 *   allow: 106100/permitted 302013 302014 302015 302016 302017 302018 302020 302021 302022 302023
 *          302303 302304 303002 304001 305011 305012 338001 338002 338003 338004 338005 338007
 *          805001 805002 852001, FTD events 430001 (intrusion) 430002/430003 (connection) 430005 (file),
 *          also as %NGIPS-…; 400000–400199 IP audit signatures (alarm: allow)
 *   733100 (threat-detection rate) and 733101/733102 carry no connection: null.
 *
 * Built messages: "Built inbound …" means the connection was opened from the "for" side (the
 * outside), "Built outbound …" from the "to" side, so for outbound the two sides are swapped to make
 * the initiator the source (the same for 302020 faddr/laddr). Teardown messages do not say who
 * opened the connection: the source is the side that opened it when this parser saw its Built message
 * (connection id, per firewall), else the side that is not on a well-known port (< 1024), else the
 * "for" side; 302021 (Teardown ICMP): the side printing a non-zero ICMP identifier ("faddr A/0 … laddr
 * B/7") sent the echo request. Built events have event.type "start", Teardown events "end".
 * ICMP keeps the number the ASA prints where a port would be ("faddr A/1234", "inside/192.0.2.1(8)",
 * FTD SrcPort/DstPort) in source.port/destination.port exactly as written, as Elastic's integration
 * does; the type and code also go to gatewatch.icmp. An endpoint the ASA printed as a name
 * ("dmz:OCSP_Server/5678") keeps its port and has no address. 313005 also gives the flow its ICMP
 * error is about (gatewatch.icmp_original), and the ports printed there go to the event's endpoint
 * with the same address.
 */
import { GwEvent, markAction, markSession, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { parseIsoAt } from '../syslog/time';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

/** Where "%ASA-"/"%FTD-"/"%NGIPS-" starts in the message (-1 if not in the first 96 chars). */
export function findAsaTag(m: string): number {
  const lim = Math.min(m.length, 96);
  let i = m.indexOf('%');
  while (i >= 0 && i < lim) {
    if (m.startsWith('ASA-', i + 1) || m.startsWith('FTD-', i + 1) || m.startsWith('PIX-', i + 1) || m.startsWith('FWSM-', i + 1)
      || m.startsWith('NGIPS-', i + 1)) return i;
    i = m.indexOf('%', i + 1);
  }
  return -1;
}

function detect(h: SyslogHeader): boolean {
  return findAsaTag(h.message) >= 0;
}

interface Ep { iface?: string; ip: string; port?: number }
/** An endpoint whose address may be a name gatewatch does not resolve (then only iface/port). */
interface LooseEp { iface?: string; ip?: string; port?: number }

/** "iface:ip/port", "iface:ip", "ip/port", "ip", "iface/ip(port)", "ip(port)", "(ip)" → endpoint. */
export function parseEp(tok: string | undefined): Ep | undefined {
  if (tok === undefined || tok.length === 0 || tok.length > 160) return undefined;
  let t = tok;
  // Trailing punctuation: "…/53," "…/53."
  let last = t.charCodeAt(t.length - 1);
  while ((last === 44 || last === 46 || last === 59 || last === 58) && t.length > 1) { t = t.slice(0, -1); last = t.charCodeAt(t.length - 1); }
  if (t.charCodeAt(0) === 40 && last === 41) t = t.slice(1, -1);
  let port: number | undefined;
  // "ip(type" when a space is missing before "(type 8, code 0)"
  const op = t.indexOf('(', 1);
  if (op > 0 && t.indexOf(')', op) < 0) t = t.slice(0, op);
  // "(port)" suffix
  if (t.charCodeAt(t.length - 1) === 41) {
    const lp = t.lastIndexOf('(');
    if (lp > 0) {
      port = toPort(t.slice(lp + 1, -1));
      t = t.slice(0, lp);
    }
  }
  let iface: string | undefined;
  // "ip/port", "iface/ip" (106100 form) or "ip/service-name".
  const sl = t.lastIndexOf('/');
  if (sl > 0) {
    const after = t.slice(sl + 1);
    const p = toPort(after);
    if (p !== undefined) {
      if (port === undefined) port = p;
      t = t.slice(0, sl);
    } else {
      const ip = canonicalIp(after);
      if (ip !== undefined) return { iface: t.slice(0, sl), ip, port };
      t = t.slice(0, sl);
    }
  }
  let ip = canonicalIp(t);
  if (ip === undefined) {
    const c = t.indexOf(':');
    if (c <= 0) return undefined;
    ip = canonicalIp(t.slice(c + 1));
    if (ip === undefined) return undefined;
    iface = t.slice(0, c);
  }
  return { iface, ip, port };
}

/**
 * Like parseEp, for the one place where a message puts an endpoint but the ASA printed a name (an object
 * or DNS name such as "dmz:OCSP_Server/5678") or an unparsable address: the port is still the port.
 * Returns an endpoint without `ip` (never a made-up address), or undefined when there is no port.
 */
export function parseEpLoose(tok: string | undefined): LooseEp | undefined {
  const ep = parseEp(tok);
  if (ep) return ep;
  if (tok === undefined || tok.length === 0 || tok.length > 160) return undefined;
  let t = tok;
  let last = t.charCodeAt(t.length - 1);
  while ((last === 44 || last === 46 || last === 59) && t.length > 1) { t = t.slice(0, -1); last = t.charCodeAt(t.length - 1); }
  let port: number | undefined;
  let name: string;
  if (last === 41) {
    const lp = t.lastIndexOf('(');
    if (lp <= 0) return undefined;
    port = toPort(t.slice(lp + 1, -1));
    name = t.slice(0, lp);
  } else {
    const sl = t.lastIndexOf('/');
    if (sl <= 0) return undefined;
    port = toPort(t.slice(sl + 1));
    name = t.slice(0, sl);
  }
  if (port === undefined) return undefined;
  // "iface:name" or "iface/name"
  let iface: string | undefined;
  const sep = name.indexOf(':') > 0 ? name.indexOf(':') : name.indexOf('/');
  if (sep > 0) { iface = name.slice(0, sep); name = name.slice(sep + 1); }
  if (name.length === 0 || name.length > 128) return undefined;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // letters, digits, '.', '-', '_' : a host or object name
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45 || c === 95)) return undefined;
  }
  return { iface, port };
}

/** tcp udp icmp icmp6 ipv6-icmp gre esp ah sctp igmp ip pim ospf eigrp: compared by length, no hashing of the word. */
function isProto(l: string): boolean {
  switch (l.length) {
    case 2: return l === 'ah' || l === 'ip';
    case 3: return l === 'tcp' || l === 'udp' || l === 'gre' || l === 'esp' || l === 'pim';
    case 4: return l === 'icmp' || l === 'sctp' || l === 'igmp' || l === 'ospf';
    case 5: return l === 'icmp6' || l === 'eigrp';
    case 9: return l === 'ipv6-icmp';
    default: return false;
  }
}

function protoOf(w: string): string | undefined {
  const l = w.toLowerCase();
  if (isProto(l)) return l === 'ip' ? '' : l;
  if (l.length > 0 && l.length <= 3 && l.charCodeAt(0) >= 48 && l.charCodeAt(0) <= 57) return l;
  return undefined;
}

type Action = 'allow' | 'deny';

/** IDs read as "<proto> … from|for|src A … to|dst B": the decision for each. */
const GENERIC: Record<string, Action> = {
  '106001': 'deny', '106002': 'deny', '106006': 'deny', '106007': 'deny', '106010': 'deny', '106011': 'deny', '106012': 'deny',
  '106013': 'deny', '106014': 'deny', '106015': 'deny', '106016': 'deny', '106017': 'deny', '106018': 'deny', '106020': 'deny',
  '106021': 'deny', '106022': 'deny', '106023': 'deny', '106027': 'deny', '110002': 'deny', '110003': 'deny',
  '302014': 'allow', '302016': 'allow', '302018': 'allow', '302021': 'allow', '302022': 'allow', '302023': 'allow',
  '302024': 'allow', '302025': 'allow', '302026': 'allow', '302027': 'allow', '302303': 'allow', '302304': 'allow',
  '303002': 'allow', '305005': 'deny', '305006': 'deny', '305011': 'allow', '305012': 'allow',
  '313001': 'deny', '313004': 'deny', '313005': 'deny', '313008': 'deny',
  '338001': 'allow', '338002': 'allow', '338003': 'allow', '338004': 'allow', '338005': 'allow', '338006': 'deny',
  '338007': 'allow', '338008': 'deny', '419001': 'deny', '419002': 'allow', '500004': 'deny', '507003': 'deny',
  '710003': 'deny', '710005': 'deny', '805001': 'allow', '805002': 'allow', '852001': 'allow',
  '302013': 'allow', '302015': 'allow', '302017': 'allow', '302020': 'allow', '304002': 'deny',
};
const BUILT = new Set(['302013', '302015', '302017', '302020', '302022', '302303']);
/** Teardown of a connection a Built message opened (same connection id). */
const TEARDOWN = new Set(['302014', '302016', '302018', '302021', '302023', '302304']);

/**
 * Connection ids of recent "Built outbound" messages, per firewall. A Teardown message does not say who
 * opened the connection and prints the two sides in the Built message's order (outside first for an
 * outbound connection), so without this the web server a PC browsed would become the source of the
 * Teardown. Bounded: the oldest entry goes when full.
 */
const OUTBOUND_IDS_MAX = 65536;
const outboundIds = new Map<string, true>();

function connectionId(w: string[]): string | undefined {
  for (let k = 1; k < 5 && k < w.length - 1; k++) {
    if (w[k] === 'connection') {
      const id = w[k + 1]!;
      return id.length > 0 && id.length <= 20 && id.charCodeAt(0) >= 48 && id.charCodeAt(0) <= 57 ? id : undefined;
    }
  }
  return undefined;
}

function rememberOutbound(host: string, conn: string): void {
  if (outboundIds.size >= OUTBOUND_IDS_MAX) outboundIds.delete(outboundIds.keys().next().value!);
  outboundIds.set(host + ' ' + conn, true);
}

/** Was this Teardown's connection opened from the "to" side? */
function teardownIsOutbound(host: string, conn: string | undefined, first: LooseEp | undefined, second: LooseEp | undefined): boolean {
  if (conn !== undefined && outboundIds.delete(host + ' ' + conn)) return true;
  // Built message not seen (before gatewatch started, or lost): the side on a well-known port is the
  // server, so "for <server>/443 to <client>/51000" was opened by the client.
  const a = first?.port, b = second?.port;
  return a !== undefined && b !== undefined && a > 0 && a < 1024 && b >= 1024;
}

/** from for src faddr SRC flow: the word before a source (compared by length, every word of a line is asked). */
function isSrcWord(x: string): boolean {
  switch (x.length) {
    case 3: return x === 'for' || x === 'src' || x === 'SRC';
    case 4: return x === 'from' || x === 'flow';
    case 5: return x === 'faddr';
    default: return false;
  }
}

/** to dst laddr DEST dest: the word before a destination. */
function isDstWord(x: string): boolean {
  switch (x.length) {
    case 2: return x === 'to';
    case 3: return x === 'dst';
    case 4: return x === 'DEST' || x === 'dest';
    case 5: return x === 'laddr';
    default: return false;
  }
}

function words(s: string, max = 64): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n && out.length < max) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const st = i;
    while (i < n && s.charCodeAt(i) !== 32) i++;
    out.push(s.slice(st, i));
  }
  return out;
}

/** "0:01:07" or "1d2h…"-less ASA duration h:mm:ss to seconds. */
function durationOf(s: string | undefined): number | undefined {
  if (!s) return undefined;
  // s.split(':') in exactly three parts (indexOf, no split).
  const c1 = s.indexOf(':'), c2 = c1 < 0 ? -1 : s.indexOf(':', c1 + 1);
  if (c2 < 0 || s.indexOf(':', c2 + 1) >= 0) return undefined;
  const h = toInt(s.slice(0, c1)), m = toInt(s.slice(c1 + 1, c2), 0, 59), sec = toInt(s.slice(c2 + 1), 0, 60);
  if (h === undefined || m === undefined || sec === undefined) return undefined;
  return h * 3600 + m * 60 + sec;
}

function base(h: SyslogHeader, ctx: ParseContext, product: string, id: string, action: Action): GwEvent {
  const ev = newEvent('gatewatch.cisco-asa', 'cisco', product, fastIso(h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  ev.event.code = id;
  if (h.hostname) ev.observer.hostname = h.hostname;
  return ev;
}

function setEp(ev: GwEvent, side: 'source' | 'destination', ep: LooseEp | undefined, withPort: boolean): void {
  if (!ep) return;
  if (ep.ip !== undefined) ev[side].ip = ep.ip;
  if (withPort && ep.port !== undefined) ev[side].port = ep.port;
  if (ep.iface) {
    if (side === 'source') ev.observer.ingress = { interface: { name: ep.iface } };
    else ev.observer.egress = { interface: { name: ep.iface } };
  }
}

function finish(ev: GwEvent): GwEvent {
  const ip = ev.source.ip ?? ev.destination.ip;
  if (ip !== undefined) ev.network.type = ip.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  return ev;
}

/** Transports whose numbers in port positions are kept as written (ICMP's identifier/type too). */
function hasPorts(t: string | undefined): boolean {
  return t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'icmp' || t === 'ipv6-icmp';
}

/** 106100: access-list NAME permitted|denied|est-allowed proto if/ip(port) -> if/ip(port) hit-cnt N … */
function parse106100(h: SyslogHeader, ctx: ParseContext, product: string, w: string[]): GwEvent | null {
  const k = w.indexOf('access-list');
  if (k < 0 || w.length < k + 6) return null;
  const verdict = w[k + 2];
  const action: Action | undefined = verdict === 'permitted' || verdict === 'est-allowed' ? 'allow' : verdict === 'denied' ? 'deny' : undefined;
  if (!action) return null;
  const proto = w[k + 3]!;
  const src = parseEpLoose(w[k + 4]);
  let j = k + 5;
  if (w[j] === '->') j++;
  const dst = parseEpLoose(w[j]);
  if (src?.ip === undefined && dst?.ip === undefined) return null;
  const ev = base(h, ctx, product, '106100', action);
  setTransport(ev, proto);
  const hp = hasPorts(ev.network.transport);
  setEp(ev, 'source', src, hp);
  setEp(ev, 'destination', dst, hp);
  ev.rule = { name: w[k + 1]! };
  const hc = w.indexOf('hit-cnt', j);
  if (hc > 0) { const n = toInt(w[hc + 1]); if (n !== undefined) ev.network.packets = n; }
  if (ev.network.transport === 'icmp' || ev.network.transport === 'ipv6-icmp') {
    // For ICMP the "ports" are type and code.
    if (src?.port !== undefined || dst?.port !== undefined) ev.gatewatch = { icmp: { type: src?.port, code: dst?.port } };
  }
  return finish(ev);
}

/** FTD connection events 430002/430003: "Key: value, Key: value, …". */
function parse430(h: SyslogHeader, ctx: ParseContext, product: string, id: string, body: string): GwEvent | null {
  const kv: Record<string, string> = Object.create(null);
  let i = 0;
  const n = body.length;
  let pairs = 0;
  while (i < n && pairs++ < 128) {
    const c = body.indexOf(': ', i);
    if (c < 0) break;
    let e = body.indexOf(', ', c + 2);
    if (e < 0) e = n;
    const key = body.slice(i, c).trim();
    if (!(key in kv)) kv[key] = body.slice(c + 2, e).trim();
    i = e + 2;
  }
  const src = canonicalIp(kv.SrcIP), dst = canonicalIp(kv.DstIP);
  if (src === undefined || dst === undefined) return null;
  let a = (kv.AccessControlRuleAction ?? '').toLowerCase();
  if (a.startsWith('<br/>')) a = a.slice(5);
  const fa = (kv.FileAction ?? '').toLowerCase();
  const ir = (kv.InlineResult ?? '').toLowerCase();
  const action: Action = a.startsWith('block') || a === 'deny' || a.startsWith('drop') || fa.startsWith('block')
    || ir.startsWith('block') || ir.startsWith('drop') ? 'deny' : 'allow';
  const ev = base(h, ctx, product, id, action);
  ev.source.ip = src;
  ev.destination.ip = dst;
  setTransport(ev, kv.Protocol);
  if (hasPorts(ev.network.transport)) {
    const sp = toPort(kv.SrcPort), dp = toPort(kv.DstPort);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
  }
  if (kv.IngressInterface) ev.observer.ingress = { interface: { name: kv.IngressInterface } };
  if (kv.EgressInterface) ev.observer.egress = { interface: { name: kv.EgressInterface } };
  if (kv.AccessControlRuleName) ev.rule = { name: kv.AccessControlRuleName };
  const ib = toInt(kv.InitiatorBytes, 0, Number.MAX_SAFE_INTEGER), rb = toInt(kv.ResponderBytes, 0, Number.MAX_SAFE_INTEGER);
  if (ib !== undefined || rb !== undefined) ev.network.bytes = (ib ?? 0) + (rb ?? 0);
  const ip = toInt(kv.InitiatorPackets), rp = toInt(kv.ResponderPackets);
  if (ip !== undefined || rp !== undefined) ev.network.packets = (ip ?? 0) + (rp ?? 0);
  if (kv.ApplicationProtocol) ev.gatewatch = { app: kv.ApplicationProtocol };
  return finish(ev);
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  const at = findAsaTag(m);
  if (at < 0) return null;
  // "%ASA-6-302016:" (a few relays drop the colon: then the first space ends the tag)
  let colon = m.indexOf(':', at);
  const sp = m.indexOf(' ', at);
  if (sp > 0 && (colon < 0 || sp < colon)) colon = sp;
  if (colon < 0 || colon - at > 40) return null;
  const tag = m.slice(at + 1, colon);
  const dash1 = tag.indexOf('-');
  const fac = tag.slice(0, dash1);
  const id = tag.slice(tag.lastIndexOf('-') + 1);
  if (id.length !== 6) return null;
  const product = fac === 'FTD' || fac === 'NGIPS' ? 'ftd' : fac === 'PIX' ? 'pix' : fac === 'FWSM' ? 'fwsm' : 'asa';
  const body = m.slice(colon + 1);
  if (id === '430001' || id === '430002' || id === '430003' || id === '430005') return parse430(h, ctx, product, id, body.trim());
  if (fac === 'NGIPS') return null;
  const w = words(body);
  // Some senders put the time after the tag (device "logging timestamp" with a relay header).
  if (h.time === undefined && w.length > 0) {
    const t = parseIsoAt(w[0]!, 0, ctx.tz);
    if (t) h.time = t[0];
  }
  if (id === '106100') return parse106100(h, ctx, product, w);
  if (id === '304001') {
    // "[user@]ip Accessed URL ip:url"
    if (w[1] !== 'Accessed') return null;
    const who = w[0]!;
    const src = canonicalIp(who.slice(who.lastIndexOf('@') + 1));
    const u = w[2] === 'URL' ? w[3] : w[3] === 'URL' ? w[4] : undefined;
    const dst = u ? canonicalIp(u.slice(u.lastIndexOf('@') + 1, u.indexOf(':') > 0 ? u.indexOf(':') : u.length)) : undefined;
    if (src === undefined) return null;
    const ev = base(h, ctx, product, id, 'allow');
    ev.source.ip = src;
    if (dst !== undefined) ev.destination.ip = dst;
    setTransport(ev, 'tcp');
    return finish(ev);
  }
  // 400000–400199: the IP audit (IPS) signatures, "IPS:2003 ICMP redirect from A to B on interface X";
  // the ASA's default audit action is an alarm, so the packet is taken as passed.
  const action = GENERIC[id] ?? (id.startsWith('4000') || id.startsWith('4001') ? 'allow' : undefined);
  if (action === undefined) return null;
  const ev = parseGeneric(h, ctx, product, id, action, w);
  if (ev && id.charCodeAt(0) === 52 && id.charCodeAt(1) === 48 && w[0] !== undefined && w[0].startsWith('IPS:')) {
    (ev.gatewatch ??= {}).ids_signature = w[0].slice(4);
  }
  return ev;
}

function parseGeneric(h: SyslogHeader, ctx: ParseContext, product: string, id: string, action: Action, w: string[]): GwEvent | null {
  let proto: string | undefined;
  let si = -1;
  let src: Ep | undefined;
  for (let k = 0; k < w.length && k < 24; k++) {
    const x = w[k]!;
    if (isSrcWord(x)) {
      const ep = parseEp(w[k + 1]);
      if (ep) { si = k + 1; src = ep; break; }
      // "from laddr 10.0.0.1" (313004)
      if (w[k + 1] === 'laddr') {
        const ep2 = parseEp(w[k + 2]);
        if (ep2) { si = k + 2; src = ep2; break; }
      }
      continue;
    }
    if (proto === undefined) {
      const p = protoOf(x);
      if (p !== undefined) proto = p;
      else if (x.startsWith('IPv6-ICMP') || x.startsWith('ICMPv6')) proto = 'ipv6-icmp';
    }
  }
  if (si < 0) return null;
  let dst: LooseEp | undefined;
  let di = -1;
  for (let k = si + 1; k < w.length && k < si + 12; k++) {
    if (isDstWord(w[k]!)) {
      // 302020: "gaddr X laddr Y"; skip to laddr when it follows.
      dst = parseEp(w[k + 1]);
      if (dst) { di = k + 1; break; }
    }
  }
  if (di < 0) {
    // The other side logged as a name ("to dmz:OCSP_Server/5678"): keep its port, never guess an address.
    for (let k = si + 1; k < w.length && k < si + 12; k++) {
      if (isDstWord(w[k]!)) {
        dst = parseEpLoose(w[k + 1]);
        if (dst) { di = k + 1; break; }
      }
    }
  }
  let srcEp: LooseEp | undefined = src;
  let dstEp = dst;
  const built = BUILT.has(id) && w[0] === 'Built';
  const teardown = !built && TEARDOWN.has(id) && w[0] === 'Teardown';
  if (built && w[1] === 'outbound') {
    srcEp = dst; dstEp = src;
    const conn = connectionId(w);
    if (conn !== undefined) rememberOutbound(h.hostname ?? '', conn);
  } else if (teardown && id !== '302021' && teardownIsOutbound(h.hostname ?? '', connectionId(w), src, dst)) {
    srcEp = dst; dstEp = src;
  } else if (id === '302021' && dst !== undefined && (src?.port ?? 0) === 0 && (dst.port ?? 0) !== 0) {
    // Teardown ICMP does not say who opened the "connection"; the ICMP identifier (printed where a port
    // would be) belongs to the side that sent the echo request, so a laddr carrying it is the initiator.
    srcEp = dst; dstEp = src;
  }
  if (srcEp?.ip === undefined && dstEp?.ip === undefined) return null;
  const ev = base(h, ctx, product, id, action);
  if (built) markSession(ev, 'start');
  else if (teardown) markSession(ev, 'end');
  if (id === '338004' || id === '338001' || id === '338003' || id === '338005' || id === '338007') ev.gatewatch = { blacklist_monitored: true };
  if (proto) setTransport(ev, proto);
  const hp = hasPorts(ev.network.transport) || (proto === undefined && (srcEp?.port ?? 0) > 0);
  setEp(ev, 'source', srcEp, hp);
  setEp(ev, 'destination', dstEp, hp);
  // Bytes and duration (Teardown / Built).
  const from = di > 0 ? di : si;
  for (let k = from + 1; k < w.length; k++) {
    const x = w[k];
    if (x === 'bytes') { const b = toInt(w[k + 1], 0, Number.MAX_SAFE_INTEGER); if (b !== undefined) ev.network.bytes = b; }
    else if (x === 'duration') {
      const d = durationOf(w[k + 1]);
      if (d !== undefined) (ev.gatewatch ??= {}).duration_s = d;
    } else if (x === 'access-group' || x === 'access_group') {
      const r = w[k + 1];
      if (r) ev.rule = { name: r.length > 1 && r.charCodeAt(0) === 34 ? r.slice(1, r.charCodeAt(r.length - 1) === 34 ? -1 : undefined) : r };
    } else if (x === 'flags' && ev.network.transport === 'tcp') {
      const fl: string[] = [];
      for (let j = k + 1; j < w.length && j < k + 9; j++) {
        const f = w[j]!;
        if (f === 'SYN' || f === 'ACK' || f === 'FIN' || f === 'RST' || f === 'PSH' || f === 'URG' || f === 'ECE' || f === 'CWR') fl.push(f);
        else break;
      }
      (ev.gatewatch ??= {}).tcp_flags = fl;
    } else if ((x === 'type' || x === '(type') && (ev.network.transport === 'icmp' || ev.network.transport === 'ipv6-icmp')) {
      const tt = toInt(stripPunct(w[k + 1]), 0, 255);
      const ci = w[k + 2] === 'code' ? k + 3 : -1;
      const cc = ci > 0 ? toInt(stripPunct(w[ci]), 0, 255) : undefined;
      if (tt !== undefined) (ev.gatewatch ??= {}).icmp = { type: tt, code: cc };
    } else if (x === 'payload:' && w[k - 1] === 'IP' && id === '313005') {
      // "Original IP payload: udp src A/53 dst B/10872." — the flow the ICMP error is about.
      const orig = originalPayload(w, k + 1);
      if (orig) {
        (ev.gatewatch ??= {}).icmp_original = orig;
        portsFromOriginal(ev, orig);
      }
      break;
    } else if (x === 'interface' && w[k - 1] === 'on' && !ev.observer.ingress) {
      const nm = stripPunct(w[k + 1]);
      if (nm) ev.observer.ingress = { interface: { name: nm } };
    }
  }
  return finish(ev);
}

/** 313005's embedded packet: "<proto>|protocol N src A[/p] dst B[/p]" → transport and endpoints. */
function originalPayload(w: string[], k: number): Record<string, unknown> | undefined {
  let proto = w[k];
  if (proto === 'protocol') { k++; proto = w[k]; }
  if (proto === undefined || w[k + 1] !== 'src' || w[k + 3] !== 'dst') return undefined;
  const s = parseEp(w[k + 2]), d = parseEp(w[k + 4]);
  if (!s || !d) return undefined;
  const out: Record<string, unknown> = { transport: proto.toLowerCase() };
  out.source = s.port === undefined ? { ip: s.ip } : { ip: s.ip, port: s.port };
  out.destination = d.port === undefined ? { ip: d.ip } : { ip: d.ip, port: d.port };
  return out;
}

/**
 * 313005 prints ports only inside the original packet; each goes to the event's endpoint with the same
 * address (an ICMP error usually travels back, so the original destination is often the event's source).
 */
function portsFromOriginal(ev: GwEvent, orig: Record<string, unknown>): void {
  const os = orig.source as LooseEp, od = orig.destination as LooseEp;
  for (const side of ['source', 'destination'] as const) {
    const ip = ev[side].ip;
    if (ip === undefined || ev[side].port !== undefined) continue;
    const p = os.ip === ip ? os.port : od.ip === ip ? od.port : undefined;
    if (p !== undefined) ev[side].port = p;
  }
}

function stripPunct(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c === 44 || c === 46 || c === 41 || c === 59) e--;
    else break;
  }
  let b = 0;
  if (s.charCodeAt(0) === 40) b = 1;
  return s.slice(b, e);
}

export const ciscoAsa: VendorParser = {
  id: 'cisco-asa',
  title: 'Cisco ASA / Firepower Threat Defense (FTD)',
  logHint: 'logging trap informational (denies are level 4, connections level 6) and logging enable',
  detect,
  parse,
};
