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

/** Every (lower-case) field name read, in one table: a name's slot is its index here. */
const NAMES = [
  'sourceipv4address', 'ipv4_src_addr', 'sourceipv6address', 'ipv6_src_addr',
  'destinationipv4address', 'ipv4_dst_addr', 'destinationipv6address', 'ipv6_dst_addr',
  'firewallevent', 'nf_f_fw_event', 'fw_event', 'forwardingstatus', 'forwarding_status',
  'flowstartmilliseconds', 'flowendmilliseconds', 'flowstartseconds', 'flowendseconds',
  'protocolidentifier', 'protocol', 'proto',
  'sourcetransportport', 'l4_src_port', 'src_port', 'destinationtransportport', 'l4_dst_port', 'dst_port',
  'icmptypecodeipv4', 'icmptypecodeipv6', 'icmp_type',
  'octetdeltacount', 'in_bytes', 'in_octets', 'octettotalcount', 'packetdeltacount', 'in_pkts', 'in_packets', 'packettotalcount',
  'tcpcontrolbits', 'tcp_flags', 'ingressinterface', 'input_snmp', 'input', 'egressinterface', 'output_snmp', 'output',
  'netflow',
] as const;
type Name = (typeof NAMES)[number];
const SLOT = new Map<string, number>(NAMES.map((n, i) => [n, i]));
const NETFLOW = SLOT.get('netflow')!;

/**
 * A record's keys as JSON.parse made them (the same few spellings on every line) → slot, or -1 for a key not
 * read. Lower-casing and looking up each key once per spelling, not once per record (bounded: a hostile stream
 * of new keys only refills it).
 */
const slotOfKey = new Map<string, number>();

function slotOf(k: string): number {
  let i = slotOfKey.get(k);
  if (i === undefined) {
    if (slotOfKey.size >= 4096) slotOfKey.clear();
    i = SLOT.get(k.toLowerCase()) ?? -1;
    slotOfKey.set(k, i);
  }
  return i;
}

/** The record's values by slot (the first of a name's spellings wins; at most 256 keys are looked at). */
function readSlots(o: Record<string, unknown>, into: unknown[]): void {
  into.fill(undefined);
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (++n > 256) break;
    const i = slotOf(k);
    if (i >= 0 && into[i] === undefined) into[i] = o[k];
  }
}

const VALUES: unknown[] = new Array(NAMES.length).fill(undefined);

/** The slots of some spellings of one field, in order of preference. */
function slots(names: readonly Name[]): number[] {
  return names.map((n) => SLOT.get(n)!);
}

const AT_SRC = slots(['sourceipv4address', 'ipv4_src_addr', 'sourceipv6address', 'ipv6_src_addr']);
const AT_DST = slots(['destinationipv4address', 'ipv4_dst_addr', 'destinationipv6address', 'ipv6_dst_addr']);
const AT_FW_EVENT = slots(['firewallevent', 'nf_f_fw_event', 'fw_event']);
const AT_FORWARDING = slots(['forwardingstatus', 'forwarding_status']);
const AT_START_MS = slots(['flowstartmilliseconds', 'flowendmilliseconds']);
const AT_START_S = slots(['flowstartseconds', 'flowendseconds']);
const AT_PROTO = slots(['protocolidentifier', 'protocol', 'proto']);
const AT_SPORT = slots(['sourcetransportport', 'l4_src_port', 'src_port']);
const AT_DPORT = slots(['destinationtransportport', 'l4_dst_port', 'dst_port']);
const AT_ICMP = slots(['icmptypecodeipv4', 'icmptypecodeipv6', 'icmp_type']);
const AT_BYTES = slots(['octetdeltacount', 'in_bytes', 'in_octets', 'octettotalcount']);
const AT_PACKETS = slots(['packetdeltacount', 'in_pkts', 'in_packets', 'packettotalcount']);
const AT_TCP_FLAGS = slots(['tcpcontrolbits', 'tcp_flags']);
const AT_IN_IF = slots(['ingressinterface', 'input_snmp', 'input']);
const AT_OUT_IF = slots(['egressinterface', 'output_snmp', 'output']);

/** The first of a field's spellings the record has (not null or empty). */
function first(r: unknown[], at: readonly number[]): unknown {
  for (let k = 0; k < at.length; k++) {
    const v = r[at[k]!];
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
  const r = VALUES;
  readSlots(o as Record<string, unknown>, r);
  const nested = r[NETFLOW];
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) readSlots(nested as Record<string, unknown>, r);

  const src = addr(first(r, AT_SRC));
  const dst = addr(first(r, AT_DST));
  if (src === undefined || dst === undefined) return null;

  let action: 'allow' | 'deny' = 'allow';
  const fw = num(first(r, AT_FW_EVENT), 255);
  if (fw === 3) action = 'deny';
  const fwd = num(first(r, AT_FORWARDING), 0xffffffff);
  // RFC 7270: the top two bits of the (first byte of the) status are 10 for "dropped".
  if (fwd !== undefined && (fwd <= 255 ? fwd >> 6 : (fwd >>> 24) >> 6) === 2) action = 'deny';

  let ms: number | undefined;
  const startMs = num(first(r, AT_START_MS));
  if (startMs !== undefined && startMs > 1e11 && startMs < 1e14) ms = startMs;
  else {
    const startS = num(first(r, AT_START_S));
    if (startS !== undefined && startS > 1e8 && startS < 1e11) ms = startS * 1000;
  }
  const ev = newEvent('gatewatch.netflow-json', 'cisco', 'netflow', fastIso(ms ?? h.time ?? ctx.receivedMs), action);
  markAction(ev, action);
  if (h.hostname) ev.observer.hostname = h.hostname;
  ev.source.ip = src;
  ev.destination.ip = dst;
  ev.network.type = src.indexOf(':') >= 0 ? 'ipv6' : 'ipv4';

  const proto = num(first(r, AT_PROTO), 255);
  if (proto !== undefined) setTransport(ev, String(proto));
  else {
    const p = first(r, AT_PROTO);
    if (typeof p === 'string' && p.length <= 16) setTransport(ev, p);
  }
  const t = ev.network.transport;
  if (t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'udplite') {
    const sp = num(first(r, AT_SPORT), 65535);
    const dp = num(first(r, AT_DPORT), 65535);
    if (sp !== undefined) ev.source.port = sp;
    if (dp !== undefined) ev.destination.port = dp;
  } else if (t === 'icmp' || t === 'ipv6-icmp') {
    // type × 256 + code
    const tc = num(first(r, AT_ICMP), 65535);
    if (tc !== undefined) ev.gatewatch = { icmp: { type: tc >> 8, code: tc & 255 } };
  }
  const bytes = num(first(r, AT_BYTES));
  if (bytes !== undefined) ev.network.bytes = bytes;
  const packets = num(first(r, AT_PACKETS));
  if (packets !== undefined) ev.network.packets = packets;
  if (t === 'tcp') {
    const fl = num(first(r, AT_TCP_FLAGS), 0xffff);
    if (fl !== undefined) {
      const names: string[] = [];
      for (let b = 0; b < 8; b++) if (fl & (1 << b)) names.push(FLAG_NAMES[b]!);
      (ev.gatewatch ??= {}).tcp_flags = names;
    }
  }
  const inIf = num(first(r, AT_IN_IF), 0xffffffff);
  const outIf = num(first(r, AT_OUT_IF), 0xffffffff);
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
