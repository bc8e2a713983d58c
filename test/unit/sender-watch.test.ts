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
    // A Peplink line copied from its Event Log page: the verdict sits where a host goes, and is not one.
    expect(p.parse('Nov 23 10:00:04 Denied CONN=Ethernet WAN SRC=203.0.113.9 DST=192.168.1.20 LEN=48 PROTO=TCP SPT=2261 DPT=80', T0)).to.not.equal(null);
    expect([p.lastClaim?.id, p.lastHost]).to.deep.equal(['peplink', undefined]);
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

  it('a box\'s own notices (no connection in them) are claimed by its make; other software\'s lines are not', () => {
    const p = new LineParser({ tz: 'UTC' });
    const claim = (line: string) => { expect(p.parse(line, T0), line).to.equal(null); return p.lastClaim?.id; };
    // written from each vendor's log documentation
    expect(claim('<30>Dec  3 09:00:00 gw system,info,account user admin logged in from 192.168.88.2 via winbox')).to.equal('mikrotik');
    expect(claim('<30>Dec  3 09:00:01 gw dhcp,info dhcp1 deassigned 192.168.88.254 from 00:00:5E:00:53:21')).to.equal('mikrotik');
    expect(claim('<134>Dec  3 09:00:02 Vigor: PPPoE ==> Protocol:LCP(c021) ConfReq Identifier:0x01')).to.equal('draytek');
    expect(claim('<134>Dec  3 09:00:02 Vigor2927: Admin login from LAN 192.168.1.10 succeeded')).to.equal('draytek');
    expect(claim('<189>41: Dec  3 09:00:03.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.168.1.10)')).to.equal('cisco-ios');
    expect(claim('<189>42: Dec  3 09:00:04.123: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to up')).to.equal('cisco-ios');
    expect(claim('<166>Dec 03 2026 09:00:05: %ASA-6-113004: AAA user authentication Successful : server = 192.168.1.5 : user = admin')).to.equal('cisco-asa');
    expect(claim('<13>1 2026-12-03T09:00:06.000Z srx1 mgd 4242 UI_COMMIT [junos@2636.1.1.1.2.129 username="admin" command="commit"] User \'admin\' requested \'commit\' operation')).to.equal('juniper-srx');
    expect(claim('<13>Dec  3 09:00:07 srx1 mgd[4242]: UI_LOGIN_EVENT: User \'admin\' login, class \'j-super-user\'')).to.equal('juniper-srx');
    expect(claim('<133>Dec  3 09:00:08 bigip1 tmsh[28791]: 01420002:5: AUDIT - pid=28791 user=root folder=/Common module=(tmos)# status=[Command OK] cmd_data=save sys config')).to.equal('f5-bigip');
    expect(claim('<189>Dec  3 09:00:09 oneos-br1 : #NOTIFY# DHCP [SERVER] address 192.168.1.40 offered to 00:00:5e:00:53:40')).to.equal('ekinops-oneos');
    expect(claim('{"EventTime":"2026-12-03 09:00:10","Hostname":"fs1.example.org","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","TargetUserName":"alice","LogonType":"3"}')).to.equal('windows-firewall');
    expect(claim('<29>Dec  3 09:00:11 fw dpinger[1234]: WAN_DHCP 192.0.2.1: Alarm latency 0us stddev 0us loss 100%')).to.equal('pfsense');
    expect(claim('<134>Dec  3 09:00:11 dfl-860 EFW: USAGE: conns=12 if0=core ip0=127.0.0.1 tp0=0.00 if1=wan ip1=192.0.2.1 tp1=1.20')).to.equal('clavister');
    expect(claim('<133>Dec  3 09:00:11 ssg5 ssg5: NetScreen device_id=ssg5  [Root]system-warning-00515: Admin user netscreen has logged on via SSH from 192.168.1.10:50000')).to.equal('netscreen');
    expect(claim('<132>Dec  3 09:00:11 lancom-1781 PACKET_INFO: matched filter: BLOCKHTTP exceeded limit: more than 0 packets actions: drop;')).to.equal('lancom');
    expect(claim('<134>Dec  3 09:00:11 dfl-860 EFW: USERAUTH: prio=2 id=03700001 rev=1 event=user_login action=allow username=admin srcip=192.168.1.10')).to.equal('clavister');
    // anybody's software: no make
    expect(claim('<38>Dec  3 09:00:12 fw sshd[5123]: Accepted publickey for admin from 192.168.1.10 port 50000 ssh2')).to.equal(undefined);
    expect(claim('<30>Dec  3 09:00:13 nas systemd[1]: Started Daily backup; disk 90% full, 12% free')).to.equal(undefined);
    expect(claim('<30>Dec  3 09:00:14 nas app: info,error in module x')).to.equal(undefined);
    expect(claim('<30>Dec  3 09:00:15 nas app[2]: 100%-5-DONE: finished')).to.equal(undefined);
    expect(claim('<13>Dec  3 09:00:16 srx1 sshd[999]: Failed password for root from 203.0.113.99 port 40000 ssh2')).to.equal(undefined);
    expect(claim('<13>Dec  3 09:00:17 box EFW: started: version=1')).to.equal(undefined);
    expect(claim('<13>Dec  3 09:00:18 box app: NOTE: Value=1')).to.equal(undefined);
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

  it('carries over a restart: a snapshot restored into a new watch judges and reports as the old one did', () => {
    const p = new LineParser({ tz: 'UTC' });
    const w = new SenderWatch();
    for (let i = 0; i < 30; i++) feed(w, p, 'fgt (192.0.2.7)', i % 2 ? FGT_LOGIN : FGT_DHCP, T0 + i * 1000);
    feed(w, p, 'gw', KERNEL, T0);
    for (let i = 0; i < 3; i++) w.observe('nas-1', undefined, false, `${NAS}\u0007 ${'y'.repeat(i * 200)}`, T0 + i * MIN);
    const before = w.list();
    // through text, as the file on disk
    const snap = JSON.parse(JSON.stringify(w.snapshot()));
    const byId = (id: string) => PARSERS.find((x) => x.id === id);
    const w2 = new SenderWatch();
    expect(w2.restore(snap, byId)).to.deep.equal({ restored: 3, skipped: 0 });
    expect(w2.list()).to.deep.equal(before);
    expect(w2.problems().map((r) => r.sender)).to.deep.equal(['fgt (192.0.2.7)']);
    // it goes on from where it was: the FortiGate's first traffic line clears its problem
    expect(feed(w2, p, 'fgt (192.0.2.7)', FGT_DENY, T0 + 3600_000).change).to.deep.equal({ sender: 'fgt (192.0.2.7)', from: 'no-connections', to: 'understood' });
    // a box that changed format while Node-RED was stopped is still judged against its events before the stop
    const w3 = new SenderWatch();
    w3.observe('xg', FORTI, true, 'x', T0);
    const w4 = new SenderWatch();
    w4.restore(JSON.parse(JSON.stringify(w3.snapshot())), byId);
    let change = null;
    for (let i = 1; i <= 500; i++) change = w4.observe('xg', undefined, false, `new ${i}`, T0 + 7 * 3600_000 + i) ?? change;
    expect(change).to.deep.include({ from: 'understood', to: 'stopped' });
  });

  it('a damaged or hand-edited snapshot: bad entries are skipped and counted, nothing else believed', () => {
    const byId = (id: string) => PARSERS.find((x) => x.id === id);
    const w = new SenderWatch();
    for (const bad of [null, 42, 'text', [], { version: 2, senders: [] }, { version: 1 }, { version: 1, senders: {} }]) {
      expect(() => w.restore(bad, byId), JSON.stringify(bad)).to.throw(/not a gatewatch sender list/);
    }
    const good = { sender: 'gw', lines: 10, events: 4, claimed: { netfilter: 6 }, formats: { netfilter: 4, 'gone-vendor': 2 },
      firstMs: T0, lastMs: T0 + MIN, lastEventMs: T0, linesSinceEvent: 6, samples: ['a\u0000b<img src=x onerror=alert(1)>', 'z'.repeat(5000)], verdict: 'understood' };
    const entries = [
      good,
      { ...good, sender: '' }, { ...good, sender: 'x'.repeat(301) }, { ...good, sender: 'neg', lines: -1 },
      { ...good, sender: 'frac', lines: 1.5 }, { ...good, sender: 'more-events', events: 11 }, { ...good, sender: 'v', verdict: 'owned' },
      { ...good, sender: 'when', lastMs: 'yesterday' }, { ...good, sender: 'inf', firstMs: 1e300 }, { ...good, sender: 'many', samples: ['a', 'b', 'c', 'd'] },
      { ...good, sender: 'obj', samples: [{}] }, { ...good, sender: 'claims', claimed: { netfilter: 'six' } }, { ...good, sender: 'arr', formats: [4] },
      { ...good, sender: 'proto', claimed: JSON.parse('{"__proto__": 5, "netfilter": 6}') },
      { ...good, sender: 'gw' }, null, 'str',
    ];
    const r = w.restore({ version: 1, dropped: 3, senders: entries }, byId);
    expect(r).to.deep.equal({ restored: 2, skipped: entries.length - 2 });
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const gw = w.list().find((x) => x.sender === 'gw')!;
    // the vendor no longer known is forgotten; the samples are cleaned and cut again as the editor shows them
    expect(gw.formats).to.deep.equal({ netfilter: 4 });
    expect(gw.samples[0]).to.equal('a?b<img src=x onerror=alert(1)>');
    expect(gw.samples[1]!.length).to.equal(301);
    expect(w.list().map((x) => x.sender).sort()).to.deep.equal(['gw', 'proto']);
    expect(w.dropped).to.equal(3);
    // a sender seen live before the snapshot was read keeps what it has
    const w2 = new SenderWatch();
    w2.observe('gw', undefined, false, 'fresh', T0);
    expect(w2.restore({ version: 1, dropped: 0, senders: [good] }, byId)).to.deep.equal({ restored: 0, skipped: 1 });
    expect(w2.list()[0]!.lines).to.equal(1);
  });
});
