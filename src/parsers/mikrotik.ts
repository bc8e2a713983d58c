/**
 * MikroTik RouterOS firewall rules with `action=log` (or `log=yes`), sent by remote logging:
 *
 *   firewall,info drop-wan input: in:ether1 out:(unknown 0), connection-state:new src-mac 00:00:5e:00:53:01,
 *   proto TCP (SYN), 203.0.113.5:51515->198.51.100.2:23, len 40
 *
 * The topics ("firewall,info") may be missing, the log prefix ("drop-wan") is whatever the admin set,
 * the chain ("input", "forward", a custom one) ends with ':'. ICMP shows "proto ICMP (type 8, code 0)"
 * and no ports; IPv6 endpoints are bracketed; NAT adds "NAT (a:p->b:q)->c:r". RouterOS does not log
 * the rule's action, so it is read from the prefix ("drop", "accept", "reject" …) and otherwise taken
 * as a drop, the usual reason to log (gatewatch.action_inferred is then true).
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionOf } from './cef';
import { bounded, buildEvent, newFlow, splitChar, splitHostPort, tcpFlagLetters } from './flow';
import { toInt } from './kv';
import type { ParseContext, VendorParser } from './types';

const WINDOW = 256;

/** Index of " in:" that follows the chain's ':' (i.e. ": in:"), or -1. */
function inAt(m: string): number {
  // "input: in:…" read by the header as a program tag leaves the message starting at "in:".
  if (m.startsWith('in:')) return 0;
  const p = m.indexOf(': in:');
  return p >= 0 && p <= WINDOW ? p + 2 : -1;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message);
  const p = inAt(m);
  // (RouterOS sends no tag: its topics follow the host name)
  if (p < 0) return h.appName === undefined && topicNotice(m);
  const o = m.indexOf(' out:', p);
  return (o > 0 && o - p < 96 && m.indexOf('proto ', o) > 0) || (h.appName === undefined && topicNotice(m));
}

const SEVERITY_TOPICS: Record<string, true> = { info: true, warning: true, error: true, critical: true, debug: true };

/**
 * RouterOS's own notices ("system,info,account user admin logged in", "dhcp,info dhcp1 assigned …"): topics
 * joined by commas, one of them a severity. Not connections (parse() gives null), but they tell an owner the box
 * is a MikroTik whose firewall rules do not log.
 */
function topicNotice(m: string): boolean {
  let i = 0, start = 0, comma = false, severity = false;
  for (; i < m.length && i < 64; i++) {
    const c = m.charCodeAt(i);
    if (c === 44 || c === 32) {
      if (Object.hasOwn(SEVERITY_TOPICS, m.slice(start, i))) severity = true;
      if (c === 32) break;
      comma = true;
      start = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false;
  }
  return comma && severity && i < m.length && m.charCodeAt(i) === 32;
}

/** Allow/deny from the admin's prefix words ("drop-in", "ACCEPT_SSH", "blocked"). */
function prefixAction(words: string[]): Action | undefined {
  let found: Action | undefined;
  for (const w of words) {
    for (const part of w.split(/[-_.,:]/, 8)) {
      const a = actionOf(part);
      if (a === 'deny') return 'deny';
      if (a === 'allow') found = 'allow';
    }
  }
  return found;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const p = inAt(m);
  if (p < 0) return null;
  // Words before the chain's colon: [topics] [prefix…] chain
  const head = p === 0 ? (h.appName ? [h.appName] : []) : splitChar(m, ' ', 16, true, 0, p - 2);
  let topicsAt = 0;
  if (head.length > 0 && head[0]!.indexOf(',') > 0) topicsAt = 1;
  const chain = head.length > topicsAt ? head[head.length - 1] : undefined;
  const prefixWords = head.slice(topicsAt, head.length - 1);
  // "in:ether1 out:(unknown 0), …"
  let i = p + 3;
  if (p === 0 && !h.appName) return null;
  let e = m.indexOf(' ', i);
  if (e < 0) return null;
  const inIf = m.slice(i, e);
  const o = m.indexOf('out:', e);
  if (o < 0 || o - e > 4) return null;
  i = o + 4;
  e = m.indexOf(', ', i);
  if (e < 0) return null;
  const outRaw = m.slice(i, e);
  const outIf = outRaw.startsWith('(unknown') ? undefined : outRaw;
  const restAt = e + 2;
  const rest = m.slice(restAt, restAt + 1024);
  let srcMac: string | undefined;
  const sm = rest.indexOf('src-mac ');
  if (sm >= 0) {
    const ce = rest.indexOf(',', sm);
    if (ce > sm) srcMac = rest.slice(sm + 8, ce);
  }
  const pp = rest.indexOf('proto ');
  if (pp < 0) return null;
  let j = pp + 6;
  let k = j;
  while (k < rest.length && rest.charCodeAt(k) !== 32 && rest.charCodeAt(k) !== 44) k++;
  const proto = rest.slice(j, k);
  let flags: string[] | undefined, icmpType: number | undefined, icmpCode: number | undefined;
  j = k;
  if (rest.charCodeAt(j) === 32 && rest.charCodeAt(j + 1) === 40) {
    const rp = rest.indexOf(')', j);
    if (rp < 0) return null;
    const inner = rest.slice(j + 2, rp);
    if (inner.startsWith('type ')) {
      const parts = inner.split(', ', 2);
      icmpType = toInt(parts[0]!.slice(5), 0, 255);
      if (parts[1] !== undefined && parts[1].startsWith('code ')) icmpCode = toInt(parts[1].slice(5), 0, 255);
    } else {
      const names: string[] = [];
      for (const f of inner.split(',', 8)) {
        const u = f.trim().toUpperCase();
        if (u === 'SYN' || u === 'ACK' || u === 'FIN' || u === 'RST' || u === 'PSH' || u === 'URG' || u === 'ECE' || u === 'CWR') names.push(u);
        else if (u.length === 1) { const l = tcpFlagLetters(u); if (l) names.push(...l); }
      }
      flags = names;
    }
    j = rp + 1;
  }
  if (rest.charCodeAt(j) !== 44) return null;
  j += 2;
  let te = rest.indexOf(',', j);
  if (te < 0) te = rest.length;
  const tuple = rest.slice(j, te);
  const arrow = tuple.indexOf('->');
  if (arrow < 0) return null;
  const [src, spt] = hostPort(tuple.slice(0, arrow));
  const [dst, dpt] = hostPort(tuple.slice(arrow + 2));
  // NAT: ", NAT (a:p->b:q)->c:r" (source NAT) or ", NAT a:p->(b:q->c:r)" (destination NAT).
  let natSrc: string | undefined, natSrcPort: number | undefined, natDst: string | undefined, natDstPort: number | undefined;
  const np = rest.indexOf(', NAT ', te);
  if (np >= 0 && np === te) {
    let ne = rest.indexOf(', ', np + 6);
    if (ne < 0) ne = rest.length;
    const nat = rest.slice(np + 6, ne);
    if (nat.charCodeAt(0) === 40) {
      const rp = nat.indexOf(')');
      const inner = rp > 0 ? nat.slice(1, rp) : '';
      const a = inner.indexOf('->');
      if (a > 0) [natSrc, natSrcPort] = hostPort(inner.slice(a + 2));
    } else {
      const lp = nat.indexOf('(');
      const rp = nat.indexOf(')', lp);
      if (lp > 0 && rp > lp) {
        const inner = nat.slice(lp + 1, rp);
        const a = inner.indexOf('->');
        if (a > 0) [natDst, natDstPort] = hostPort(inner.slice(a + 2));
      }
    }
  }
  let len: number | undefined;
  const lp = rest.lastIndexOf(', len ');
  if (lp >= 0) len = toInt(rest.slice(lp + 6).trim(), 0, 65535 + 40);
  let action = prefixAction(prefixWords);
  const inferred = action === undefined;
  action ??= 'deny';
  const rule = prefixWords.length > 0 ? prefixWords.join(' ') : undefined;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action;
  flow.inferred = inferred;
  flow.inIf = inIf;
  flow.outIf = outIf;
  flow.srcMac = srcMac;
  flow.natSrc = natSrc;
  flow.natSrcPort = natSrcPort;
  flow.natDst = natDst;
  flow.natDstPort = natDstPort;
  flow.packets = 1;
  flow.bytes = len;
  flow.ruleName = rule;
  flow.tcpFlags = flags;
  flow.icmpType = icmpType;
  flow.icmpCode = icmpCode;
  const ev = buildEvent('mikrotik', 'mikrotik', 'routeros', h, ctx, flow);
  if (ev && chain) ev.gatewatch!.chain = chain.length > 64 ? chain.slice(0, 64) : chain;
  return ev;
}

function hostPort(s: string): [string, number | undefined] {
  const t = s.trim();
  // IPv4 "a.b.c.d:p" or bracketed IPv6; a bare IPv6 (ICMPv6) has no port.
  return splitHostPort(t);
}

export const mikrotik: VendorParser = {
  id: 'mikrotik',
  title: 'MikroTik RouterOS (firewall rules with log)',
  logHint: 'set log=yes on the filter rules, and /system logging add topics=firewall action=<your remote action>',
  detect,
  parse,
};
