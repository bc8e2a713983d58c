/**
 * Check Point (Quantum gateways, R80/R81 Log Exporter and older exports), in the forms a
 * gateway or management server forwards:
 *
 * 1. Log Exporter "syslog" format: RFC 5424 whose structured-data part carries the log as
 *    `[action:"Drop"; flags:"…"; ifdir:"inbound"; ifname:"eth1"; origin:"192.0.2.1"; … src:"…";
 *    dst:"…"; proto:"6"; s_port:"…"; service:"22"; rule_name:"…"]` (app name `CheckPoint`).
 * 2. The SD-ID variant: `[Fields@1.3.6.1.4.1.2620 src="…" dst="…" proto="6" service_id="https" …]`.
 * 3. CEF: `CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|…|act=Drop src=… dst=… spt=… dpt=… proto=6`
 *    (relays sometimes drop or space the "CEF:" prefix).
 * 4. The older positional export of `fw log`: `"num" "23Nov2026" "10:00:01" "eth1" "origin" "Log"
 *    "Drop" "service" "s_port" "src" "dst" "proto" …`.
 *
 * A line that names no source or destination address (audit: administrator logins, policy
 * installation, system monitor …) returns null. action: Accept/Allow/Detect/Inspect/Redirect/Bypass/
 * Decrypt/Encrypt/Log → allow; Drop/Reject/Block/Prevent → deny. `service` is the destination port,
 * `s_port` the source port, `proto` the IP protocol number.
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';

import { asciiBytes, BYTES } from './ascii';
import { cefFields, cefFieldsInto, cefNamesFor } from './cef-fields';
import { KEY_BYTES, keySlots, wantedIndexBytes, wantedKey } from './keyslots';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

// Module constants, read by the scanners themselves: TurboFan then embeds their addresses (see wantedIndexBytes).
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES;

const CP_ENTERPRISE = 'Fields@1.3.6.1.4.1.2620';
const CP_SD_OPEN = '[' + CP_ENTERPRISE;

/** Where the pairs are: [text, start, kind]. */
type Where = [string, number, 'colon' | 'eq' | 'cef' | 'positional'];

function cefStart(m: string): number {
  let c = 0;
  if (m.startsWith('CEF:')) { c = 4; if (m.charCodeAt(c) === 32) c++; }
  else {
    c = m.indexOf('CEF:');
    if (c > 0 && c < 64) { c += 4; if (m.charCodeAt(c) === 32) c++; } else c = 0;
  }
  return m.startsWith('|Check Point|', c + 1) ? c : -1;
}

function locate(h: SyslogHeader): Where | null {
  const sd = h.structuredData;
  if (sd !== undefined && sd.length > 2) {
    if (sd.startsWith(CP_ENTERPRISE, 1)) return [sd, 1 + CP_ENTERPRISE.length, 'eq'];
    if (isColonPairs(sd, 1) && (h.appName === 'CheckPoint' || sd.indexOf('loguid:"') > 0)) return [sd, 1, 'colon'];
  }
  const m = h.message;
  const c0 = m.charCodeAt(0);
  if (c0 === 67 || c0 === 48) {
    const c = cefStart(m);
    if (c >= 0) return [m, c, 'cef'];
  }
  if (c0 === 34 && isPositional(m)) return [m, 0, 'positional'];
  // "[action:…]" as the message, or after a tag the header did not split off ("syslog[action:…").
  let lb = -1;
  for (let k = 0; k < 24 && k < m.length; k++) if (m.charCodeAt(k) === 91) { lb = k; break; }
  if (lb >= 0 && isColonPairs(m, lb + 1) && (h.appName === 'CheckPoint' || m.indexOf('loguid:"') > 0)) return [m, lb + 1, 'colon'];
  // An RFC 5424 header the syslog layer could not read ("1 2023-01-13T10:10:16--5:00 …"): the
  // structured data is still in the message, a few tokens in.
  if (c0 === 49 && m.charCodeAt(1) === 32) {
    const f = m.indexOf(CP_SD_OPEN);
    if (f >= 0 && f < 200) return [m, f + CP_SD_OPEN.length, 'eq'];
  }
  return null;
}

/** `word:"` at `i`. */
function isColonPairs(s: string, i: number): boolean {
  const lim = Math.min(s.length, i + 64);
  for (let j = i; j < lim; j++) {
    const c = s.charCodeAt(j);
    if (c === 58) return j > i && s.charCodeAt(j + 1) === 34;
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return false;
}

/** `"123" "20Dec2019" "12:04:05" …` */
function isPositional(m: string): boolean {
  const q = m.indexOf('" "', 1);
  if (q < 2 || q > 16) return false;
  for (let i = 1; i < q; i++) { const c = m.charCodeAt(i); if (c < 48 || c > 57) return false; }
  const d = m.indexOf('"', q + 3);
  const len = d - (q + 3);
  return d > 0 && (len === 9 || len === 8) && m.charCodeAt(q + 3 + len - 5) >= 65;
}

function detect(h: SyslogHeader): boolean {
  return locate(h) !== null;
}

/** The value of a quoted string whose opening quote is just before `i` (\" escapes), and the index after it. */
function quoted(s: string, i: number): [string, number] {
  let q = s.indexOf('"', i);
  if (q < 0) return [s.slice(i), s.length];
  if (s.charCodeAt(q - 1) !== 92) return [s.slice(i, q), q + 1];
  // Escapes present: the slow path.
  let v = '';
  let seg = i;
  const n = s.length;
  q = i;
  while (q < n) {
    const c = s.charCodeAt(q);
    if (c === 92 && q + 1 < n) { v += s.slice(seg, q); q++; seg = q; q++; continue; }
    if (c === 34) break;
    q++;
  }
  return [v + s.slice(seg, q), q + 1];
}

/** The keys the event is built from (Log Exporter and SD forms); the rest are skipped unread. */
const SLOTS = keySlots(['src', 'dst', 'action', 'time', 'rt', 'product', 'origin', 'ifname', 'ifdir', 'proto', 's_port', 'service',
  'icmp_type', 'icmp_code', 'xlatesrc', 'xlatedst', 'bytes', 'client_inbound_bytes', 'client_outbound_bytes', 'packets', 'rule_name',
  'rule_uid', 'rule', 'match_id', 'service_id', 'inzone', 'outzone', 'layer_name']);

/**
 * Every key parse() reads: SLOTS' names first (so a SLOTS index is a record index), then the ones only the
 * CEF and positional forms give. The Log Exporter, SD and CEF forms are read into an array in this order and
 * turned into one fixed-shape record (recordOf) instead of a dictionary.
 */
const REC = [...SLOTS.names, 'date', 'cs2Label', 'cs2', 'bytes_in', 'bytes_out'];
const NREC = REC.length;

function recordOf(v: (string | undefined)[]): Record<string, string> {
  return {
    src: v[0], dst: v[1], action: v[2], time: v[3], rt: v[4], product: v[5], origin: v[6], ifname: v[7], ifdir: v[8], proto: v[9],
    s_port: v[10], service: v[11], icmp_type: v[12], icmp_code: v[13], xlatesrc: v[14], xlatedst: v[15], bytes: v[16],
    client_inbound_bytes: v[17], client_outbound_bytes: v[18], packets: v[19], rule_name: v[20], rule_uid: v[21], rule: v[22],
    match_id: v[23], service_id: v[24], inzone: v[25], outzone: v[26], layer_name: v[27], date: v[28], cs2Label: v[29], cs2: v[30],
    bytes_in: v[31], bytes_out: v[32],
  } as unknown as Record<string, string>;
}

/** The values of a dictionary a character scanner filled, in REC order. */
function fromDict(d: Record<string, string>, v: (string | undefined)[]): void {
  for (let k = 0; k < NREC; k++) v[k] = d[REC[k]!];
}

/** Index after the closing quote of a value starting at `i` (the opening quote is at i - 1). */
function skipQuoted(s: string, i: number): number {
  let q = s.indexOf('"', i);
  while (q > 0 && s.charCodeAt(q - 1) === 92) {
    // an escaped quote, unless the backslash is itself escaped
    let b = q - 1, k = 0;
    while (b >= i && s.charCodeAt(b) === 92) { b--; k++; }
    if (k % 2 === 0) break;
    q = s.indexOf('"', q + 1);
  }
  return q < 0 ? s.length : q + 1;
}

/**
 * `key:"value"; key:"value"` with \" escapes, until "]" outside quotes. An ASCII line is read as bytes
 * (scanQuotedBytes), any other, or every line with `chars` (the differential test compares the two), on its
 * characters.
 */
function scanColon(s: string, start: number, out: (string | undefined)[], chars = false): void {
  if (chars || !scanQuotedBytes(s, start, out, 58)) {
    const d: Record<string, string> = Object.create(null);
    scanColonChars(s, start, d);
    fromDict(d, out);
  }
}

/** `key="value" key="value"` (RFC 5424 SD params) until "]"; bytes or characters as scanColon. */
function scanEq(s: string, start: number, out: (string | undefined)[], chars = false): void {
  if (chars || !scanQuotedBytes(s, start, out, 61)) {
    const d: Record<string, string> = Object.create(null);
    scanEqChars(s, start, d);
    fromDict(d, out);
  }
}

/**
 * For tests: the pairs parse() reads from a Log Exporter (`colon`) or SD (`eq`) text, or from a CEF line
 * (`cef`, its header starting at `start`); `chars`: the character scanners.
 */
export function checkpointPairs(s: string, start: number, kind: 'colon' | 'eq' | 'cef', chars = false): Record<string, string> {
  const out: Record<string, string> = {};
  if (chars) {
    // The character scanners' dictionary as parse() used to read it.
    const d: Record<string, string> = Object.create(null);
    if (kind === 'colon') scanColonChars(s, start, d);
    else if (kind === 'eq') scanEqChars(s, start, d);
    else {
      let p = start;
      for (let k = 0; k < 7 && p >= 0; k++) { const bar = s.indexOf('|', p); p = bar < 0 ? -1 : bar + 1; }
      if (p >= 0) cefFields(s, p, d, renameCef, undefined, 512, true);
    }
    for (const k of REC) if (d[k] !== undefined) out[k] = d[k];
    return out;
  }
  const v = new Array<string | undefined>(NREC);
  if (kind === 'colon') scanColon(s, start, v);
  else if (kind === 'eq') scanEq(s, start, v);
  else scanCef(s, start, v);
  const r = recordOf(v);
  for (const k of Object.keys(r)) if (r[k] !== undefined) out[k] = r[k];
  return out;
}

/**
 * scanColonChars (sep ":") or scanEqChars (sep "=") on the bytes of s: the same pairs, values and rules (a
 * differential test holds them together; change both). Keys are hashed as they are walked and looked up in
 * SLOTS.table; a value with a backslash is left to quoted(). Returns false, having read nothing, when s is
 * not ASCII or longer than BYTES_MAX.
 */
function scanQuotedBytes(s: string, start: number, out: (string | undefined)[], sep: number): boolean {
  if (!asciiBytes(s)) return false;
  const b = LINE_BYTES, names = NAME_BYTES; // b[n] is a space, b[n + 1] a 0
  const n = s.length;
  const table = SLOTS.table;
  const colon = sep === 58;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < 512) {
    let c = b[i]!;
    while (c === 32 || (colon && c === 59)) c = b[++i]!;
    if (i >= n || c === 93) break;
    const ks = i;
    let h = 0;
    while (c !== sep && i < n) { h = (Math.imul(h, 31) + c) | 0; c = b[++i]!; }
    if (i >= n) break;
    const key = i > ks ? wantedIndexBytes(table, names, b, ks, i, h) : -1;
    if (colon) while (b[i + 1] === 58) i++; // "ike::" in some VPN logs
    if (b[i + 1] !== 34) break;
    i += 2;
    // The value: to a quote not escaped by a backslash (a backslash escapes the byte after it).
    const vs = i;
    let esc = false;
    while (i < n) {
      c = b[i]!;
      if (c === 34) break;
      if (c === 92) { esc = true; i += 2; } else i++;
    }
    if (key < 0) { i++; continue; } // past the quote (or past the end: the walk is over)
    let v: string;
    if (esc) { const r = quoted(s, vs); v = r[0]; i = r[1]; }
    else if (i < n) { v = s.slice(vs, i); i++; }
    else { v = s.slice(vs); i = n; }
    if (out[key] === undefined) out[key] = v;
  }
  return true;
}

/** scanColon on the characters of s (any line). */
function scanColonChars(s: string, start: number, out: Record<string, string>): void {
  const n = s.length;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < 512) {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 59)) i++;
    if (i >= n || s.charCodeAt(i) === 93) break;
    const ks = i;
    let colon = s.indexOf(':', i);
    if (colon < 0) break;
    const key = wantedKey(SLOTS, s, ks, colon);
    while (s.charCodeAt(colon + 1) === 58) colon++; // "ike::" in some VPN logs
    if (s.charCodeAt(colon + 1) !== 34) break;
    i = colon + 2;
    if (key === undefined) { i = skipQuoted(s, i); continue; }
    const [v, next] = quoted(s, i);
    i = next;
    if (!(key in out)) out[key] = v;
  }
}

/** scanEq on the characters of s (any line). */
function scanEqChars(s: string, start: number, out: Record<string, string>): void {
  const n = s.length;
  let i = start;
  let pairs = 0;
  while (i < n && pairs++ < 512) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n || s.charCodeAt(i) === 93) break;
    const eq = s.indexOf('=', i);
    if (eq < 0 || s.charCodeAt(eq + 1) !== 34) break;
    const key = wantedKey(SLOTS, s, i, eq);
    i = eq + 2;
    if (key === undefined) { i = skipQuoted(s, i); continue; }
    const [v, next] = quoted(s, i);
    i = next;
    if (!(key in out)) out[key] = v;
  }
}

const CEF_KEYS: Record<string, string> = {
  act: 'action', spt: 's_port', dpt: 'service', deviceDirection: 'cef_direction', rt: 'rt', cs2: 'cs2',
  destinationTranslatedAddress: 'xlatedst', sourceTranslatedAddress: 'xlatesrc', in: 'bytes_in', out: 'bytes_out',
  deviceInboundInterface: 'ifname',
};

function renameCef(k: string): string {
  return CEF_KEYS[k] ?? k;
}

/** The CEF names renameCef sends to a key parse() reads, and that key's index in REC (for cefFieldsInto). */
const CEF_NAMES = cefNamesFor(REC, [], CEF_KEYS, renameCef);

/**
 * The header fields, and the extension's values in REC order: read as bytes by cefFieldsInto when the line
 * is ASCII, else (or with `chars`, for the differential test) by cefFields with renameCef.
 */
function scanCef(s: string, start: number, out: (string | undefined)[], chars = false): string[] {
  const parts: string[] = [];
  let p = start;
  for (let k = 0; k < 7; k++) {
    const bar = s.indexOf('|', p);
    if (bar < 0) return parts;
    parts.push(s.slice(p, bar));
    p = bar + 1;
  }
  if (chars || !cefFieldsInto(s, p, CEF_NAMES.slots, CEF_NAMES.to, out)) {
    const d: Record<string, string> = Object.create(null);
    cefFields(s, p, d, renameCef, undefined, 512, chars);
    fromDict(d, out);
  }
  return parts;
}

const POSITIONAL = ['num', 'date', 'time', 'ifname', 'origin', 'type', 'action', 'service', 's_port', 'src', 'dst', 'proto', 'rule', 'rule_name'];

function scanPositional(s: string, out: Record<string, string>): void {
  let i = 0;
  let k = 0;
  const n = s.length;
  while (i < n && k < POSITIONAL.length) {
    if (s.charCodeAt(i) !== 34) break;
    const e = s.indexOf('"', i + 1);
    if (e < 0) break;
    out[POSITIONAL[k++]!] = s.slice(i + 1, e);
    i = e + 1;
    while (i < n && s.charCodeAt(i) === 32) i++;
  }
}

function actionOf(a: string | undefined): 'allow' | 'deny' {
  if (!a) return 'allow';
  const l = a.toLowerCase();
  if (l === 'drop' || l === 'reject' || l === 'block' || l === 'prevent' || l === 'deny' || l.startsWith('drop') || l.startsWith('reject')
    || l.startsWith('block')) return 'deny';
  return 'allow';
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const where = locate(h);
  if (!where) return null;
  const [s, start, kind] = where;
  let kv: Record<string, string>;
  let product = 'quantum';
  if (kind === 'positional') {
    kv = Object.create(null);
    scanPositional(s, kv);
  } else {
    const v = new Array<string | undefined>(NREC);
    if (kind === 'colon') scanColon(s, start, v);
    else if (kind === 'eq') scanEq(s, start, v);
    else {
      const parts = scanCef(s, start, v);
      if (parts[2]) product = parts[2];
    }
    kv = recordOf(v);
  }
  const src = canonicalIp(kv.src);
  const dst = canonicalIp(kv.dst);
  if (src === undefined && dst === undefined) return null;
  const action = actionOf(kv.action);
  let ms: number | undefined;
  const t = toInt(kv.time);
  if (t !== undefined && t > 1e9 && t < 1e10) ms = t * 1000;
  else if (kv.rt !== undefined) { const r = toInt(kv.rt, 0, Number.MAX_SAFE_INTEGER); if (r !== undefined) ms = r > 1e12 ? r : r * 1000; }
  else if (kind === 'positional' && kv.date && kv.date.length >= 8) {
    const d = kv.date;
    const mo = MONTHS[d.slice(-7, -4)];
    const day = toInt(d.slice(0, d.length - 7), 1, 31), yr = toInt(d.slice(-4));
    const tm = (kv.time ?? '').split(':');
    if (mo !== undefined && day !== undefined && yr !== undefined && tm.length === 3) {
      const v = Date.UTC(yr, mo, day, Number(tm[0]), Number(tm[1]), Number(tm[2]));
      if (Number.isFinite(v)) ms = v;
    }
  }
  const p = kv.product;
  if (p) product = p;
  const ev = newEvent('gatewatch.checkpoint', 'checkpoint', product, fastIso(ms ?? h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  const host = h.hostname ?? kv.origin;
  if (host) ev.observer.hostname = host;
  if (kv.ifname) {
    if (kv.ifdir === 'outbound') ev.observer.egress = { interface: { name: kv.ifname } };
    else ev.observer.ingress = { interface: { name: kv.ifname } };
  }
  if (src !== undefined) ev.source.ip = src;
  if (dst !== undefined) ev.destination.ip = dst;
  const proto = kv.proto;
  if (proto) setTransport(ev, proto);
  const tr = ev.network.transport;
  if (tr === 'tcp' || tr === 'udp' || tr === 'sctp' || tr === undefined) {
    const sp = toPort(kv.s_port);
    const dp = toPort(kv.service);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
  }
  if (tr === 'icmp' || tr === 'ipv6-icmp') {
    const it = toInt(kv.icmp_type, 0, 255), ic = toInt(kv.icmp_code, 0, 255);
    if (it !== undefined) ev.gatewatch = { icmp: { type: it, code: ic } };
  }
  const xs = canonicalIp(kv.xlatesrc);
  if (xs !== undefined && xs !== '0.0.0.0') ev.source.nat = { ip: xs };
  const xd = canonicalIp(kv.xlatedst);
  if (xd !== undefined && xd !== '0.0.0.0') ev.destination.nat = { ip: xd };
  const ip0 = src ?? dst!;
  ev.network.type = ip0.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const b = toInt(kv.bytes, 0, Number.MAX_SAFE_INTEGER);
  if (b !== undefined) ev.network.bytes = b;
  else {
    const bi = toInt(kv.client_inbound_bytes ?? kv.bytes_in, 0, Number.MAX_SAFE_INTEGER), bo = toInt(kv.client_outbound_bytes ?? kv.bytes_out, 0, Number.MAX_SAFE_INTEGER);
    if (bi !== undefined || bo !== undefined) ev.network.bytes = (bi ?? 0) + (bo ?? 0);
  }
  const pk = toInt(kv.packets);
  if (pk !== undefined) ev.network.packets = pk;
  const ruleName = kv.rule_name || (kv.cs2Label === 'Rule Name' ? kv.cs2 : undefined);
  const ruleId = kv.rule_uid || kv.rule || kv.match_id;
  if (ruleName || ruleId) {
    ev.rule = {};
    if (ruleName) ev.rule.name = ruleName;
    if (ruleId) ev.rule.id = ruleId;
  }
  const gw: NonNullable<GwEvent['gatewatch']> = ev.gatewatch ?? {};
  if (kv.action) gw.vendor_action = kv.action;
  if (kv.service_id) gw.app = kv.service_id;
  if (kv.ifdir) gw.gateway_direction = kv.ifdir;
  if (kv.inzone) gw.src_zone = kv.inzone;
  if (kv.outzone) gw.dst_zone = kv.outzone;
  if (kv.layer_name) gw.layer = kv.layer_name;
  ev.gatewatch = gw;
  return ev;
}

export const checkpoint: VendorParser = {
  id: 'checkpoint',
  title: 'Check Point (Log Exporter syslog, CEF, fw log export)',
  logHint: 'set Track to Log on the rules, and have the Log Exporter send the Firewall blade\'s logs',
  detect,
  parse,
};
