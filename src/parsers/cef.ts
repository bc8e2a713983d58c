/**
 * ArcSight Common Event Format (CEF), as many firewalls and UTMs can send it:
 *
 *   CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|src=203.0.113.5 spt=51515 dst=192.0.2.10 dpt=22 proto=TCP act=blocked
 *
 * Header fields are separated by "|" (escaped as "\|" inside a field); the extension is space-separated
 * key=value pairs where a value runs up to the next " key=" and "\=" / "\\" / "\n" are escapes. UniFi
 * Network sends the same with the "CEF:" prefix sometimes missing ("0|Ubiquiti|UniFi Network|…").
 *
 * Only network events are kept: a line that names both endpoints, or one endpoint with a protocol
 * and a port. Admin logins, malware verdicts and config changes give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { parseBsdAt } from '../syslog/time';
import { bounded, buildEvent, Flow, newFlow, isoTime, splitHostPort } from './flow';
import { asciiBytes, BYTES, CEF_KEY_BYTE } from './ascii';
import { KEY_BYTES, KeySlots, keySlots, wantedIndex, wantedIndexBytes } from './keyslots';
import { actionWord, toInt, toPort } from './kv';
import { panCefType, panKind } from './paloalto';
import type { ParseContext, VendorParser } from './types';

// Module constants, read by the scanners themselves: TurboFan then embeds their addresses (see wantedIndexBytes).
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES, KEY_BYTE = CEF_KEY_BYTE;

/** How far into the message a "CEF:" prefix may start (after a relay's own tag). */
const PREFIX_WINDOW = 96;
const MAX_PAIRS = 400;

/** Known vendor names → gatewatch/ECS observer.vendor ids. */
const VENDOR_IDS: Record<string, string> = {
  'check point': 'checkpoint', 'checkpoint': 'checkpoint', 'check point software technologies': 'checkpoint',
  'palo alto networks': 'paloaltonetworks', 'paloaltonetworks': 'paloaltonetworks', 'palo alto': 'paloaltonetworks',
  'fortinet': 'fortinet', 'ubiquiti': 'ubiquiti', 'ubiquiti networks': 'ubiquiti', 'sonicwall': 'sonicwall', 'dell sonicwall': 'sonicwall',
  'watchguard': 'watchguard', 'forcepoint': 'forcepoint', 'stonesoft': 'forcepoint', 'f5': 'f5', 'cisco': 'cisco',
  'juniper': 'juniper', 'juniper networks': 'juniper', 'sophos': 'sophos', 'barracuda': 'barracuda', 'barracuda networks': 'barracuda',
  'zyxel': 'zyxel', 'trend micro': 'trendmicro', 'trendmicro': 'trendmicro', 'microsoft': 'microsoft', 'imperva inc.': 'imperva',
  'imperva': 'imperva', 'citrix': 'citrix', 'vmware': 'vmware', 'cyberark': 'cyberark', 'stormshield': 'stormshield',
  'hillstone networks': 'hillstone', 'hillstone': 'hillstone', 'netgate': 'pfsense', 'opnsense': 'opnsense', 'mikrotik': 'mikrotik',
};

/** observer.vendor from a CEF/LEEF vendor field: the known id, else the name lower-cased with spaces removed. */
export function vendorId(raw: string): string {
  // A stream names a handful of vendors: remember the answers (bounded).
  let id = vendorIds.get(raw);
  if (id === undefined) {
    id = vendorIdOf(raw);
    if (vendorIds.size >= 256) vendorIds.clear();
    vendorIds.set(raw, id);
  }
  return id;
}
const vendorIds = new Map<string, string>();

function vendorIdOf(raw: string): string {
  const v = raw.trim().toLowerCase();
  if (Object.hasOwn(VENDOR_IDS, v)) return VENDOR_IDS[v]!;
  let out = '';
  for (let i = 0; i < v.length && out.length < 48; i++) {
    const c = v.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95) out += v[i];
  }
  return out === '' ? 'cef' : out;
}

function isKeyChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
}

/** Index of the '=' ending a key that starts at i, or -1 (keys are at most 64 key characters). */
function keyEnd(s: string, i: number): number {
  const lim = Math.min(s.length, i + 65);
  let j = i;
  while (j < lim && isKeyChar(s.charCodeAt(j))) j++;
  return j > i && j < s.length && s.charCodeAt(j) === 61 ? j : -1;
}

function unescapeCef(v: string): string {
  if (v.indexOf('\\') < 0) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 && i + 1 < v.length) {
      const d = v[++i];
      out += d === 'n' ? '\n' : d === 'r' ? '\r' : d;
    } else out += v[i];
  }
  return out;
}

/**
 * CEF extension: "k1=v1 k2=v two k3=v3". One left-to-right pass; each space is checked once for a
 * following "key=", so the work is linear in the length. First occurrence of a key wins.
 */
export function cefExtension(s: string, start: number): Record<string, string> {
  const o: Record<string, string> = Object.create(null);
  scanExtension(s, start, o, undefined);
  return o;
}

/**
 * cefExtension keeping only the keys in `slots`, as an array of values in the order of `slots.names`
 * (undefined where absent): the other pairs are walked over but nothing is sliced out of them. An ASCII
 * line is read as bytes (scanExtensionBytes), any other, or every line with `chars` (the differential test
 * compares the two), on its characters.
 */
export function cefValues(s: string, start: number, slots: KeySlots, chars = false): (string | undefined)[] {
  const v = new Array<string | undefined>(slots.names.length);
  if (chars || !scanExtensionBytes(s, start, v, slots)) scanExtension(s, start, v, slots);
  return v;
}

/**
 * scanExtension(s, start, out, slots) on the bytes of s: the same pairs, values and rules (a differential
 * test holds the two together; change both). A key after a space is hashed as it is walked and looked up in
 * slots.table. Returns false, having read nothing, when s is not ASCII or longer than BYTES_MAX.
 */
function scanExtensionBytes(s: string, start: number, out: (string | undefined)[], slots: KeySlots): boolean {
  if (!asciiBytes(s)) return false;
  walkExtension(s, start, out, slots);
  return true;
}

/** scanExtensionBytes once s is in BYTES (asciiBytes(s) returned true). */
function walkExtension(s: string, start: number, out: (string | undefined)[], slots: KeySlots): void {
  const b = LINE_BYTES, names = NAME_BYTES, keyByte = KEY_BYTE; // b[n] is a space, b[n + 1] a 0
  const n = s.length;
  const table = slots.table;
  let ks = start;
  while (ks < n && b[ks] === 32) ks++;
  if (ks >= n) return;
  // keyEnd(s, ks), hashing the key: at most 65 key bytes, then "=".
  let h = 0;
  let eq = ks;
  let c = b[eq]!;
  const lim0 = ks + 65;
  while (keyByte[c] === 1 && eq < lim0) { h = (Math.imul(h, 31) + c) | 0; c = b[++eq]!; }
  if (eq === ks || c !== 61) return;
  let pairs = 0;
  while (pairs++ < MAX_PAIRS) {
    let key = wantedIndexBytes(table, names, b, ks, eq, h);
    if (key >= 0 && out[key] !== undefined) key = -1;
    const vs = eq + 1;
    let i = vs;
    let odd = false; // an odd run of backslashes just before i: a space there is escaped
    let bs = false; // a backslash in the value
    let j = n;
    let nextKs = -1, nextEq = -1;
    for (;;) {
      c = b[i]!;
      if (c === 92) { odd = !odd; bs = true; i++; continue; }
      if (c !== 32) { odd = false; i++; continue; }
      if (i >= n) break;
      if (odd) { odd = false; i++; continue; }
      // An unescaped space: a key after the spaces ends the value here.
      const sp = i;
      let k = sp + 1;
      while (b[k] === 32) k++;
      if (k >= n) break;
      h = 0;
      let e = k;
      c = b[e]!;
      const lim = k + 65;
      while (keyByte[c] === 1 && e < lim) { h = (Math.imul(h, 31) + c) | 0; c = b[++e]!; }
      if (e > k && c === 61) { nextKs = k; nextEq = e; j = sp; break; }
      // Not a key: the walk goes on after the key bytes (no space or backslash among them).
      i = e;
    }
    if (key >= 0) {
      // unescapeCef(…).trim() only where it can change something: a backslash, or white space at an end.
      out[key] = bs || j === vs || b[vs]! <= 32 || b[j - 1]! <= 32 ? unescapeCef(s.slice(vs, j)).trim() : s.slice(vs, j);
    }
    if (nextEq < 0) break;
    ks = nextKs;
    eq = nextEq;
  }
}

function scanExtension(s: string, start: number, out: Record<string, string> | (string | undefined)[], slots: KeySlots | undefined): void {
  const rec = out as Record<string | number, string>;
  const n = s.length;
  let ks = start;
  while (ks < n && s.charCodeAt(ks) === 32) ks++;
  let eq = keyEnd(s, ks);
  let pairs = 0;
  while (eq >= 0 && pairs++ < MAX_PAIRS) {
    let key: string | number | undefined;
    if (slots === undefined) { const k = s.slice(ks, eq); if (!(k in rec)) key = k; }
    else { const k = wantedIndex(slots, s, ks, eq); if (k >= 0 && rec[k] === undefined) key = k; }
    const vs = eq + 1;
    let j = vs;
    let nextKs = -1, nextEq = -1;
    // From space to space with a native search; a space after an odd run of backslashes is escaped
    // (a run never spans a space, so counting back from the space is the same as pairing them forward).
    for (;;) {
      const sp = s.indexOf(' ', j);
      if (sp < 0) { j = n; break; }
      let b = sp - 1;
      while (b >= vs && s.charCodeAt(b) === 92) b--;
      if (((sp - 1 - b) & 1) === 1) { j = sp + 1; continue; }
      let k = sp + 1;
      while (k < n && s.charCodeAt(k) === 32) k++;
      const e = keyEnd(s, k);
      if (e >= 0) { nextKs = k; nextEq = e; j = sp; break; }
      j = k;
    }
    if (key !== undefined) rec[key] = unescapeCef(s.slice(vs, j)).trim();
    ks = nextKs;
    eq = nextEq;
  }
}

/** Where the extension starts after the header cefHeader read last. */
let headerEnd = 0;

/**
 * Split the header: the 7 fields, or null (the index where the extension starts is left in headerEnd).
 * A backslash escapes the character after it. Pipes and backslashes are found with indexOf (native),
 * each search resumed only once passed, so the walk stays linear.
 */
function cefHeader(m: string, at: number): string[] | null {
  const fields: string[] = [];
  let cur = '';
  let seg = at;
  // The seven header fields fit in a few hundred bytes; a header still open after 4 KiB is not CEF.
  const n = Math.min(m.length, at + 4096);
  let i = at;
  let bar = -1, bs = -1;
  while (fields.length < 7) {
    if (bar < i) { bar = m.indexOf('|', i); if (bar < 0 || bar >= n) bar = n; }
    if (bs < i) { bs = m.indexOf('\\', i); if (bs < 0 || bs >= n) bs = n; }
    if (bs < bar && bs + 1 < n) {
      // The escaped character (a pipe or a backslash too) starts the next piece of the field.
      cur += m.slice(seg, bs);
      seg = bs + 1;
      i = bs + 2;
      continue;
    }
    if (bar >= n) return null;
    cur += m.slice(seg, bar);
    fields.push(cur.length > 256 ? cur.slice(0, 256) : cur);
    cur = '';
    seg = i = bar + 1;
  }
  headerEnd = i;
  return fields;
}

/**
 * cefHeader on the bytes of m (asciiBytes(m) returned true): the same fields and headerEnd (a differential
 * test holds the two together; change both). Pipes and backslashes are found by one walk instead of two
 * searches.
 */
function cefHeaderBytes(m: string, at: number): string[] | null {
  const b = LINE_BYTES;
  const fields: string[] = [];
  let cur = '';
  let seg = at;
  const n = Math.min(m.length, at + 4096);
  let i = at;
  while (fields.length < 7) {
    let j = i;
    while (j < n) { const c = b[j]!; if (c === 124 || c === 92) break; j++; }
    if (j >= n) return null;
    if (b[j] === 92) {
      // The escaped character (a pipe or a backslash too) starts the next piece of the field. (A backslash
      // that ends the window escapes nothing in cefHeader; here the next walk starts past the window and
      // returns null, as cefHeader does when no pipe follows.)
      cur += m.slice(seg, j);
      seg = j + 1;
      i = j + 2;
      continue;
    }
    cur += m.slice(seg, j);
    fields.push(cur.length > 256 ? cur.slice(0, 256) : cur);
    cur = '';
    seg = i = j + 1;
  }
  headerEnd = i;
  return fields;
}

/**
 * For tests: the header fields, where the extension starts and its values in KEYS order, as parse() reads
 * them (`chars`: the character walks).
 */
export function cefParts(m: string, at: number, chars = false): [string[], number, (string | undefined)[]] | null {
  const ascii = !chars && asciiBytes(m);
  const fields = ascii ? cefHeaderBytes(m, at) : cefHeader(m, at);
  if (!fields) return null;
  const end = headerEnd;
  let x: (string | undefined)[];
  if (ascii) { x = new Array<string | undefined>(KEYS.names.length); walkExtension(m, end, x, KEYS); }
  else x = cefValues(m, end, KEYS, true);
  return [fields, end, x];
}

/** Where the CEF header starts in the message ("CEF:" consumed), or -1. */
function cefStart(m: string): number {
  const p = m.indexOf('CEF:');
  if (p >= 0 && p <= PREFIX_WINDOW) return p + 4;
  // UniFi without the prefix: "0|Ubiquiti|…" (version digit then a pipe).
  if ((m.charCodeAt(0) === 48 || m.charCodeAt(0) === 49) && m.charCodeAt(1) === 124 && m.charCodeAt(2) !== 124) return 0;
  return -1;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 4096);
  const at = cefStart(m);
  if (at < 0) return false;
  // At least the seven header pipes must follow soon.
  let bar = at - 1;
  const lim = Math.min(m.length, at + 2048);
  for (let pipes = 0; pipes < 7; pipes++) {
    bar = m.indexOf('|', bar + 1);
    if (bar < 0 || bar >= lim) return false;
  }
  return true;
}

/** Allow/deny from a vendor's action word: "blocked", "block-url", "drop-all", "Discard", "accept". */
export function actionOf(raw: string | undefined): Action | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === '') return undefined;
  const w = actionWord(v);
  if (w) return w;
  if (v.startsWith('block') || v.startsWith('drop') || v.startsWith('deny') || v.startsWith('reset') || v.startsWith('reject')
    || v.startsWith('discard') || v.startsWith('denied') || v.startsWith('prevent') || v.startsWith('quarantin') || v === 'terminate'
    || v.startsWith('refuse')) return 'deny';
  if (v.startsWith('allow') || v.startsWith('accept') || v.startsWith('permit') || v.startsWith('pass') || v === 'forward'
    || v === 'forwarded' || v === 'continue') return 'allow';
  return undefined;
}

/** Allow/deny from a free-text name such as "Connection_Discarded" or "Threat Detected and Blocked". */
export function actionFromName(name: string): Action | undefined {
  let found: Action | undefined;
  const n = Math.min(name.length, 256);
  let i = 0;
  while (i < n) {
    const c = name.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) { i++; continue; }
    // A word (a run of letters), read in place; only one of a length the list has is sliced out.
    const ws = i;
    for (i++; i < n; i++) { const d = name.charCodeAt(i); if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122))) break; }
    const len = i - ws;
    if (len < 4 || len > 9) continue;
    const u = name.slice(ws, i).toLowerCase();
    if (u === 'blocked' || u === 'denied' || u === 'dropped' || u === 'discarded' || u === 'rejected' || u === 'block'
      || u === 'deny' || u === 'drop' || u === 'discard' || u === 'reject') return 'deny';
    if (u === 'allowed' || u === 'accepted' || u === 'permitted' || u === 'allow' || u === 'accept' || u === 'permit') found = 'allow';
  }
  return found;
}

/** Time from CEF rt/start: epoch ms, or "MMM dd yyyy HH:mm:ss", or ISO. */
export function cefTime(v: string | undefined, ctx: ParseContext): number | undefined {
  if (v === undefined || v.length === 0) return undefined;
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = toInt(v, 0, 9007199254740991);
    if (n !== undefined) return v.length >= 12 ? n : n * 1000;
    return isoTime(v, ctx);
  }
  const t = parseBsdAt(v, 0, ctx.tz, ctx.refMs);
  return t ? t[0] : undefined;
}

const NON_NETWORK_CLASSES = new Set(['AUTH', 'CONFIG', 'SYSTEM', 'GLOBALPROTECT', 'USERID', 'HIP-MATCH']);

function unquote(v: string | undefined): string | undefined {
  if (v !== undefined && v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) return v.slice(1, -1);
  return v;
}

function protoOf(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const sl = p.indexOf('/');
  return sl >= 0 ? p.slice(0, sl) : p;
}

/** The shared "is this a network event" rule for CEF and LEEF. */
export function networkish(src: string | undefined, dst: string | undefined, proto: string | undefined, spt: number | undefined, dpt: number | undefined): boolean {
  const s = src !== undefined && src !== '';
  const d = dst !== undefined && dst !== '';
  if (s && d) return true;
  return (s || d) && proto !== undefined && proto !== '' && (spt !== undefined || dpt !== undefined);
}

/** The extension keys parse() reads, and their index in what cefValues returns. */
const enum K {
  K_src, K_sourceAddress, K_dst, K_destinationAddress, K_c6a2, K_sourceIPv6Address, K_c6a3, K_destinationIPv6Address,
  K_spt, K_sourcePort, K_dpt, K_destinationPort, K_proto, K_transportProtocol, K_cat, K_act, K_deviceAction,
  K_fw_action, K_cs1, K_cs2, K_cs3, K_cs4, K_cs5, K_cs6, K_cs1Label, K_cs2Label, K_cs3Label, K_cs4Label, K_cs5Label,
  K_cs6Label, K_in, K_out, K_deviceInboundInterface, K_deviceOutboundInterface, K_smac, K_sourceTranslatedAddress,
  K_sourceTranslatedPort, K_destinationTranslatedAddress, K_destinationTranslatedPort, K_app, K_suser, K_rt, K_start,
}
const KEYS = keySlots([
  'src', 'sourceAddress', 'dst', 'destinationAddress', 'c6a2', 'sourceIPv6Address', 'c6a3', 'destinationIPv6Address',
  'spt', 'sourcePort', 'dpt', 'destinationPort', 'proto', 'transportProtocol', 'cat', 'act', 'deviceAction',
  'fw_action', 'cs1', 'cs2', 'cs3', 'cs4', 'cs5', 'cs6', 'cs1Label', 'cs2Label', 'cs3Label', 'cs4Label', 'cs5Label',
  'cs6Label', 'in', 'out', 'deviceInboundInterface', 'deviceOutboundInterface', 'smac', 'sourceTranslatedAddress',
  'sourceTranslatedPort', 'destinationTranslatedAddress', 'destinationTranslatedPort', 'app', 'suser', 'rt', 'start',
]);

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = cefStart(m);
  if (at < 0) return null;
  // One encoding for the header and the extension (an ASCII line is read as bytes, any other on its characters).
  const parts = cefParts(m, at);
  if (!parts) return null;
  const fields = parts[0];
  const x = parts[2];
  let src = x[K.K_src] ?? x[K.K_sourceAddress];
  let dst = x[K.K_dst] ?? x[K.K_destinationAddress];
  if (src === undefined || src === '') src = x[K.K_c6a2] ?? x[K.K_sourceIPv6Address];
  if (dst === undefined || dst === '') dst = x[K.K_c6a3] ?? x[K.K_destinationIPv6Address];
  let spt = toPort(x[K.K_spt] ?? x[K.K_sourcePort]);
  let dpt = toPort(x[K.K_dpt] ?? x[K.K_destinationPort]);
  const proto = protoOf(x[K.K_proto] ?? x[K.K_transportProtocol]);
  // Some senders write "src=ip:port".
  if (src !== undefined && src.indexOf('.') > 0 && src.indexOf(':') > 0) { const [a, p] = splitHostPort(src); src = a; spt ??= p; }
  if (dst !== undefined && dst.indexOf('.') > 0 && dst.indexOf(':') > 0) { const [a, p] = splitHostPort(dst); dst = a; dpt ??= p; }
  if (!networkish(src, dst, proto, spt, dpt)) return null;
  const vendor = vendorId(fields[1]!);
  // Palo Alto's CEF carries authentication, configuration and system records with addresses (its own
  // templates put the log type second: "|logout|USERID|").
  const panType = vendor === 'paloaltonetworks' ? panCefType(fields[4]!, fields[5]!) : undefined;
  if (NON_NETWORK_CLASSES.has(panType ? panType[0] : fields[4]!.trim().toUpperCase())) return null;
  // FortiGate "event" logs (admin logins, user authentication, VPN) are not traffic.
  const cat = x[K.K_cat];
  if (vendor === 'fortinet' && cat !== undefined && cat.startsWith('event')) return null;
  // PAN-OS records about a file's content are not network events; its other content records are alerts.
  const pan = panType ? panKind(panType[0], panType[1]) : 'event';
  if (pan === 'none') return null;

  const product = fields[2]!.trim() || 'cef';
  let action = actionOf(x[K.K_act] ?? x[K.K_deviceAction]) ?? actionOf(unquote(x[K.K_fw_action]));
  if (action === undefined) action = actionFromName(fields[5]!);
  const inferred = action === undefined;

  let ruleName: string | undefined, ruleId: string | undefined;
  for (let k = 1; k <= 6; k++) {
    const label = x[K.K_cs1Label + k - 1];
    const val = x[K.K_cs1 + k - 1];
    if (label === undefined || val === undefined) continue;
    const l = label.toLowerCase();
    if (l.indexOf('rule') >= 0 || l.indexOf('policy') >= 0) {
      if (toInt(val) !== undefined) ruleId ??= val;
      else ruleName ??= val;
    }
  }
  if (ruleName === undefined && vendor === 'sonicwall' && x[K.K_cs1] !== undefined && x[K.K_cs1Label] === undefined) ruleName = x[K.K_cs1];
  const bin = toInt(x[K.K_in]), bout = toInt(x[K.K_out]);
  const f = newFlow();
  f.src = src;
  f.dst = dst;
  f.spt = spt;
  f.dpt = dpt;
  f.proto = proto;
  f.action = action ?? 'allow';
  f.inferred = inferred;
  f.inIf = x[K.K_deviceInboundInterface];
  f.outIf = x[K.K_deviceOutboundInterface];
  f.srcMac = x[K.K_smac];
  f.natSrc = x[K.K_sourceTranslatedAddress];
  f.natSrcPort = toPort(x[K.K_sourceTranslatedPort]);
  f.natDst = x[K.K_destinationTranslatedAddress];
  f.natDstPort = toPort(x[K.K_destinationTranslatedPort]);
  f.bytes = bin !== undefined || bout !== undefined ? (bin ?? 0) + (bout ?? 0) : undefined;
  f.ruleName = ruleName;
  f.ruleId = ruleId;
  f.app = x[K.K_app];
  f.user = x[K.K_suser];
  f.timeMs = cefTime(x[K.K_rt] ?? x[K.K_start], ctx);
  f.code = fields[4];
  const ev = buildEvent('cef', vendor, product, h, ctx, f);
  if (ev && pan === 'alert') ev.event.kind = 'alert';
  if (ev && fields[5]) ev.gatewatch!.name = fields[5].length > 128 ? fields[5].slice(0, 128) : fields[5];
  // F5 ASM (web application firewall) and PSM (FTP/SMTP security) judge content inside a connection.
  if (ev && vendor === 'f5' && (product === 'ASM' || product === 'PSM')) ev.event.kind = 'alert';
  return ev;
}

export const cef: VendorParser = {
  id: 'cef',
  title: 'CEF (ArcSight Common Event Format: UniFi, SonicWall, Forcepoint, F5 and other senders)',
  logHint: 'choose the firewall or traffic events for its CEF output',
  detect,
  parse,
};
