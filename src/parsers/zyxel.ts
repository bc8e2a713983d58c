/**
 * Zyxel USG / USG FLEX / ATP / ZyWALL (ZLD) syslog, key="value":
 *
 *   src="203.0.113.5:51515" dst="198.51.100.1:23" msg="Match default rule, DROP" note="ACCESS BLOCK"
 *   user="unknown" devID="00a0c5000001" cat="Security Policy" class="Access Control" ob="0"
 *   ob_mac="000000000000" dir="WAN1:ZyWALL" protoID=6 proto="others"
 *
 * The decision is in note ("ACCESS BLOCK" / "ACCESS FORWARD"), else in msg ("…, DROP" / "…, ACCEPT");
 * dir gives the ingress and egress interfaces. Records without addresses (system, login) give null.
 */
import type { Action, GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';
import { actionFromName } from './cef';
import { addCounts, bounded, buildEvent, newFlow, splitHostPort } from './flow';
import { kvValues, toInt } from './kv';
import { keySlots } from './keyslots';
import type { ParseContext, VendorParser } from './types';

function bodyStart(m: string): number {
  if (m.startsWith('src="')) return 0;
  // Some models put a "Zyxel:" tag or the device name first.
  const p = m.slice(0, 72).indexOf(' src="');
  return p >= 0 && p <= 64 ? p + 1 : -1;
}

function detect(h: SyslogHeader): boolean {
  const m = bounded(h.message, 4096);
  const at = bodyStart(m);
  if (at < 0) return false;
  const d = m.indexOf(' devID="', at);
  const c = m.indexOf(' cat="', at);
  return d > 0 && c > 0;
}

function noteAction(note: string | undefined, msg: string | undefined): Action | undefined {
  const n = (note ?? '').toUpperCase();
  if (n === 'ACCESS BLOCK' || n === 'ACCESS DROP' || n === 'ACCESS REJECT') return 'deny';
  if (n === 'ACCESS FORWARD' || n === 'ACCESS PERMIT' || n === 'ACCESS ALLOW') return 'allow';
  if (msg !== undefined) {
    const u = msg.toUpperCase();
    if (u.endsWith(', DROP') || u.endsWith(', BLOCK') || u.endsWith(', DENY') || u.endsWith(', REJECT')) return 'deny';
    if (u.endsWith(', ACCEPT') || u.endsWith(', ALLOW') || u.endsWith(', PERMIT')) return 'allow';
    return actionFromName(msg);
  }
  return undefined;
}

/** Every key parse() reads below; the other pairs of the line are skipped without being copied. */
const KEYS = keySlots(['cat', 'dir', 'dst', 'duration', 'msg', 'note', 'proto', 'protoID', 'rcvd', 'sent', 'src',
  'user']);

/** The picked values by name (same order as KEYS). */
function fields(v: (string | undefined)[]) {
  return { cat: v[0], dir: v[1], dst: v[2], duration: v[3], msg: v[4], note: v[5], proto: v[6], protoID: v[7],
    rcvd: v[8], sent: v[9], src: v[10], user: v[11] };
}

function parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null {
  const m = bounded(h.message);
  const at = bodyStart(m);
  if (at < 0) return null;
  const x = fields(kvValues(m, at, KEYS, 128));
  const [src, spt] = splitHostPort(x.src ?? '');
  const [dst, dpt] = splitHostPort(x.dst ?? '');
  // Device records (logins, system) carry 0.0.0.0 for both ends.
  if ((src === '0.0.0.0' || src === '') && (dst === '0.0.0.0' || dst === '')) return null;
  const action = noteAction(x.note, x.msg);
  let inIf: string | undefined, outIf: string | undefined;
  if (x.dir !== undefined) {
    const c = x.dir.indexOf(':');
    if (c > 0) { inIf = x.dir.slice(0, c); outIf = x.dir.slice(c + 1); }
  }
  let proto: string | undefined = x.protoID;
  if (proto === undefined && x.proto !== undefined && x.proto !== 'others') proto = x.proto;
  const flow = newFlow();
  flow.src = src;
  flow.dst = dst;
  flow.spt = spt;
  flow.dpt = dpt;
  flow.proto = proto;
  flow.action = action ?? 'allow';
  flow.inferred = action === undefined;
  flow.inIf = inIf;
  flow.outIf = outIf;
  flow.bytes = addCounts(toInt(x.sent), toInt(x.rcvd));
  flow.duration = toInt(x.duration);
  flow.user = x.user === 'unknown' ? undefined : x.user;
  flow.ruleName = x.msg;
  const ev = buildEvent('zyxel', 'zyxel', 'zld', h, ctx, flow);
  if (ev && x.cat) ev.gatewatch!.category = x.cat.length > 64 ? x.cat.slice(0, 64) : x.cat;
  return ev;
}

export const zyxel: VendorParser = {
  id: 'zyxel',
  title: 'Zyxel USG / USG FLEX / ATP (ZLD key="value" syslog)',
  logHint: 'send the Security Policy category to the remote server (Log & Report › Log Settings), and turn on Log on the policies',
  detect,
  parse,
};
