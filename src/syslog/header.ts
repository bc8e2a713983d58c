/**
 * Syslog header parsing: RFC 5424, RFC 3164 (BSD) and the variants gateways really send
 * (no <PRI> in files, Cisco's year-before-time, ISO timestamps in BSD position, a missing hostname).
 *
 * It never fails: what it cannot read stays in `message`. It never searches the whole line; each
 * field is read at its own position, so attacker text later in the line cannot change the header.
 */
import { BYTES, BYTES_MAX, bytesHold } from '../parsers/ascii';
import { bsdMsAt, bsdMsAtBytes, isoMsAt, isoMsAtBytes, timeEnd } from './time';

export interface SyslogHeader {
  format: 'rfc5424' | 'rfc3164' | 'none';
  pri?: number;
  facility?: number;
  severity?: number;
  /** Epoch ms from the header's own timestamp, when it had one. */
  time?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 structured data, raw (without the leading/trailing space). */
  structuredData?: string;
  /** The part after the header: what vendor parsers read. */
  message: string;
}

export interface HeaderOptions {
  /** Timezone for timestamps that carry none. */
  tz: string;
  /** Reference time for inferring a missing year (ms). */
  refMs: number;
}

const MAX_TOKEN = 255;
const MAX_SD = 16 * 1024;

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** End of the token starting at i (first space or end). */
function tokenEnd(s: string, i: number): number {
  const n = s.length;
  const lim = Math.min(n, i + MAX_TOKEN + 1);
  // Native search for the space first; tabs are rare, so check for them only inside the token.
  let sp = s.indexOf(' ', i);
  if (sp < 0 || sp > lim) sp = lim;
  for (let j = i; j < sp; j++) if (s.charCodeAt(j) === 9) return j;
  return sp;
}

/** What scanToken saw in its token: the first '[' and ']' (or -1), and whether every character is a host name's. */
const tok = { lb: -1, rb: -1, host: false };

/**
 * tokenEnd, reading the token once for everything the RFC 3164 header asks of it: its end (first tab,
 * else the space), whether it can be a host name (letters, digits, "-._:") and where its brackets are.
 */
function scanToken(s: string, i: number): number {
  const lim = Math.min(s.length, i + MAX_TOKEN + 1);
  let sp = s.indexOf(' ', i);
  if (sp < 0 || sp > lim) sp = lim;
  let lb = -1, rb = -1, host = true, j = i;
  for (; j < sp; j++) {
    const c = s.charCodeAt(j);
    // Letters, digits and ':' '-' '.' '_' (48..58 is '0'..'9' and ':').
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 45 || c === 46 || c === 95) continue;
    if (c === 9) break;
    host = false;
    if (c === 91) { if (lb < 0) lb = j; } else if (c === 93 && rb < 0) rb = j;
  }
  tok.lb = lb;
  tok.rb = rb;
  tok.host = host;
  return j;
}

/** First character that is not a space or tab (a native scan: hostile lines can be 64 KiB of blanks). */
const NON_BLANK = /[^ \t]/g;

function skipSpaces(s: string, i: number): number {
  if (i >= s.length || !isSpace(s.charCodeAt(i))) return i;
  // One blank is the common case.
  const c = s.charCodeAt(i + 1);
  if (c !== 32 && c !== 9) return i + 1;
  NON_BLANK.lastIndex = i;
  return NON_BLANK.test(s) ? NON_BLANK.lastIndex - 1 : s.length;
}

/** First '[' in s[a, b), or -1; likewise ']'. Tokens are short: a loop, no search past the token. */
function charIn(s: string, a: number, b: number, code: number): number {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === code) return i;
  return -1;
}

/**
 * The tag in s[a, b) (the token scanToken read last), written to h.appName/procId: "tag:" / "tag[123]:" (colonForm), or "tag[123]"
 * without the colon (RFC 5424-ish senders, OPNsense file logs). False when the token is no tag.
 */
function tagAt(s: string, a: number, b: number, h: SyslogHeader, colonForm: boolean): boolean {
  const len = b - a;
  if (colonForm) {
    if (len < 2 || s.charCodeAt(b - 1) !== 58) return false;
    const be = b - 1; // body [a, be); s[be] is ':', so the brackets scanToken found are in the body
    const lb = tok.lb;
    if (lb > a && s.charCodeAt(be - 1) === 93) {
      h.appName = s.slice(a, lb);
      h.procId = s.slice(lb + 1, be - 1);
      return true;
    }
    if (lb >= 0 || tok.rb >= 0) return false;
    h.appName = s.slice(a, be);
    return true;
  }
  const lb = tok.lb;
  if (lb > a && s.charCodeAt(b - 1) === 93) {
    const ps = lb + 1, pe = b - 1;
    let ok = pe > ps;
    for (let i = ps; i < pe && ok; i++) { const c = s.charCodeAt(i); ok = c >= 48 && c <= 57; }
    if (ok) {
      h.appName = s.slice(a, lb);
      h.procId = s.slice(ps, pe);
      return true;
    }
  }
  return false;
}

const FACILITY_LEVEL = /^(kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\.(emerg|alert|crit|err|error|warn|warning|notice|info|debug)$/;

/**
 * `chars`: read the line's characters even when it could be read as bytes (the differential test compares
 * the two readings).
 */
export function parseHeader(line: string, opts: HeaderOptions, chars = false): SyslogHeader {
  // All fields present from the start: one object shape for every line keeps property access fast.
  const h: SyslogHeader = {
    format: 'none', pri: undefined, facility: undefined, severity: undefined, time: undefined, hostname: undefined,
    appName: undefined, procId: undefined, msgId: undefined, structuredData: undefined, message: line,
  };
  // What BYTES held belongs to the last line: it is overwritten here or not trusted.
  bytesHold(undefined);
  if (!chars && headerBytes(line, opts, h)) {
    bytesHold(h.message, line.length - h.message.length);
    return h;
  }
  const n = line.length;
  let i = 0;
  // <PRI>
  if (n > 2 && line.charCodeAt(0) === 60) {
    let j = 1, v = 0;
    while (j < n && j < 5) {
      const c = line.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      j++;
    }
    if (j > 1 && j < n && line.charCodeAt(j) === 62 && v <= 191) {
      h.pri = v;
      h.facility = v >> 3;
      h.severity = v & 7;
      i = j + 1;
    }
  }
  // RFC 5424: VERSION SP TIMESTAMP SP HOST SP APP SP PROCID SP MSGID SP SD [SP MSG]
  if (h.pri !== undefined && line.charCodeAt(i) === 49 && line.charCodeAt(i + 1) === 32) {
    const r = parse5424(line, i + 2, opts, h);
    if (r) return h;
  }
  i = skipSpaces(line, i);
  // Timestamp
  let ms: number | null = null;
  const c0 = line.charCodeAt(i);
  if (c0 >= 48 && c0 <= 57) ms = isoMsAt(line, i, opts.tz);
  else if ((c0 | 32) >= 97 && (c0 | 32) <= 122) ms = bsdMsAt(line, i, opts.tz, opts.refMs);
  if (ms !== null) {
    h.time = ms;
    i = timeEnd.end;
    h.format = 'rfc3164';
    // Cisco writes "…10:00:01: %ASA-…"
    if (line.charCodeAt(i) === 58) i++;
  } else if (h.pri !== undefined) {
    h.format = 'rfc3164';
  }
  i = skipSpaces(line, i);
  if (h.format === 'none') {
    h.message = i === 0 ? line : line.slice(i);
    return h;
  }
  // Hostname (only after a timestamp), then an optional "facility.level", then the tag. Tokens are
  // read in place; only the parts kept are sliced out.
  let e = scanToken(line, i);
  if (ms !== null && e < n && tok.host && e > i && e - i <= MAX_TOKEN && line.charCodeAt(e - 1) !== 58) {
    const host = line.slice(i, e);
    h.hostname = host;
    i = skipSpaces(line, e);
    e = scanToken(line, i);
    // UniFi repeats the host; some appliances insert "user.info".
    const len = e - i;
    if ((len === host.length && line.startsWith(host, i))
      || (len > 6 && line.charCodeAt(e - 1) !== 58 && charIn(line, i + 1, e, 46) > 0 && FACILITY_LEVEL.test(line.slice(i, e)))) {
      i = skipSpaces(line, e);
      e = scanToken(line, i);
    }
  }
  const t0 = line.charCodeAt(i);
  if (((t0 !== 37 && t0 !== 91) && tagAt(line, i, e, h, true)) || tagAt(line, i, e, h, false)) i = skipSpaces(line, e);
  h.message = i === 0 ? line : line.slice(i);
  return h;
}

/** s[a, b) is the RFC 5424 nil value "-". */
function isNil(s: string, a: number, b: number): boolean {
  return b - a === 1 && s.charCodeAt(a) === 45;
}

/**
 * End of the structured data starting with the '[' at `i` (one or more [id param="value" …] elements, with
 * \\" \\] \\\\ escapes), or -1 when it does not end within MAX_SD characters (then it is not believed, and the
 * rest stays in the message). Both readings of the header use it: from one special character to the next
 * ('\\', '"', and ']' outside quotes) with native searches, each resumed only once passed, so the parameters
 * between them are not read one character at a time.
 */
function structuredDataEnd(line: string, i: number): number {
  const n = line.length;
  const sdEnd = Math.min(n, i + MAX_SD);
  let inQuote = false;
  let bs = -1, qt = -1, rb = -1;
  while (i < sdEnd) {
    if (bs < i) { bs = line.indexOf('\\', i); if (bs < 0) bs = n; }
    if (qt < i) { qt = line.indexOf('"', i); if (qt < 0) qt = n; }
    let next = bs < qt ? bs : qt;
    if (!inQuote) {
      if (rb < i) { rb = line.indexOf(']', i); if (rb < 0) rb = n; }
      if (rb < next) next = rb;
    }
    if (next >= sdEnd) break;
    i = next;
    const c = line.charCodeAt(i);
    if (c === 92) { i += 2; continue; }
    if (c === 34) { inQuote = !inQuote; i++; continue; }
    // ']' outside quotes: the end, unless another element follows at once.
    if (line.charCodeAt(i + 1) !== 91) return i + 1;
    i++;
  }
  return -1;
}

function parse5424(line: string, start: number, opts: HeaderOptions, h: SyslogHeader): boolean {
  const n = line.length;
  let i = start;
  let e = tokenEnd(line, i);
  if (e >= n) return false;
  if (!(e - i === 1 && line.charCodeAt(i) === 45)) {
    const t = isoMsAt(line, i, opts.tz);
    if (t === null || timeEnd.end !== e) return false;
    h.time = t;
  }
  // HOSTNAME APP-NAME PROCID MSGID, each "-" for none: positions first, slices only once all four are there.
  i = e + 1;
  const f0 = i, e0 = tokenEnd(line, i);
  if (e0 === i) return false;
  i = e0 + 1;
  if (i > n) return false;
  const f1 = i, e1 = tokenEnd(line, i);
  if (e1 === i) return false;
  i = e1 + 1;
  if (i > n) return false;
  const f2 = i, e2 = tokenEnd(line, i);
  if (e2 === i) return false;
  i = e2 + 1;
  if (i > n) return false;
  const f3 = i, e3 = tokenEnd(line, i);
  if (e3 === i) return false;
  i = e3 + 1;
  if (i > n) return false;
  h.format = 'rfc5424';
  if (!isNil(line, f0, e0)) h.hostname = line.slice(f0, e0);
  if (!isNil(line, f1, e1)) h.appName = line.slice(f1, e1);
  if (!isNil(line, f2, e2)) h.procId = line.slice(f2, e2);
  if (!isNil(line, f3, e3)) h.msgId = line.slice(f3, e3);
  // Structured data: "-" or one or more [id param="value" …] with \" \] \\ escapes.
  if (line.charCodeAt(i) === 45) {
    i++;
  } else if (line.charCodeAt(i) === 91) {
    const sdStart = i;
    i = structuredDataEnd(line, i);
    if (i < 0) { h.message = line.slice(sdStart); return true; }
    h.structuredData = line.slice(sdStart, i);
  }
  if (line.charCodeAt(i) === 32) i++;
  // A UTF-8 BOM may start the message.
  if (line.charCodeAt(i) === 0xfeff) i++;
  h.message = line.slice(i);
  return true;
}

/*
 * The same header read from the line's bytes. In this V8, charCodeAt on the sliced strings lines arrive as costs
 * 30-70 instructions a character and each indexOf is a builtin call; encodeInto copies an ASCII line at about two
 * instructions a character (plus ~500 for the call), after which a byte costs a few, and the vendor's scanner
 * reuses the encoded line (see bytesHold in ascii.ts). Lines that are not ASCII or longer than HEADER_BYTES_MAX
 * take the character reading above. Every rule is the one above, read on bytes (the structured data excepted:
 * structuredDataEnd's native searches serve both); the differential test header-scan.test holds the two equal:
 * change both.
 */
const HEADER_BYTES_MAX = BYTES_MAX;
/**
 * ascii.ts's buffer, where the line is left for the vendor's scanner (see bytesHold); bytes past the line are
 * left from earlier lines, so every read is bounded by n. A constant of this module, read in headerBytes
 * itself, so that TurboFan embeds its address.
 */
const HB = BYTES;
const HB_LINE = HB.subarray(0, HEADER_BYTES_MAX);
const ENCODER = new TextEncoder();

/** What scanTokenB saw in its token (as `tok` for scanToken). */
const tokB = { lb: -1, rb: -1, host: false };

/** scanToken on bytes. */
function scanTokenB(b: Uint8Array, n: number, i: number): number {
  const lim = Math.min(n, i + MAX_TOKEN + 1);
  let lb = -1, rb = -1, host = true, j = i;
  for (; j < lim; j++) {
    const c = b[j]!;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 45 || c === 46 || c === 95) continue;
    if (c === 9 || c === 32) break;
    host = false;
    if (c === 91) { if (lb < 0) lb = j; } else if (c === 93 && rb < 0) rb = j;
  }
  tokB.lb = lb;
  tokB.rb = rb;
  tokB.host = host;
  return j;
}

/** tokenEnd on bytes: the first tab or space from i, else the token limit or the end. */
function tokenEndB(b: Uint8Array, n: number, i: number): number {
  const lim = Math.min(n, i + MAX_TOKEN + 1);
  let j = i;
  while (j < lim) { const c = b[j]; if (c === 32 || c === 9) break; j++; }
  return j;
}

/** skipSpaces on bytes. */
function skipSpacesB(b: Uint8Array, n: number, i: number): number {
  while (i < n) { const c = b[i]; if (c !== 32 && c !== 9) break; i++; }
  return i;
}

/** tagAt on bytes (tokB for tok). */
function tagAtB(b: Uint8Array, s: string, a: number, e: number, h: SyslogHeader, colonForm: boolean): boolean {
  const len = e - a;
  if (colonForm) {
    if (len < 2 || b[e - 1] !== 58) return false;
    const be = e - 1;
    const lb = tokB.lb;
    if (lb > a && b[be - 1] === 93) {
      h.appName = s.slice(a, lb);
      h.procId = s.slice(lb + 1, be - 1);
      return true;
    }
    if (lb >= 0 || tokB.rb >= 0) return false;
    h.appName = s.slice(a, be);
    return true;
  }
  const lb = tokB.lb;
  if (lb > a && b[e - 1] === 93) {
    const ps = lb + 1, pe = e - 1;
    let ok = pe > ps;
    for (let i = ps; i < pe && ok; i++) { const c = b[i]!; ok = c >= 48 && c <= 57; }
    if (ok) {
      h.appName = s.slice(a, lb);
      h.procId = s.slice(ps, pe);
      return true;
    }
  }
  return false;
}

/** parseHeader's reading on bytes, into h; false, with h untouched, when the line is not ASCII or too long. */
function headerBytes(line: string, opts: HeaderOptions, h: SyslogHeader): boolean {
  const n = line.length;
  if (n > HEADER_BYTES_MAX) return false;
  const r = ENCODER.encodeInto(line, HB_LINE);
  if (r.read !== n || r.written !== n) return false;
  const b = HB;
  let i = 0;
  if (n > 2 && b[0] === 60) {
    let j = 1, v = 0;
    while (j < n && j < 5) {
      const c = b[j]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      j++;
    }
    if (j > 1 && j < n && b[j] === 62 && v <= 191) {
      h.pri = v;
      h.facility = v >> 3;
      h.severity = v & 7;
      i = j + 1;
    }
  }
  if (h.pri !== undefined && b[i] === 49 && b[i + 1] === 32 && i + 1 < n) {
    if (parse5424B(b, n, line, i + 2, opts, h)) return true;
  }
  i = skipSpacesB(b, n, i);
  let ms: number | null = null;
  const c0 = i < n ? b[i]! : 0;
  if (c0 >= 48 && c0 <= 57) ms = isoMsAtBytes(b, n, i, opts.tz);
  else if ((c0 | 32) >= 97 && (c0 | 32) <= 122) ms = bsdMsAtBytes(b, n, i, opts.tz, opts.refMs);
  if (ms !== null) {
    h.time = ms;
    i = timeEnd.end;
    h.format = 'rfc3164';
    if (i < n && b[i] === 58) i++;
  } else if (h.pri !== undefined) {
    h.format = 'rfc3164';
  }
  i = skipSpacesB(b, n, i);
  if (h.format === 'none') {
    h.message = i === 0 ? line : line.slice(i);
    return true;
  }
  let e = scanTokenB(b, n, i);
  if (ms !== null && e < n && tokB.host && e > i && e - i <= MAX_TOKEN && b[e - 1] !== 58) {
    const host = line.slice(i, e);
    h.hostname = host;
    i = skipSpacesB(b, n, e);
    e = scanTokenB(b, n, i);
    const len = e - i;
    let dot = false;
    for (let k = i + 1; k < e && !dot; k++) dot = b[k] === 46;
    if ((len === host.length && line.startsWith(host, i))
      || (len > 6 && b[e - 1] !== 58 && dot && FACILITY_LEVEL.test(line.slice(i, e)))) {
      i = skipSpacesB(b, n, e);
      e = scanTokenB(b, n, i);
    }
  }
  const t0 = i < n ? b[i]! : 0;
  if (((t0 !== 37 && t0 !== 91) && tagAtB(b, line, i, e, h, true)) || tagAtB(b, line, i, e, h, false)) i = skipSpacesB(b, n, e);
  h.message = i === 0 ? line : line.slice(i);
  return true;
}

/** parse5424 on bytes. */
function parse5424B(b: Uint8Array, n: number, line: string, start: number, opts: HeaderOptions, h: SyslogHeader): boolean {
  let i = start;
  let e = tokenEndB(b, n, i);
  if (e >= n) return false;
  if (!(e - i === 1 && b[i] === 45)) {
    const t = isoMsAtBytes(b, n, i, opts.tz);
    if (t === null || timeEnd.end !== e) return false;
    h.time = t;
  }
  i = e + 1;
  const f0 = i, e0 = tokenEndB(b, n, i);
  if (e0 === i) return false;
  i = e0 + 1;
  if (i > n) return false;
  const f1 = i, e1 = tokenEndB(b, n, i);
  if (e1 === i) return false;
  i = e1 + 1;
  if (i > n) return false;
  const f2 = i, e2 = tokenEndB(b, n, i);
  if (e2 === i) return false;
  i = e2 + 1;
  if (i > n) return false;
  const f3 = i, e3 = tokenEndB(b, n, i);
  if (e3 === i) return false;
  i = e3 + 1;
  if (i > n) return false;
  h.format = 'rfc5424';
  if (!(e0 - f0 === 1 && b[f0] === 45)) h.hostname = line.slice(f0, e0);
  if (!(e1 - f1 === 1 && b[f1] === 45)) h.appName = line.slice(f1, e1);
  if (!(e2 - f2 === 1 && b[f2] === 45)) h.procId = line.slice(f2, e2);
  if (!(e3 - f3 === 1 && b[f3] === 45)) h.msgId = line.slice(f3, e3);
  if (i < n && b[i] === 45) {
    i++;
  } else if (i < n && b[i] === 91) {
    const sdStart = i;
    i = structuredDataEnd(line, i);
    if (i < 0) { h.message = line.slice(sdStart); return true; }
    h.structuredData = line.slice(sdStart, i);
  }
  if (i < n && b[i] === 32) i++;
  h.message = line.slice(i);
  return true;
}
