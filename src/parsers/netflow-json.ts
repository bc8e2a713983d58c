/**
 * Flow records exported as JSON, one object per line, as Cisco SD-WAN (cflowd) and flow collectors write
 * them. The field names are those of the flow export standards:
 *
 *   IPFIX information model (RFC 7012, IANA "IPFIX Information Elements"): sourceIPv4Address,
 *     destinationIPv4Address, sourceIPv6Address, destinationIPv6Address, sourceTransportPort,
 *     destinationTransportPort, protocolIdentifier, octetDeltaCount, packetDeltaCount, tcpControlBits,
 *     ingressInterface, egressInterface, icmpTypeCodeIPv4/IPv6, firewallEvent, forwardingStatus,
 *     flowStartMilliseconds / flowStartSeconds
 *   NetFlow v9 (RFC 3954): IPV4_SRC_ADDR, IPV4_DST_ADDR, IPV6_SRC_ADDR, IPV6_DST_ADDR, L4_SRC_PORT,
 *     L4_DST_PORT, PROTOCOL, IN_BYTES, IN_PKTS, TCP_FLAGS, INPUT_SNMP, OUTPUT_SNMP, ICMP_TYPE,
 *     FORWARDING_STATUS, NF_F_FW_EVENT (Cisco NSEL)
 *   the NetFlow v5 record names some collectors use: SRC_PORT, DST_PORT, PROTO, IN_OCTETS, IN_PACKETS,
 *     INPUT, OUTPUT
 *
 * Names are matched without regard to case, so Logstash's lower-case "netflow" objects are read too
 * (also when nested one level under "netflow"). A flow record is one direction of traffic as the
 * exporter saw it: its source is the sender of those packets. The record does not name the exporter's
 * maker; NetFlow is Cisco's format and Cisco SD-WAN the exporter this was written for, so
 * observer.vendor is "cisco" (event.dataset "gatewatch.netflow-json" tells these events apart).
 * A flow is traffic that passed (allow) unless the record says it was denied (firewallEvent 3) or
 * dropped (forwardingStatus 128–191). NetFlow v9 times are the exporter's uptime, not a clock: the
 * record's absolute start (flowStartMilliseconds/Seconds) is used when present, else the syslog
 * header's time, else the arrival time.
 */
import { GwEvent, markAction, newEvent, setTransport } from '../event';
import { canonicalIp } from '../net/ip';
import type { SyslogHeader } from '../syslog/header';
import { fastIso } from './iso';
import type { ParseContext, VendorParser } from './types';

const MARKERS = ['"IPV4_SRC_ADDR"', '"sourceIPv4Address"', '"IPV6_SRC_ADDR"', '"sourceIPv6Address"', '"ipv4_src_addr"', '"ipv6_src_addr"'];

/**
 * A flow record is a few hundred bytes (a hundred fields stay under 4 KB); longer "records" are refused
 * before JSON.parse, which on 64 KB of hostile keys or nesting would take milliseconds.
 */
const MAX_RECORD = 8192;

function detect(h: SyslogHeader): boolean {
  const m = h.message;
  if (m.charCodeAt(0) !== 123 || m.length > MAX_RECORD) return false;
  for (const k of MARKERS) if (m.indexOf(k) > 0) return true;
  return false;
}

/** Lower-cased keys of a record (at most 256), so each standard's spelling is one lookup. */
function lowerKeys(o: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (++n > 256) break;
    const lk = k.toLowerCase();
    if (!out.has(lk)) out.set(lk, o[k]);
  }
  return out;
}

function first(r: Map<string, unknown>, names: string[]): unknown {
  for (const n of names) {
    const v = r.get(n);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** A non-negative integer from a JSON number or a decimal string; undefined otherwise. */
function num(v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.length > 0 && v.length <= 20) {
    for (let i = 0; i < v.length; i++) { const c = v.charCodeAt(i); if (c < 48 || c > 57) return undefined; }
    n = Number(v);
  } else return undefined;
  return Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

function addr(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= 64 ? canonicalIp(v) : undefined;
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  if (h.message.length > MAX_RECORD) return null;
  let o: unknown;
  try {
    o = JSON.parse(h.message);
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  let r = lowerKeys(o as Record<string, unknown>);
  const nested = r.get('netflow');
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) r = lowerKeys(nested as Record<string, unknown>);

  const src = addr(first(r, ['sourceipv4address', 'ipv4_src_addr', 'sourceipv6address', 'ipv6_src_addr']));
  const dst = addr(first(r, ['destinationipv4address', 'ipv4_dst_addr', 'destinationipv6address', 'ipv6_dst_addr']));
  if (src === undefined || dst === undefined) return null;

  let action: 'allow' | 'deny' = 'allow';
  const fw = num(first(r, ['firewallevent', 'nf_f_fw_event', 'fw_event']), 255);
  if (fw === 3) action = 'deny';
  const fwd = num(first(r, ['forwardingstatus', 'forwarding_status']), 0xffffffff);
  // RFC 7270: the top two bits of the (first byte of the) status are 10 for "dropped".
  if (fwd !== undefined && (fwd <= 255 ? fwd >> 6 : (fwd >>> 24) >> 6) === 2) action = 'deny';

  let ms: number | undefined;
  const startMs = num(first(r, ['flowstartmilliseconds', 'flowendmilliseconds']));
  if (startMs !== undefined && startMs > 1e11 && startMs < 1e14) ms = startMs;
  else {
    const startS = num(first(r, ['flowstartseconds', 'flowendseconds']));
    if (startS !== undefined && startS > 1e8 && startS < 1e11) ms = startS * 1000;
  }
  const ev = newEvent('gatewatch.netflow-json', 'cisco', 'netflow', fastIso(ms ?? h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  ev.source.ip = src;
  ev.destination.ip = dst;
  ev.network.type = src.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';

  const proto = num(first(r, ['protocolidentifier', 'protocol', 'proto']), 255);
  if (proto !== undefined) setTransport(ev, String(proto));
  else {
    const p = first(r, ['protocolidentifier', 'protocol', 'proto']);
    if (typeof p === 'string' && p.length <= 16) setTransport(ev, p);
  }
  const t = ev.network.transport;
  if (t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'udplite') {
    const sp = num(first(r, ['sourcetransportport', 'l4_src_port', 'src_port']), 65535);
    const dp = num(first(r, ['destinationtransportport', 'l4_dst_port', 'dst_port']), 65535);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
  } else if (t === 'icmp' || t === 'ipv6-icmp') {
    // type × 256 + code
    const tc = num(first(r, ['icmptypecodeipv4', 'icmptypecodeipv6', 'icmp_type']), 65535);
    if (tc !== undefined) ev.gatewatch = { icmp: { type: tc >> 8, code: tc & 255 } };
  }
  const bytes = num(first(r, ['octetdeltacount', 'in_bytes', 'in_octets', 'octettotalcount']));
  if (bytes !== undefined) ev.network.bytes = bytes;
  const packets = num(first(r, ['packetdeltacount', 'in_pkts', 'in_packets', 'packettotalcount']));
  if (packets !== undefined) ev.network.packets = packets;
  if (t === 'tcp') {
    const fl = num(first(r, ['tcpcontrolbits', 'tcp_flags']), 0xffff);
    if (fl !== undefined) {
      const names: string[] = [];
      for (let b = 0; b < 8; b++) if (fl & (1 << b)) names.push(FLAG_NAMES[b]!);
      (ev.gatewatch ??= {}).tcp_flags = names;
    }
  }
  const inIf = num(first(r, ['ingressinterface', 'input_snmp', 'input']), 0xffffffff);
  const outIf = num(first(r, ['egressinterface', 'output_snmp', 'output']), 0xffffffff);
  if (inIf) ev.observer.ingress = { interface: { name: String(inIf) } };
  if (outIf) ev.observer.egress = { interface: { name: String(outIf) } };
  return ev;
}

export const netflowJson: VendorParser = {
  id: 'netflow-json',
  title: 'NetFlow v9 / IPFIX flow records as JSON (Cisco SD-WAN cflowd, flow collectors)',
  logHint: 'send the flow records themselves (cflowd or IPFIX as JSON), one per line',
  detect,
  parse,
};
