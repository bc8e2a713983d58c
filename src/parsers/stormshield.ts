/**
 * Stormshield Network Security (SNS) firewalls, key=value syslog:
 *
 *   id=firewall time="2026-11-23 10:00:00" fw="SN310A00000001" tz=+0000 startime="2026-11-23 10:00:00"
 *   pri=5 confid=01 slotlevel=2 ruleid=4 srcif="Ethernet0" srcifname="out" ipproto=tcp proto=ssh
 *   src=203.0.113.5 srcport=51515 dst=198.51.100.10 dstport=22 action=block logtype="filter"
 *
 * Traffic families are kept (logtype filter, connection, alarm, web, and records without a logtype
 * that name both ends); authentication, VPN, system, statistics and count records give null.
 */
import type { GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionOf } from './cef';
import { addCounts, bounded, buildEvent, newFlow, isoTime } from './flow';
import { kvValues, toInt, toPort } from './kv';
import { keySlots } from './keyslots';
import type { ParseContext, VendorParser } from './types';

const TRAFFIC = new Set(['filter', 'connection', 'alarm', 'web']);

function bodyStart(m: string): number {
  if (m.startsWith('id=firewall ')) {
    // SonicWall also starts "id=firewall" but follows with sn=.
    const head = m.slice(0, 96);
    return head.indexOf(' sn=') < 0 && head.indexOf(' time=') > 0 && head.indexOf(' fw=') > 0 ? 0 : -1;
  }
  if (m.startsWith('time=')) {
    const head = m.slice(0, 128);
    return head.indexOf(' fw=') > 0 && head.indexOf(' startime=') > 0 ? 0 : -1;
  }
  return -1;
}

function detect(h: SyslogHeader): boolean {
  return bodyStart(bounded(h.message, 256)) >= 0;
}

/** Every key parse() reads below (the other pairs are skipped unsliced), and the values by name. */
const KEYS = keySlots(['action', 'alarmid', 'dst', 'dstif', 'dstifname', 'dstport', 'duration', 'ipproto', 'logtype',
  'moddst', 'moddstport', 'modsrc', 'modsrcport', 'proto', 'rcvd', 'ruleid', 'rulename', 'sent', 'src', 'srcif',
  'srcifname', 'srcmac', 'srcport', 'time', 'tz', 'user']);
function fields(v: (string | undefined)[]) {
  return { action: v[0], alarmid: v[1], dst: v[2], dstif: v[3], dstifname: v[4], dstport: v[5], duration: v[6],
    ipproto: v[7], logtype: v[8], moddst: v[9], moddstport: v[10], modsrc: v[11], modsrcport: v[12], proto: v[13],
    rcvd: v[14], ruleid: v[15], rulename: v[16], sent: v[17], src: v[18], srcif: v[19], srcifname: v[20],
    srcmac: v[21], srcport: v[22], time: v[23], tz: v[24], user: v[25] };
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  if (bodyStart(m) < 0) return null;
  const x = fields(kvValues(m, 0, KEYS, 200));
  const lt = x.logtype;
  if (lt !== undefined ? !TRAFFIC.has(lt) : (x.dst === undefined || (x.ipproto === undefined && x.dstport === undefined))) return null;
  // Alarms without a packet behind them (system alarms) have no addresses and fall out in buildEvent.
  const action = actionOf(x.action);
  const flow = newFlow();
  flow.src = x.src;
  flow.dst = x.dst;
  flow.spt = toPort(x.srcport);
  flow.dpt = toPort(x.dstport);
  flow.proto = x.ipproto;
  flow.action = action ?? (lt === 'alarm' ? 'deny' : 'allow');
  flow.inferred = action === undefined;
  flow.inIf = x.srcifname ?? x.srcif;
  flow.outIf = x.dstifname ?? x.dstif;
  flow.srcMac = x.srcmac;
  flow.natSrc = x.modsrc;
  flow.natSrcPort = toPort(x.modsrcport);
  flow.natDst = x.moddst;
  flow.natDstPort = toPort(x.moddstport);
  flow.bytes = addCounts(toInt(x.sent), toInt(x.rcvd));
  flow.ruleName = x.rulename;
  flow.ruleId = x.ruleid;
  flow.duration = toInt(x.duration);
  flow.app = x.proto;
  flow.user = x.user;
  flow.timeMs = x.time !== undefined ? isoTime(`${x.time}${x.tz ?? ''}`, ctx) : undefined;
  flow.code = x.alarmid;
  return buildEvent('stormshield', 'stormshield', 'sns', h, ctx, flow);
}

export const stormshield: VendorParser = {
  id: 'stormshield',
  title: 'Stormshield Network Security (SNS)',
  logHint: 'tick the log option on the filter rules, and send the Filter logs to the syslog profile',
  detect,
  parse,
};
