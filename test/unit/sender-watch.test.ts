/**
 * SenderWatch and the parser's claim: a box whose lines gatewatch reads but that logs no connections, a box it
 * does not read at all, one that stops being understood after a change, and the bounds on what is kept.
 */
import { expect } from 'chai';
import { LineParser, PARSERS } from '../../src/parsers/registry';
import { MakeInfo, printable, SenderWatch } from '../../src/syslog/sender-watch';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const MIN = 60_000;
// Written from Fortinet's log reference: a system event (an administrator login) and a DHCP notice.
const FGT_LOGIN = '<189>date=2026-12-03 time=09:00:00 devname="FGT60F" devid="FGT60FTK00000001" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" ui="https(192.168.1.10)" action="login" status="success" msg="Administrator admin logged in successfully from https(192.168.1.10)"';
const FGT_DHCP = '<189>date=2026-12-03 time=09:00:05 devname="FGT60F" devid="FGT60FTK00000001" logid="0100026001" type="event" subtype="system" level="information" vd="root" logdesc="DHCP Ack log" interface="internal" dhcp_msg="Ack" ip=192.168.1.110 lease=604800 msg="DHCP server sends a DHCPACK"';
const FGT_DENY = '<189>date=2026-12-03 time=09:01:00 devname="FGT60F" devid="FGT60FTK00000001" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=203.0.113.40 srcport=40000 srcintf="wan1" dstip=198.51.100.2 dstport=3389 dstintf="internal" proto=6 action="deny" policyid=0 service="RDP"';
const NAS = '<13>Dec  3 09:00:07 nas-1 backupd[311]: backup job "nightly" finished in 312 s';
const KERNEL = '<4>Dec  3 09:00:09 gw kernel: DROP IN=eth0 OUT= SRC=203.0.113.5 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0';
const FORTI: MakeInfo = PARSERS.find((p) => p.id === 'fortigate')!;

/** Parse `line` and tell the watch, as the parse node does. */
function feed(w: SenderWatch, p: LineParser, sender: string, line: string, at: number) {
  const ev = p.parse(line, at);
  return { ev, change: w.observe(sender, p.lastClaim, ev !== null, line, at) };
}

describe('sender watch (which boxes gatewatch understands)', () => {
  it('the parser says which make took a line even when it was not a connection', () => {
    const p = new LineParser({ tz: 'UTC' });
    expect(p.parse(FGT_LOGIN, T0)).to.equal(null);
    expect(p.lastClaim?.id).to.equal('fortigate');
    expect(p.parse(NAS, T0)).to.equal(null);
    expect(p.lastClaim).to.equal(undefined);
    expect(p.lastHost).to.equal('nas-1');
    expect(p.parse(KERNEL, T0)).to.not.equal(null);
    expect(p.lastClaim?.id).to.equal('netfilter');
    expect(p.lastHost).to.equal('gw');
    // pfirewall.log: its header lines are its own; a record's action is not a host name.
    expect(p.parse('#Software: Microsoft Windows Firewall', T0)).to.equal(null);
    expect(p.lastClaim?.id).to.equal('windows-firewall');
    expect(p.parse('2026-12-03 09:00:00 DROP TCP 203.0.113.120 192.0.2.10 51515 3389 52 S 1234567 0 64240 - - - RECEIVE 4', T0)).to.not.equal(null);
    expect(p.lastHost).to.equal(undefined);
    expect(p.parse('2026-12-03 09:00:05 INFO-EVENTS-LOST - - - - - - - - - - - - 12 -', T0)).to.equal(null);
    expect(p.lastClaim?.id).to.equal('windows-firewall');
    expect(p.lastHost).to.equal(undefined);
    // An application's own log line names no host ("Could" is a word of its message), unless a syslog header says so.
    expect(p.parse('2026-12-03 09:00:00 Could not resolve host example.org', T0)).to.equal(null);
    expect(p.lastHost).to.equal(undefined);
    p.parse('<13>2026-12-03 09:00:00 vpn-1 openvpn[9]: TLS handshake failed', T0);
    expect(p.lastHost).to.equal('vpn-1');
    // A forced format claims only what its detect() takes.
    const forced = new LineParser({ format: 'fortigate', tz: 'UTC' });
    forced.parse(FGT_DHCP, T0);
    expect(forced.lastClaim?.id).to.equal('fortigate');
    forced.parse(KERNEL, T0);
    expect(forced.lastClaim).to.equal(undefined);
  });

  it('every make says how to turn on logging of the firewall\'s decisions', () => {
    for (const p of PARSERS) {
      expect(p.logHint, p.id).to.be.a('string');
      expect(p.logHint.length, p.id).to.be.within(20, 260);
      expect(p.logHint, p.id).to.not.match(/\.$/);
    }
  });

  it('a FortiGate that sends only system notices "logs no connections", with FortiGate\'s hint; a traffic line clears it', () => {
    const w = new SenderWatch(), p = new LineParser({ tz: 'UTC' });
    const changes = [];
    for (let i = 0; i < 29; i++) changes.push(feed(w, p, '192.168.1.1', i % 2 ? FGT_DHCP : FGT_LOGIN, T0 + i * 1000).change);
    expect(changes.every((c) => c === null)).to.equal(true);
    expect(w.list()[0]!.verdict).to.equal('waiting');
    const c = feed(w, p, '192.168.1.1', FGT_LOGIN, T0 + 30_000).change;
    expect(c).to.deep.equal({ sender: '192.168.1.1', from: 'waiting', to: 'no-connections' });
    const [r] = w.problems();
    expect(r).to.include({ sender: '192.168.1.1', verdict: 'no-connections', lines: 30, events: 0, other: 30, make: 'Fortinet FortiGate / FortiProxy', makeId: 'fortigate' });
    expect(r!.advice).to.contain('none of its 30 lines is about a connection').and.to.contain(FORTI.logHint!);
    // two kinds of line: two samples, not thirty
    expect(r!.samples).to.have.length(2);
    expect(r!.samples[0]).to.contain('Admin login successful');
    expect(feed(w, p, '192.168.1.1', FGT_DENY, T0 + 60_000).change).to.deep.equal({ sender: '192.168.1.1', from: 'no-connections', to: 'understood' });
    expect(w.problems()).to.deep.equal([]);
    expect(w.list()[0]).to.include({ verdict: 'understood', events: 1, lastEvent: new Date(T0 + 60_000).toISOString() });
    expect(w.list()[0]!.formats).to.deep.equal({ fortigate: 1 });
    expect(w.list()[0]!.advice).to.equal(undefined);
  });

  it('a box of no known make is "not understood"; a few lines over a quarter of an hour are enough to say so', () => {
    const w = new SenderWatch(), p = new LineParser({ tz: 'UTC' });
    for (let i = 0; i < 4; i++) expect(feed(w, p, 'nas-1', NAS, T0 + i * 10 * MIN).change).to.equal(null);
    // 4 lines over 30 minutes: too few; the 5th decides
    expect(feed(w, p, 'nas-1', NAS.replace('[311]', '[4242]'), T0 + 40 * MIN).change).to.deep.equal({ sender: 'nas-1', from: 'waiting', to: 'not-understood' });
    const [r] = w.problems();
    expect(r).to.include({ verdict: 'not-understood', lines: 5 });
    expect(r!.make).to.equal(undefined);
    expect(r!.advice).to.match(/None of the 5 lines from nas-1 is a kind of log gatewatch reads/);
    // the same words with other numbers are one kind of line
    expect(r!.samples).to.deep.equal([NAS]);
    // a burst of 5 lines in a minute is not judged
    const w2 = new SenderWatch();
    for (let i = 0; i < 5; i++) feed(w2, p, 'nas-2', NAS, T0 + i * 1000);
    expect(w2.list()[0]!.verdict).to.equal('waiting');
    // …but a whole file is (final judgement)
    expect(w2.list(true)[0]!.verdict).to.equal('not-understood');
  });

  it('a box understood for months and then not (a firmware update) is "no longer understood", and recovers', () => {
    const w = new SenderWatch();
    const made = PARSERS.find((x) => x.id === 'sophos')!;
    w.observe('xg', made, true, 'x', T0);
    let change = null;
    // 499 lines in 7 hours: not yet (both the lines and the time are needed)
    for (let i = 1; i < 500; i++) change = w.observe('xg', undefined, false, `new format line ${i}`, T0 + i * 50_000) ?? change;
    expect(change).to.equal(null);
    change = w.observe('xg', undefined, false, 'new format line 500', T0 + 7 * 3600_000);
    expect(change).to.deep.equal({ sender: 'xg', from: 'understood', to: 'stopped' });
    const [r] = w.problems();
    expect(r!.advice).to.contain('was understood (Sophos Firewall) until 2026-12-03 09:00 UTC').and.to.contain('500 lines');
    expect(w.observe('xg', made, true, 'x', T0 + 8 * 3600_000)).to.deep.equal({ sender: 'xg', from: 'stopped', to: 'understood' });
    // 500 lines within an hour of the last event: busy, not stopped
    const w2 = new SenderWatch();
    w2.observe('busy', made, true, 'x', T0);
    for (let i = 1; i <= 600; i++) w2.observe('busy', made, false, 'a notice', T0 + i * 5000);
    expect(w2.list()[0]!.verdict).to.equal('understood');
  });

  it('keeps at most three sample lines, shortened and without control characters, and at most 256 senders', () => {
    const w = new SenderWatch();
    const kinds = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    kinds.forEach((k, i) => w.observe('s', undefined, false, `<13>Dec  3 09:00:00 ${k} said something\u001b[31m\r\n` + 'x'.repeat(400), T0 + i * 2 * MIN));
    const r = w.list(true)[0]!;
    expect(r.samples).to.have.length(3);
    expect(r.samples[2]).to.contain('echo');
    for (const s of r.samples) {
      expect(s).to.not.match(/[\u0000-\u001f]/);
      expect(s.length).to.equal(301);
      expect(s.endsWith('…')).to.equal(true);
    }
    expect(printable('a\u2028b\u0000c')).to.equal('a?b?c');
    for (let i = 0; i < 300; i++) w.observe(`10.0.${i >> 8}.${i & 255}`, undefined, false, 'x', T0);
    expect(w.list()).to.have.length(256);
    expect(w.dropped).to.equal(45);
  });
});
