/**
 * Shared last step of the key=value style vendor parsers: the fields a vendor logged, gathered in a
 * plain `Flow`, become a normalised event. Every address is validated and canonicalised here, every
 * port and counter range-checked, so a parser cannot emit a malformed event whatever the line held.
 */
import { Action, Endpoint, eventPart, GwEvent, TransportInfo, transportOf } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { isoOf, parseIsoAt } from '../syslog/time';
import { toInt, toPort } from './kv';
import type { ParseContext } from './types';

export interface Flow {
  src?: string;
  dst?: string;
  spt?: number;
  dpt?: number;
  /** Transport as the vendor wrote it ("TCP", "6", "tcp/https" is cut at the slash by the caller). */
  proto?: string;
  action?: Action;
  /** True when the log did not say allow/deny and `action` is a guess. */
  inferred?: boolean;
  inIf?: string;
  outIf?: string;
  srcMac?: string;
  natSrc?: string;
  natSrcPort?: number;
  natDst?: string;
  natDstPort?: number;
  bytes?: number;
  packets?: number;
  ruleName?: string;
  ruleId?: string;
  icmpType?: number;
  icmpCode?: number;
  tcpFlags?: string[];
  duration?: number;
  app?: string;
  srcZone?: string;
  dstZone?: string;
  user?: string;
  /** Event time (ms); the syslog header's time wins when present. */
  timeMs?: number;
  /** A vendor event code (message id). */
  code?: string;
}

/**
 * A Flow with every field unset, to be filled in field by field. Every vendor's flow is one of these, so
 * that all flows share one object shape and buildEvent reads each field at one place. (A spread
 * `{ ...FLOW, src, … }` does not give that: V8 makes a new shape for each place an object is cloned, and
 * buildEvent's reads went megamorphic, about 2k instructions a line.)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
interface FlowFields extends Flow {}
// The fields are assigned in the constructor (no class field declarations: they would be defined twice).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class FlowFields {
  constructor() {
    this.src = undefined;
    this.dst = undefined;
    this.spt = undefined;
    this.dpt = undefined;
    this.proto = undefined;
    this.action = undefined;
    this.inferred = undefined;
    this.inIf = undefined;
    this.outIf = undefined;
    this.srcMac = undefined;
    this.natSrc = undefined;
    this.natSrcPort = undefined;
    this.natDst = undefined;
    this.natDstPort = undefined;
    this.bytes = undefined;
    this.packets = undefined;
    this.ruleName = undefined;
    this.ruleId = undefined;
    this.icmpType = undefined;
    this.icmpCode = undefined;
    this.tcpFlags = undefined;
    this.duration = undefined;
    this.app = undefined;
    this.srcZone = undefined;
    this.dstZone = undefined;
    this.user = undefined;
    this.timeMs = undefined;
    this.code = undefined;
  }
}

export function newFlow(): Flow {
  return new FlowFields();
}

const MAX_TEXT = 256;

function text(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || t === '-' || t === 'N/A' || t === 'n/a' || t === 'None') return undefined;
  return t.length > MAX_TEXT ? t.slice(0, MAX_TEXT) : t;
}

/** "aa:bb:cc:dd:ee:ff" / "aa-bb-…" / "aabb.ccdd.eeff" → ECS form "AA-BB-CC-DD-EE-FF", else undefined. */
export function normMac(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  // Read the 12 hex digits in place (separators ":-." skipped), then build the result once.
  let out = '';
  let k = 0;
  for (let i = 0; i < s.length && k <= 12; i++) {
    const c = s.charCodeAt(i);
    let u: number;
    if (c >= 48 && c <= 57) u = c;
    else if (c >= 65 && c <= 70) u = c;
    else if (c >= 97 && c <= 102) u = c - 32;
    else if (c !== 58 && c !== 45 && c !== 46) return undefined;
    else continue;
    if (k === 12) { k++; break; }
    if (k > 0 && (k & 1) === 0) out += '-';
    out += HEX_UPPER[u - 48]!;
    k++;
  }
  return k === 12 ? out : undefined;
}

/** Upper-case hex digit strings by char code - 48 ("0"-"9", "A"-"F"). */
const HEX_UPPER: string[] = Array.from({ length: 23 }, (_, i) => String.fromCharCode(i + 48));

/**
 * "ip:port", "[v6]:port", "ip" or a bare IPv6 address → [ip, port]. The port part must be digits;
 * an IPv6 address with more than one colon and no brackets is taken whole.
 */
export function splitHostPort(s: string): [string, number | undefined] {
  if (s.length === 0) return ['', undefined];
  if (s.charCodeAt(0) === 91) {
    const rb = s.indexOf(']');
    if (rb < 0) return [s, undefined];
    const ip = s.slice(1, rb);
    if (s.charCodeAt(rb + 1) === 58) return [ip, toPort(s.slice(rb + 2))];
    return [ip, undefined];
  }
  const c1 = s.indexOf(':');
  if (c1 < 0) return [s, undefined];
  if (s.indexOf(':', c1 + 1) >= 0) return [s, undefined];
  return [s.slice(0, c1), toPort(s.slice(c1 + 1))];
}

/** Body timestamp "YYYY-MM-DD HH:MM:SS[…]" at the start of `s`, in the site zone unless it carries one. */
export function isoTime(s: string | undefined, ctx: ParseContext): number | undefined {
  if (s === undefined || s.length < 19) return undefined;
  const t = parseIsoAt(s, 0, ctx.tz);
  return t ? t[0] : undefined;
}

export function numberOr(s: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  const n = toInt(t.length > 15 ? '' : t, 0, max);
  return n;
}

/** Transports whose logs carry no ports (ICMP keeps them: some vendors log id/type there). */
const PORTLESS = new Set(['gre', 'esp', 'ah', 'igmp', 'ospf', 'pim', 'vrrp', 'ipip', 'ipv6', 'egp', 'rsvp', 'l2tp']);
function portful(t: string | undefined): boolean {
  return t === undefined || !PORTLESS.has(t);
}

/** "gatewatch.<id>", one string per parser (not a new one per event). */
const DATASETS = new Map<string, string>();
function datasetName(id: string): string {
  let d = DATASETS.get(id);
  if (d === undefined) {
    d = `gatewatch.${id}`;
    if (DATASETS.size < 256) DATASETS.set(id, d);
  }
  return d;
}

/**
 * Build the event. Returns null when neither address is a valid IP (a line that names no endpoint is
 * not a network event for gatewatch).
 */
export function buildEvent(
  dataset: string, vendor: string, product: string, h: SyslogHeader, ctx: ParseContext, f: Flow,
): GwEvent | null {
  const src = canonicalIp(f.src);
  const dst = canonicalIp(f.dst);
  if (src === undefined && dst === undefined) return null;
  const action: Action = f.action ?? 'allow';
  const time = h.time ?? f.timeMs ?? ctx.receivedMs;
  // Each part is built as one object literal with the keys it will have, in the order they have always
  // been written (JSON text unchanged), rather than grown a property at a time.
  const code = text(f.code);
  const ev = eventPart(datasetName(dataset), action);
  const event: GwEvent['event'] = code === undefined ? ev : {
    kind: ev.kind, category: ev.category, type: ev.type, action: ev.action, outcome: ev.outcome, dataset: ev.dataset, code,
  };
  const host = h.hostname;
  const inIf = text(f.inIf), outIf = text(f.outIf);
  const observer: GwEvent['observer'] = host ? { vendor, product, type: 'firewall', hostname: host } : { vendor, product, type: 'firewall' };
  if (inIf) observer.ingress = { interface: { name: inIf } };
  if (outIf) observer.egress = { interface: { name: outIf } };
  let info: TransportInfo | null = null;
  if (f.proto !== undefined) {
    const p = f.proto.trim();
    if (p.length > 0 && p.length <= 16) info = transportOf(p);
  }
  const t = info === null ? undefined : info.t;
  let spt: number | undefined, dpt: number | undefined;
  if (portful(t)) {
    if (f.spt !== undefined && Number.isInteger(f.spt) && f.spt >= 0 && f.spt <= 65535) spt = f.spt;
    if (f.dpt !== undefined && Number.isInteger(f.dpt) && f.dpt >= 0 && f.dpt <= 65535) dpt = f.dpt;
  }
  const source = endpoint(src, spt);
  const destination = endpoint(dst, dpt);
  const mac = normMac(f.srcMac);
  if (mac) source.mac = mac;
  const ns = canonicalIp(f.natSrc);
  if (ns !== undefined && ns !== src) {
    source.nat = f.natSrcPort !== undefined ? { ip: ns, port: f.natSrcPort } : { ip: ns };
  } else if (ns !== undefined && f.natSrcPort !== undefined && f.natSrcPort !== f.spt) {
    source.nat = { ip: ns, port: f.natSrcPort };
  }
  const nd = canonicalIp(f.natDst);
  if (nd !== undefined && nd !== dst) {
    destination.nat = f.natDstPort !== undefined ? { ip: nd, port: f.natDstPort } : { ip: nd };
  } else if (nd !== undefined && f.natDstPort !== undefined && f.natDstPort !== f.dpt) {
    destination.nat = { ip: nd, port: f.natDstPort };
  }
  const user = text(f.user);
  if (user) source.user = { name: user };
  const ip0 = src ?? dst!;
  const type = ip0.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const network: GwEvent['network'] = info === null ? { type } : info.n === undefined ? { transport: info.t, type }
    : { transport: info.t, iana_number: info.n, type };
  if (f.bytes !== undefined && Number.isFinite(f.bytes) && f.bytes >= 0) network.bytes = f.bytes;
  if (f.packets !== undefined && Number.isFinite(f.packets) && f.packets >= 0) network.packets = f.packets;
  const rn = text(f.ruleName), rid = text(f.ruleId);
  const gw: NonNullable<GwEvent['gatewatch']> = {};
  if (t === 'tcp' && f.tcpFlags) gw.tcp_flags = f.tcpFlags;
  if ((t === 'icmp' || t === 'ipv6-icmp') && (f.icmpType !== undefined || f.icmpCode !== undefined)) {
    gw.icmp = {};
    if (f.icmpType !== undefined) gw.icmp.type = f.icmpType;
    if (f.icmpCode !== undefined) gw.icmp.code = f.icmpCode;
  }
  if (f.duration !== undefined && Number.isFinite(f.duration) && f.duration >= 0) gw.duration_s = f.duration;
  const app = text(f.app);
  if (app !== undefined) gw.app = app;
  const sz = text(f.srcZone), dz = text(f.dstZone);
  if (sz !== undefined) gw.source_zone = sz;
  if (dz !== undefined) gw.destination_zone = dz;
  if (f.inferred) gw.action_inferred = true;
  const ts = isoOf(Number.isFinite(time) ? time : ctx.receivedMs);
  if (rn === undefined && rid === undefined) {
    return { '@timestamp': ts, event, observer, source, destination, network, gatewatch: gw };
  }
  const rule = rn === undefined ? { id: rid } : rid === undefined ? { name: rn } : { name: rn, id: rid };
  return { '@timestamp': ts, event, observer, source, destination, network, rule, gatewatch: gw };
}

/** source/destination with the address and port read (either may be missing). */
function endpoint(ip: string | undefined, port: number | undefined): Endpoint {
  if (ip !== undefined) return port !== undefined ? { ip, port } : { ip };
  return port !== undefined ? { port } : {};
}

/**
 * s.slice(start, end).split(sep, limit) for a one-character separator, cut with indexOf: on the short
 * texts of a log line this costs a fraction of a native split. With `skipEmpty` the empty parts still
 * count towards `limit` but are left out (what .filter((x) => x.length > 0) did after a split).
 * 0 <= start <= end <= s.length.
 */
export function splitChar(s: string, sep: string, limit: number, skipEmpty = false, start = 0, end = s.length): string[] {
  const out: string[] = [];
  let i = start;
  for (let parts = 0; parts < limit; parts++) {
    let p = s.indexOf(sep, i);
    if (p < 0 || p > end) p = end;
    if (!skipEmpty || p > i) out.push(s.slice(i, p));
    if (p === end) break;
    i = p + 1;
  }
  return out;
}

/** Add two optional counters. */
export function addCounts(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a + b;
}

/** TCP flag letters as WatchGuard/MikroTik/Windows write them ("S", "AF", "SYN,ACK") → names. */
export function tcpFlagLetters(s: string): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < s.length && i < 16; i++) {
    let n: string | undefined;
    switch (s.charCodeAt(i) | 32) {
      case 115: n = 'SYN'; break; // s
      case 97: n = 'ACK'; break; // a
      case 102: n = 'FIN'; break; // f
      case 114: n = 'RST'; break; // r
      case 112: n = 'PSH'; break; // p
      case 117: n = 'URG'; break; // u
      case 101: n = 'ECE'; break; // e
      case 99: n = 'CWR'; break; // c
      default: return undefined;
    }
    if (out.indexOf(n) < 0) out.push(n);
  }
  return out;
}

/**
 * How much of a message the vendor parsers read. Real records are a few KiB at most; bounding the
 * window keeps the worst case (a 64 KiB line of separators) cheap, since every scan is over it.
 */
export const FIELD_WINDOW = 16 * 1024;

export function bounded(s: string, n = FIELD_WINDOW): string {
  return s.length > n ? s.slice(0, n) : s;
}
