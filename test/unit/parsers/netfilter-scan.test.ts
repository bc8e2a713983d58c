/**
 * The netfilter parser reads the kernel's fields (from IN= to PROTO=, then the ports and TCP flags or the
 * ICMP type and code) with a forward scanner: on the message's bytes for an ASCII message of at most 2 KiB,
 * on its characters for any other. It replaced one anchored expression, kept here as its specification: for
 * every line, both scanners must accept exactly where the expression matches and find every field where
 * the expression's groups are. (The parser's output would not show every difference: a line the scanner
 * refuses is read again by the searches, to the same event in most layouts.)
 *
 * Lines follow the kernel's nf_log format (net/netfilter/nf_log_syslog.c, dump_ipv4_packet /
 * dump_ipv6_packet / nf_log_dump_tcp_header: https://github.com/torvalds/linux/blob/master/net/netfilter/nf_log_syslog.c),
 * with documentation addresses (RFC 5737, RFC 3849).
 */
import { expect } from 'chai';
import { kernelFieldsAt, kernelTailAt } from '../../../src/parsers/netfilter';
import { rng } from '../../../bench/gen';

const HEAD = /IN=([^ ]* OUT=[^ ]* (?:PHYSIN=[^ ]* )?(?:PHYSOUT=[^ ]* )?(?:MAC=[^ ]* )?)SRC=([^ ]*) DST=([^ ]*) LEN=([^ ]*) (?:TOS=[^ ]* PREC=[^ ]* TTL=([^ ]*) ID=[^ ]*(?: CE| DF| MF)*|TC=[^ ]* HOPLIMIT=([^ ]*) FLOWLBL=[^ ]*) PROTO=([^ ]*)/;
const TAIL = / SPT=([^ ]*) DPT=([^ ]*)(?: SEQ=[^ ]* ACK=[^ ]*)?(?: WINDOW=[^ ]* RES=[^ ]*((?: [A-Z]{3}){0,15}) URGP=[^ ]*)?| TYPE=([^ ]*) CODE=([^ ]*)/;
const HEAD_TAIL = new RegExp(`${HEAD.source}(?:${TAIL.source})?`, 'dy');
const TAIL_ONLY = new RegExp(TAIL.source, 'dy');

type Groups = ([number, number] | undefined)[] | null;

function expected(re: RegExp, m: string, at: number): Groups {
  re.lastIndex = at;
  const r = re.exec(m);
  if (r === null) return null;
  const d = r.indices!;
  const out: ([number, number] | undefined)[] = [];
  for (let g = 1; g < d.length; g++) out.push(d[g] === undefined ? undefined : [d[g]![0], d[g]![1]]);
  out.push([re.lastIndex, 0]);
  return out;
}

let checked = 0, matched = 0;
function check(m: string, at: number): void {
  const want = expected(HEAD_TAIL, m, at);
  checked++;
  if (want !== null) matched++;
  expect(kernelFieldsAt(m, at), `scanner at ${at}: ${JSON.stringify(m)}`).to.deep.equal(want);
  expect(kernelFieldsAt(m, at, true), `character scanner at ${at}: ${JSON.stringify(m)}`).to.deep.equal(want);
}
function checkTail(m: string, p: number): void {
  expect(kernelTailAt(m, p), `tail at ${p}: ${JSON.stringify(m)}`).to.deep.equal(expected(TAIL_ONLY, m, p));
}
/** Every place the parser starts a scan (each IN=, the first PROTO='s end) and a few others. */
function checkLine(m: string, r: () => number): void {
  for (let i = m.indexOf('IN='), k = 0; i >= 0 && k < 3; i = m.indexOf('IN=', i + 1), k++) check(m, i);
  const p = m.indexOf(' PROTO=');
  if (p >= 0) { const e = m.indexOf(' ', p + 7); checkTail(m, e < 0 ? m.length : e); }
  for (let i = m.indexOf(' SPT='), k = 0; i >= 0 && k < 2; i = m.indexOf(' SPT=', i + 1), k++) checkTail(m, i);
  for (let i = m.indexOf(' TYPE='), k = 0; i >= 0 && k < 2; i = m.indexOf(' TYPE=', i + 1), k++) checkTail(m, i);
  check(m, Math.floor(r() * (m.length + 1)));
  checkTail(m, Math.floor(r() * (m.length + 1)));
}

const V4 = 'SRC=203.0.113.5 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=4321';
const V6 = 'SRC=2001:db8::5 DST=2001:db8:0:1::10 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0';
const MAC = 'MAC=00:00:5e:00:53:01:00:00:5e:00:53:02:08:00';
/** Layouts nf_log writes, and the ones near them the expression refuses. */
const LINES = [
  `[ 12.345678] DROP IN=eth0 OUT= ${MAC} ${V4} DF PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0`,
  // --log-tcp-sequence, --log-tcp-options
  `DROP IN=eth0 OUT= ${MAC} ${V4} PROTO=TCP SPT=40000 DPT=22 SEQ=1234567 ACK=0 WINDOW=1024 RES=0x00 SYN URGP=0 OPT (020405B4)`,
  // URG right before URGP= (the expression reads "URG" of URGP= as a flag word, then gives it back)
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 URG URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 CWR ECE URG ACK PSH RST SYN FIN URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN URGP=`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN URGPX=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYNX URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 ${'SYN '.repeat(14)}URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 ${'SYN '.repeat(15)}URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 ${'SYN '.repeat(16)}URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 ${'SYN '.repeat(14)}URG URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 SEQ=1 WINDOW=0 RES=0x00 SYN URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2 SEQ=1 ACK=2`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1 DPT=2`,
  `IN=eth0 OUT= ${V4} PROTO=TCP SPT=1`,
  // IP flags, fragments and IP options (FRAG:, OPT ( before PROTO=: refused)
  `IN=eth0 OUT= ${V4} CE DF MF PROTO=UDP SPT=53 DPT=5353 LEN=40`,
  `IN=eth0 OUT= ${V4} DFX PROTO=UDP SPT=53 DPT=5353 LEN=40`,
  `IN=eth0 OUT= ${V4} MF FRAG:185 PROTO=UDP`,
  `IN=eth0 OUT= ${V4} OPT (07270400) PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1`,
  // bridges, missing or empty MAC=, OUTPUT chain (no IN=)
  `IN=br0 OUT=br0 PHYSIN=veth1 PHYSOUT=veth2 ${MAC} ${V4} PROTO=UDP SPT=53 DPT=5353 LEN=40`,
  `IN=br0 OUT=br0 PHYSOUT=veth2 ${V4} PROTO=UDP SPT=53 DPT=5353`,
  `IN=br0 OUT=br0 PHYSIN=veth1 ${V4} PROTO=47`,
  `IN=eth0 OUT= MAC= ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN URGP=0`,
  `IN= OUT=eth0 ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN URGP=0`,
  `OUT=eth0 ${V4} PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 SYN URGP=0`,
  `IN=eth0 OUT= SRC= DST= LEN= TOS= PREC= TTL= ID= PROTO=`,
  `IN=eth0 OUT= SRC= DST= LEN= TC= HOPLIMIT= FLOWLBL= PROTO=`,
  // ICMP and ICMPv6, with a quoted packet
  `IN=eth0 OUT= ${MAC} ${V4} PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=203.0.113.5 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ]`,
  `IN=eth0 OUT= ${V6} PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=1`,
  `IN=eth0 OUT= ${V6} PROTO=ICMPv6 TYPE=135`,
  `IN=eth0 OUT= ${V6} PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0`,
  `IN=eth0 OUT= ${V4} PROTO=ICMP CODE=0 TYPE=8`,
];

/** Seeded damage: cut, a character or token dropped, doubled or inserted, spaces doubled, keys misspelt, values emptied or huge. */
function mutate(line: string, r: () => number): string {
  const tokens = ['SYN', 'URG', 'URGP=0', 'RES=0x00', 'WINDOW=1', 'SEQ=1', 'ACK=2', 'CE', 'DF', 'MF', 'DFX', 'MAC=', 'PHYSIN=v',
    'PROTO=TCP', 'SPT=1', 'DPT=2', 'TYPE=3', 'CODE=1', 'IN=', 'OUT=', 'TC=0', 'HOPLIMIT=1', 'FLOWLBL=0', 'ABC', '[', ''];
  const chars = [' ', '=', 'U', 'R', 'G', 'P', 'S', 'A', 'C', 'E', '0', '\t', '\u00e9', '\ud83d'];
  let s = line;
  for (let j = 1 + Math.floor(r() * 3); j > 0; j--) {
    const at = Math.floor(r() * (s.length + 1));
    const toks = s.split(' ');
    const ti = Math.floor(r() * toks.length);
    const t = toks[ti]!;
    const eq = t.indexOf('=');
    switch (Math.floor(r() * 10)) {
      case 0: s = s.slice(0, at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1); break;
      case 2: s = s.slice(0, at) + s.charAt(at) + s.slice(at); break;
      case 3: s = s.slice(0, at) + chars[Math.floor(r() * chars.length)] + s.slice(at); break;
      case 4: toks.splice(ti, 1); s = toks.join(' '); break;
      case 5: toks.splice(ti, 0, t); s = toks.join(' '); break;
      case 6: toks.splice(ti, 0, tokens[Math.floor(r() * tokens.length)]!); s = toks.join(' '); break;
      case 7: { const sp = s.indexOf(' ', at); if (sp >= 0) s = `${s.slice(0, sp)} ${s.slice(sp)}`; break; }
      case 8: if (eq > 0) { const k = Math.floor(r() * eq); toks[ti] = t.slice(0, k) + chars[Math.floor(r() * chars.length)] + t.slice(k + 1); s = toks.join(' '); } break;
      default: toks[ti] = (eq >= 0 ? t.slice(0, eq + 1) : t) + (r() < 0.5 ? '' : '9'.repeat(1 + Math.floor(r() * 3000))); s = toks.join(' ');
    }
  }
  return s;
}

describe('netfilter: the kernel-field scanner reads what the expression it replaced read', () => {
  it('written layouts: both scanners accept where the expression matches, every field at its group', () => {
    const r = rng(5);
    for (const l of LINES) {
      // An ASCII message (bytes), one with a non-ASCII prefix and one longer than 2 KiB (characters).
      for (const m of [l, `bloqu\u00e9 ${l}`, `${'x'.repeat(2100)} ${l}`]) checkLine(m, r);
    }
    expect(matched).to.be.greaterThan(40);
  });

  it('30 000 damaged layouts: the same', () => {
    const r = rng(0x5ca1);
    checked = 0;
    matched = 0;
    for (let i = 0; i < 30000; i++) checkLine(mutate(LINES[i % LINES.length]!, r), r);
    // The damage leaves a fair share in the layout.
    expect(matched).to.be.greaterThan(checked / 10);
  });
});
