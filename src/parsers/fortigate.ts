/**
 * Fortinet FortiGate (and FortiProxy) logs, as documented in the FortiOS "Log Message Reference":
 *
 *   date=2026-11-23 time=10:00:01 devname="FGT60F" devid="FGT60F…" eventtime=1795428001123456789
 *   tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root"
 *   srcip=192.0.2.10 srcport=51000 srcintf="port1" dstip=198.51.100.7 dstport=443 dstintf="wan1"
 *   proto=6 action="accept" policyid=5 policyname="LAN-out" service="HTTPS" sentbyte=… rcvdbyte=…
 *
 * The same pairs may be separated by commas (older FortiAnalyzer forwarding, "date=…,time=…"),
 * may carry CSV-doubled quotes (`type=""traffic""`) after a relay, or come as CEF
 * (`CEF:0|Fortinet|Fortigate|…|ext` with src/dst/spt/dpt/act and FTNTFGT-prefixed vendor keys).
 *
 * type=traffic (every subtype) and type=utm / type=anomaly lines that carry addresses are network
 * events; type=event (system, VPN, user, HA, SD-WAN …) returns null. Records about what was seen inside a
 * session that the traffic log already reports (UTM: IPS, web filter, app control, DLP, AV, SSL, DNS …;
 * FortiProxy's traffic/http-transaction, one HTTP request of a proxied session) get `event.kind`
 * 'alert', so detection does not count the connection twice; DoS-policy anomaly records stay plain events
 * (the packets they describe are not in the traffic log). FortiProxy's forward and local traffic logs are
 * connections like FortiGate's, and are read the same way.
 * ICMP: srcport/dstport stay in source.port/destination.port as written; icmptype/icmpcode (hex "0x08" or
 * decimal) go to gatewatch.icmp.
 * action: accept/close/timeout/server-rst/client-rst/ip-conn/start/pass/passthrough/detected/monitored
 * → allow; deny/block/blocked/dropped/reset/reject → deny. @timestamp from eventtime (s … ns), else
 * date+time+tz, else the syslog header.
 */
import { GwEvent, markAction, markSession, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { parseIsoAt } from '../syslog/time';
import { cefFields, cefFieldsInto, cefNamesFor } from './cef-fields';
import { asciiBytes, BYTES } from './ascii';
import { KEY_BYTES, keySlots, wantedIndex, wantedIndexBytes } from './keyslots';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

// Module constants, read by the scanners themselves: TurboFan then embeds their addresses (see wantedIndexBytes).
const LINE_BYTES = BYTES, NAME_BYTES = KEY_BYTES;

const START_KEYS = ['date=', 'log_id=', 'time=', 'devname=', 'devid=', 'logver=', 'eventtime=', 'itime=', 'logid=', 'tz=', 'timestamp='];

function isCefForti(m: string): number {
  // "CEF:0|Fortinet|Fortigate|…" (some relays drop the "CEF:"); return where the version starts.
  if (m.startsWith('0|Fortinet|Forti')) return 0;
  let c = m.indexOf('CEF:');
  if (c < 0 || c > 64) return -1;
  c += 4;
  if (m.charCodeAt(c) === 32) c++;
  const v = m.indexOf('|', c);
  if (v < 0 || !m.startsWith('|Fortinet|Forti', v)) return -1;
  return c;
}

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  const c0 = m.charCodeAt(0);
  if (c0 === 67 /* C */ || c0 === 48 /* 0 */) return isCefForti(m) >= 0;
  for (const k of START_KEYS) {
    if (m.startsWith(k)) {
      const t = m.indexOf('type=');
      return t > 0 && t < 1024 && (m.indexOf('logid=') >= 0 || m.indexOf('log_id=') >= 0);
    }
  }
  return false;
}

/** The keys the event is built from; every other pair is skipped without being copied. */
const WANT = new Set(['action', 'app', 'attack', 'cat', 'date', 'devname', 'dst', 'dst_port', 'dstintf', 'dstip', 'dstport',
  'duration', 'eventtime', 'icmpcode', 'icmptype', 'logid', 'policyid', 'policyname', 'proto', 'rcvdbyte', 'rcvdpkt', 'rt', 'sentbyte', 'sentpkt',
  'service', 'src', 'src_port', 'srcintf', 'srcip', 'srcmac', 'srcport', 'subtype', 'time', 'tranip', 'tranport', 'transip',
  'transport', 'type', 'tz']);

const SLOTS = keySlots(WANT);
const NSLOTS = SLOTS.names.length;

/**
 * The record the pairs are read into: every wanted key present from the start (undefined until read),
 * so each line's record has one fixed shape instead of a dictionary that grows and rehashes.
 */
function newRecord(): Record<string, string> {
  return {
    action: undefined, app: undefined, attack: undefined, cat: undefined, date: undefined, devname: undefined,
    dst: undefined, dst_port: undefined, dstintf: undefined, dstip: undefined, dstport: undefined, duration: undefined,
    eventtime: undefined, logid: undefined, policyid: undefined, policyname: undefined, proto: undefined,
    rcvdbyte: undefined, rcvdpkt: undefined, rt: undefined, sentbyte: undefined, sentpkt: undefined, service: undefined,
    src: undefined, src_port: undefined, srcintf: undefined, srcip: undefined, srcmac: undefined, srcport: undefined,
    subtype: undefined, time: undefined, tranip: undefined, tranport: undefined, transip: undefined, transport: undefined,
    type: undefined, tz: undefined,
  } as unknown as Record<string, string>;
}

/** newRecord() filled from the values scanPairs read (by index in SLOTS), in one object literal. */
function recordOf(v: (string | undefined)[]): Record<string, string> {
  return {
    action: v[0], app: v[1], attack: v[2], cat: v[3], date: v[4], devname: v[5], dst: v[6], dst_port: v[7], dstintf: v[8],
    dstip: v[9], dstport: v[10], duration: v[11], eventtime: v[12], icmpcode: v[13], icmptype: v[14], logid: v[15],
    policyid: v[16], policyname: v[17], proto: v[18], rcvdbyte: v[19], rcvdpkt: v[20], rt: v[21], sentbyte: v[22],
    sentpkt: v[23], service: v[24], src: v[25], src_port: v[26], srcintf: v[27], srcip: v[28], srcmac: v[29], srcport: v[30],
    subtype: v[31], time: v[32], tranip: v[33], tranport: v[34], transip: v[35], transport: v[36], type: v[37], tz: v[38],
  } as unknown as Record<string, string>;
}

/**
 * key=value pairs separated by spaces or commas; values "quoted", ""doubled"" or bare. The wanted ones go
 * to `out` by their index in SLOTS (first occurrence wins). An ASCII line is read as bytes (scanPairsBytes),
 * any other, or every line with `chars` (the differential test compares the two), on its characters.
 */
function scanPairs(s: string, start: number, out: (string | undefined)[], maxPairs = 256, chars = false): void {
  if (chars || !scanPairsBytes(s, start, out, maxPairs)) scanPairsChars(s, start, out, maxPairs);
}

/** For tests: the wanted pairs of a key=value line as parse() reads them (`chars`: the character scanner). */
export function fortigatePairs(s: string, start = 0, chars = false, maxPairs = 256): Record<string, string | undefined> {
  const v = new Array<string | undefined>(NSLOTS);
  scanPairs(s, start, v, maxPairs, chars);
  return recordOf(v);
}

/**
 * scanPairsChars on the bytes of s: the same pairs, values and rules (a differential test holds the two
 * together; change both). Keys are hashed as they are walked and looked up in SLOTS.table. Returns false,
 * having read nothing, when s is not ASCII or longer than BYTES_MAX.
 */
function scanPairsBytes(s: string, start: number, out: (string | undefined)[], maxPairs: number): boolean {
  if (!asciiBytes(s)) return false;
  const b = LINE_BYTES, names = NAME_BYTES; // b[n] is a space, b[n + 1] a 0
  const n = s.length;
  const table = SLOTS.table;
  let i = start;
  let pairs = 0;
  let comma = false;
  while (i < n && pairs++ < maxPairs) {
    let c = b[i]!;
    while (c === 32 || c === 44) c = b[++i]!;
    if (i >= n) break;
    // The key runs to "="; a space first makes it a stray word (the character scanner stops at once when no
    // "=" is left in the line; walking the stray words to the end instead reads nothing more either).
    const ks = i;
    let h = 0;
    while (c !== 61 && c !== 32) { h = (Math.imul(h, 31) + c) | 0; c = b[++i]!; }
    if (c === 32) { i++; continue; }
    let slot = i > ks ? wantedIndexBytes(table, names, b, ks, i, h) : -1;
    if (slot >= 0 && out[slot] !== undefined) slot = -1;
    c = b[++i]!;
    if (c === 34 && b[i + 1] === 34 && b[i + 2] !== 32 && b[i + 2] !== 44) {
      // ""doubled"": to the next two quotes. (At the end of the line b[i + 2] is the space after it, where the
      // character scanner reads NaN and takes this branch: either way the value is "" and the line is done.)
      let j = i + 2;
      while (j < n && !(b[j] === 34 && b[j + 1] === 34)) j++;
      if (slot >= 0) out[slot] = s.slice(i + 2, j);
      i = j + 2;
    } else if (c === 34) {
      // "quoted": to a quote not just after a backslash.
      let j = i + 1;
      let esc = false;
      for (; j < n; j++) {
        const d = b[j]!;
        if (d === 34) { if (b[j - 1] !== 92) break; } else if (d === 92) esc = true;
      }
      if (slot >= 0) {
        const v = s.slice(i + 1, j);
        out[slot] = esc ? v.replace(/\\(.)/g, '$1') : v;
      }
      i = j + 1;
    } else {
      // Bare: to a space, or to a comma once commas are known to separate the pairs (the first bare value
      // followed by a comma, with an "=" after it, tells).
      const vs = i;
      if (comma) {
        while (c !== 32 && c !== 44) c = b[++i]!;
      } else if (pairs === 1) {
        while (c !== 32 && c !== 44) c = b[++i]!;
        if (c === 44 && s.indexOf('=', i) > i) comma = true;
        else while (c !== 32) c = b[++i]!;
      } else {
        while (c !== 32) c = b[++i]!;
      }
      if (slot >= 0) out[slot] = s.slice(vs, i);
    }
    if (pairs === 1 && i < n && b[i] === 44) comma = true;
  }
  return true;
}

/** scanPairs on the characters of s (any line). */
function scanPairsChars(s: string, start: number, out: (string | undefined)[], maxPairs: number): void {
  const n = s.length;
  let i = start;
  let pairs = 0;
  let comma = false;
  let eq = -1;
  let nsp = -1; // the next space at or after i, when nsp >= i
  while (i < n && pairs++ < maxPairs) {
    let c = s.charCodeAt(i);
    while (c === 32 || c === 44) c = s.charCodeAt(++i);
    if (i >= n) break;
    if (eq < i) eq = s.indexOf('=', i);
    if (eq < 0) break;
    // A key never holds a space: text before "=" with a space in it is a stray word.
    if (nsp < i) { nsp = s.indexOf(' ', i); if (nsp < 0) nsp = n; }
    if (nsp < eq) { i = nsp + 1; continue; }
    const slot = wantedIndex(SLOTS, s, i, eq);
    const want = slot >= 0;
    i = eq + 1;
    let v = '';
    c = s.charCodeAt(i);
    if (c === 34 && s.charCodeAt(i + 1) === 34 && s.charCodeAt(i + 2) !== 32 && s.charCodeAt(i + 2) !== 44) {
      const e = s.indexOf('""', i + 2);
      const end = e < 0 ? n : e;
      if (want) v = s.slice(i + 2, end);
      i = end + 2;
    } else if (c === 34) {
      let q = s.indexOf('"', i + 1);
      while (q > 0 && s.charCodeAt(q - 1) === 92) q = s.indexOf('"', q + 1);
      const end = q < 0 ? n : q;
      if (want) {
        v = s.slice(i + 1, end);
        if (v.indexOf('\\') >= 0) v = v.replace(/\\(.)/g, '$1');
      }
      i = end + 1;
    } else {
      if (nsp < i) { nsp = s.indexOf(' ', i); if (nsp < 0) nsp = n; }
      let e = nsp;
      if (comma || pairs === 1) {
        const cm = s.indexOf(',', i);
        // The first bare value followed by a comma tells the separator.
        if (cm >= 0 && cm < e && (comma || s.indexOf('=', cm) > cm)) { comma = true; e = cm; }
      }
      if (want) v = s.slice(i, e);
      i = e;
    }
    if (pairs === 1 && s.charCodeAt(i) === 44) comma = true;
    if (want && out[slot] === undefined) out[slot] = v;
  }
}

/** CEF extension: key=value where a value runs to the next " key=". */
const CEF_MAP: Record<string, string> = {
  src: 'srcip', dst: 'dstip', spt: 'srcport', dpt: 'dstport', act: 'action', deviceInboundInterface: 'srcintf',
  deviceOutboundInterface: 'dstintf', out: 'sentbyte', in: 'rcvdbyte', dvchost: 'devname', smac: 'srcmac',
  sourceTranslatedAddress: 'transip', sourceTranslatedPort: 'transport', destinationTranslatedAddress: 'tranip',
  destinationTranslatedPort: 'tranport', rt: 'rt',
};

function renameCef(k: string): string {
  if (k.startsWith('FTNTFGT')) return k.slice(7);
  if (k.startsWith('ad.')) return k.slice(3);
  if (k.startsWith('FortinetFortiGate')) return k.slice(17);
  return CEF_MAP[k] ?? k;
}

function scanCef(s: string, start: number, out: Record<string, string>, chars = false): void {
  cefFields(s, start, out, renameCef, WANT, 512, chars);
}

/** The CEF names renameCef sends to a wanted key, and that key's index in SLOTS (for cefFieldsInto). */
const CEF_NAMES = cefNamesFor(SLOTS.names, ['FTNTFGT', 'ad.', 'FortinetFortiGate'], CEF_MAP, renameCef);

/**
 * The wanted values of a CEF extension in SLOTS order: read as bytes by cefFieldsInto when the line is
 * ASCII, else (or with `chars`, for the differential test) by cefFields with renameCef.
 */
function cefValuesOf(s: string, start: number, chars = false): (string | undefined)[] {
  const v = new Array<string | undefined>(NSLOTS);
  if (!chars && cefFieldsInto(s, start, CEF_NAMES.slots, CEF_NAMES.to, v)) return v;
  const r = newRecord();
  scanCef(s, start, r, chars);
  for (let k = 0; k < NSLOTS; k++) v[k] = r[SLOTS.names[k]!];
  return v;
}

/** For tests: what parse() reads from a CEF extension, by key (`chars`: cefFields on the characters). */
export function fortigateCef(s: string, start: number, chars = false): Record<string, string | undefined> {
  return recordOf(cefValuesOf(s, start, chars));
}


function actionOf(a: string | undefined, type: string): 'allow' | 'deny' | undefined {
  if (a === undefined || a === '') return type === 'traffic' ? undefined : 'allow';
  switch (a.toLowerCase()) {
    case 'accept': case 'close': case 'timeout': case 'server-rst': case 'client-rst': case 'ip-conn': case 'start':
    case 'pass': case 'passthrough': case 'detected': case 'monitored': case 'allow': case 'permit': case 'dns':
    case 'exempt': case 'log-only': case 'redirect': case 'analytics': case 'clear_session':
      return 'allow';
    case 'deny': case 'block': case 'blocked': case 'dropped': case 'drop': case 'reset': case 'reject': case 'quarantine':
    case 'ban-ip': case 'quarantine-src-ip': case 'reset-client': case 'reset-server': case 'fail':
      return 'deny';
    default:
      return type === 'traffic' ? undefined : 'allow';
  }
}

/** An ICMP type or code as FortiOS writes it: "0x08" or "8". */
function icmpNum(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (s.length > 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) === 120 || s.charCodeAt(1) === 88)) {
    if (s.length > 4) return undefined;
    const n = parseInt(s.slice(2), 16);
    return Number.isNaN(n) ? undefined : n;
  }
  return toInt(s, 0, 255);
}

function epochMs(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const n = s.length;
  if (n < 9 || n > 19) return undefined;
  for (let i = 0; i < n; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return undefined; }
  if (n <= 10) return Number(s) * 1000;
  if (n < 13) return undefined;
  return Number(s.slice(0, 13));
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  let kv: Record<string, string>;
  let type: string | undefined;
  let subtype: string | undefined;
  const c0 = m.charCodeAt(0);
  const cef = c0 === 67 || c0 === 48 ? isCefForti(m) : -1;
  if (cef >= 0) {
    // CEF:Version|Vendor|Product|DevVersion|SignatureID|Name|Severity|Extension
    let p = cef;
    const parts: string[] = [];
    for (let k = 0; k < 7; k++) {
      const bar = m.indexOf('|', p);
      if (bar < 0) return null;
      parts.push(m.slice(p, bar));
      p = bar + 1;
    }
    kv = recordOf(cefValuesOf(m, p));
    const cat = kv.cat ?? parts[5] ?? '';
    const colon = cat.indexOf(':');
    type = kv.type ?? (colon > 0 ? cat.slice(0, colon) : cat);
    subtype = kv.subtype ?? (colon > 0 ? cat.slice(colon + 1).split(' ')[0] : undefined);
  } else {
    const v = new Array<string | undefined>(NSLOTS);
    scanPairs(m, 0, v);
    kv = recordOf(v);
    // FortiWeb-style names
    if (kv.srcip === undefined && kv.src !== undefined) kv.srcip = kv.src;
    if (kv.dstip === undefined && kv.dst !== undefined) kv.dstip = kv.dst;
    if (kv.srcport === undefined && kv.src_port !== undefined) kv.srcport = kv.src_port;
    if (kv.dstport === undefined && kv.dst_port !== undefined) kv.dstport = kv.dst_port;
    type = kv.type;
    subtype = kv.subtype;
  }
  if (type === undefined || type === 'event') return null;
  if (type !== 'traffic' && type !== 'utm' && type !== 'anomaly' && type !== 'dns' && type !== 'app-ctrl') return null;
  const src = canonicalIp(kv.srcip);
  const dst = canonicalIp(kv.dstip);
  if (src === undefined && dst === undefined) return null;
  const action = actionOf(kv.action, type) ?? (type === 'traffic' ? 'allow' : 'allow');
  // Time: eventtime (UTC epoch) > date+time(+tz) > header.
  let ms = epochMs(kv.eventtime);
  if (ms === undefined && kv.date && kv.time) {
    const tz = kv.tz;
    const iso = `${kv.date}T${kv.time}${tz && (tz.charCodeAt(0) === 43 || tz.charCodeAt(0) === 45) ? tz : ''}`;
    const t = parseIsoAt(iso, 0, ctx.tz);
    if (t) ms = t[0];
  }
  if (ms === undefined) ms = epochMs(kv.rt);
  if (ms === undefined || !Number.isFinite(ms)) ms = h.time ?? ctx.receivedMs;
  const ev = newEvent('gatewatch.fortigate', 'fortinet', 'fortigate', fastIso(ms), action);
  markAction(ev, action);
  if (type === 'traffic' ? subtype === 'http-transaction' : type !== 'anomaly' && subtype !== 'anomaly') ev.event.kind = 'alert';
  // With "logtraffic-start" a session is logged when it opens (action=start) and again when it ends:
  // marked, so detection counts it once.
  if (type === 'traffic' && action === 'allow') {
    const a = kv.action;
    if (a === 'start') markSession(ev, 'start');
    else if (a === 'close' || a === 'timeout' || a === 'server-rst' || a === 'client-rst' || a === 'accept') markSession(ev, 'end');
  }
  const host = kv.devname || h.hostname;
  if (host) ev.observer.hostname = host;
  if (kv.srcintf) ev.observer.ingress = { interface: { name: kv.srcintf } };
  if (kv.dstintf) ev.observer.egress = { interface: { name: kv.dstintf } };
  if (src !== undefined) ev.source.ip = src;
  if (dst !== undefined) ev.destination.ip = dst;
  setTransport(ev, kv.proto);
  const sp = toPort(kv.srcport), dp = toPort(kv.dstport);
  if (sp !== undefined) ev.source.port = sp;
  if (dp !== undefined) ev.destination.port = dp;
  const tsrc = canonicalIp(kv.transip);
  if (tsrc !== undefined && tsrc !== '0.0.0.0') {
    ev.source.nat = { ip: tsrc };
    const tp = toPort(kv.transport);
    if (tp !== undefined && tp !== 0) ev.source.nat.port = tp;
  }
  const tdst = canonicalIp(kv.tranip);
  if (tdst !== undefined && tdst !== '0.0.0.0') {
    ev.destination.nat = { ip: tdst };
    const tp = toPort(kv.tranport);
    if (tp !== undefined && tp !== 0) ev.destination.nat.port = tp;
  }
  if (kv.srcmac && kv.srcmac.length === 17) ev.source.mac = kv.srcmac.replace(/:/g, '-').toUpperCase();
  const ip0 = src ?? dst!;
  ev.network.type = ip0.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const sb = toInt(kv.sentbyte, 0, Number.MAX_SAFE_INTEGER), rb = toInt(kv.rcvdbyte, 0, Number.MAX_SAFE_INTEGER);
  if (sb !== undefined || rb !== undefined) ev.network.bytes = (sb ?? 0) + (rb ?? 0);
  const sk = toInt(kv.sentpkt), rk = toInt(kv.rcvdpkt);
  if (sk !== undefined || rk !== undefined) ev.network.packets = (sk ?? 0) + (rk ?? 0);
  if (kv.policyid !== undefined || kv.policyname !== undefined) {
    ev.rule = {};
    if (kv.policyid) ev.rule.id = kv.policyid;
    if (kv.policyname) ev.rule.name = kv.policyname;
  }
  if (kv.logid) ev.event.code = kv.logid;
  const gw: NonNullable<GwEvent['gatewatch']> = { fortinet_type: subtype ? `${type}/${subtype}` : type };
  if (kv.app) gw.app = kv.app;
  else if (kv.service) gw.app = kv.service;
  const d = toInt(kv.duration);
  if (d !== undefined) gw.duration_s = d;
  if (kv.attack) gw.attack = kv.attack;
  const it = icmpNum(kv.icmptype), ic = icmpNum(kv.icmpcode);
  if (it !== undefined || ic !== undefined) {
    gw.icmp = {};
    if (it !== undefined) gw.icmp.type = it;
    if (ic !== undefined) gw.icmp.code = ic;
  }
  if (kv.action) gw.vendor_action = kv.action;
  if (kv.action === undefined && type === 'traffic') gw.action_inferred = true;
  ev.gatewatch = gw;
  return ev;
}

export const fortigate: VendorParser = {
  id: 'fortigate',
  title: 'Fortinet FortiGate / FortiProxy (key=value and CEF)',
  logHint: 'set Log Allowed Traffic on the firewall policies, turn on logging of the implicit deny policy, and send traffic logs to syslog (config log syslogd filter: set forward-traffic enable)',
  detect,
  parse,
};
