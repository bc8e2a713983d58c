/**
 * Snort and Suricata alerts as their syslog output writes them (the IDS/IPS packages of pfSense and
 * OPNsense, or a Linux sensor):
 *
 *   snort[123]: [1:2000001:3] Example rule message [Classification: Attempted Information Leak] [Priority: 2] {TCP} 203.0.113.5:40000 -> 192.0.2.10:22
 *   suricata[456]: [Drop] [1:2000002:1] Example rule [Classification: …] [Priority: 1] {UDP} 198.51.100.7:53 -> 192.168.1.10:51000
 *
 * The addresses and protocol are the tail "{PROTO} src[:port] -> dst[:port]", read from the last
 * "{" (rule messages come from the rule set, the tail from the engine). An alert is a detection, not a
 * block: the event is `allow` unless the engine says it dropped the packet ("[Drop]", "[wDrop]").
 * observer.vendor is the engine (snort / suricata), since the same lines come from many platforms.
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { toInt, toPort } from './kv';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

function engine(h: SyslogHeader): string | undefined {
  const a = h.appName;
  if (a === undefined) return undefined;
  const l = a.toLowerCase();
  return l === 'snort' || l === 'suricata' ? l : undefined;
}

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (engine(h) === undefined && !(m.startsWith('[Drop] ') || m.startsWith('[wDrop] ') || m.startsWith('[**] '))) return false;
  return m.lastIndexOf(' -> ') > 0 && m.lastIndexOf('{') > 0;
}

/** "ip:port", "[v6]:port", full IPv6 with ":port" appended, or a bare address. */
function hostPort(s: string): [string, number | undefined] | undefined {
  if (s.charCodeAt(0) === 91) {
    const rb = s.indexOf(']');
    if (rb < 0) return undefined;
    const ip = canonicalIp(s.slice(1, rb));
    return ip === undefined ? undefined : [ip, s.charCodeAt(rb + 1) === 58 ? toPort(s.slice(rb + 2)) : undefined];
  }
  const whole = canonicalIp(s);
  const c = s.lastIndexOf(':');
  if (c > 0) {
    const port = toPort(s.slice(c + 1));
    const ip = canonicalIp(s.slice(0, c));
    if (port !== undefined && ip !== undefined && (whole === undefined || s.indexOf(':') === c)) return [ip, port];
  }
  return whole === undefined ? undefined : [whole, undefined];
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = h.message;
  const lb = m.lastIndexOf('{');
  const rb = m.indexOf('}', lb);
  if (lb < 0 || rb < 0 || rb - lb > 16) return null;
  const proto = m.slice(lb + 1, rb);
  const arrow = m.indexOf(' -> ', rb);
  if (arrow < 0) return null;
  const src = hostPort(m.slice(rb + 1, arrow).trim());
  let dEnd = m.indexOf(' ', arrow + 4);
  if (dEnd < 0) dEnd = m.length;
  const dst = hostPort(m.slice(arrow + 4, dEnd));
  if (!src || !dst) return null;
  const dropped = m.startsWith('[Drop]') || m.startsWith('[wDrop]') || m.startsWith('[**] [Drop]');
  const action = dropped ? 'deny' : 'allow';
  const eng = engine(h) ?? 'snort';
  const ev = newEvent('gatewatch.snort', eng, eng, fastIso(h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  setTransport(ev, proto);
  const t = ev.network.transport;
  const ports = t === 'tcp' || t === 'udp' || t === 'sctp';
  ev.source.ip = src[0];
  ev.destination.ip = dst[0];
  if (ports && src[1] !== undefined) ev.source.port = src[1];
  if (ports && dst[1] !== undefined) ev.destination.port = dst[1];
  ev.network.type = src[0].indexOf(':') >= 0 ? 'ipv6' : 'ipv4';
  const gw: NonNullable<GwEvent['gatewatch']> = {};
  // "[gid:sid:rev]" near the start
  const sb = m.indexOf('[');
  for (let k = sb; k >= 0 && k < 24; k = m.indexOf('[', k + 1)) {
    const e = m.indexOf(']', k);
    const inner = e > k ? m.slice(k + 1, e) : '';
    // inner.split(':') has three parts and the middle one is a number (indexOf, no split).
    const c1 = inner.indexOf(':'), c2 = c1 < 0 ? -1 : inner.indexOf(':', c1 + 1);
    if (c2 >= 0 && inner.indexOf(':', c2 + 1) < 0 && toInt(inner.slice(c1 + 1, c2)) !== undefined) {
      gw.ids_signature = inner;
      const ce = m.indexOf(' [Classification: ', e);
      const msg = m.slice(e + 1, ce > e ? ce : lb).trim();
      if (msg) gw.ids_message = msg.length > 256 ? msg.slice(0, 256) : msg;
      break;
    }
  }
  const pr = m.indexOf('[Priority: ');
  if (pr > 0) { const p = toInt(m.slice(pr + 11, m.indexOf(']', pr)), 0, 255); if (p !== undefined) gw.ids_priority = p; }
  const cl = m.indexOf('[Classification: ');
  if (cl > 0) { const e = m.indexOf(']', cl); if (e > cl) gw.ids_classification = m.slice(cl + 17, e); }
  ev.gatewatch = gw;
  return ev;
}

export const snort: VendorParser = {
  id: 'snort',
  title: 'Snort / Suricata alerts (pfSense and OPNsense IDS packages, Linux sensors)',
  logHint: 'tick Send alerts to system log in the Snort or Suricata package',
  detect,
  parse,
};
