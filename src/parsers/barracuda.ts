/**
 * Barracuda CloudGen Firewall (formerly NG Firewall) activity log, as its syslog streaming sends it:
 *
 *   Info     fw01 Block: FWD|TCP|eth0|203.0.113.5|51515|00:00:5e:00:53:01|192.0.2.10|22|ssh|eth1|BLOCKALL|0|
 *   203.0.113.5|192.0.2.10|0|1|0|0|0|0||||||
 *
 * After the action word ("Allow", "Block", "Drop", "Remove" (session end), "Local…", "Fail" …) come
 * pipe-separated fields: type | protocol | source interface | source IP | source port | source MAC |
 * destination IP | destination port | service | destination interface | rule | info | source NAT |
 * destination NAT | duration | count | bytes received | bytes sent | packets received | packets sent | user …
 * The "[Request] Allow: IPS …" form and the port-scan notice "(Address-Port Scan) … source IP x"
 * are read too. Box messages (logins, VPN, control daemon, health) give null.
 */
import type { Action, GwEvent } from '../event';
import { parseIPv4, parseIPv6 } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { addCounts, bounded, buildEvent, newFlow, splitHostPort } from './flow';
import { toInt, toPort } from './kv';
import type { ParseContext, VendorParser } from './types';

const ACTIONS: Record<string, Action> = {
  Allow: 'allow', LocalAllow: 'allow', ForwardAllow: 'allow', LoopbackAllow: 'allow', Remove: 'allow', LocalRemove: 'allow',
  ForwardRemove: 'allow', LoopbackRemove: 'allow', Redirect: 'allow', LocalRedirect: 'allow',
  Block: 'deny', LocalBlock: 'deny', ForwardBlock: 'deny', LoopbackBlock: 'deny', Drop: 'deny', LocalDrop: 'deny',
  ForwardDrop: 'deny', LoopbackDrop: 'deny', Deny: 'deny', LocalDeny: 'deny', ForwardDeny: 'deny', Fail: 'deny', LocalFail: 'deny',
  ForwardFail: 'deny', Reject: 'deny', LocalReject: 'deny',
};

/** ACTIONS as a Map: a word sliced from the line is looked up without being interned first. */
const ACTION_OF = new Map<string, Action>(Object.entries(ACTIONS));

/** [action, index after "Action: "] for the first of the first few words that is an activity action. */
function actionAt(m: string): [Action, number, string] | null {
  let i = 0;
  const n = Math.min(m.length, 160);
  for (let w = 0; w < 5 && i < n; w++) {
    while (i < n && m.charCodeAt(i) === 32) i++;
    const s = i;
    // The end of the word with a native search (every parser's detect may ask this of any line).
    i = m.indexOf(' ', i);
    if (i < 0 || i > n) i = n;
    // Only a word ending with ':' is sliced out and looked up.
    if (i - s > 2 && m.charCodeAt(i - 1) === 58) {
      const word = m.slice(s, i - 1);
      const a = ACTION_OF.get(word);
      if (a !== undefined) return [a, i + 1, word];
    }
  }
  return null;
}

const NOTICE = 'SecurityEvent: (';

/** Where "SecurityEvent: (" first occurs, when that is within the first 96 characters; else -1. */
function scanNotice(m: string): number {
  // Each 'S' up to 96 is tried in turn: the search never runs through a long line for the whole pattern.
  for (let p = m.indexOf('S'); p >= 0 && p <= 96; p = m.indexOf('S', p + 1)) if (m.startsWith(NOTICE, p)) return p;
  return -1;
}

/** The message detect() read last and what actionAt said of it: parse() reads the same message next. */
let lastMessage = '';
let lastAction: [Action, number, string] | null = null;

function actionOfMessage(m: string): [Action, number, string] | null {
  if (m !== lastMessage) {
    lastAction = actionAt(m);
    lastMessage = m;
  }
  return lastAction;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message);
  const a = actionOfMessage(m);
  if (a) return m.indexOf('|', a[1]) > 0 || m.indexOf(' -> ', a[1]) > 0;
  return scanNotice(m) >= 0;
}

function isIp(s: string): boolean {
  return s.indexOf(':') >= 0 ? parseIPv6(s) !== null : parseIPv4(s) >= 0;
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const a = actionOfMessage(m);
  if (!a) {
    // "SecurityEvent: (Address-Port Scan) 149 unallowed requests for source IP 203.0.113.5 within 60 seconds"
    const p = scanNotice(m);
    if (p < 0) return null;
    const q = m.indexOf('source IP ', p);
    if (q < 0 || q - p > 200) return null;
    let e = m.indexOf(' ', q + 10);
    if (e < 0) e = m.length;
    const rp = m.indexOf(')', p);
    const flow = newFlow();
    flow.src = m.slice(q + 10, e);
    flow.action = 'deny';
    flow.ruleName = rp > p ? m.slice(p + 16, rp) : undefined;
    const ev = buildEvent('barracuda', 'barracuda', 'cloudgen-firewall', h, ctx, flow);
    if (ev) ev.event.type = ['connection', 'denied', 'info'];
    return ev;
  }
  const [action, at, word] = a;
  const bar = m.indexOf('|', at);
  const arrowAt = m.indexOf(' -> ', at);
  if (bar < 0 || bar - at > 64 || (arrowAt > 0 && arrowAt < bar)) {
    // "[Request] Allow:   IPS ALLIP(0) 203.0.113.5 -> 192.0.2.10:0 |…"
    const arrow = m.indexOf(' -> ', at);
    if (arrow < 0 || arrow - at > 128) return null;
    const before = m.slice(at, arrow).trim();
    const sp = before.lastIndexOf(' ');
    const [src, spt] = splitHostPort(before.slice(sp + 1));
    let e = m.indexOf(' ', arrow + 4);
    if (e < 0) e = m.length;
    const [dst, dpt] = splitHostPort(m.slice(arrow + 4, e));
    if (!isIp(src) || !isIp(dst)) return null;
    const flow = newFlow();
    flow.src = src;
    flow.spt = spt;
    flow.dst = dst;
    flow.dpt = dpt;
    flow.action = action;
    flow.code = word;
    return buildEvent('barracuda', 'barracuda', 'cloudgen-firewall', h, ctx, flow);
  }
  // The pipe-separated fields (at most 32, in the first 4 KiB): their bounds, then only the fields read
  // are sliced out, and the counters are read in place.
  const end = Math.min(m.length, at + 4096);
  const nf = fieldBounds(m, at, end);
  if (nf < 8) return null;
  const proto = field(m, 1).trim();
  const src = field(m, 3), dst = field(m, 6);
  const mac = field(m, 5);
  const rule = nf > 10 ? field(m, 10) : undefined;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = intField(m, 4, nf, 65535);
  flow.dpt = intField(m, 7, nf, 65535);
  flow.proto = proto === '' ? undefined : proto;
  flow.action = action;
  flow.inIf = field(m, 2);
  flow.outIf = nf > 9 ? field(m, 9) : undefined;
  flow.srcMac = mac === '00:00:00:00:00:00' ? undefined : mac;
  flow.ruleName = rule !== undefined && rule !== '<no-match>' ? rule : undefined;
  flow.natSrc = nf > 12 ? field(m, 12) : undefined;
  flow.natDst = nf > 13 ? field(m, 13) : undefined;
  flow.duration = intField(m, 14, nf, 0xffffffff);
  flow.bytes = addCounts(intField(m, 16, nf, 0xffffffff), intField(m, 17, nf, 0xffffffff));
  flow.packets = addCounts(intField(m, 18, nf, 0xffffffff), intField(m, 19, nf, 0xffffffff));
  flow.user = nf > 20 ? field(m, 20) : undefined;
  flow.app = nf > 22 ? field(m, 22) : undefined;
  flow.code = word;
  return buildEvent('barracuda', 'barracuda', 'cloudgen-firewall', h, ctx, flow);
}

/** Start of each field (BOUNDS[k]) and one past its end (BOUNDS[k + 1] - 1), as split('|', 32) would cut them. */
const BOUNDS = new Int32Array(33);

/** Bounds of the '|'-separated fields of m[at, end): their number (at most 32). */
function fieldBounds(m: string, at: number, end: number): number {
  let k = 0;
  let i = at;
  BOUNDS[0] = at;
  // Fields are a few characters long: a loop beats a native search per field.
  for (; i < end; i++) {
    if (m.charCodeAt(i) !== 124) continue;
    if (k === 31) break; // the last field runs to the next pipe (split's limit drops the rest)
    BOUNDS[++k] = i + 1;
  }
  BOUNDS[k + 1] = i + 1;
  return k + 1;
}

function field(m: string, k: number): string {
  return m.slice(BOUNDS[k]!, BOUNDS[k + 1]! - 1);
}

/** toInt of field k (undefined past the last field), read in place. */
function intField(m: string, k: number, nf: number, max: number): number | undefined {
  if (k >= nf) return undefined;
  const a = BOUNDS[k]!, b = BOUNDS[k + 1]! - 1;
  const n = b - a;
  if (n === 0 || n > 15) return undefined;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = m.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v <= max ? v : undefined;
}

export const barracuda: VendorParser = {
  id: 'barracuda',
  title: 'Barracuda CloudGen Firewall (activity log)',
  logHint: 'tick Firewall Activity in Syslog Streaming, and logging on the access rules',
  detect,
  parse,
};
