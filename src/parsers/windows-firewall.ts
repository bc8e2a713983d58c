/**
 * Windows Defender Firewall, two sources:
 *
 * 1. The packet log file pfirewall.log (W3C extended format), lines after its "#Fields:" header:
 *      2026-11-23 10:00:00 DROP TCP 203.0.113.5 192.0.2.10 51515 3389 40 S 123456 0 1024 - - - RECEIVE
 *    date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin
 *    icmptype icmpcode info path [pid]. "-" is an empty field. Times are local (the site zone).
 *    Also accepted when a relay (NXLog, Snare) puts a syslog header in front.
 *
 * 2. Windows Filtering Platform audit events 5152–5159 from the Security log, as NXLog's JSON output
 *    (im_msvistalog + to_json) sends them: {"EventID":5156, "SourceAddress":…, "DestAddress":…}.
 *    5156/5154/5158 were permitted, 5152/5157/5155/5159 blocked. Other event ids give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { parseIsoAt } from '../syslog/time';
import { bounded, buildEvent, FIELD_WINDOW, newFlow, splitChar, tcpFlagLetters } from './flow';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const W3C_ACTIONS: Record<string, Action> = { ALLOW: 'allow', DROP: 'deny' };
const WFP_ACTIONS: Record<string, Action> = {
  5152: 'deny', 5153: 'deny', 5154: 'allow', 5155: 'deny', 5156: 'allow', 5157: 'deny', 5158: 'allow', 5159: 'deny',
};
const MAX_JSON = 64 * 1024;

function dash(s: string | undefined): string | undefined {
  return s === undefined || s === '-' || s === '' ? undefined : s;
}

/** The W3C record fields starting at the action ("DROP TCP …"), with the time when the line gives it. */
function w3cFields(h: SyslogHeader, ctx: ParseContext): [string[], number | undefined] | null {
  const m = bounded(h.message);
  // Read by the header as "<date time> <host=DROP> …": the action became the hostname.
  if (h.format === 'rfc3164' && h.hostname !== undefined && Object.hasOwn(W3C_ACTIONS, h.hostname) && h.appName === undefined) {
    const f = splitChar(m, ' ', 16);
    f.unshift(h.hostname);
    return [f, h.time];
  }
  // "2026-11-23 10:00:00 DROP …" inside the message (after a relay's header).
  const c = m.charCodeAt(0);
  if (c >= 48 && c <= 57 && m.charCodeAt(4) === 45 && m.charCodeAt(10) === 32) {
    const t = parseIsoAt(m, 0, ctx.tz);
    if (!t || m.charCodeAt(t[1]) !== 32) return null;
    const f = splitChar(m, ' ', 16, false, t[1] + 1, Math.min(m.length, t[1] + 1 + 1024));
    return [f, t[0]];
  }
  return null;
}

/** The EventID value in NXLog JSON ("EventID":5156 or "EventID": "5156"), read in place, or ''. */
function eventIdOf(m: string): string {
  const p = m.indexOf('"EventID"');
  if (p < 0) return '';
  let i = p + 9;
  while (i < m.length && (m.charCodeAt(i) === 32 || m.charCodeAt(i) === 58 || m.charCodeAt(i) === 34)) i++;
  const s = i;
  while (i < m.length && i - s < 6 && m.charCodeAt(i) >= 48 && m.charCodeAt(i) <= 57) i++;
  return m.slice(s, i);
}

function isWfp(m: string): boolean {
  return m.charCodeAt(0) === 123 && m.length <= MAX_JSON && Object.hasOwn(WFP_ACTIONS, eventIdOf(m))
    && m.indexOf('"Microsoft-Windows-Security-Auditing"') > 0;
}

/** pfirewall.log's own lines that are not connections: its header and the "events lost" record (null, but ours). */
const OWN_HEADERS = ['#Version: 1.5', '#Software: Microsoft Windows Firewall', '#Time Format: ', '#Fields: date time action '];
const OWN_RECORDS: Record<string, true> = { 'INFO-EVENTS-LOST': true };

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message);
  const c = m.charCodeAt(0);
  // (the Security log's other events are Windows' too: parse() gives null for them)
  if (c === 123) return m.length <= MAX_JSON && m.indexOf('"Microsoft-Windows-Security-Auditing"') > 0;
  if (c === 35) return OWN_HEADERS.some((x) => m.startsWith(x));
  const r = (h.format === 'rfc3164' && h.hostname !== undefined && (Object.hasOwn(W3C_ACTIONS, h.hostname) || Object.hasOwn(OWN_RECORDS, h.hostname)))
    || (m.charCodeAt(4) === 45 && m.charCodeAt(10) === 32 && m.charCodeAt(13) === 58);
  return r;
}

/** A record read as "<date time> <host=DROP> …" names no host: the action sat where the host goes. */
function hostOf(h: SyslogHeader): string | undefined {
  const n = h.hostname;
  return n !== undefined && h.format === 'rfc3164' && (Object.hasOwn(W3C_ACTIONS, n) || Object.hasOwn(OWN_RECORDS, n)) ? undefined : n;
}

function parseW3c(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const r = w3cFields(h, ctx);
  if (!r) return null;
  const [f, time] = r;
  const act = f[0]!;
  if (!Object.hasOwn(W3C_ACTIONS, act)) return null;
  if (f.length < 8) return null;
  const proto = f[1]!;
  const t = proto.toUpperCase();
  const icmp = t === 'ICMP' || t === 'ICMPV6';
  const flags = dash(f[7]);
  const hdr: SyslogHeader = { ...h, time: undefined, hostname: h.hostname !== undefined && Object.hasOwn(W3C_ACTIONS, h.hostname) ? undefined : h.hostname };
  const flow = newFlow();
  flow.action = W3C_ACTIONS[act]!;
  flow.proto = proto;
  flow.src = f[2];
  flow.dst = f[3];
  flow.spt = icmp ? undefined : toPort(dash(f[4]));
  flow.dpt = icmp ? undefined : toPort(dash(f[5]));
  flow.bytes = toInt(dash(f[6]));
  flow.packets = 1;
  flow.tcpFlags = t === 'TCP' && flags !== undefined ? tcpFlagLetters(flags) : undefined;
  flow.icmpType = icmp ? toInt(dash(f[11]), 0, 255) : undefined;
  flow.icmpCode = icmp ? toInt(dash(f[12]), 0, 255) : undefined;
  flow.timeMs = time;
  const ev = buildEvent('windows-firewall', 'microsoft', 'windows-defender-firewall', hdr, ctx, flow);
  if (ev) {
    const path = dash(f[14]);
    if (path === 'RECEIVE' || path === 'SEND' || path === 'FORWARD') ev.gatewatch!.path = path;
  }
  return ev;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function parseWfp(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  if (!isWfp(h.message)) return null;
  let o: unknown;
  if (h.message.length > FIELD_WINDOW) return null;
  try { o = JSON.parse(h.message); } catch { return null; }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const id = str(r.EventID);
  if (id === undefined || !Object.hasOwn(WFP_ACTIONS, id)) return null;
  if (str(r.SourceName) !== 'Microsoft-Windows-Security-Auditing') return null;
  const dir = str(r.Direction);
  const inbound = dir === '%%14592' || dir === 'Inbound';
  let time: number | undefined;
  const ts = str(r['@timestamp']) ?? str(r.EventTime) ?? str(r.TimeCreated);
  if (ts !== undefined && ts.length >= 19) { const t = parseIsoAt(ts, 0, ctx.tz); if (t) time = t[0]; }
  const hdr: SyslogHeader = { ...h, hostname: h.hostname ?? str(r.Hostname) };
  const flow = newFlow();
  flow.action = WFP_ACTIONS[id]!;
  flow.src = str(r.SourceAddress);
  flow.spt = toPort(str(r.SourcePort));
  flow.dst = str(r.DestAddress);
  flow.dpt = toPort(str(r.DestPort));
  flow.proto = str(r.Protocol);
  flow.app = str(r.Application);
  flow.timeMs = time;
  flow.code = id;
  const ev = buildEvent('windows-firewall', 'microsoft', 'windows-filtering-platform', hdr, ctx, flow);
  if (ev && dir !== undefined) ev.gatewatch!.wfp_direction = inbound ? 'inbound' : 'outbound';
  return ev;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  return h.message.charCodeAt(0) === 123 ? parseWfp(h, ctx) : parseW3c(h, ctx);
}

export const windowsFirewall: VendorParser = {
  id: 'windows-firewall',
  title: 'Windows Defender Firewall (pfirewall.log; Filtering Platform events 5152–5159 as NXLog JSON)',
  logHint: 'turn on Log dropped packets and Log successful connections (Windows Defender Firewall › Properties › Logging › Customize), or for Security log events the audit of Filtering Platform Connection (auditpol)',
  detect,
  parse,
  hostOf,
};
