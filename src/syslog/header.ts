/**
 * Syslog header parsing: RFC 5424, RFC 3164 (BSD) and the variants gateways really send
 * (no <PRI> in files, Cisco's year-before-time, ISO timestamps in BSD position, a missing hostname).
 *
 * It never fails: what it cannot read stays in `message`. It never searches the whole line; each
 * field is read at its own position, so attacker text later in the line cannot change the header.
 */
import { parseBsdAt, parseIsoAt } from './time';

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

/** First character that is not a space or tab (a native scan: hostile lines can be 64 KiB of blanks). */
const NON_BLANK = /[^ \t]/g;

function skipSpaces(s: string, i: number): number {
  if (i >= s.length || !isSpace(s.charCodeAt(i))) return i;
  NON_BLANK.lastIndex = i;
  return NON_BLANK.test(s) ? NON_BLANK.lastIndex - 1 : s.length;
}

/** "tag:", "tag[123]:" → [appName, procId]; otherwise null. */
function readTag(tok: string): [string, string | undefined] | null {
  const n = tok.length;
  if (n < 2 || tok.charCodeAt(n - 1) !== 58) return null;
  const body = tok.slice(0, -1);
  const lb = body.indexOf('[');
  if (lb > 0 && body.charCodeAt(body.length - 1) === 93) return [body.slice(0, lb), body.slice(lb + 1, -1)];
  if (lb >= 0 || body.indexOf(']') >= 0) return null;
  return [body, undefined];
}

/** "tag[123]" without the colon (RFC 5424-ish senders, OPNsense file logs). */
function readTagNoColon(tok: string): [string, string] | null {
  const lb = tok.indexOf('[');
  if (lb > 0 && tok.charCodeAt(tok.length - 1) === 93) {
    const pid = tok.slice(lb + 1, -1);
    let ok = pid.length > 0;
    for (let i = 0; i < pid.length && ok; i++) { const c = pid.charCodeAt(i); ok = c >= 48 && c <= 57; }
    if (ok) return [tok.slice(0, lb), pid];
  }
  return null;
}

function looksLikeHostname(tok: string): boolean {
  if (tok.length === 0 || tok.length > MAX_TOKEN) return false;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || c === 58;
    if (!ok) return false;
  }
  // A trailing colon makes it a tag, not a host.
  return tok.charCodeAt(tok.length - 1) !== 58;
}

const FACILITY_LEVEL = /^(kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\.(emerg|alert|crit|err|error|warn|warning|notice|info|debug)$/;

export function parseHeader(line: string, opts: HeaderOptions): SyslogHeader {
  // All fields present from the start: one object shape for every line keeps property access fast.
  const h: SyslogHeader = {
    format: 'none', pri: undefined, facility: undefined, severity: undefined, time: undefined, hostname: undefined,
    appName: undefined, procId: undefined, msgId: undefined, structuredData: undefined, message: line,
  };
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
  let t: [number, number] | [number, number, boolean] | null = null;
  const c0 = line.charCodeAt(i);
  if (c0 >= 48 && c0 <= 57) t = parseIsoAt(line, i, opts.tz);
  else if ((c0 | 32) >= 97 && (c0 | 32) <= 122) t = parseBsdAt(line, i, opts.tz, opts.refMs);
  if (t) {
    h.time = t[0];
    i = t[1];
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
  // Hostname (only after a timestamp), then an optional "facility.level", then the tag.
  let e = tokenEnd(line, i);
  let tok = line.slice(i, e);
  if (t) {
    const tag0 = readTag(tok);
    if (!tag0 && looksLikeHostname(tok) && e < n && !startsTag(tok)) {
      h.hostname = tok;
      i = skipSpaces(line, e);
      e = tokenEnd(line, i);
      tok = line.slice(i, e);
      // UniFi repeats the host; some appliances insert "user.info".
      if (tok === h.hostname || (tok.length > 6 && tok.charCodeAt(tok.length - 1) !== 58 && tok.indexOf('.') > 0 && FACILITY_LEVEL.test(tok))) {
        i = skipSpaces(line, e);
        e = tokenEnd(line, i);
        tok = line.slice(i, e);
      }
    }
  }
  const tag = startsTag(tok) ? null : readTag(tok);
  if (tag) {
    h.appName = tag[0];
    if (tag[1] !== undefined) h.procId = tag[1];
    i = skipSpaces(line, e);
  } else {
    const t2 = readTagNoColon(tok);
    if (t2) {
      h.appName = t2[0];
      h.procId = t2[1];
      i = skipSpaces(line, e);
    }
  }
  h.message = i === 0 ? line : line.slice(i);
  return h;
}

/** Tokens that start a message body rather than name a host: Cisco's "%ASA-…", bracketed prefixes. */
function startsTag(tok: string): boolean {
  const c = tok.charCodeAt(0);
  return c === 37 || c === 91;
}

function parse5424(line: string, start: number, opts: HeaderOptions, h: SyslogHeader): boolean {
  const n = line.length;
  let i = start;
  let e = tokenEnd(line, i);
  if (e >= n) return false;
  if (!(e - i === 1 && line.charCodeAt(i) === 45)) {
    const t = parseIsoAt(line, i, opts.tz);
    if (!t || t[1] !== e) return false;
    h.time = t[0];
  }
  const fields: string[] = [];
  i = e + 1;
  for (let k = 0; k < 4; k++) {
    e = tokenEnd(line, i);
    if (e === i) return false;
    fields.push(line.slice(i, e));
    i = e + 1;
    if (i > n) return false;
  }
  h.format = 'rfc5424';
  if (fields[0] !== '-') h.hostname = fields[0];
  if (fields[1] !== '-') h.appName = fields[1];
  if (fields[2] !== '-') h.procId = fields[2];
  if (fields[3] !== '-') h.msgId = fields[3];
  // Structured data: "-" or one or more [id param="value" …] with \" \] \\ escapes.
  if (line.charCodeAt(i) === 45) {
    i++;
  } else if (line.charCodeAt(i) === 91) {
    const sdStart = i;
    let inQuote = false;
    let depthOk = false;
    // Structured data longer than MAX_SD is not believed: the rest stays in the message.
    const sdEnd = Math.min(n, i + MAX_SD);
    for (; i < sdEnd; i++) {
      const c = line.charCodeAt(i);
      if (c === 92) { i++; continue; }
      if (c === 34) inQuote = !inQuote;
      else if (!inQuote && c === 93) {
        if (line.charCodeAt(i + 1) !== 91) { i++; depthOk = true; break; }
      }
    }
    if (!depthOk) { h.message = line.slice(sdStart); return true; }
    h.structuredData = line.slice(sdStart, i);
  }
  if (line.charCodeAt(i) === 32) i++;
  // A UTF-8 BOM may start the message.
  if (line.charCodeAt(i) === 0xfeff) i++;
  h.message = line.slice(i);
  return true;
}
