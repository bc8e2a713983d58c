/**
 * DrayTek Vigor (DrayOS) firewall syslog, IP filter rules with "Syslog" ticked:
 *
 *   Vigor: [FILTER][Block][WAN->LAN/RT/VPN, 12:34:56 ][@S:R=13:1, 203.0.113.5:51515->198.51.100.2:23 ]
 *   [TCP][HLen=20, TLen=40, Flag=S, Seq=1234567, Ack=0, Win=1024 ]
 *
 * Bracketed groups in a fixed order: facility ([FILTER]), decision ([Pass]/[Block]), direction (with an
 * optional uptime), rule ("@S:R=<set>:<rule>") with the addresses, protocol, then header details.
 * ICMP shows addresses without ports and "[ICMP][HLen=…, TLen=…, Type=8, Code=0]". Other Vigor
 * messages (PPP, DHCP, user logins, CSM URL logs) give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { bounded, buildEvent, newFlow, splitHostPort, tcpFlagLetters } from './flow';
import { toInt } from './kv';
import type { ParseContext, VendorParser } from './types';

const WINDOW = 48;

function filterAt(m: string): number {
  const p = m.indexOf('[FILTER][');
  return p >= 0 && p <= WINDOW ? p : -1;
}

function detect(h: SyslogHeader): boolean {
  return filterAt(bounded(h.message, 128)) >= 0 || isVigorTag(h.appName);
}

/** DrayTek's syslog tag: "Vigor" or a model ("Vigor2927"), on its notices (PPPoE, DHCP, logins) too. */
function isVigorTag(app: string | undefined): boolean {
  if (app === undefined || !app.startsWith('Vigor') || app.length > 16) return false;
  for (let i = 5; i < app.length; i++) { const c = app.charCodeAt(i); if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false; }
  return true;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const p = filterAt(m);
  if (p < 0) return null;
  // Up to eight bracketed groups.
  const groups: string[] = [];
  let i = p;
  while (groups.length < 8 && i < m.length && m.charCodeAt(i) === 91) {
    const e = m.indexOf(']', i);
    if (e < 0 || e - i > 512) break;
    groups.push(m.slice(i + 1, e).trim());
    i = e + 1;
  }
  if (groups.length < 4) return null;
  const d = groups[1]!.toLowerCase();
  let action: Action | undefined;
  if (d === 'block' || d === 'drop' || d === 'deny') action = 'deny';
  else if (d === 'pass' || d === 'accept' || d === 'allow') action = 'allow';
  if (action === undefined) return null;
  let dir = groups[2]!;
  const comma = dir.indexOf(',');
  if (comma >= 0) dir = dir.slice(0, comma).trim();
  // Rule and addresses: "@S:R=13:1, a:p->b:q"
  let ruleGroup = -1;
  for (let k = 3; k < groups.length; k++) if (groups[k]!.startsWith('@') || groups[k]!.indexOf('->') > 0) { ruleGroup = k; break; }
  if (ruleGroup < 0) return null;
  const rg = groups[ruleGroup]!;
  let rule: string | undefined;
  let tuple = rg;
  if (rg.startsWith('@')) {
    const c = rg.indexOf(',');
    if (c < 0) return null;
    rule = rg.slice(1, c);
    tuple = rg.slice(c + 1).trim();
  }
  const arrow = tuple.indexOf('->');
  if (arrow < 0) return null;
  const [src, spt] = splitHostPort(tuple.slice(0, arrow).trim());
  const [dst, dpt] = splitHostPort(tuple.slice(arrow + 2).trim());
  const proto = groups[ruleGroup + 1];
  let flags: string[] | undefined, icmpType: number | undefined, icmpCode: number | undefined, len: number | undefined;
  const details = groups[ruleGroup + 2];
  if (details !== undefined) {
    // details.split(',', 16), walked with indexOf (no array of parts).
    let at = 0;
    for (let part = 0; part < 16; part++) {
      let ce = details.indexOf(',', at);
      if (ce < 0) ce = details.length;
      const kv = details.slice(at, ce);
      at = ce + 1;
      const last = ce === details.length;
      const eq = kv.indexOf('=');
      if (eq < 0) { if (last) break; continue; }
      const k = kv.slice(0, eq).trim(), v = kv.slice(eq + 1).trim();
      if (k === 'Flag') flags = tcpFlagLetters(v);
      else if (k === 'TLen') len = toInt(v, 0, 65535 + 40);
      else if (k === 'Type') icmpType = toInt(v, 0, 255);
      else if (k === 'Code') icmpCode = toInt(v, 0, 255);
      if (last) break;
    }
  }
  const arrowDir = dir.indexOf('->');
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action;
  flow.inIf = arrowDir > 0 ? dir.slice(0, arrowDir) : undefined;
  flow.outIf = arrowDir > 0 ? dir.slice(arrowDir + 2) : undefined;
  flow.ruleName = rule;
  flow.tcpFlags = flags;
  flow.icmpType = icmpType;
  flow.icmpCode = icmpCode;
  flow.bytes = len;
  flow.packets = 1;
  return buildEvent('draytek', 'draytek', 'vigor', h, ctx, flow);
}

export const draytek: VendorParser = {
  id: 'draytek',
  title: 'DrayTek Vigor (IP filter syslog)',
  logHint: 'tick Firewall Log in System Maintenance › Syslog/Mail Alert, and Syslog on the filter rules',
  detect,
  parse,
};
