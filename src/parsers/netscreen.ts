/**
 * Juniper NetScreen / SSG firewalls (ScreenOS), as its syslog sends them (ScreenOS Message Log Reference):
 *
 *   NetScreen device_id=ssg5  [Root]system-notification-00257(traffic): start_time="2026-11-23 10:00:00"
 *   duration=0 policy_id=320001 service=tcp/port:3389 proto=6 src zone=Untrust dst zone=Trust action=Deny
 *   sent=0 rcvd=40 src=203.0.113.5 dst=192.0.2.10 src_port=51515 dst_port=3389 session_id=0 reason=Traffic Denied
 *
 * A permitted session is logged once, when it ends (duration, bytes both ways, "reason=Close - TCP FIN"), with
 * "src-xlated ip=… port=…" / "dst-xlated ip=… port=…" for NAT and "icmp type=8" instead of ports for ICMP. Keys
 * are not all key=value: "src zone=" and "dst zone=" carry their side in the word before, and reason runs to the
 * end of the line. The screens (attack protection) write alerts of their own:
 *
 *   [Root]system-alert-00016: Port scan! From 203.0.113.5:54886 to 192.0.2.10:406, proto TCP (zone Untrust, int
 *   ethernet0/0). Occurred 1 times.
 *
 * read as a blocked attempt (screens drop by default; the line does not say, so the decision is marked as
 * inferred), the attack's name as the rule. Other messages (admin logins, VPN, configuration) give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { addCounts, bounded, buildEvent, newFlow, splitHostPort, type Flow } from './flow';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const MARK = 'NetScreen device_id=';

/** Where "NetScreen device_id=" is (within the first 64 characters of the message), or -1. */
function markAt(m: string): number {
  if (m.startsWith(MARK)) return 0;
  const p = m.indexOf(MARK);
  return p > 0 && p <= 64 ? p : -1;
}

function detect(h: SyslogHeader): boolean {
  return markAt(bounded(h.message, 256)) >= 0;
}

function actionOf(v: string | undefined): Action | undefined {
  if (v === undefined) return undefined;
  const a = v.toLowerCase();
  if (a === 'permit' || a === 'tunnel') return 'allow';
  if (a === 'deny' || a === 'reject') return 'deny';
  return undefined;
}

/**
 * The traffic record's fields from `i` on, into f. "src zone=", "dst zone=", "src-xlated ip= port=",
 * "dst-xlated ip= port=" and "icmp type= code=" take their meaning from the word before.
 */
function readTraffic(m: string, i: number, f: Flow): { action?: Action; sent?: number; rcvd?: number } {
  const out: { action?: Action; sent?: number; rcvd?: number } = {};
  let context = '';
  for (let pairs = 0; i < m.length && pairs < 64; pairs++) {
    while (m.charCodeAt(i) === 32) i++;
    if (i >= m.length) break;
    let e = m.indexOf(' ', i);
    if (e < 0) e = m.length;
    const eq = m.indexOf('=', i);
    if (eq < 0 || eq > e) {
      // a word without "=": the side or kind of the pairs that follow
      context = m.slice(i, e);
      i = e + 1;
      continue;
    }
    const key = m.slice(i, eq);
    if (key === 'reason') break;
    let value: string;
    if (m.charCodeAt(eq + 1) === 34) {
      const q = m.indexOf('"', eq + 2);
      if (q < 0) break;
      value = m.slice(eq + 2, q);
      e = q + 1;
    } else value = m.slice(eq + 1, e);
    i = e + 1;
    switch (key) {
      case 'src': f.src = value; break;
      case 'dst': f.dst = value; break;
      case 'src_port': f.spt = toPort(value); break;
      case 'dst_port': f.dpt = toPort(value); break;
      case 'proto': f.proto = value; break;
      case 'action': out.action = actionOf(value); break;
      case 'sent': out.sent = toInt(value); break;
      case 'rcvd': out.rcvd = toInt(value); break;
      case 'duration': f.duration = toInt(value); break;
      case 'policy_id': f.ruleId = value; break;
      case 'zone':
        if (context === 'src') f.srcZone = value;
        else if (context === 'dst') f.dstZone = value;
        break;
      case 'ip':
        if (context === 'src-xlated') f.natSrc = value;
        else if (context === 'dst-xlated') f.natDst = value;
        break;
      case 'port':
        if (context === 'src-xlated') f.natSrcPort = toPort(value);
        else if (context === 'dst-xlated') f.natDstPort = toPort(value);
        break;
      case 'type': if (context === 'icmp') f.icmpType = toInt(value, 0, 255); break;
      case 'code': if (context === 'icmp') f.icmpCode = toInt(value, 0, 255); break;
      default: break;
    }
  }
  return out;
}

/** "Port scan! From a[:p] to b[:q], proto TCP (zone Untrust, int ethernet0/0). Occurred 3 times." from i. */
function readScreen(m: string, i: number, f: Flow): boolean {
  const bang = m.indexOf('! From ', i);
  if (bang < 0 || bang - i > 64) return false;
  f.ruleName = m.slice(i, bang).trim();
  const from = bang + 7;
  const to = m.indexOf(' to ', from);
  if (to < 0 || to - from > 64) return false;
  const comma = m.indexOf(', proto ', to);
  if (comma < 0 || comma - to > 70) return false;
  [f.src, f.spt] = splitHostPort(m.slice(from, to));
  [f.dst, f.dpt] = splitHostPort(m.slice(to + 4, comma));
  const pe = m.indexOf(' ', comma + 8);
  f.proto = m.slice(comma + 8, pe < 0 ? m.length : pe);
  const zone = m.indexOf('(zone ', comma);
  if (zone > 0 && zone - comma < 40) {
    const zc = m.indexOf(',', zone);
    if (zc > zone) {
      f.srcZone = m.slice(zone + 6, zc);
      const it = m.indexOf('int ', zc);
      const close = m.indexOf(')', zc);
      if (it > 0 && close > it) f.inIf = m.slice(it + 4, close);
    }
  }
  const occ = m.indexOf('Occurred ', comma);
  if (occ > 0) {
    const sp = m.indexOf(' ', occ + 9);
    f.packets = toInt(m.slice(occ + 9, sp < 0 ? m.length : sp));
  }
  return true;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = markAt(m);
  if (at < 0) return null;
  // "[Root]system-notification-00257(traffic): " or "[Root]system-alert-00016: "
  const sys = m.indexOf(']system-', at);
  if (sys < 0 || sys - at > 64) return null;
  const colon = m.indexOf(': ', sys);
  if (colon < 0 || colon - sys > 48) return null;
  const head = m.slice(sys + 8, colon);
  const dash = head.lastIndexOf('-');
  const id = dash > 0 ? head.slice(dash + 1, dash + 6) : undefined;
  const f = newFlow();
  f.code = id;
  if (head.endsWith('(traffic)')) {
    const r = readTraffic(m, colon + 2, f);
    if (r.action === undefined) return null;
    f.action = r.action;
    f.bytes = addCounts(r.sent, r.rcvd);
  } else {
    if (!readScreen(m, colon + 2, f)) return null;
    f.action = 'deny';
    f.inferred = true;
  }
  return buildEvent('netscreen', 'juniper', 'screenos', h, ctx, f);
}

export const netscreen: VendorParser = {
  id: 'netscreen',
  title: 'Juniper NetScreen / SSG (ScreenOS traffic log and screen alarms)',
  logHint: 'tick Logging on the policies (including the default deny, set policy … log), and in Configuration › Report Settings › Syslog enable Traffic Log',
  detect,
  parse,
};
