/**
 * IBM QRadar Log Event Extended Format (LEEF) 1.0 and 2.0, as WatchGuard, Forcepoint and others send it:
 *
 *   LEEF:1.0|WatchGuard|XTM|12.8|30000148|src=203.0.113.5<TAB>srcPort=51515<TAB>dst=192.0.2.10<TAB>…
 *   LEEF:2.0|Vendor|Product|1.0|EventID|^|src=203.0.113.5^dst=192.0.2.10^…
 *
 * LEEF 1.0 separates attributes with a tab; 2.0 names its delimiter in the sixth header field (a
 * character, or its hex code "x5E"/"0x5E"). Relays that escape control characters turn the tab into
 * "#011"; a relay that turned it into a space is read like a CEF extension. WatchGuard also sends the
 * header without "LEEF:" ("1.0|WatchGuard|XTM|…").
 */
import type { GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName, actionOf, cefTime, cefValues, networkish, vendorId } from './cef';
import { asciiBytes, BYTES } from './ascii';
import { KEY_BYTES, keySlots, wantedIndexBytes } from './keyslots';

// Module constants, read by the scanners themselves: TurboFan then embeds their addresses (see wantedIndexBytes).
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES;
import { bounded, buildEvent, newFlow, splitHostPort, tcpFlagLetters } from './flow';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const PREFIX_WINDOW = 96;
const MAX_PAIRS = 400;

function leefStart(m: string): number {
  const p = m.indexOf('LEEF:');
  if (p >= 0 && p <= PREFIX_WINDOW) return p + 5;
  // "1.0|Vendor|…" / "2.0|…" without the prefix.
  if ((m.charCodeAt(0) === 49 || m.charCodeAt(0) === 50) && m.charCodeAt(1) === 46 && m.charCodeAt(2) === 48 && m.charCodeAt(3) === 124) return 0;
  return -1;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message);
  const at = leefStart(m);
  if (at < 0) return false;
  let bar = at - 1;
  const lim = Math.min(m.length, at + 1024);
  for (let pipes = 0; pipes < 5; pipes++) {
    bar = m.indexOf('|', bar + 1);
    if (bar < 0 || bar >= lim) return false;
  }
  return true;
}

function hexDelimiter(d: string): string | undefined {
  let t = d;
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2);
  else if (t.startsWith('x') || t.startsWith('X')) t = t.slice(1);
  else return undefined;
  if (t.length < 1 || t.length > 4) return undefined;
  const n = parseInt(t, 16);
  return Number.isFinite(n) && n > 0 && n < 0xffff && /^[0-9a-fA-F]+$/.test(t) ? String.fromCharCode(n) : undefined;
}

/** The attributes parse() reads, and their index in what splitAttrs and cefValues return. */
const enum L {
  src, srcPreNAT, dst, dstPreNAT, srcPort, srcPreNATPort, dstPort, dstPreNATPort, proto, action, disp, fw_action,
  srcBytes, sent_bytes, bytesOut, dstBytes, rcvd_bytes, bytesIn, srcPackets, dstPackets, devTime, tcp_flag, in_if,
  srcInterface, out_if, dstInterface, srcMAC, srcPostNAT, srcPostNATPort, srcPostNATPORT, dstPostNAT, dstPostNATPort,
  dstPostNATPORT, totalBytes, totalPackets, policy, rule, ruleName, usrName, src_user, app, app_name, duration,
}
const KEYS = keySlots([
  'src', 'srcPreNAT', 'dst', 'dstPreNAT', 'srcPort', 'srcPreNATPort', 'dstPort', 'dstPreNATPort', 'proto', 'action',
  'disp', 'fw_action', 'srcBytes', 'sent_bytes', 'bytesOut', 'dstBytes', 'rcvd_bytes', 'bytesIn', 'srcPackets',
  'dstPackets', 'devTime', 'tcp_flag', 'in_if', 'srcInterface', 'out_if', 'dstInterface', 'srcMAC', 'srcPostNAT',
  'srcPostNATPort', 'srcPostNATPORT', 'dstPostNAT', 'dstPostNATPort', 'dstPostNATPORT', 'totalBytes', 'totalPackets',
  'policy', 'rule', 'ruleName', 'usrName', 'src_user', 'app', 'app_name', 'duration',
]);
const KEY_INDEX = new Map<string, number>(KEYS.names.map((k, idx) => [k, idx]));

/**
 * Attributes separated by `delim`; the first '=' splits key and value. The values of the keys in KEYS, by
 * index (first occurrence wins); the other attributes are not kept.
 */
function splitAttrs(s: string, start: number, delim: string, chars = false): (string | undefined)[] {
  // An ASCII line is read as bytes, any other, or every line with `chars` (the differential test compares
  // the two), on its characters.
  return (chars ? null : splitAttrsBytes(s, start, delim)) ?? splitAttrsChars(s, start, delim);
}

/** For tests: what splitAttrs reads, by key (`chars`: the character scanner). */
export function leefAttrs(s: string, start: number, delim: string, chars = false): Record<string, string | undefined> {
  const o = splitAttrs(s, start, delim, chars);
  const r: Record<string, string | undefined> = {};
  KEYS.names.forEach((k, idx) => { r[k] = o[idx]; });
  return r;
}

/** White space as String.prototype.trim sees it, among ASCII bytes. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * splitAttrsChars on the bytes of s: the same attributes, keys and values (a differential test holds the two
 * together; change both). One walk finds each delimiter and the first "=" before it; the key is looked up
 * in KEYS.table. Returns null, having read nothing, when s is not ASCII or longer than BYTES_MAX.
 */
function splitAttrsBytes(s: string, start: number, delim: string): (string | undefined)[] | null {
  if (!asciiBytes(s)) return null;
  const b = LINE_BYTES, names = NAME_BYTES;
  const n = s.length;
  const o = new Array<string | undefined>(KEYS.names.length);
  const d0 = delim.charCodeAt(0);
  const dl = delim.length;
  const table = KEYS.table;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < MAX_PAIRS) {
    let e = i;
    let eq = -1;
    let bs = false; // a backslash in the attribute: the value may hold "\="
    for (; e < n; e++) {
      const c = b[e]!;
      if (c === d0) {
        if (dl === 1) break;
        let k = 1;
        while (k < dl && e + k < n && b[e + k] === delim.charCodeAt(k)) k++;
        if (k === dl) break;
      }
      if (c === 61) { if (eq < 0) eq = e; } else if (c === 92) bs = true;
    }
    if (eq > i) {
      let ks = i, ke = eq;
      while (ks < ke && isSpace(b[ks]!)) ks++;
      while (ke > ks && isSpace(b[ke - 1]!)) ke--;
      if (ke > ks) { // (splitAttrsChars' 64-character limit is longer than any name in the table)
        let h = 0;
        for (let p = ks; p < ke; p++) h = (Math.imul(h, 31) + b[p]!) | 0;
        const idx = wantedIndexBytes(table, names, b, ks, ke, h);
        if (idx >= 0 && o[idx] === undefined) {
          const vs = eq + 1;
          let v = s.slice(vs, e);
          if (bs || vs === e || isSpace(b[vs]!) || isSpace(b[e - 1]!)) {
            if (v.indexOf('\\=') >= 0) v = v.split('\\=').join('=');
            v = v.trim();
          }
          o[idx] = v;
        }
      }
    }
    i = e + dl;
  }
  return o;
}

/** splitAttrs on the characters of s (any line). */
function splitAttrsChars(s: string, start: number, delim: string): (string | undefined)[] {
  const o = new Array<string | undefined>(KEYS.names.length);
  let i = start;
  const n = s.length;
  let pairs = 0;
  let eq = -1; // the next '=' at or after i (when eq >= i): searched again only once passed
  while (i < n && pairs++ < MAX_PAIRS) {
    let e = s.indexOf(delim, i);
    if (e < 0) e = n;
    if (eq < i && eq !== n) { eq = s.indexOf('=', i); if (eq < 0) eq = n; }
    if (eq > i && eq < e) {
      const k = s.slice(i, eq).trim();
      const idx = k.length > 0 && k.length <= 64 ? KEY_INDEX.get(k) : undefined;
      if (idx !== undefined && o[idx] === undefined) {
        let v = s.slice(eq + 1, e);
        if (v.indexOf('\\=') >= 0) v = v.split('\\=').join('=');
        o[idx] = v.trim();
      }
    }
    i = e + delim.length;
  }
  return o;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = leefStart(m);
  if (at < 0) return null;
  // Header: version|vendor|product|version|eventId| (2.0: delimiter|)
  const fields: string[] = [];
  let i = at;
  while (fields.length < 5) {
    const p = m.indexOf('|', i);
    if (p < 0 || p - i > 256) return null;
    fields.push(m.slice(i, p));
    i = p + 1;
  }
  let delim = '\t';
  if (fields[0]!.startsWith('2')) {
    const p = m.indexOf('|', i);
    if (p >= 0 && p - i <= 8) {
      const d = m.slice(i, p);
      const hx = d.length > 1 ? hexDelimiter(d) : undefined;
      if (hx !== undefined) delim = hx;
      else if (d.length === 1) delim = d;
      i = p + 1;
    }
  }
  let x: (string | undefined)[];
  if (m.indexOf(delim, i) >= 0) x = splitAttrs(m, i, delim);
  else if (delim === '\t' && m.indexOf('#011', i) >= 0) x = splitAttrs(m, i, '#011');
  else x = cefValues(m, i, KEYS);

  let src = x[L.src] ?? x[L.srcPreNAT];
  let dst = x[L.dst] ?? x[L.dstPreNAT];
  let spt = toPort(x[L.srcPort] ?? x[L.srcPreNATPort]);
  let dpt = toPort(x[L.dstPort] ?? x[L.dstPreNATPort]);
  let proto = x[L.proto];
  if (proto !== undefined) { const sl = proto.indexOf('/'); if (sl >= 0) proto = proto.slice(0, sl); }
  if (src !== undefined && src.indexOf('.') > 0 && src.indexOf(':') > 0) { const [a, p] = splitHostPort(src); src = a; spt ??= p; }
  if (dst !== undefined && dst.indexOf('.') > 0 && dst.indexOf(':') > 0) { const [a, p] = splitHostPort(dst); dst = a; dpt ??= p; }
  if (!networkish(src, dst, proto, spt, dpt)) return null;

  const vendor = vendorId(fields[1]!);
  const product = fields[2]!.trim() || 'leef';
  let action = actionOf(x[L.action]) ?? actionOf(x[L.disp]) ?? actionOf(x[L.fw_action]);
  if (action === undefined) action = actionFromName(fields[4]!);
  const inferred = action === undefined;
  const sb = toInt(x[L.srcBytes] ?? x[L.sent_bytes] ?? x[L.bytesOut]), rb = toInt(x[L.dstBytes] ?? x[L.rcvd_bytes] ?? x[L.bytesIn]);
  const sp = toInt(x[L.srcPackets]), rp = toInt(x[L.dstPackets]);
  let time: number | undefined;
  if (x[L.devTime] !== undefined) time = cefTime(x[L.devTime], ctx);
  const flags = x[L.tcp_flag] !== undefined ? tcpFlagLetters(x[L.tcp_flag]) : undefined;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action ?? 'allow';
  flow.inferred = inferred;
  flow.inIf = x[L.in_if] ?? x[L.srcInterface];
  flow.outIf = x[L.out_if] ?? x[L.dstInterface];
  flow.srcMac = x[L.srcMAC];
  flow.natSrc = x[L.srcPostNAT];
  flow.natSrcPort = toPort(x[L.srcPostNATPort] ?? x[L.srcPostNATPORT]);
  flow.natDst = x[L.dstPostNAT];
  flow.natDstPort = toPort(x[L.dstPostNATPort] ?? x[L.dstPostNATPORT]);
  flow.bytes = sb !== undefined || rb !== undefined ? (sb ?? 0) + (rb ?? 0) : toInt(x[L.totalBytes]);
  flow.packets = sp !== undefined || rp !== undefined ? (sp ?? 0) + (rp ?? 0) : toInt(x[L.totalPackets]);
  flow.ruleName = x[L.policy] ?? x[L.rule] ?? x[L.ruleName];
  flow.tcpFlags = flags;
  flow.user = x[L.usrName] ?? x[L.src_user];
  flow.app = x[L.app] ?? x[L.app_name];
  flow.duration = toInt(x[L.duration]);
  flow.timeMs = time;
  flow.code = fields[4];
  return buildEvent('leef', vendor, product, h, ctx, flow);
}

export const leef: VendorParser = {
  id: 'leef',
  title: 'LEEF 1.0/2.0 (IBM QRadar format: WatchGuard, Forcepoint and other senders)',
  logHint: 'choose the firewall or traffic events for its LEEF output',
  detect,
  parse,
};
