/**
 * Sophos firewalls, both families:
 *
 * Sophos Firewall (XG / SFOS), key=value with some values quoted:
 *   device="SFW" date=2026-11-23 time=10:00:00 timezone="GMT" device_name="XG135" … log_type="Firewall"
 *   log_component="Firewall Rule" log_subtype="Denied" status="Deny" … src_ip=203.0.113.5 dst_ip=192.0.2.10
 *   protocol="TCP" src_port=51515 dst_port=22 …
 * and the SFOS 19+ form (`timestamp="2026-11-23T10:00:00+0000" device_model=… src_ip="…"`, all quoted).
 *
 * Sophos UTM (SG), packet filter and friends:
 *   id="2001" severity="info" sys="SecureNet" sub="packetfilter" name="Packet dropped" action="drop"
 *   fwrule="60002" initf="eth1" srcmac=… srcip="203.0.113.5" dstip="192.0.2.10" proto="6" srcport="51515" dstport="22" tcpflags="SYN"
 *
 * Any record that names an address is kept (firewall, IPS, ATP, web, authentication with a source
 * address); records without one (SD-WAN SLA, system health) give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionOf } from './cef';
import { addCounts, bounded, buildEvent, newFlow, isoTime, tcpFlagLetters } from './flow';
import { kvValues, toInt, toPort } from './kv';
import { keySlots } from './keyslots';
import type { ParseContext, VendorParser } from './types';

const XG_STARTS = ['device="SFW"', 'device=SFW', 'device_name=', 'timestamp="', 'date=', 'device="'];

/** Start of the key=value body, or -1. */
function bodyStart(m: string): number {
  for (const p of XG_STARTS) {
    if (m.startsWith(p)) return m.indexOf(' log_type=') > 0 ? 0 : -1;
  }
  // UTM: id="NNNN" … sys="…" (possibly after a short "program:" prefix).
  const p = m.indexOf('id="');
  if (p >= 0 && p <= 48 && (p === 0 || m.charCodeAt(p - 1) === 32)) {
    const q = m.indexOf('"', p + 4);
    if (q > p + 4 && q - p <= 10 && toInt(m.slice(p + 4, q)) !== undefined && (m.indexOf(' sys="', q) > 0 || m.indexOf(' srcip="', q) > 0)) return p;
  }
  return -1;
}

/**
 * The header detect() last read and the body start it found there: parse() right after it, on the same line
 * (the same header object; a pointer compare, where comparing the texts could cost a runtime call), does not
 * search the message again.
 */
let detectedH: SyslogHeader | undefined;
let detectedAt = -1;
const DETECT_WINDOW = 4096;

function detect(h: SyslogHeader): boolean {
  const c = h.message.charCodeAt(0);
  // d(evice/ate), t(imestamp), i(d) or a short program prefix before id="
  if (c !== 100 && c !== 116 && c !== 105 && !(c >= 48 && c <= 57) && !(c >= 97 && c <= 122)) return false;
  detectedAt = bodyStart(bounded(h.message, DETECT_WINDOW));
  detectedH = h;
  return detectedAt >= 0;
}

function xgAction(status: string | undefined, subtype: string | undefined): Action | undefined {
  const s = (status ?? '').toLowerCase();
  if (s === 'allow') return 'allow';
  if (s === 'deny') return 'deny';
  const t = (subtype ?? '').toLowerCase();
  if (t === 'allowed') return 'allow';
  if (t === 'denied' || t === 'drop' || t === 'dropped' || t === 'blocked' || t === 'block' || t === 'reject') return 'deny';
  return undefined;
}

/** Every key parse() reads below; the other pairs of the line are skipped without being copied. */
const KEYS = keySlots(['action', 'app_name', 'application', 'bytes_received', 'bytes_sent', 'date', 'destinationip',
  'dst_ip', 'dst_port', 'dst_trans_ip', 'dst_trans_port', 'dst_zone', 'dstip', 'dstport', 'dstzone', 'duration',
  'fw_rule_id', 'fw_rule_name', 'fwrule', 'icmp_code', 'icmp_type', 'id', 'in_interface', 'initf', 'log_id',
  'log_subtype', 'log_type', 'out_interface', 'outitf', 'packets_received', 'packets_sent', 'port', 'proto',
  'protocol', 'recv_bytes', 'recv_pkts', 'rule_name', 'sent_bytes', 'sent_pkts', 'sourceip', 'src_ip', 'src_mac',
  'src_port', 'src_trans_ip', 'src_trans_port', 'src_zone', 'srcip', 'srcmac', 'srcport', 'srczone', 'status', 'sys',
  'tcpflags', 'time', 'timestamp', 'tran_dst_ip', 'tran_dst_port', 'tran_src_ip', 'tran_src_port', 'user',
  'user_name']);

/** The picked values by name (same order as KEYS). */
function fields(v: (string | undefined)[]) {
  return { action: v[0], app_name: v[1], application: v[2], bytes_received: v[3], bytes_sent: v[4], date: v[5],
    destinationip: v[6], dst_ip: v[7], dst_port: v[8], dst_trans_ip: v[9], dst_trans_port: v[10], dst_zone: v[11],
    dstip: v[12], dstport: v[13], dstzone: v[14], duration: v[15], fw_rule_id: v[16], fw_rule_name: v[17],
    fwrule: v[18], icmp_code: v[19], icmp_type: v[20], id: v[21], in_interface: v[22], initf: v[23], log_id: v[24],
    log_subtype: v[25], log_type: v[26], out_interface: v[27], outitf: v[28], packets_received: v[29],
    packets_sent: v[30], port: v[31], proto: v[32], protocol: v[33], recv_bytes: v[34], recv_pkts: v[35],
    rule_name: v[36], sent_bytes: v[37], sent_pkts: v[38], sourceip: v[39], src_ip: v[40], src_mac: v[41],
    src_port: v[42], src_trans_ip: v[43], src_trans_port: v[44], src_zone: v[45], srcip: v[46], srcmac: v[47],
    srcport: v[48], srczone: v[49], status: v[50], sys: v[51], tcpflags: v[52], time: v[53], timestamp: v[54],
    tran_dst_ip: v[55], tran_dst_port: v[56], tran_src_ip: v[57], tran_src_port: v[58], user: v[59], user_name: v[60] };
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  // (Within DETECT_WINDOW both read the same text.)
  const at = h === detectedH && m.length <= DETECT_WINDOW ? detectedAt : bodyStart(m);
  if (at < 0) return null;
  const x = fields(kvValues(m, at, KEYS, 300));
  const utm = x.log_type === undefined && (x.sys !== undefined || x.srcip !== undefined);
  const src = x.src_ip ?? x.srcip ?? x.sourceip;
  const dst = x.dst_ip ?? x.dstip ?? x.destinationip;
  let action: Action | undefined;
  let time: number | undefined;
  if (utm) {
    action = actionOf(x.action);
  } else {
    action = xgAction(x.status, x.log_subtype);
    if (x.timestamp !== undefined) time = isoTime(x.timestamp, ctx);
    else if (x.date !== undefined && x.time !== undefined) time = isoTime(`${x.date} ${x.time}`, ctx);
  }
  const icmp = x.icmp_type !== undefined;
  const sentB = toInt(x.sent_bytes ?? x.bytes_sent), recvB = toInt(x.recv_bytes ?? x.bytes_received);
  const sentP = toInt(x.sent_pkts ?? x.packets_sent), recvP = toInt(x.recv_pkts ?? x.packets_received);
  const flags = x.tcpflags !== undefined ? tcpFlagNames(x.tcpflags) : undefined;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = icmp ? undefined : toPort(x.src_port ?? x.srcport);
  flow.dpt = icmp ? undefined : toPort(x.dst_port ?? x.dstport ?? (utm ? x.port : undefined));
  flow.proto = x.protocol ?? x.proto;
  flow.action = action ?? 'allow';
  flow.inferred = action === undefined;
  flow.inIf = x.in_interface ?? x.initf;
  flow.outIf = x.out_interface ?? x.outitf;
  flow.srcMac = x.src_mac ?? x.srcmac;
  flow.natSrc = x.tran_src_ip ?? x.src_trans_ip;
  flow.natSrcPort = toPort(x.tran_src_port ?? x.src_trans_port);
  flow.natDst = x.tran_dst_ip ?? x.dst_trans_ip;
  flow.natDstPort = toPort(x.tran_dst_port ?? x.dst_trans_port);
  flow.bytes = addCounts(sentB, recvB);
  flow.packets = addCounts(sentP, recvP);
  flow.ruleName = x.fw_rule_name ?? x.rule_name;
  flow.ruleId = x.fw_rule_id ?? x.fwrule;
  flow.icmpType = toInt(x.icmp_type, 0, 255);
  flow.icmpCode = toInt(x.icmp_code, 0, 255);
  flow.tcpFlags = flags;
  flow.duration = toInt(x.duration);
  flow.app = x.application ?? x.app_name;
  flow.srcZone = x.src_zone ?? x.srczone;
  flow.dstZone = x.dst_zone ?? x.dstzone;
  flow.user = x.user_name ?? x.user;
  flow.timeMs = time;
  flow.code = x.log_id ?? x.id;
  return buildEvent('sophos', 'sophos', utm ? 'utm' : 'sfos', h, ctx, flow);
}

/** "SYN ACK" / "SYN,ACK" → names. */
function tcpFlagNames(s: string): string[] | undefined {
  const out: string[] = [];
  for (const w of s.split(/[ ,|]/, 8)) {
    const u = w.toUpperCase();
    if (u === 'SYN' || u === 'ACK' || u === 'FIN' || u === 'RST' || u === 'PSH' || u === 'URG' || u === 'ECE' || u === 'CWR') out.push(u);
    else if (u.length > 0) return tcpFlagLetters(s);
  }
  return out;
}

export const sophos: VendorParser = {
  id: 'sophos',
  title: 'Sophos Firewall (XG/SFOS) and Sophos UTM (SG) packet filter',
  logHint: 'tick Log firewall traffic on the firewall rules (SFOS), or turn on packet filter logging (UTM)',
  detect,
  parse,
};
