/**
 * Palo Alto Networks PAN-OS (8.x–11.x) syslog, in the three forms a firewall or Panorama/Strata
 * Logging Service forwards:
 *
 * 1. The default CSV ("Syslog Field Descriptions" in the PAN-OS admin guide). TRAFFIC and THREAT
 *    share their first 31 fields:
 *      0 FUTURE_USE  1 receive time  2 serial  3 type  4 subtype  5 FUTURE_USE  6 generated time
 *      7 source  8 destination  9 NAT source  10 NAT destination  11 rule  12 source user
 *      13 destination user  14 application  15 vsys  16 from zone  17 to zone  18 inbound interface
 *      19 outbound interface  20 log action  21 FUTURE_USE  22 session id  23 repeat count
 *      24 source port  25 destination port  26 NAT source port  27 NAT destination port  28 flags
 *      29 protocol  30 action
 *    TRAFFIC then: 31 bytes 32 bytes sent 33 bytes received 34 packets 35 start 36 elapsed s …
 *    44 packets sent 45 packets received 46 session end reason;
 *    THREAT then: 31 URL/filename 32 threat id 33 category 34 severity 35 direction.
 *    Fields are CSV: a quoted field may contain commas ("a,b") and doubled quotes.
 * 2. CEF: PAN-OS's own templates (`CEF:0|Palo Alto Networks|PAN-OS|…|end|TRAFFIC|…|src=… dst=… spt=… act=…`,
 *    subtype before type) and Strata Logging Service's (`…|LF|2.0|TRAFFIC|end|…`).
 * 3. JSON from Strata Logging Service / Cortex Data Lake (`{"LogType":"TRAFFIC","SourceAddress":…}`).
 *
 * TRAFFIC, THREAT, DECRYPTION and SCTP logs are network events. SYSTEM, CONFIG, GLOBALPROTECT,
 * USERID, HIPMATCH, AUTH, IPTAG and the rest return null, and so do THREAT records about a file's
 * content (subtypes file, wildfire, data). THREAT records about what was seen inside a session
 * (vulnerability, spyware, virus, url …), DECRYPTION records (the TLS handshake of a session) and the DNS
 * Security log of Strata Logging Service (JSON `LogType` DNS: the client `SourceAddress` asking the
 * resolver `DNSResolverIP`) are kept with
 * `event.kind` 'alert': the session itself is in the TRAFFIC log, so detection does not count it again.
 * THREAT flood/scan/packet records (zone and DoS protection) are the firewall's own packet decisions,
 * logged nowhere else: plain events.
 * ICMP: the 0 PAN-OS writes in the port positions stays in source.port/destination.port as written.
 * action: allow / alert / continue / override → allow; deny, drop, drop-icmp, reset-client,
 * reset-server, reset-both, block-url, block-continue, block-override, block-ip, sinkhole → deny.
 */
import { GwEvent, markAction, markSession, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { parseBsdAt, parseIsoAt, zonedToUtc } from '../syslog/time';
import { cefFieldValues } from './cef-fields';
import { asciiBytes, BYTES } from './ascii';
import { keySlots } from './keyslots';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

const LOG_TYPES = new Set(['TRAFFIC', 'THREAT', 'SYSTEM', 'CONFIG', 'GLOBALPROTECT', 'USERID', 'HIPMATCH', 'AUTH', 'DECRYPTION',
  'TUNNEL', 'SCTP', 'IPTAG', 'CORRELATION', 'GTP', 'AUDIT']);
const NETWORK_TYPES = new Set(['TRAFFIC', 'THREAT', 'DECRYPTION', 'SCTP']);
/** THREAT subtypes that are the firewall's own packet decisions (zone/DoS protection), not content in a session. */
const PACKET_THREATS = new Set(['flood', 'scan', 'packet']);

/**
 * [log type, subtype] from a CEF header's signature id and name: PAN-OS's own CEF templates write
 * `|$subtype|$type|` (…|end|TRAFFIC|…), Strata Logging Service `|TRAFFIC|end|`.
 */
export function panCefType(sig: string, name: string): [string, string] {
  const a = sig.trim().toUpperCase();
  if (LOG_TYPES.has(a)) return [a, name.trim()];
  const b = name.trim().toUpperCase();
  return LOG_TYPES.has(b) ? [b, sig.trim()] : [a, name.trim()];
}

/**
 * How a PAN-OS record of this log type and subtype becomes an event: 'none' for THREAT records about a
 * file's content (file blocking, WildFire verdicts, data filtering), 'alert' for the other content records
 * (THREAT inside a session, DECRYPTION, DNS Security), 'event' otherwise. Shared with the generic CEF reader.
 */
export function panKind(type: string, subtype: string | undefined): 'none' | 'alert' | 'event' {
  if (type === 'DNS' || type === 'DECRYPTION') return 'alert';
  if (type !== 'THREAT') return 'event';
  if (subtype === 'file' || subtype === 'wildfire' || subtype === 'data') return 'none';
  return PACKET_THREATS.has(subtype ?? '') ? 'event' : 'alert';
}

/** Start of the CSV body: skips a stray ": " or "- " some relays leave. */
function bodyStart(m: string): number {
  let i = 0;
  while (i < 3 && (m.charCodeAt(i) === 58 || m.charCodeAt(i) === 32 || m.charCodeAt(i) === 45)) i++;
  return i;
}

/** The log type at CSV field 3, or undefined. */
function csvType(m: string, start: number): string | undefined {
  const c = m.charCodeAt(start);
  if (!(c >= 48 && c <= 57)) return undefined;
  let p = start;
  for (let k = 0; k < 3; k++) {
    const q = m.indexOf(',', p);
    if (q < 0 || q - start > 120) return undefined;
    p = q + 1;
  }
  const e = m.indexOf(',', p);
  if (e < 0 || e - p > 16) return undefined;
  const t = m.slice(p, e);
  return LOG_TYPES.has(t) ? t : undefined;
}

function cefStart(m: string): number {
  let c = m.indexOf('CEF:');
  if (c < 0 || c > 64) return -1;
  c += 4;
  if (m.charCodeAt(c) === 32) c++;
  const v = m.indexOf('|', c);
  return v > 0 && m.startsWith('|Palo Alto Networks|', v) ? c : -1;
}

function isPanJson(m: string): boolean {
  if (m.charCodeAt(0) !== 123) return false;
  const lim = m.length;
  return lim > 20 && m.indexOf('"LogType"') > 0 && (m.indexOf('"DeviceSN"') > 0 || m.indexOf('"SourceAddress"') > 0 || m.indexOf('"ConfigVersion"') > 0);
}

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  const c = m.charCodeAt(0);
  if (c === 67) return cefStart(m) >= 0;
  if (c === 123) return isPanJson(m);
  return csvType(m, bodyStart(m)) !== undefined;
}

/** Split CSV with "quoted, fields" and "" escapes; at most `max` fields. */
export function splitCsv(s: string, start: number, max: number): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = start;
  while (out.length < max) {
    if (i < n && s.charCodeAt(i) === 34) {
      i++;
      let v = '';
      let seg = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 34) {
          if (s.charCodeAt(i + 1) === 34) { v += s.slice(seg, i + 1); i += 2; seg = i; continue; }
          break;
        }
        i++;
      }
      v += s.slice(seg, i);
      i++; // closing quote
      out.push(v);
      const cm = s.indexOf(',', i);
      if (cm < 0) break;
      i = cm + 1;
    } else {
      const cm = s.indexOf(',', i);
      if (cm < 0) { out.push(s.slice(i)); break; }
      out.push(s.slice(i, cm));
      i = cm + 1;
    }
  }
  return out;
}

function actionOf(a: string | undefined): 'allow' | 'deny' | undefined {
  if (!a) return undefined;
  const l = a.toLowerCase();
  if (l === 'allow' || l === 'alert' || l === 'continue' || l === 'override' || l === 'allowed') return 'allow';
  if (l === 'deny' || l === 'drop' || l === 'drop-icmp' || l === 'drop-all-packets' || l.startsWith('reset') || l.startsWith('block')
    || l === 'sinkhole' || l === 'denied' || l === 'override-lockout') return 'deny';
  return undefined;
}

/** "2026/11/23 10:00:01" or "11/23/26 10:00" (M/D/YY H:MM) in the device's zone. */
function panTime(s: string | undefined, tz: string): number | undefined {
  if (!s) return undefined;
  if (s.length >= 19 && s.charCodeAt(4) === 47) {
    const t = parseIsoAt(`${s.slice(0, 4)}-${s.slice(5, 7)}-${s.slice(8, 10)}T${s.slice(11, 19)}`, 0, tz);
    return t ? t[0] : undefined;
  }
  const sp = s.indexOf(' ');
  if (sp < 0) return undefined;
  const d = s.slice(0, sp).split('/');
  const tm = s.slice(sp + 1).split(':');
  if (d.length !== 3 || tm.length < 2) return undefined;
  const mo = toInt(d[0], 1, 12), da = toInt(d[1], 1, 31);
  let y = toInt(d[2], 0, 9999);
  const hh = toInt(tm[0], 0, 23), mi = toInt(tm[1], 0, 59), ss = tm[2] !== undefined ? toInt(tm[2], 0, 60) : 0;
  if (mo === undefined || da === undefined || y === undefined || hh === undefined || mi === undefined || ss === undefined) return undefined;
  if (y < 100) y += 2000;
  return zonedToUtc(tz, y, mo - 1, da, hh, mi, ss, 0);
}

interface Fields {
  type: string; src?: string; dst?: string; natSrc?: string; natDst?: string; rule?: string; app?: string;
  fromZone?: string; toZone?: string; inIf?: string; outIf?: string; sport?: string; dport?: string; natSport?: string;
  natDport?: string; proto?: string; action?: string; bytes?: string; bytesSent?: string; bytesRecv?: string;
  packets?: string; packetsSent?: string; packetsRecv?: string; elapsed?: string; threat?: string; severity?: string;
  subtype?: string; ruleId?: string;
}


function build(h: SyslogHeader, ctx: ParseContext, f: Fields, ms: number | undefined): GwEvent | null {
  if (!NETWORK_TYPES.has(f.type) && f.type !== 'DNS') return null;
  const kind = panKind(f.type, f.subtype);
  if (kind === 'none') return null;
  const src = canonicalIp(f.src), dst = canonicalIp(f.dst);
  if (src === undefined && dst === undefined) return null;
  const action = actionOf(f.action) ?? 'allow';
  const ev = newEvent('gatewatch.paloalto', 'paloaltonetworks', 'pan-os', fastIso(ms ?? h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  if (kind === 'alert') ev.event.kind = 'alert';
  // "Log at session start" adds a start record to the end record of every session: marked, so detection
  // counts the session once.
  if (action === 'allow' && f.type === 'TRAFFIC') {
    if (f.subtype === 'start') markSession(ev, 'start');
    else if (f.subtype === 'end') markSession(ev, 'end');
  }
  if (h.hostname) ev.observer.hostname = h.hostname;
  if (f.inIf) ev.observer.ingress = { interface: { name: f.inIf } };
  if (f.outIf) ev.observer.egress = { interface: { name: f.outIf } };
  if (src !== undefined) ev.source.ip = src;
  if (dst !== undefined) ev.destination.ip = dst;
  setTransport(ev, f.proto);
  const sp = toPort(f.sport), dp = toPort(f.dport);
  if (sp !== undefined) ev.source.port = sp;
  if (dp !== undefined) ev.destination.port = dp;
  const ns = canonicalIp(f.natSrc);
  if (ns !== undefined && ns !== '0.0.0.0' && ns !== '::') {
    ev.source.nat = { ip: ns };
    const p = toPort(f.natSport);
    if (p) ev.source.nat.port = p;
  }
  const nd = canonicalIp(f.natDst);
  if (nd !== undefined && nd !== '0.0.0.0' && nd !== '::') {
    ev.destination.nat = { ip: nd };
    const p = toPort(f.natDport);
    if (p) ev.destination.nat.port = p;
  }
  const ip0 = src ?? dst!;
  ev.network.type = ip0.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const b = toInt(f.bytes, 0, Number.MAX_SAFE_INTEGER);
  const bs = toInt(f.bytesSent, 0, Number.MAX_SAFE_INTEGER), br = toInt(f.bytesRecv, 0, Number.MAX_SAFE_INTEGER);
  if (b !== undefined) ev.network.bytes = b;
  else if (bs !== undefined || br !== undefined) ev.network.bytes = (bs ?? 0) + (br ?? 0);
  const pk = toInt(f.packets);
  const ps = toInt(f.packetsSent), pr = toInt(f.packetsRecv);
  if (pk !== undefined) ev.network.packets = pk;
  else if (ps !== undefined || pr !== undefined) ev.network.packets = (ps ?? 0) + (pr ?? 0);
  if (f.rule) ev.rule = f.ruleId ? { name: f.rule, id: f.ruleId } : { name: f.rule };
  const gw: NonNullable<GwEvent['gatewatch']> = { pan_type: f.subtype ? `${f.type}/${f.subtype}` : f.type };
  if (f.app) gw.app = f.app;
  if (f.fromZone) gw.src_zone = f.fromZone;
  if (f.toZone) gw.dst_zone = f.toZone;
  if (f.action) gw.vendor_action = f.action;
  const el = toInt(f.elapsed);
  if (el !== undefined) gw.duration_s = el;
  if (f.threat) gw.threat_name = f.threat;
  if (f.severity) gw.threat_severity = f.severity;
  ev.gatewatch = gw;
  return ev;
}

/**
 * Where splitCsv's fields are, on the bytes of an ASCII line (BYTES, from asciiBytes): the text of field k is
 * s[FIELD_START[k], FIELD_END[k]), with each "" read as one quote where FIELD_ESCAPED[k] is 1. Only the fields
 * a record reads are then sliced out, and no separator is searched for with a native call. The differential
 * test (paloalto-scan.test) holds it to splitCsv: change both.
 */
const MAX_FIELDS = 64;
const FIELD_START = new Int32Array(MAX_FIELDS), FIELD_END = new Int32Array(MAX_FIELDS);
const FIELD_ESCAPED = new Uint8Array(MAX_FIELDS);
const LINE_BYTES = BYTES;
const QUOTE_PAIRS = /""/g;

/** splitCsv(s, start, max)'s field count, its fields' places left in FIELD_*; -1 when s is not ASCII or too long. */
export function csvFieldsBytes(s: string, start: number, max: number): number {
  if (max > MAX_FIELDS || !asciiBytes(s)) return -1;
  const b = LINE_BYTES; // b[n] is a space
  const n = s.length;
  let i = start, k = 0;
  while (k < max) {
    if (i < n && b[i] === 34) {
      const vs = ++i;
      let esc = 0;
      while (i < n) {
        if (b[i] === 34) {
          if (i + 1 < n && b[i + 1] === 34) { esc = 1; i += 2; continue; }
          break;
        }
        i++;
      }
      FIELD_START[k] = vs; FIELD_END[k] = i < n ? i : n; FIELD_ESCAPED[k] = esc;
      k++;
      i++; // closing quote
      while (i < n && b[i] !== 44) i++;
      if (i >= n) break;
      i++;
    } else {
      const vs = i;
      while (i < n && b[i] !== 44) i++;
      FIELD_START[k] = vs; FIELD_END[k] = i; FIELD_ESCAPED[k] = 0;
      k++;
      if (i >= n) break;
      i++;
    }
  }
  return k;
}

/** Field k of the last csvFieldsBytes on s. */
export function csvField(s: string, k: number): string {
  const v = s.slice(FIELD_START[k]!, FIELD_END[k]!);
  return FIELD_ESCAPED[k] === 1 ? v.replace(QUOTE_PAIRS, '"') : v;
}

function parseCsv(h: SyslogHeader, ctx: ParseContext, m: string, start: number): GwEvent | null {
  const type = csvType(m, start);
  if (type === undefined || !NETWORK_TYPES.has(type)) return null;
  // Only the fields read below are split out (TRAFFIC up to 36, THREAT up to 34); on an ASCII line only
  // those read are sliced, each when it is read.
  const max = type === 'TRAFFIC' ? 37 : 36;
  const count = csvFieldsBytes(m, start, max);
  const split = count < 0 ? splitCsv(m, start, max) : undefined;
  if ((split ? split.length : count) < 31) return null;
  const c = (k: number): string | undefined => (split ? split[k] : k < count ? csvField(m, k) : undefined);
  const f: Fields = {
    type, subtype: c(4), src: c(7), dst: c(8), natSrc: c(9), natDst: c(10), rule: c(11), app: c(14), fromZone: c(16),
    toZone: c(17), inIf: c(18), outIf: c(19), sport: c(24), dport: c(25), natSport: c(26), natDport: c(27), proto: c(29),
    action: c(30),
  };
  if (type === 'TRAFFIC') {
    f.bytes = c(31); f.bytesSent = c(32); f.bytesRecv = c(33); f.packets = c(34); f.elapsed = c(36);
  } else if (type === 'THREAT') {
    f.threat = c(32); f.severity = c(34);
  }
  return build(h, ctx, f, panTime(c(6), ctx.tz) ?? panTime(c(1), ctx.tz));
}

/** The CEF extension keys parseCef reads, and their index in CEF_KEYS. */
const enum C {
  cs1, cs2, cs3, cs4, cs5, cs6, cs1Label, cs2Label, cs3Label, cs4Label, cs5Label, cs6Label, src, dst, sourceTranslatedAddress,
  destinationTranslatedAddress, app, deviceInboundInterface, deviceOutboundInterface, spt, dpt, sourceTranslatedPort,
  destinationTranslatedPort, proto, act, out, in, PanOSPacketsSent, PanOSPacketsReceived, PanOSSourceZone, PanOSDestinationZone,
  rt, dtz,
}
const CEF_KEYS = keySlots([
  'cs1', 'cs2', 'cs3', 'cs4', 'cs5', 'cs6', 'cs1Label', 'cs2Label', 'cs3Label', 'cs4Label', 'cs5Label', 'cs6Label', 'src', 'dst',
  'sourceTranslatedAddress', 'destinationTranslatedAddress', 'app', 'deviceInboundInterface', 'deviceOutboundInterface', 'spt',
  'dpt', 'sourceTranslatedPort', 'destinationTranslatedPort', 'proto', 'act', 'out', 'in', 'PanOSPacketsSent',
  'PanOSPacketsReceived', 'PanOSSourceZone', 'PanOSDestinationZone', 'rt', 'dtz',
]);

function parseCef(h: SyslogHeader, ctx: ParseContext, m: string, start: number): GwEvent | null {
  const parts: string[] = [];
  let p = start;
  for (let k = 0; k < 7; k++) {
    const bar = m.indexOf('|', p);
    if (bar < 0) return null;
    parts.push(m.slice(p, bar));
    p = bar + 1;
  }
  const [type, subtype] = panCefType(parts[4]!, parts[5]!);
  if (!NETWORK_TYPES.has(type)) return null;
  const kv = cefFieldValues(m, p, CEF_KEYS);
  // cs1 is the rule when cs1Label says so
  let rule: string | undefined;
  const l1 = kv[C.cs1Label];
  if (l1 === 'Rule' || l1 === 'rule') rule = kv[C.cs1];
  else for (let k = 1; k < 6; k++) if ((kv[C.cs1Label + k] ?? '').toLowerCase() === 'rule') rule = kv[C.cs1 + k];
  const f: Fields = {
    type, subtype, src: kv[C.src], dst: kv[C.dst], natSrc: kv[C.sourceTranslatedAddress], natDst: kv[C.destinationTranslatedAddress],
    rule, app: kv[C.app], inIf: kv[C.deviceInboundInterface], outIf: kv[C.deviceOutboundInterface], sport: kv[C.spt], dport: kv[C.dpt],
    natSport: kv[C.sourceTranslatedPort], natDport: kv[C.destinationTranslatedPort], proto: kv[C.proto], action: kv[C.act],
    bytesSent: kv[C.out], bytesRecv: kv[C.in], packetsSent: kv[C.PanOSPacketsSent], packetsRecv: kv[C.PanOSPacketsReceived],
    fromZone: kv[C.PanOSSourceZone], toZone: kv[C.PanOSDestinationZone],
  };
  let ms: number | undefined;
  const r = kv[C.rt];
  if (r) {
    if (/^\d{12,13}$/.test(r)) ms = Number(r);
    else {
      // "Mar 01 2021 20:35:54" in dtz (UTC when absent)
      const dtz = kv[C.dtz];
      const zone = dtz === undefined || dtz === 'UTC' || dtz === 'GMT' ? 'UTC' : ctx.tz;
      const t = parseBsdAt(r, 0, zone, ctx.refMs);
      if (t) ms = t[0];
    }
  }
  return build(h, ctx, f, ms);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function parseJson(h: SyslogHeader, ctx: ParseContext, m: string): GwEvent | null {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(m);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    o = v as Record<string, unknown>;
  } catch {
    return null;
  }
  let type = str(o.LogType);
  if (type === undefined) return null;
  type = type.toUpperCase();
  const f: Fields = {
    type, subtype: str(o.Subtype) ?? str(o.SubType), src: str(o.SourceAddress),
    dst: type === 'DNS' ? str(o.DNSResolverIP) : str(o.DestinationAddress),
    natSrc: str(o.NATSource), natDst: str(o.NATDestination), rule: str(o.Rule), ruleId: str(o.RuleUUID), app: str(o.Application),
    fromZone: str(o.FromZone), toZone: str(o.ToZone), inIf: str(o.InboundInterface), outIf: str(o.OutboundInterface),
    sport: str(o.SourcePort), dport: str(o.DestinationPort), natSport: str(o.NATSourcePort), natDport: str(o.NATDestinationPort),
    proto: str(o.Protocol), action: str(o.Action), bytes: str(o.Bytes), bytesSent: str(o.BytesSent), bytesRecv: str(o.BytesReceived),
    packets: str(o.PacketsTotal) ?? str(o.Packets), packetsSent: str(o.PacketsSent), packetsRecv: str(o.PacketsReceived),
    threat: str(o.ThreatName) ?? str(o.Threat), severity: str(o.Severity),
  };
  let ms: number | undefined;
  const tg = str(o.TimeGenerated) ?? str(o.TimeGeneratedHighResolution) ?? str(o.TimeReceived);
  if (tg) { const t = parseIsoAt(tg, 0, 'UTC'); if (t) ms = t[0]; }
  return build(h, ctx, f, ms);
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  const c = m.charCodeAt(0);
  if (c === 67) { const s = cefStart(m); return s < 0 ? null : parseCef(h, ctx, m, s); }
  if (c === 123) return isPanJson(m) ? parseJson(h, ctx, m) : null;
  return parseCsv(h, ctx, m, bodyStart(m));
}

export const paloalto: VendorParser = {
  id: 'paloalto',
  title: 'Palo Alto Networks PAN-OS (CSV, CEF, JSON): TRAFFIC and THREAT',
  logHint: 'add a Log Forwarding profile with Traffic and Threat logs to the security rules (Log at Session End)',
  detect,
  parse,
};
