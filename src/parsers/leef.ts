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
import { actionFromName, actionOf, cefExtension, cefTime, networkish, vendorId } from './cef';
import { bounded, buildEvent, FLOW, splitHostPort, tcpFlagLetters } from './flow';
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
  let pipes = 0;
  const lim = Math.min(m.length, at + 1024);
  for (let i = at; i < lim && pipes < 5; i++) if (m.charCodeAt(i) === 124) pipes++;
  return pipes >= 5;
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

/** Attributes separated by `delim`; the first '=' splits key and value. */
function splitAttrs(s: string, start: number, delim: string): Record<string, string> {
  const o: Record<string, string> = Object.create(null);
  let i = start;
  const n = s.length;
  let pairs = 0;
  while (i < n && pairs++ < MAX_PAIRS) {
    let e = s.indexOf(delim, i);
    if (e < 0) e = n;
    const eq = s.indexOf('=', i);
    if (eq > i && eq < e) {
      const k = s.slice(i, eq).trim();
      if (k.length > 0 && k.length <= 64 && !(k in o)) {
        let v = s.slice(eq + 1, e);
        if (v.indexOf('\\=') >= 0) v = v.split('\\=').join('=');
        o[k] = v.trim();
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
  let x: Record<string, string>;
  if (m.indexOf(delim, i) >= 0) x = splitAttrs(m, i, delim);
  else if (delim === '\t' && m.indexOf('#011', i) >= 0) x = splitAttrs(m, i, '#011');
  else x = cefExtension(m, i);

  let src = x.src ?? x.srcPreNAT;
  let dst = x.dst ?? x.dstPreNAT;
  let spt = toPort(x.srcPort ?? x.srcPreNATPort);
  let dpt = toPort(x.dstPort ?? x.dstPreNATPort);
  let proto = x.proto;
  if (proto !== undefined) { const sl = proto.indexOf('/'); if (sl >= 0) proto = proto.slice(0, sl); }
  if (src !== undefined && src.indexOf('.') > 0 && src.indexOf(':') > 0) { const [a, p] = splitHostPort(src); src = a; spt ??= p; }
  if (dst !== undefined && dst.indexOf('.') > 0 && dst.indexOf(':') > 0) { const [a, p] = splitHostPort(dst); dst = a; dpt ??= p; }
  if (!networkish(src, dst, proto, spt, dpt)) return null;

  const vendor = vendorId(fields[1]!);
  const product = fields[2]!.trim() || 'leef';
  let action = actionOf(x.action) ?? actionOf(x.disp) ?? actionOf(x.fw_action);
  if (action === undefined) action = actionFromName(fields[4]!);
  const inferred = action === undefined;
  const sb = toInt(x.srcBytes ?? x.sent_bytes ?? x.bytesOut), rb = toInt(x.dstBytes ?? x.rcvd_bytes ?? x.bytesIn);
  const sp = toInt(x.srcPackets), rp = toInt(x.dstPackets);
  let time: number | undefined;
  if (x.devTime !== undefined) time = cefTime(x.devTime, ctx);
  const flags = x.tcp_flag !== undefined ? tcpFlagLetters(x.tcp_flag) : undefined;
  return buildEvent('leef', vendor, product, h, ctx, { ...FLOW,
    src, dst, spt, dpt, proto,
    action: action ?? 'allow', inferred,
    inIf: x.in_if ?? x.srcInterface, outIf: x.out_if ?? x.dstInterface,
    srcMac: x.srcMAC,
    natSrc: x.srcPostNAT, natSrcPort: toPort(x.srcPostNATPort ?? x.srcPostNATPORT),
    natDst: x.dstPostNAT, natDstPort: toPort(x.dstPostNATPort ?? x.dstPostNATPORT),
    bytes: sb !== undefined || rb !== undefined ? (sb ?? 0) + (rb ?? 0) : toInt(x.totalBytes),
    packets: sp !== undefined || rp !== undefined ? (sp ?? 0) + (rp ?? 0) : toInt(x.totalPackets),
    ruleName: x.policy ?? x.rule ?? x.ruleName,
    tcpFlags: flags,
    user: x.usrName ?? x.src_user,
    app: x.app ?? x.app_name,
    duration: toInt(x.duration),
    timeMs: time,
    code: fields[4],
  });
}

export const leef: VendorParser = {
  id: 'leef',
  title: 'LEEF 1.0/2.0 (IBM QRadar format: WatchGuard, Forcepoint and other senders)',
  detect,
  parse,
};
