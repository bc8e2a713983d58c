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
import type { RecordReader, RecordWriter } from '../codec/event-codec';
import { Action, Endpoint, eventPart, GwEvent, transportOf } from '../event';
import { canonicalIp, parseIPv4Bytes, rememberIPv4 } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { isoOf } from '../syslog/time';
import { asciiBytes, BYTES as ASCII_BYTES, bytesEpoch, bytesHold } from './ascii';
import type { ParseContext, VendorParser, VendorRecord } from './types';

/** The kernel writes well under 1 KiB after an admin prefix of at most ~1 KiB: read no further than 8 KiB. */
function kernelWindow(s: string): string {
  return s.length > 8192 ? s.slice(0, 8192) : s;
}

/** Position of the kernel's "IN=" (at the start or after the prefix), or -1. */
function findIn(m: string): number {
  const i = findKey(m, 'IN=');
  if (i >= 0) return i;
  // Locally generated packets (OUTPUT chain) as Proxmox logs them: no IN=, OUT= first.
  const o = findKey(m, 'OUT=');
  if (o < 0 || m.indexOf(' SRC=', o) < 0) return -1;
  // …but only after the prefix: a damaged line where some other KEY= stands before OUT= is not trusted.
  const prevSpace = m.lastIndexOf(' ', o - 2);
  const prevToken = m.slice(prevSpace + 1, Math.max(prevSpace + 1, o - 1));
  return prevToken.indexOf('=') >= 0 ? -1 : o;
}

function findKey(m: string, key: string): number {
  let from = 0;
  // The prefix is at most 127 bytes in nftables; UniFi adds DESCR="…" (bounded by the admin).
  const limit = Math.min(m.length, 1024);
  while (from < limit) {
    const i = m.indexOf(key, from);
    if (i < 0 || i > limit) return -1;
    if (i === 0) return 0;
    // Not part of a longer key such as PHYSIN=: the prefix may end in anything else (")", "]", ":", " ").
    const c = m.charCodeAt(i - 1);
    const wordChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!wordChar) return i;
    from = i + key.length;
  }
  return -1;
}

// detect() has already found the kernel fields for the message parse() is about to read.
let lastMessage: string | undefined;
let lastIn = -1;
/** Where detect() found the first " PROTO=" of lastMessage (-1: none or not searched). */
let lastProtoAt = -1;
/** Whether scanHead() read lastMessage at lastIn, when detect() ran it (lastHeadAt = lastIn; its positions are then still in H_ and T_), for parse(). */
let lastHead = false;
let lastHeadAt = -1;
/** ascii.ts's bytesEpoch() when detect() finished. */
let lastEpoch = -1;

function detect(h: SyslogHeader): boolean {
  const m = kernelWindow(h.message);
  const at = findIn(m);
  lastMessage = m;
  lastIn = at;
  lastProtoAt = -1;
  lastHeadAt = -1;
  lastEpoch = bytesEpoch();
  if (at >= 0) {
    // A line in the kernel's own layout is read now, once, for parse(): what scanHead() reads holds " SRC=" and
    // " PROTO=" after IN=, so the searches below would say yes too.
    if (m.charCodeAt(at) === 73) {
      lastHead = scanHead(m, at);
      lastHeadAt = at;
      lastEpoch = bytesEpoch();
      if (lastHead) return true;
    }
    lastProtoAt = m.indexOf(' PROTO=');
    return lastProtoAt > 0 || m.indexOf(' SRC=') > 0;
  }
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
  return flat(p.length > 128 ? p.slice(0, 128) : p);
}

/** Everything that depends only on the administrator's prefix, computed once per distinct prefix. */
interface PrefixInfo {
  action: 'allow' | 'deny';
  inferred: boolean;
  vendor: string;
  product: string;
  rule?: string;
  /** The prefix itself (a flat copy: the cache key). */
  key: string;
  /**
   * UFW's audit log ("[UFW AUDIT]", "[UFW AUDIT INVALID]", logging medium and up): a record of a new connection
   * before any rule decided on it, not a verdict. Read as a drop it made every audited connection a blocked
   * attempt (CrowdSec's false scans, crowdsec#4046): such lines are not events.
   */
  audit: boolean;
}
const prefixCache = new Map<string, PrefixInfo>();

function prefixInfo(prefix: string): PrefixInfo {
  let info = prefixCache.get(prefix);
  if (info) return info;
  const a = prefixAction(prefix);
  let vendor = 'netfilter';
  let product = 'iptables';
  if (prefix.indexOf('[UFW ') >= 0) product = 'ufw';
  else if (prefix.indexOf('PVEFW') >= 0 || /\bpolicy (DROP|ACCEPT|REJECT):/.test(prefix)) product = 'proxmox-ve';
  else if (prefix.indexOf('DESCR="') >= 0 || /\[[A-Z_]+-(\d+|default)-[ADR]\]/.test(prefix)) { vendor = 'ubiquiti'; product = 'edgeos-unifi'; }
  const key = flat(prefix);
  info = { action: a ?? 'deny', inferred: a === undefined, vendor, product, rule: ruleName(prefix), key, audit: prefix.indexOf('[UFW AUDIT') >= 0 };
  if (prefixCache.size > 2000) prefixCache.clear();
  prefixCache.set(key, info);
  return info;
}

/** Skip a kernel uptime stamp "[ 1234.567890] " at `i`; returns the index after it (or i). */
function skipKernelStamp(m: string, i: number): number {
  if (m.charCodeAt(i) !== 91) return i;
  let j = i + 1;
  const lim = Math.min(m.length, i + 24);
  let digits = 0;
  while (j < lim) {
    const c = m.charCodeAt(j);
    if (c === 93) break;
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 32 && c !== 46) return i;
    j++;
  }
  if (j >= lim || digits === 0) return i;
  j++;
  while (j < m.length && m.charCodeAt(j) === 32) j++;
  return j;
}

/** skipKernelStamp() on BYTES[0, n), the bytes of the message. */
function skipKernelStampB(i: number, n: number): number {
  const u = BYTES;
  if (u[i] !== 91) return i;
  let j = i + 1;
  const lim = Math.min(n, i + 24);
  let digits = 0;
  while (j < lim) {
    const c = u[j]!;
    if (c === 93) break;
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 32 && c !== 46) return i;
    j++;
  }
  if (j >= lim || digits === 0) return i;
  j++;
  while (j < n && u[j] === 32) j++;
  return j;
}

/** End of the token starting at i (next space or end of string). */
function tokenEnd(m: string, i: number): number {
  const sp = m.indexOf(' ', i);
  return sp < 0 ? m.length : sp;
}

/** The token starting at i, or undefined when empty. */
function valueAt(m: string, i: number): string | undefined {
  const e = tokenEnd(m, i);
  return e > i ? m.slice(i, e) : '';
}


/** Decimal integer in m[from, to), or -1. */
function intAt(m: string, from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = m.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Bit of a 3-letter TCP flag at m[ts, ts+3), or 0. */
function flagAt(m: string, ts: number): number {
  return flagOf(m.charCodeAt(ts), m.charCodeAt(ts + 1), m.charCodeAt(ts + 2));
}
/** Bit of the TCP flag whose three letters are the codes a b c, or 0. */
function flagOf(a: number, b: number, c: number): number {
  switch (a) {
    case 83: return b === 89 && c === 78 ? 2 : 0; // SYN
    case 65: return b === 67 && c === 75 ? 16 : 0; // ACK
    case 70: return b === 73 && c === 78 ? 1 : 0; // FIN
    case 82: return b === 83 && c === 84 ? 4 : 0; // RST
    case 80: return b === 83 && c === 72 ? 8 : 0; // PSH
    case 85: return b === 82 && c === 71 ? 32 : 0; // URG
    case 69: return b === 67 && c === 69 ? 64 : 0; // ECE
    case 67: return b === 87 && c === 82 ? 128 : 0; // CWR
    default: return 0;
  }
}
/** One frozen array per flag combination (256 at most), shared by all events. */
const FLAG_ARRAYS: (readonly string[])[] = Array.from({ length: 256 }, (_, mask) =>
  Object.freeze(['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'].filter((_, bit) => (mask >> bit) & 1)));

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 makes a substring of 13
 * characters or more a view into its parent: a key kept by one of the tables below would otherwise
 * keep the text it came from alive (a whole read chunk, when the caller reads in chunks).
 */
function flat(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Short texts that repeat on every line (host names, interfaces): one flat copy each (bounded). */
const nameCache = new Map<string, string>();
function shared(s: string): string {
  if (s.length < 13) return s;
  let v = nameCache.get(s);
  if (v === undefined) {
    v = flat(s);
    if (nameCache.size >= 4096) nameCache.clear();
    nameCache.set(v, v);
  }
  return v;
}

/**
 * The token of m at [i, end) as a string, reusing `prev` when it is the same text (interface names,
 * protocols: the same few words on every line), so no new string is made for them.
 */
function sameOrSlice(m: string, i: number, end: number, prev: string): string {
  return sameAs(m, i, end, prev) ? prev : shared(m.slice(i, end));
}

/** m[i, end) is the text `prev`. */
function sameAs(m: string, i: number, end: number, prev: string): boolean {
  const n = end - i;
  if (n !== prev.length) return false;
  let k = 0;
  while (k < n && m.charCodeAt(i + k) === prev.charCodeAt(k)) k++;
  return k === n;
}
let lastInIf = '', lastOutIf = '', lastProto = '', lastPrefix = '';
let lastPrefixInfo: PrefixInfo | undefined;

const macCache = new Map<string, string>();
/**
 * ECS form (AA-BB-…) of the source MAC inside the kernel's MAC= value (bytes 6..11), which starts at
 * m[at] and ends at m[end].
 */
function sourceMac(m: string, at: number, end: number): string | undefined {
  if (end - at < 35) return undefined;
  const raw = m.slice(at + 18, at + 35);
  let v = macCache.get(raw);
  if (v === undefined) {
    v = raw.toUpperCase().split(':').join('-');
    if (macCache.size > 1000) macCache.clear();
    macCache.set(flat(raw), v);
  }
  return v;
}
/** What the text from IN's value to SRC= (scanHead's hIfS…hIfE) says: interfaces, whether MAC= is there, the source MAC. */
interface IfMac { inIf: string; outIf: string; hasMac: boolean; sm: string | undefined }
const ifMacCache = new Map<string, IfMac>();
let lastIfMacText = '\n';
let lastIfMac: IfMac = { inIf: '', outIf: '', hasMac: false, sm: undefined };
/** The last texts ifMacOf looked up in its table (a ring), with their answers. */
const RECENT_IFMAC = 4;
const recentIfMacText: string[] = ['\n', '\n', '\n', '\n'];
const recentIfMac: (IfMac | undefined)[] = [undefined, undefined, undefined, undefined];
let recentIfMacAt = 0;
/**
 * The interfaces and MAC of m[s, e), the text "in OUT=out [PHYSIN=… ][PHYSOUT=… ][MAC=… ]": the same on most lines
 * of a box (one native comparison with the line before's, else a table of the few a box sends).
 */
function ifMacOf(m: string, s: number, e: number): IfMac {
  const t = m.slice(s, e);
  if (t === lastIfMacText) return lastIfMac;
  // A few boxes (or layouts) in turn: the texts of the last ones, compared as texts (a table lookup hashes t).
  let info: IfMac | undefined;
  for (let k = 0; k < RECENT_IFMAC; k++) {
    if (t === recentIfMacText[k]) {
      info = recentIfMac[k]!;
      lastIfMacText = t;
      lastIfMac = info;
      return info;
    }
  }
  info = ifMacCache.get(t);
  if (info === undefined) {
    // Values have no space: the first " OUT=" ends IN's, the next space OUT's, and " MAC=" can only be the key.
    const o = t.indexOf(' OUT=');
    const oe = t.indexOf(' ', o + 5);
    const mi = t.indexOf(' MAC=', oe);
    const mac = mi >= 0 ? t.slice(mi + 5, t.length - 1) : undefined;
    info = {
      inIf: shared(t.slice(0, o)), outIf: shared(t.slice(o + 5, oe)), hasMac: mac !== undefined,
      sm: mac !== undefined && mac.length > 0 ? sourceMac(mac, 0, mac.length) : undefined,
    };
    // Kernel-written texts are short (interface names of at most 15 bytes, a MAC= of 14 bytes): a longer one is not kept.
    if (t.length <= 256) {
      if (ifMacCache.size >= 1000) ifMacCache.clear();
      ifMacCache.set(flat(t), info);
    }
  }
  // A flat copy: a slice would keep its whole line (or the read chunk it was cut from) alive.
  recentIfMacText[recentIfMacAt] = flat(t);
  recentIfMac[recentIfMacAt] = info;
  recentIfMacAt = (recentIfMacAt + 1) % RECENT_IFMAC;
  lastIfMacText = t;
  lastIfMac = info;
  return info;
}

/*
 * The kernel's fields in the layout nf_log writes, read by scanHead() at IN= (IPv4 or IPv6) and scanTail()
 * right after PROTO='s value. Every token is a literal key and a value without spaces (a value ends at the
 * next space), so each is read once, forward, by indexOf from where the one before ended, as the anchored
 * expression they replace read it:
 *   HEAD: IN=([^ ]* OUT=[^ ]* (?:PHYSIN=[^ ]* )?(?:PHYSOUT=[^ ]* )?(?:MAC=[^ ]* )?)SRC=([^ ]*) DST=([^ ]*) LEN=([^ ]*)
 *         (?:TOS=[^ ]* PREC=[^ ]* TTL=([^ ]*) ID=[^ ]*(?: CE| DF| MF)*|TC=[^ ]* HOPLIMIT=([^ ]*) FLOWLBL=[^ ]*) PROTO=([^ ]*)
 *   TAIL: (optional) SPT=([^ ]*) DPT=([^ ]*)(?: SEQ=[^ ]* ACK=[^ ]*)?(?: WINDOW=[^ ]* RES=[^ ]*((?: [A-Z]{3}){0,15}) URGP=[^ ]*)?
 *         | TYPE=([^ ]*) CODE=([^ ]*)
 * (each part after a space; the flags are at most 15 three-letter words as the search reads them). Positions
 * read are kept in the variables below, valid until the next scan.
 */
/** scanHead(): start of IN's value … where "SRC=" starts (the interfaces and MAC: one text, read by ifMacOf). */
let hIfS = 0, hIfE = 0;
/** scanHead(): values of SRC, DST, LEN, TTL (or HOPLIMIT: hV6) and PROTO as [start, end). */
let hSrcS = 0, hSrcE = 0, hDstS = 0, hDstE = 0, hLenS = 0, hLenE = 0, hTtlS = 0, hTtlE = 0, hProtoS = 0, hProtoE = 0;
let hV6 = false;
/** scanTail(): 0 no match, 1 SPT/DPT (a: SPT, b: DPT), 2 TYPE/CODE (a: TYPE, b: CODE); where it stopped. */
let tKind = 0, tAS = 0, tAE = 0, tBS = 0, tBE = 0, tEnd = 0;
/** scanTail(): the flags between RES='s value and " URGP=" as [tFlS, tFlE) (" SYN ACK"), tFlS -1 when that part is absent. */
let tFlS = -1, tFlE = -1;

/*
 * Literal keys are compared with charCodeAt, which the compiler inlines (startsWith is a call, several times
 * dearer on the short keys here); a value's end is found with indexOf, native.
 */
/** m[i, i+3) is the characters a b c. */
function is3(m: string, i: number, a: number, b: number, c: number): boolean {
  return m.charCodeAt(i) === a && m.charCodeAt(i + 1) === b && m.charCodeAt(i + 2) === c;
}
/** m[i, i+4) is the characters a b c d. */
function is4(m: string, i: number, a: number, b: number, c: number, d: number): boolean {
  return m.charCodeAt(i) === a && m.charCodeAt(i + 1) === b && m.charCodeAt(i + 2) === c && m.charCodeAt(i + 3) === d;
}
/** m[i, i+5) is a space then the characters a b c d (" KEY=" of a 3-letter key). */
function sp4(m: string, i: number, a: number, b: number, c: number, d: number): boolean {
  return m.charCodeAt(i) === 32 && is4(m, i + 1, a, b, c, d);
}

/**
 * A message as bytes: one that is ASCII and at most 2 KiB (a kernel line: an admin prefix, the kernel's fields),
 * else its kernel part from IN= when that is (ASCII, at most 1 KiB), is put in BYTES once and scanned
 * there, where a character costs a typed-array load (charCodeAt on the substring a message is costs several
 * times that, indexOf a call); any other is scanned on its characters.
 * The n bytes of a line are followed by a space and zeros (see scanHead), so no earlier line's bytes are read.
 */
// (the shared buffer of ascii.ts: the syslog header has already encoded the line there, so the message's bytes
// are a copy within it away instead of a second encoding; a constant of this module, so that TurboFan embeds its
// address in the scanners instead of loading it from the import on every byte)
const BYTES = ASCII_BYTES;
const ENCODER = new TextEncoder();
/** Whether the h* (hB) and t* (tB) positions were read from BYTES (the offset of BYTES[0] in m: 0 or the IN= position), or from m's characters (-1). */
let hB = -1, tB = -1;
/** The message whose bytes BYTES holds (undefined: none). */
let bytesOf: string | undefined;
/** ascii.ts's bytesEpoch() when bytesOf's bytes were put in BYTES (another write there since: not trusted). */
let bytesAt = -1;
/** BYTES holds m's bytes from [0] (scanHead put them there, and nothing has written there since). */
function bytesAreOf(m: string): boolean {
  return bytesOf === m && bytesAt === bytesEpoch();
}
/** BYTES[i, i+3) is a b c. */
function is3B(u: Uint8Array, i: number, a: number, b: number, c: number): boolean {
  return u[i] === a && u[i + 1] === b && u[i + 2] === c;
}
/** BYTES[i, end) is the text `prev` (sameAs's rule). */
function sameAsB(i: number, end: number, prev: string): boolean {
  const n = end - i;
  if (n !== prev.length) return false;
  let k = 0;
  while (k < n && BYTES[i + k] === prev.charCodeAt(k)) k++;
  return k === n;
}
/** Decimal integer in BYTES[from, to), or -1 (intAt's rule). */
function intB(from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = BYTES[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** HEAD at `at` (see above): true when m has the kernel's layout there, its positions then in h*, and TAIL's (tried at PROTO='s end) in t*. */
function scanHead(m: string, at: number): boolean {
  const n = m.length;
  bytesOf = undefined;
  if (n <= 2048) {
    // (asciiBytes: true when every character is one byte, so a byte's position is the character's)
    if (asciiBytes(m)) {
      bytesOf = m;
      bytesAt = bytesEpoch();
      endBytes(n);
      if (!scanHeadBytes(at, n)) return false;
      hB = tB = 0;
      return true;
    }
  }
  // A prefix that is not ASCII (an administrator's words) or a long one: the kernel's part alone, when it is.
  const k = n - at;
  if (k <= 1024) {
    // (BYTES then holds another text than the header's: nobody may take it for the message)
    bytesHold(undefined);
    const r = ENCODER.encodeInto(m.substring(at), BYTES);
    if (r.read === r.written) {
      endBytes(k);
      if (!scanHeadBytes(0, k)) return false;
      hB = tB = at;
      hIfS += at; hIfE += at; hSrcS += at; hSrcE += at; hDstS += at; hDstE += at; hLenS += at; hLenE += at;
      hTtlS += at; hTtlE += at; hProtoS += at; hProtoE += at;
      tAS += at; tAE += at; tBS += at; tBE += at; tEnd += at;
      if (tFlS >= 0) { tFlS += at; tFlE += at; }
      return true;
    }
  }
  return scanHeadChars(m, at);
}

/**
 * A space after the n bytes written ends every search for a space there (no bound to test), the zeros after it
 * fail every key compared there: what the end of the text does.
 */
function endBytes(n: number): void {
  const u = BYTES;
  u[n] = 32;
  for (let i = n + 1; i < n + 16; i++) u[i] = 0;
}

/** scanHead() on the characters of m (any text). */
function scanHeadChars(m: string, at: number): boolean {
  hB = -1;
  if (!is3(m, at, 73, 78, 61)) return false; // IN=
  hIfS = at + 3;
  let sp = m.indexOf(' ', hIfS);
  if (sp < 0 || !is4(m, sp + 1, 79, 85, 84, 61)) return false; // OUT=
  sp = m.indexOf(' ', sp + 5);
  if (sp < 0) return false;
  let i = sp + 1;
  // Optional keys in this order; one present but with no space after its value cannot be followed by SRC=.
  let c = m.charCodeAt(i);
  if (c === 80 && is4(m, i + 1, 72, 89, 83, 73) && m.charCodeAt(i + 5) === 78 && m.charCodeAt(i + 6) === 61) {
    // PHYSIN=
    sp = m.indexOf(' ', i + 7);
    if (sp < 0) return false;
    i = sp + 1;
    c = m.charCodeAt(i);
  }
  if (c === 80 && is4(m, i + 1, 72, 89, 83, 79) && is3(m, i + 5, 85, 84, 61)) {
    // PHYSOUT=
    sp = m.indexOf(' ', i + 8);
    if (sp < 0) return false;
    i = sp + 1;
    c = m.charCodeAt(i);
  }
  if (c === 77 && is3(m, i + 1, 65, 67, 61)) {
    // MAC=
    sp = m.indexOf(' ', i + 4);
    if (sp < 0) return false;
    i = sp + 1;
    c = m.charCodeAt(i);
  }
  if (!(c === 83 && is3(m, i + 1, 82, 67, 61))) return false; // SRC=
  hIfE = i;
  hSrcS = i + 4;
  sp = m.indexOf(' ', hSrcS);
  if (sp < 0 || !is4(m, sp + 1, 68, 83, 84, 61)) return false; // DST=
  hSrcE = sp;
  hDstS = sp + 5;
  sp = m.indexOf(' ', hDstS);
  if (sp < 0 || !is4(m, sp + 1, 76, 69, 78, 61)) return false; // LEN=
  hDstE = sp;
  hLenS = sp + 5;
  sp = m.indexOf(' ', hLenS);
  if (sp < 0) return false;
  hLenE = sp;
  i = sp + 1;
  c = m.charCodeAt(i);
  if (c === 84 && is3(m, i + 1, 79, 83, 61)) {
    // TOS= PREC= TTL= ID=
    sp = m.indexOf(' ', i + 4);
    if (sp < 0 || !(is4(m, sp + 1, 80, 82, 69, 67) && m.charCodeAt(sp + 5) === 61)) return false;
    sp = m.indexOf(' ', sp + 6);
    if (sp < 0 || !is4(m, sp + 1, 84, 84, 76, 61)) return false;
    hTtlS = sp + 5;
    sp = m.indexOf(' ', hTtlS);
    if (sp < 0 || !is3(m, sp + 1, 73, 68, 61)) return false;
    hTtlE = sp;
    sp = m.indexOf(' ', sp + 4);
    if (sp < 0) return false;
    // IP flags: " CE", " DF", " MF", each three characters (what follows the last must be " PROTO=").
    for (;;) {
      const a = m.charCodeAt(sp + 1), b = m.charCodeAt(sp + 2);
      if (m.charCodeAt(sp) !== 32 || !((a === 67 && b === 69) || (a === 68 && b === 70) || (a === 77 && b === 70))) break;
      sp += 3;
    }
    hV6 = false;
  } else if (c === 84 && is3(m, i, 84, 67, 61)) {
    // TC= HOPLIMIT= FLOWLBL=
    sp = m.indexOf(' ', i + 3);
    if (sp < 0 || !(is4(m, sp + 1, 72, 79, 80, 76) && is4(m, sp + 5, 73, 77, 73, 84) && m.charCodeAt(sp + 9) === 61)) return false;
    hTtlS = sp + 10;
    sp = m.indexOf(' ', hTtlS);
    if (sp < 0 || !(is4(m, sp + 1, 70, 76, 79, 87) && is4(m, sp + 5, 76, 66, 76, 61))) return false;
    hTtlE = sp;
    sp = m.indexOf(' ', sp + 9);
    if (sp < 0) return false;
    hV6 = true;
  } else return false;
  if (!(sp4(m, sp, 80, 82, 79, 84) && m.charCodeAt(sp + 5) === 79 && m.charCodeAt(sp + 6) === 61)) return false; // " PROTO="
  hProtoS = sp + 7;
  sp = m.indexOf(' ', hProtoS);
  hProtoE = sp < 0 ? m.length : sp;
  scanTail(m, hProtoE);
  return true;
}

/** scanHead() on BYTES[0, n), the bytes of m. */
function scanHeadBytes(at: number, n: number): boolean {
  const u = BYTES;
  if (!(u[at] === 73 && u[at + 1] === 78 && u[at + 2] === 61)) return false; // IN=
  hIfS = at + 3;
  let sp = hIfS;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  if (sp < 0 || !(u[sp + 1] === 79 && u[sp + 2] === 85 && u[sp + 3] === 84 && u[sp + 4] === 61)) return false; // OUT=
  sp = sp + 5;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  if (sp < 0) return false;
  let i = sp + 1;
  // Optional keys in this order; one present but with no space after its value cannot be followed by SRC=.
  let c = u[i];
  if (c === 80 && (u[i + 1] === 72 && u[i + 2] === 89 && u[i + 3] === 83 && u[i + 4] === 73) && u[i + 5] === 78 && u[i + 6] === 61) {
    // PHYSIN=
    sp = i + 7;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) return false;
    i = sp + 1;
    c = u[i];
  }
  if (c === 80 && (u[i + 1] === 72 && u[i + 2] === 89 && u[i + 3] === 83 && u[i + 4] === 79) && (u[i + 5] === 85 && u[i + 6] === 84 && u[i + 7] === 61)) {
    // PHYSOUT=
    sp = i + 8;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) return false;
    i = sp + 1;
    c = u[i];
  }
  if (c === 77 && (u[i + 1] === 65 && u[i + 2] === 67 && u[i + 3] === 61)) {
    // MAC=
    sp = i + 4;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) return false;
    i = sp + 1;
    c = u[i];
  }
  if (!(c === 83 && (u[i + 1] === 82 && u[i + 2] === 67 && u[i + 3] === 61))) return false; // SRC=
  hIfE = i;
  hSrcS = i + 4;
  sp = hSrcS;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  if (sp < 0 || !(u[sp + 1] === 68 && u[sp + 2] === 83 && u[sp + 3] === 84 && u[sp + 4] === 61)) return false; // DST=
  hSrcE = sp;
  hDstS = sp + 5;
  sp = hDstS;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  if (sp < 0 || !(u[sp + 1] === 76 && u[sp + 2] === 69 && u[sp + 3] === 78 && u[sp + 4] === 61)) return false; // LEN=
  hDstE = sp;
  hLenS = sp + 5;
  sp = hLenS;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  if (sp < 0) return false;
  hLenE = sp;
  i = sp + 1;
  c = u[i];
  if (c === 84 && (u[i + 1] === 79 && u[i + 2] === 83 && u[i + 3] === 61)) {
    // TOS= PREC= TTL= ID=
    sp = i + 4;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !((u[sp + 1] === 80 && u[sp + 2] === 82 && u[sp + 3] === 69 && u[sp + 4] === 67) && u[sp + 5] === 61)) return false;
    sp = sp + 6;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !(u[sp + 1] === 84 && u[sp + 2] === 84 && u[sp + 3] === 76 && u[sp + 4] === 61)) return false;
    hTtlS = sp + 5;
    sp = hTtlS;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !(u[sp + 1] === 73 && u[sp + 2] === 68 && u[sp + 3] === 61)) return false;
    hTtlE = sp;
    sp = sp + 4;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) return false;
    // IP flags: " CE", " DF", " MF", each three characters (what follows the last must be " PROTO=").
    for (;;) {
      const a = u[sp + 1], b = u[sp + 2];
      if (u[sp] !== 32 || !((a === 67 && b === 69) || (a === 68 && b === 70) || (a === 77 && b === 70))) break;
      sp += 3;
    }
    hV6 = false;
  } else if (c === 84 && (u[i] === 84 && u[i + 1] === 67 && u[i + 2] === 61)) {
    // TC= HOPLIMIT= FLOWLBL=
    sp = i + 3;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !((u[sp + 1] === 72 && u[sp + 2] === 79 && u[sp + 3] === 80 && u[sp + 4] === 76) && (u[sp + 5] === 73 && u[sp + 6] === 77 && u[sp + 7] === 73 && u[sp + 8] === 84) && u[sp + 9] === 61)) return false;
    hTtlS = sp + 10;
    sp = hTtlS;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !((u[sp + 1] === 70 && u[sp + 2] === 76 && u[sp + 3] === 79 && u[sp + 4] === 87) && (u[sp + 5] === 76 && u[sp + 6] === 66 && u[sp + 7] === 76 && u[sp + 8] === 61))) return false;
    hTtlE = sp;
    sp = sp + 9;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) return false;
    hV6 = true;
  } else return false;
  if (!((u[sp] === 32 && u[sp + 1] === 80 && u[sp + 2] === 82 && u[sp + 3] === 79 && u[sp + 4] === 84) && u[sp + 5] === 79 && u[sp + 6] === 61)) return false; // " PROTO="
  hProtoS = sp + 7;
  sp = hProtoS;
  while (u[sp] !== 32) sp++;
  if (sp >= n) sp = -1;
  hProtoE = sp < 0 ? n : sp;
  scanTailBytes(hProtoE, n);
  return true;
}

/** An uppercase ASCII letter. */
function upper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** TAIL at p (where PROTO='s value ends; see above): sets tKind (0: no match) and the t* positions. */
function scanTail(m: string, p: number): void {
  tB = -1;
  tKind = 0;
  tFlS = -1;
  const n = m.length;
  if (sp4(m, p, 83, 80, 84, 61)) {
    // " SPT=… DPT=…"
    tAS = p + 5;
    let sp = m.indexOf(' ', tAS);
    if (sp < 0 || !sp4(m, sp, 68, 80, 84, 61)) return;
    tAE = sp;
    tBS = sp + 5;
    sp = m.indexOf(' ', tBS);
    if (sp < 0) { tBE = tEnd = n; tKind = 1; return; }
    tBE = sp;
    let j = sp;
    if (sp4(m, j, 83, 69, 81, 61)) {
      // " SEQ=… ACK=…"
      const a = m.indexOf(' ', j + 5);
      if (a >= 0 && sp4(m, a, 65, 67, 75, 61)) { const e = m.indexOf(' ', a + 5); j = e < 0 ? n : e; }
    }
    if (sp4(m, j, 87, 73, 78, 68) && is3(m, j + 5, 79, 87, 61)) {
      // " WINDOW=… RES=…"
      const a = m.indexOf(' ', j + 8);
      const r = a >= 0 && sp4(m, a, 82, 69, 83, 61) ? m.indexOf(' ', a + 5) : -1;
      if (r >= 0) {
        // Up to 15 words " XYZ" (three capitals, whatever follows them), then the most of them that " URGP=" follows
        // (the "URG" of URGP= reads as a word, so the answer is the last word or the one before).
        let q = r, k = 0;
        while (k < 15 && m.charCodeAt(q) === 32 && upper(m.charCodeAt(q + 1)) && upper(m.charCodeAt(q + 2)) && upper(m.charCodeAt(q + 3))) {
          q += 4;
          k++;
        }
        for (;;) {
          if (sp4(m, q, 85, 82, 71, 80) && m.charCodeAt(q + 5) === 61) {
            // " URGP="
            tFlS = r;
            tFlE = q;
            const e = m.indexOf(' ', q + 6);
            j = e < 0 ? n : e;
            break;
          }
          if (q === r) break;
          q -= 4;
        }
      }
    }
    tEnd = j;
    tKind = 1;
  } else if (m.charCodeAt(p) === 32 && is4(m, p + 1, 84, 89, 80, 69) && m.charCodeAt(p + 5) === 61) {
    // " TYPE=… CODE=…"
    tAS = p + 6;
    const sp = m.indexOf(' ', tAS);
    if (sp < 0 || !(sp4(m, sp, 67, 79, 68, 69) && m.charCodeAt(sp + 5) === 61)) return;
    tAE = sp;
    tBS = sp + 6;
    const e = m.indexOf(' ', tBS);
    tBE = tEnd = e < 0 ? n : e;
    tKind = 2;
  }
}

/** scanTail() on BYTES[0, n) (positions from 0). */
function scanTailBytes(p: number, n: number): void {
  const u = BYTES;
  tKind = 0;
  tFlS = -1;
  if ((u[p] === 32 && u[p + 1] === 83 && u[p + 2] === 80 && u[p + 3] === 84 && u[p + 4] === 61)) {
    // " SPT=… DPT=…"
    tAS = p + 5;
    let sp = tAS;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !(u[sp] === 32 && u[sp + 1] === 68 && u[sp + 2] === 80 && u[sp + 3] === 84 && u[sp + 4] === 61)) return;
    tAE = sp;
    tBS = sp + 5;
    sp = tBS;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0) { tBE = tEnd = n; tKind = 1; return; }
    tBE = sp;
    let j = sp;
    if ((u[j] === 32 && u[j + 1] === 83 && u[j + 2] === 69 && u[j + 3] === 81 && u[j + 4] === 61)) {
      // " SEQ=… ACK=…"
      let a = j + 5;
      while (u[a] !== 32) a++;
      if (a >= n) a = -1;
      if (a >= 0 && (u[a] === 32 && u[a + 1] === 65 && u[a + 2] === 67 && u[a + 3] === 75 && u[a + 4] === 61)) {
        let e = a + 5;
        while (u[e] !== 32) e++;
        if (e >= n) e = -1;
        j = e < 0 ? n : e;
      }
    }
    if ((u[j] === 32 && u[j + 1] === 87 && u[j + 2] === 73 && u[j + 3] === 78 && u[j + 4] === 68) && (u[j + 5] === 79 && u[j + 6] === 87 && u[j + 7] === 61)) {
      // " WINDOW=… RES=…"
      let a = j + 8;
      while (u[a] !== 32) a++;
      if (a >= n) a = -1;
      let r = -1;
      if (a >= 0 && (u[a] === 32 && u[a + 1] === 82 && u[a + 2] === 69 && u[a + 3] === 83 && u[a + 4] === 61)) {
        r = a + 5;
        while (u[r] !== 32) r++;
        if (r >= n) r = -1;
      }
      if (r >= 0) {
        // Up to 15 words " XYZ" (three capitals, whatever follows them), then the most of them that " URGP=" follows
        // (the "URG" of URGP= reads as a word, so the answer is the last word or the one before).
        let q = r, k = 0;
        while (k < 15 && u[q] === 32 && upper(u[q + 1]) && upper(u[q + 2]) && upper(u[q + 3])) {
          q += 4;
          k++;
        }
        for (;;) {
          if ((u[q] === 32 && u[q + 1] === 85 && u[q + 2] === 82 && u[q + 3] === 71 && u[q + 4] === 80) && u[q + 5] === 61) {
            // " URGP="
            tFlS = r;
            tFlE = q;
            let e = q + 6;
            while (u[e] !== 32) e++;
            if (e >= n) e = -1;
            j = e < 0 ? n : e;
            break;
          }
          if (q === r) break;
          q -= 4;
        }
      }
    }
    tEnd = j;
    tKind = 1;
  } else if (u[p] === 32 && (u[p + 1] === 84 && u[p + 2] === 89 && u[p + 3] === 80 && u[p + 4] === 69) && u[p + 5] === 61) {
    // " TYPE=… CODE=…"
    tAS = p + 6;
    let sp = tAS;
    while (u[sp] !== 32) sp++;
    if (sp >= n) sp = -1;
    if (sp < 0 || !((u[sp] === 32 && u[sp + 1] === 67 && u[sp + 2] === 79 && u[sp + 3] === 68 && u[sp + 4] === 69) && u[sp + 5] === 61)) return;
    tAE = sp;
    tBS = sp + 6;
    let e = tBS;
    while (u[e] !== 32) e++;
    if (e >= n) e = -1;
    tBE = tEnd = e < 0 ? n : e;
    tKind = 2;
  }
}

/**
 * For tests: what scanHead() (`chars`: its character version) reads at `at`, in the places of the groups of the
 * expression it replaces (see above; HEAD's 1-7 then TAIL's 1-5 as 8-12: [start, end] or undefined when unset)
 * followed by [where it stopped], or null when it does not read the layout there. (Clears what detect() kept.)
 */
export function kernelFieldsAt(m: string, at: number, chars = false): ([number, number] | undefined)[] | null {
  lastHeadAt = -1;
  if (!(chars ? scanHeadChars(m, at) : scanHead(m, at))) return null;
  const t = tKind;
  return [[hIfS, hIfE], [hSrcS, hSrcE], [hDstS, hDstE], [hLenS, hLenE], hV6 ? undefined : [hTtlS, hTtlE], hV6 ? [hTtlS, hTtlE] : undefined,
    [hProtoS, hProtoE], t === 1 ? [tAS, tAE] : undefined, t === 1 ? [tBS, tBE] : undefined, t === 1 && tFlS >= 0 ? [tFlS, tFlE] : undefined,
    t === 2 ? [tAS, tAE] : undefined, t === 2 ? [tBS, tBE] : undefined, [t !== 0 ? tEnd : hProtoE, 0]];
}

/** For tests: what scanTail() (characters) reads at p, as kernelFieldsAt's TAIL groups 1-5 and [where it stopped], or null. */
export function kernelTailAt(m: string, p: number): ([number, number] | undefined)[] | null {
  lastHeadAt = -1;
  scanTail(m, p);
  const t = tKind;
  if (t === 0) return null;
  return [t === 1 ? [tAS, tAE] : undefined, t === 1 ? [tBS, tBE] : undefined, t === 1 && tFlS >= 0 ? [tFlS, tFlE] : undefined,
    t === 2 ? [tAS, tAE] : undefined, t === 2 ? [tBS, tBE] : undefined, [tEnd, 0]];
}

/** `s` (a value just read), or `prev` when it is the same text, so repeated values share one string. */
function sameText(s: string, prev: string): string {
  return s === prev ? prev : shared(s);
}

/** PROTO='s value: `prev` when the same text, else the literal for the common ones (compared by reference below). */
function protoText(s: string, prev: string): string {
  if (s === prev) return prev;
  return s === 'TCP' ? 'TCP' : s === 'UDP' ? 'UDP' : shared(s);
}

/**
 * parse() without building the event: reads the line into F and says whether parse() returns an event
 * (build() makes it). It throws only where parse() always could (a time Date cannot write), which the
 * registry counts as an error.
 */
function read(h: SyslogHeader, ctx: ParseContext): boolean {
  const m = kernelWindow(h.message);
  // (what detect() found for this very message, while the bytes its scan read are still in BYTES)
  const seen = m === lastMessage && lastEpoch === bytesEpoch();
  let kv = seen ? lastIn : findIn(m);
  /** The administrator's prefix stands before the kernel's fields. */
  const hasPrefix = kv > 0;
  let prefix = '';
  let pi: PrefixInfo | undefined;
  if (kv < 0) {
    // A kernel line cut short by a relay: accept it only if what is left starts with a kernel field.
    if (h.appName !== 'kernel') return false;
    kv = 0;
    while (kv < m.length && m.charCodeAt(kv) === 32) kv++;
    kv = skipKernelStamp(m, kv);
    // Cut before IN=/OUT= (the relay lost the start): what remains must hold the protocol. A line that
    // still has OUT= but no IN= is damaged in another way and is not trusted.
    if (m.indexOf('OUT=') >= 0 || !(m.startsWith('PROTO=', kv) || m.indexOf(' PROTO=', kv) >= 0)) return false;
  }
  // The kernel prints its fields in a fixed order (nf_log: IN OUT [PHYSIN PHYSOUT] MAC SRC DST LEN … TTL ID
  // [flags] PROTO …). A line in exactly that layout is read by one forward scan of its tokens (scanHead);
  // any other is read by a native search for " KEY=" from where the previous key was, so each field is
  // read from its own place, the scan is linear, and absent fields are simply skipped. scanHead is used only
  // where it finds the very tokens the searches would: every token it passes over is named, so no key
  // can hide between two it reads, and a key it finds absent (MAC=, TTL=) must not come later either.
  const n = m.length;
  let inIf: string | undefined, outIf: string | undefined, src: string | undefined, dst: string | undefined;
  let proto: string | undefined;
  let macS = m, macAt = -1, macEnd = -1, len = -1, ttl = -1, ipv6 = false, sawProto = false, protoEnd = kv;
  let pos = kv;
  let head = false;
  let ifMac: IfMac | undefined;
  /** SRC and DST as IPv4 numbers when read from BYTES and IPv4, else -1. */
  let srcN = -1, dstN = -1;
  // detect() has run scanHead() at kv on this message when kv is where it found "IN=" (its positions are still
  // there: any other scan clears lastHeadAt).
  if (seen && lastHeadAt === kv) head = lastHead;
  else if (m.startsWith('IN=', kv)) {
    lastHeadAt = -1;
    head = scanHead(m, kv);
  }
  if (hasPrefix) {
    // (read on the message's bytes when scanHead() encoded them)
    const bytes = bytesAreOf(m);
    const ps = bytes ? skipKernelStampB(0, m.length) : skipKernelStamp(m, 0);
    if (ps < kv) {
      // The same prefix as the line before (one rule logging a stream): no new string, no lookup.
      if (!(bytes ? sameAsB(ps, kv, lastPrefix) : sameAs(m, ps, kv, lastPrefix))) {
        lastPrefixInfo = prefixInfo(m.slice(ps, kv));
        lastPrefix = lastPrefixInfo.key;
      }
      pi = lastPrefixInfo;
      prefix = lastPrefix;
    }
  }
  if (head) {
    ifMac = ifMacOf(m, hIfS, hIfE);
    if ((!ifMac.hasMac && m.indexOf(' MAC=', kv) >= 0) || (hV6 && m.indexOf(' TTL=', kv) >= 0)) head = false;
  }
  /** TAIL's match at PROTO='s end (scanTail's tKind, 0: none; its positions in t*), and where it stopped. */
  let tk = 0;
  let tailEnd = -1;
  if (head) {
    inIf = ifMac!.inIf;
    outIf = ifMac!.outIf;
    src = m.slice(hSrcS, hSrcE);
    dst = m.slice(hDstS, hDstE);
    const b = hB;
    if (b >= 0) {
      srcN = parseIPv4Bytes(BYTES, hSrcS - b, hSrcE - b);
      dstN = parseIPv4Bytes(BYTES, hDstS - b, hDstE - b);
    }
    len = b >= 0 ? intB(hLenS - b, hLenE - b) : intAt(m, hLenS, hLenE);
    ttl = b >= 0 ? intB(hTtlS - b, hTtlE - b) : intAt(m, hTtlS, hTtlE);
    ipv6 = hV6;
    proto = lastProto = (b >= 0 ? sameAsB(hProtoS - b, hProtoE - b, lastProto) : sameAs(m, hProtoS, hProtoE, lastProto)) ? lastProto : protoText(m.slice(hProtoS, hProtoE), lastProto);
    sawProto = true;
    protoEnd = hProtoE;
    // TAIL was tried there by scanHead().
    tk = tKind;
    tailEnd = tEnd;
  } else {
    if (m.startsWith('IN=', kv)) inIf = lastInIf = sameOrSlice(m, kv + 3, tokenEnd(m, kv + 3), lastInIf);
    let p = m.indexOf(' OUT=', pos);
    if (p < 0 && m.startsWith('OUT=', kv)) p = kv - 1;
    outIf = p >= 0 ? (lastOutIf = sameOrSlice(m, p + 5, tokenEnd(m, p + 5), lastOutIf)) : undefined;
    if (p >= 0) pos = p;
    p = m.indexOf(' MAC=', pos);
    macAt = p >= 0 ? p + 5 : -1;
    macEnd = p >= 0 ? tokenEnd(m, macAt) : -1;
    if (p >= 0) pos = p;
    p = m.indexOf(' SRC=', pos);
    // A truncated kernel line may start at SRC=/TTL=/PROTO=.
    if (p < 0 && m.startsWith('SRC=', kv)) p = kv - 1;
    src = p >= 0 ? valueAt(m, p + 5) : undefined;
    if (p >= 0) pos = p;
    p = m.indexOf(' DST=', pos);
    dst = p >= 0 ? valueAt(m, p + 5) : undefined;
    if (p >= 0) pos = p;
    p = m.indexOf(' LEN=', pos);
    len = p >= 0 ? intAt(m, p + 5, tokenEnd(m, p + 5)) : -1;
    if (p >= 0) pos = p;
    p = m.indexOf(' TTL=', pos);
    if (p >= 0) { ttl = intAt(m, p + 5, tokenEnd(m, p + 5)); pos = p; }
    else if (m.startsWith('TTL=', kv)) ttl = intAt(m, kv + 4, tokenEnd(m, kv + 4));
    else {
      p = m.indexOf(' HOPLIMIT=', pos);
      if (p >= 0) { ttl = intAt(m, p + 10, tokenEnd(m, p + 10)); ipv6 = true; pos = p; }
    }
    // detect() found the first " PROTO=" of this message: when it is at or after pos it is the one.
    p = seen && lastProtoAt >= pos ? lastProtoAt : m.indexOf(' PROTO=', pos);
    if (p < 0 && m.startsWith('PROTO=', kv)) p = kv - 1;
    sawProto = p >= 0;
    protoEnd = sawProto ? tokenEnd(m, p + 7) : pos;
    proto = sawProto ? (lastProto = sameOrSlice(m, p + 7, protoEnd, lastProto)) : undefined;
  }
  // Flags sit between the ID= and PROTO= tokens only for the IP header (DF, CE, MF); TCP flags come
  // after the TCP fields. ICMP errors quote the offending packet after "[": the fields read stop there
  // (end, looked up only when needed: TAIL reads tokens that directly follow PROTO=, all before any "[").
  let end = -1;
  let spt = -1, dpt = -1, icmpType = -1, icmpCode = -1, flagMask = 0, hasOpt = false;
  if (sawProto) {
    // TAIL at protoEnd: already read by scanHead(), which tried it there, else read now.
    if (!head) {
      lastHeadAt = -1;
      scanTail(m, protoEnd);
      tk = tKind;
      tailEnd = tEnd;
    }
    const isTcp = proto === 'TCP' || proto === 'tcp';
    const isIcmp = !isTcp && (proto === 'ICMP' || proto === 'ICMPv6' || proto === 'icmp' || proto === 'ipv6-icmp');
    let p: number;
    if (tk === 1) {
      const b = tB;
      spt = b >= 0 ? intB(tAS - b, tAE - b) : intAt(m, tAS, tAE);
      dpt = b >= 0 ? intB(tBS - b, tBE - b) : intAt(m, tBS, tBE);
      // The search would have stopped at DPT= (" SPT=" + value + " DPT="): set below where it is used.
      pos = -1;
    } else if (tk !== 0 && isIcmp) {
      // PROTO=ICMP TYPE= CODE=: the ports are not read for ICMP (TYPE= and CODE= are TAIL's).
    } else {
      end = m.indexOf(' [', protoEnd);
      if (end < 0) end = n;
      p = m.indexOf(' SPT=', protoEnd);
      if (p >= 0 && p < end) { spt = intAt(m, p + 5, tokenEnd(m, p + 5)); pos = p; } else pos = protoEnd;
      p = m.indexOf(' DPT=', pos);
      if (p >= 0 && p < end) { dpt = intAt(m, p + 5, tokenEnd(m, p + 5)); pos = p; }
    }
    if (isTcp && tk === 1 && tFlS >= 0) {
      // RES= flags… URGP= as the kernel writes them: the flags are the 3-letter words in between.
      const b = tB;
      for (let k = tFlS + 1; k < tFlE; k += 4) {
        const f = b >= 0 ? flagOf(BYTES[k - b], BYTES[k - b + 1], BYTES[k - b + 2]) : flagAt(m, k);
        if (f) flagMask |= f;
        else if (b >= 0 ? is3B(BYTES, k - b, 79, 80, 84) : m.charCodeAt(k) === 79 && m.charCodeAt(k + 1) === 80 && m.charCodeAt(k + 2) === 84) hasOpt = true; // OPT
      }
      if (m.charCodeAt(tailEnd) === 32 && m.charCodeAt(tailEnd + 1) === 79 && m.charCodeAt(tailEnd + 2) === 80
        && m.charCodeAt(tailEnd + 3) === 84 && m.charCodeAt(tailEnd + 4) === 32 && m.charCodeAt(tailEnd + 5) === 40) {
        // " OPT (" right after URGP=: no " [" can stand before it (every space in TAIL's part precedes a key or a flag).
        hasOpt = true;
      } else {
        const o = m.indexOf(' OPT (', tailEnd);
        if (o >= 0) {
          end = m.indexOf(' [', protoEnd);
          if (end < 0) end = n;
          if (o < end) hasOpt = true;
        }
      }
    } else if (isTcp) {
      if (pos < 0) pos = tAE;
      if (end < 0) { end = m.indexOf(' [', protoEnd); if (end < 0) end = n; }
      // Bare words after the TCP fields: SYN ACK … and OPT (…) when --log-tcp-options is on.
      let i = m.indexOf(' RES=', pos);
      i = i >= 0 && i < end ? tokenEnd(m, i + 5) : tokenEnd(m, pos + 1);
      let guard = 0;
      while (i < end && guard++ < 16) {
        while (i < end && m.charCodeAt(i) === 32) i++;
        if (i >= end) break;
        const te = tokenEnd(m, i);
        if (te - i === 3) {
          const f = flagAt(m, i);
          if (f) flagMask |= f;
          else if (m.charCodeAt(i) === 79 && m.charCodeAt(i + 1) === 80 && m.charCodeAt(i + 2) === 84) hasOpt = true; // OPT
        } else if (m.charCodeAt(i) === 85 && m.startsWith('URGP=', i)) {
          // URGP= ends the TCP header fields; OPT (…) may follow.
          const o = m.indexOf(' OPT (', te);
          if (o >= 0 && o < end) hasOpt = true;
          break;
        }
        i = te;
      }
    } else if (isIcmp) {
      if (tk === 2) {
        const b = tB;
        icmpType = b >= 0 ? intB(tAS - b, tAE - b) : intAt(m, tAS, tAE);
        icmpCode = b >= 0 ? intB(tBS - b, tBE - b) : intAt(m, tBS, tBE);
      } else {
        if (pos < 0) pos = tAE;
        if (end < 0) { end = m.indexOf(' [', protoEnd); if (end < 0) end = n; }
        p = m.indexOf(' TYPE=', protoEnd);
        if (p >= 0 && p < end) { icmpType = intAt(m, p + 6, tokenEnd(m, p + 6)); pos = p; }
        p = m.indexOf(' CODE=', pos);
        if (p >= 0 && p < end) icmpCode = intAt(m, p + 6, tokenEnd(m, p + 6));
      }
    }
  }
  if (!sawProto && src === undefined) return false;
  // An IPv4 address read from BYTES is checked there (canonicalIp would answer the text itself), and handed to
  // parseIPv4's memory as canonicalIp would leave it, for the stages that read the event's addresses next.
  let srcIp: string | undefined, dstIp: string | undefined;
  if (src === undefined) srcIp = undefined;
  else if (srcN >= 0) { rememberIPv4(src, srcN); srcIp = src; } else srcIp = canonicalIp(src);
  if (dst === undefined) dstIp = undefined;
  else if (dstN >= 0) { rememberIPv4(dst, dstN); dstIp = dst; } else dstIp = canonicalIp(dst);
  if (src !== undefined && srcIp === undefined) return false;
  if (dst !== undefined && dstIp === undefined) return false;

  if (pi === undefined) pi = prefixInfo(prefix);
  if (pi.audit) return false;
  const tinfo = proto !== undefined ? transportOf(proto) : null;
  const t = tinfo === null ? undefined : tinfo.t;
  const portful = t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'udplite';
  const f = F;
  const ms = h.time ?? ctx.receivedMs;
  // build() cannot fail: a time Date cannot write (which isoOf refuses) is refused here, with isoOf's error.
  if (!(ms >= -8.64e15 && ms <= 8.64e15)) isoOf(ms);
  f.ms = ms;
  f.vendor = pi.vendor;
  f.product = pi.product;
  f.action = pi.action;
  f.inferred = pi.inferred;
  f.rule = pi.rule;
  f.hn = h.hostname ? shared(h.hostname) : undefined;
  f.inIf = inIf;
  f.outIf = outIf;
  f.srcIp = srcIp;
  // MAC= is dst(6):src(6):ethertype(2); the source MAC is bytes 6..11.
  f.sm = head ? ifMac!.sm : macEnd > macAt ? sourceMac(macS, macAt, macEnd) : undefined;
  f.sp = portful && spt >= 0 && spt <= 65535 ? spt : -1;
  f.dstIp = dstIp;
  f.dp = portful && dpt >= 0 && dpt <= 65535 ? dpt : -1;
  f.t = t;
  f.n = tinfo === null ? undefined : tinfo.n;
  f.ntype = srcIp !== undefined ? (srcIp.indexOf(':') >= 0 ? 'ipv6' : 'ipv4') : ipv6 ? 'ipv6' : undefined;
  f.len = len;
  f.flagMask = flagMask;
  f.hasOpt = hasOpt;
  f.icmpType = icmpType;
  f.icmpCode = icmpCode;
  f.ttl = ttl;
  return true;
}

/**
 * What read() took from the line it last recognised, from which build() makes the event (on the analyze
 * thread that decodes, F is filled from the worker's record instead: see RECORD). Numbers are -1 when absent.
 */
interface Fields {
  /** The event's time (ms), which build() writes with isoOf. */
  ms: number; vendor: string; product: string; action: Action; inferred: boolean; rule: string | undefined;
  hn: string | undefined; inIf: string | undefined; outIf: string | undefined;
  srcIp: string | undefined; sm: string | undefined; sp: number; dstIp: string | undefined; dp: number;
  /** network.transport and iana_number (transportOf's), and network.type. */
  t: string | undefined; n: string | undefined; ntype: 'ipv4' | 'ipv6' | undefined;
  len: number; flagMask: number; hasOpt: boolean; icmpType: number; icmpCode: number; ttl: number;
}
const F: Fields = {
  ms: 0, vendor: '', product: '', action: 'deny', inferred: false, rule: undefined, hn: undefined, inIf: undefined, outIf: undefined,
  srcIp: undefined, sm: undefined, sp: -1, dstIp: undefined, dp: -1, t: undefined, n: undefined, ntype: undefined,
  len: -1, flagMask: 0, hasOpt: false, icmpType: -1, icmpCode: -1, ttl: -1,
};

/** The event of F. */
function build(): GwEvent {
  const { t, sp, dp, ntype, len, flagMask, hasOpt, icmpType, icmpCode, ttl, inIf, outIf, hn, srcIp, dstIp, sm } = F;
  // The event is built in one go, each object with all its keys at once (in the order the fields have always
  // been written, which JSON output keeps): the common layouts get objects of a fixed size, the rest the
  // same keys added one by one.
  let observer: GwEvent['observer'];
  if (hn !== undefined && inIf && !outIf) {
    observer = { vendor: F.vendor, product: F.product, type: 'firewall', hostname: hn, ingress: { interface: { name: inIf } } };
  } else {
    observer = { vendor: F.vendor, product: F.product, type: 'firewall' };
    if (hn !== undefined) observer.hostname = hn;
    if (inIf) observer.ingress = { interface: { name: inIf } };
    if (outIf) observer.egress = { interface: { name: outIf } };
  }
  let source: Endpoint;
  if (srcIp !== undefined && sm && sp >= 0) source = { ip: srcIp, mac: sm, port: sp };
  else {
    source = {};
    if (srcIp !== undefined) source.ip = srcIp;
    if (sm) source.mac = sm;
    if (sp >= 0) source.port = sp;
  }
  let destination: Endpoint;
  if (dstIp !== undefined && dp >= 0) destination = { ip: dstIp, port: dp };
  else {
    destination = {};
    if (dstIp !== undefined) destination.ip = dstIp;
    if (dp >= 0) destination.port = dp;
  }
  let network: GwEvent['network'];
  if (t !== undefined && F.n !== undefined && ntype !== undefined && len >= 0) {
    network = { transport: t, iana_number: F.n, type: ntype, packets: 1, bytes: len };
  } else {
    network = {};
    if (t !== undefined) {
      network.transport = t;
      if (F.n !== undefined) network.iana_number = F.n;
    }
    if (ntype !== undefined) network.type = ntype;
    network.packets = 1;
    if (len >= 0) network.bytes = len;
  }
  const ttlOk = ttl >= 0 && ttl <= 255;
  const inferred = F.inferred;
  let gw: NonNullable<GwEvent['gatewatch']>;
  // With --log-tcp-options the kernel prints OPT (…); without it, a 40-byte IPv4 (60-byte IPv6) SYN has none.
  if (t === 'tcp' && flagMask === 2 && (hasOpt || len >= 0) && ttlOk && !inferred) {
    gw = { tcp_flags: FLAG_ARRAYS[flagMask] as string[], tcp_options: hasOpt || len > (ntype === 'ipv6' ? 60 : 40), ttl };
  } else {
    gw = {};
    // The kernel always prints the flags of a TCP packet, so none at all is a NULL packet.
    if (t === 'tcp') gw.tcp_flags = FLAG_ARRAYS[flagMask] as string[];
    if (t === 'tcp' && flagMask === 2) {
      if (hasOpt) gw.tcp_options = true;
      else if (len >= 0) gw.tcp_options = len > (ntype === 'ipv6' ? 60 : 40);
    }
    if ((t === 'icmp' || t === 'ipv6-icmp') && (icmpType >= 0 || icmpCode >= 0)) {
      gw.icmp = {};
      if (icmpType >= 0 && icmpType <= 255) gw.icmp.type = icmpType;
      if (icmpCode >= 0 && icmpCode <= 255) gw.icmp.code = icmpCode;
    }
    if (ttlOk) gw.ttl = ttl;
    if (inferred) gw.action_inferred = true;
  }
  const event = eventPart('gatewatch.netfilter', F.action);
  if (F.rule !== undefined) {
    return { '@timestamp': isoOf(F.ms), event, observer, source, destination, network, rule: { name: F.rule }, gatewatch: gw };
  }
  return { '@timestamp': isoOf(F.ms), event, observer, source, destination, network, gatewatch: gw };
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  return read(h, ctx) ? build() : null;
}

/**
 * F as a record of the analyze worker's batches (VendorParser.record): the worker reads a line and writes
 * F, the decoding thread reads F back and builds the event there, the very event parse() returns. Every
 * number of F is a kernel integer of at most 9 digits, or -1: an int.
 */
const RECORD: VendorRecord = {
  dataset: 'gatewatch.netfilter',
  read,
  write(w: RecordWriter): void {
    const f = F;
    w.num(f.ms);
    w.str(0, f.vendor);
    w.str(1, f.product);
    w.str(2, f.action);
    w.str(3, f.rule);
    w.str(4, f.hn);
    w.str(5, f.inIf);
    w.str(6, f.outIf);
    w.ip(f.srcIp);
    w.str(7, f.sm);
    w.ip(f.dstIp);
    w.str(8, f.t);
    w.str(9, f.n);
    w.str(10, f.ntype);
    w.int(f.sp);
    w.int(f.dp);
    w.int(f.len);
    w.int(f.ttl);
    w.int(f.icmpType);
    w.int(f.icmpCode);
    w.int(f.flagMask | (f.hasOpt ? 256 : 0) | (f.inferred ? 512 : 0));
  },
  build(r: RecordReader): GwEvent {
    const f = F;
    f.ms = r.num();
    f.vendor = r.str()!;
    f.product = r.str()!;
    f.action = r.str() as Action;
    f.rule = r.str();
    f.hn = r.str();
    f.inIf = r.str();
    f.outIf = r.str();
    f.srcIp = r.ip();
    f.sm = r.str();
    f.dstIp = r.ip();
    f.t = r.str();
    f.n = r.str();
    f.ntype = r.str() as Fields['ntype'];
    f.sp = r.int();
    f.dp = r.int();
    f.len = r.int();
    f.ttl = r.int();
    f.icmpType = r.int();
    f.icmpCode = r.int();
    const b = r.int();
    f.flagMask = b & 255;
    f.hasOpt = (b & 256) !== 0;
    f.inferred = (b & 512) !== 0;
    return build();
  },
};

export const netfilter: VendorParser = {
  id: 'netfilter',
  title: 'Linux netfilter (iptables/nftables LOG: OpenWrt, UFW, EdgeOS/UniFi, Synology, Proxmox, any Linux router)',
  logHint: 'add logging to the firewall rules or zones (OpenWrt: tick Enable logging on the wan zone; UFW: ufw logging low; UniFi: turn on logging on the firewall rules; Linux: a LOG or log rule before the drop)',
  detect,
  parse,
  record: RECORD,
};
