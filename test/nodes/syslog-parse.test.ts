/**
 * gatewatch-syslog and gatewatch-parse in a real Node-RED runtime (node-red-node-test-helper),
 * fed over real UDP and TCP sockets on loopback.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper = require('node-red-node-test-helper');
import syslogNode = require('../../nodes/gatewatch-syslog/gatewatch-syslog');
import parseNode = require('../../nodes/gatewatch-parse/gatewatch-parse');
import { freePort, sendTcp, sendUdp, waitFor } from '../helpers/net';

helper.init(require.resolve('node-red'));

const LINE = '<4>Nov 23 10:15:01 OpenWrt kernel: [1.0] DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.5 DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=51515 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0';

type AnyMsg = Record<string, any>;

function flow(port: number, extra: Record<string, unknown> = {}): any[] {
  return [
    { id: 'tab', type: 'tab' },
    { id: 's', z: 'tab', type: 'gatewatch-syslog', port, udp: true, tcp: true, host: '127.0.0.1', maxSize: 1024, allow: '', ...extra, wires: [['p', 'raw']] },
    { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['ev'], ['other']] },
    { id: 'raw', z: 'tab', type: 'helper' },
    { id: 'ev', z: 'tab', type: 'helper' },
    { id: 'other', z: 'tab', type: 'helper' },
    { id: 'c', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', type: 'helper' },
  ];
}

describe('gatewatch-syslog + gatewatch-parse nodes', function () {
  this.timeout(15000);
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });
  beforeEach(() => helper.startServer());

  it('receives UDP datagrams and TCP streams (LF and octet-counted) and parses them', async () => {
    const port = await freePort();
    await helper.load([syslogNode, parseNode], flow(port));
    const raw: AnyMsg[] = [], events: AnyMsg[] = [], other: AnyMsg[] = [];
    helper.getNode('raw').on('input', (m: AnyMsg) => raw.push(m));
    helper.getNode('ev').on('input', (m: AnyMsg) => events.push(m));
    helper.getNode('other').on('input', (m: AnyMsg) => other.push(m));
    await waitFor(() => (helper.getNode('s') as any).status.called, 3000, 'listening');
    await new Promise((r) => setTimeout(r, 100));
    await sendUdp(port, [LINE, '<13>Nov 23 10:00:00 host sshd[1]: Accepted password for bob']);
    const octet = `<4>Nov 23 10:15:02 OpenWrt kernel: DROP IN=eth1 OUT= SRC=203.0.113.6 DST=198.51.100.2 LEN=40 PROTO=UDP SPT=1 DPT=161 LEN=20`;
    await sendTcp(port, `${LINE}\n${Buffer.byteLength(octet)} ${octet}`.replace(LINE + '\n', LINE + '\n'));
    await waitFor(() => raw.length >= 4, 5000, '4 raw lines');
    await waitFor(() => events.length >= 3 && other.length >= 1, 5000, 'parsed output');
    expect(raw[0]!.payload).to.equal(LINE);
    expect(raw[0]!.syslog).to.include({ hostname: 'OpenWrt', appName: 'kernel', facility: 0, severity: 4 });
    expect(raw[0]!.remote).to.include({ address: '127.0.0.1', transport: 'udp' });
    const ev = events[0]!.payload;
    expect(ev.source.ip).to.equal('203.0.113.5');
    expect(ev.destination.port).to.equal(23);
    expect(ev.event.action).to.equal('deny');
    expect(ev.gatewatch.reporter).to.equal('127.0.0.1');
    expect(other[0]!.payload).to.contain('sshd');
    const tcpEvents = events.filter((m) => m.remote?.transport === 'tcp').map((m) => m.payload.source.ip).sort();
    expect(tcpEvents).to.deep.equal(['203.0.113.5', '203.0.113.6']);
  });

  it('drops and counts senders outside the allowlist', async () => {
    const port = await freePort();
    await helper.load([syslogNode, parseNode], flow(port, { allow: '192.0.2.1, 10.0.0.0/8' }));
    const raw: AnyMsg[] = [];
    helper.getNode('raw').on('input', (m: AnyMsg) => raw.push(m));
    await new Promise((r) => setTimeout(r, 200));
    await sendUdp(port, [LINE, LINE]);
    await sendTcp(port, LINE + '\n');
    await waitFor(() => {
      const calls = (helper.getNode('s') as any).status.getCalls().map((c: any) => c.args[0].text as string);
      return calls.some((t: string) => /3 refused/.test(t));
    }, 5000, 'refused count in status');
    expect(raw).to.have.length(0);
  });

  it('survives binary, oversize and invalid UTF-8 input, counting it', async () => {
    const port = await freePort();
    await helper.load([syslogNode, parseNode], flow(port));
    const raw: AnyMsg[] = [], events: AnyMsg[] = [], other: AnyMsg[] = [];
    helper.getNode('raw').on('input', (m: AnyMsg) => raw.push(m));
    helper.getNode('ev').on('input', (m: AnyMsg) => events.push(m));
    helper.getNode('other').on('input', (m: AnyMsg) => other.push(m));
    await new Promise((r) => setTimeout(r, 200));
    const binary = Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 37 + 11) % 256));
    const badUtf8 = Buffer.concat([Buffer.from('<4>Nov 23 10:00:00 h kernel: DROP IN=eth0 OUT= SRC=203.0.113.9 DST=198.51.100.2 PROTO=TCP SPT=1 DPT=2 '), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]);
    await sendUdp(port, [binary, badUtf8, Buffer.alloc(60000, 0x41)]);
    await sendTcp(port, Buffer.concat([Buffer.alloc(1024 * 1024, 0x42), Buffer.from('\n' + LINE + '\n')]));
    await waitFor(() => events.length >= 2, 8000, 'events after garbage');
    expect(events.map((m) => m.payload.source.ip)).to.include.members(['203.0.113.9', '203.0.113.5']);
    const statusTexts = (helper.getNode('s') as any).status.getCalls().map((c: any) => String(c.args[0].text));
    await waitFor(() => (helper.getNode('s') as any).status.getCalls().some((c: any) => /cut/.test(String(c.args[0].text))), 3000, 'cut count');
    expect(statusTexts.length).to.be.greaterThan(0);
    expect(raw.every((m) => typeof m.payload === 'string' && m.payload.length <= 1024)).to.equal(true);
  });

  it('keeps up with a flood of datagrams and still answers afterwards', async () => {
    const port = await freePort();
    await helper.load([syslogNode, parseNode], flow(port));
    let events = 0;
    helper.getNode('ev').on('input', () => { events++; });
    await new Promise((r) => setTimeout(r, 200));
    const burst: string[] = [];
    for (let i = 0; i < 20000; i++) burst.push(LINE.replace('SPT=51515', `SPT=${1024 + (i % 60000)}`));
    const t0 = Date.now();
    await sendUdp(port, burst);
    // Some datagrams may be lost by the kernel under a flood (UDP), but the runtime must keep going.
    await waitFor(() => events >= 5000, 15000, 'a large share of the flood');
    const before = events;
    await sendTcp(port, LINE + '\n');
    await waitFor(() => events > before, 10000, 'a line after the flood');
    expect(Date.now() - t0).to.be.lessThan(20000);
  });

  it('frees its ports on redeploy (no EADDRINUSE)', async () => {
    const port = await freePort();
    await helper.load([syslogNode, parseNode], flow(port));
    for (let i = 0; i < 3; i++) {
      await helper.setFlows(flow(port, { name: `round ${i}` }), 'full');
    }
    const raw: AnyMsg[] = [];
    helper.getNode('raw').on('input', (m: AnyMsg) => raw.push(m));
    await new Promise((r) => setTimeout(r, 300));
    await sendUdp(port, [LINE]);
    await sendTcp(port, LINE + '\n');
    await waitFor(() => raw.length >= 2, 5000, 'lines after redeploy');
    const errors = (helper.getNode('s') as any).error.getCalls();
    expect(errors, 'no bind errors').to.have.length(0);
  });

  it('reports a port already in use clearly instead of crashing', async () => {
    const port = await freePort();
    const net = await import('node:net');
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await helper.load([syslogNode, parseNode], flow(port));
      const s = helper.getNode('s') as any;
      await waitFor(() => s.error.called, 3000, 'error');
      expect(String(s.error.firstCall.args[0])).to.contain('gatewatch-syslog.errors.inUse');
    } finally {
      blocker.close();
    }
  });

  it('parse: corrects a router whose clock is 3 hours behind, says so, and leaves replayed lines alone', async () => {
    await helper.load([syslogNode, parseNode], <any[]>[
      { id: 'tab', type: 'tab' },
      { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['ev'], ['other']] },
      { id: 'off', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', fixClocks: false, wires: [['evOff'], []] },
      { id: 'ev', z: 'tab', type: 'helper' },
      { id: 'evOff', z: 'tab', type: 'helper' },
      { id: 'other', z: 'tab', type: 'helper' },
    ]);
    const events: AnyMsg[] = [], eventsOff: AnyMsg[] = [];
    helper.getNode('ev').on('input', (m: AnyMsg) => events.push(m));
    helper.getNode('evOff').on('input', (m: AnyMsg) => eventsOff.push(m));
    const p = helper.getNode('p'), off = helper.getNode('off');
    const warned: string[] = [];
    (p as any).warn = (w: unknown) => { warned.push(String(w)); };
    // What the syslog node hands on: the line, when it arrived, who sent it. 15 minutes, a line every 5 s.
    const t0 = Date.UTC(2026, 11, 3, 9, 0, 0);
    const line = (own: number, port: number) => `<4>1 ${new Date(own).toISOString()} office-fw kernel - - - DROP IN=eth1 OUT= SRC=203.0.113.9 DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=40000 DPT=${port} WINDOW=1024 RES=0x00 SYN URGP=0`;
    for (let s = 0; s < 900; s += 5) {
      const arrived = t0 + s * 1000;
      for (const node of [p, off]) node.receive({ payload: line(arrived - 3 * 3_600_000, 1000 + s), syslog: { receivedAt: arrived }, remote: { address: '192.0.2.1' } } as any);
    }
    // A replayed file (no arrival time): never changed.
    p.receive({ payload: line(t0 - 3 * 3_600_000, 7) } as any);
    await waitFor(() => events.length === 181 && eventsOff.length === 180, 5000, 'all events');
    const first = events[0]!.payload, last = events[179]!.payload;
    expect(first['@timestamp']).to.equal('2026-12-03T06:00:00.000Z');
    expect(first.gatewatch.clock_skew_s).to.equal(undefined);
    expect(last['@timestamp']).to.equal(new Date(t0 + 895_000).toISOString());
    expect(last.gatewatch).to.include({ clock_skew_s: 10800, device_time: new Date(t0 + 895_000 - 3 * 3_600_000).toISOString() });
    expect(events[180]!.payload['@timestamp']).to.equal('2026-12-03T06:00:00.000Z');
    expect(eventsOff[179]!.payload['@timestamp']).to.equal(new Date(t0 + 895_000 - 3 * 3_600_000).toISOString());
    // (one warning when the clock is found wrong; the test runtime leaves the message key untranslated)
    expect(warned).to.have.length(1);
    expect(warned[0]).to.match(/wrongClock/);
    // (the status spy is shared by the nodes of a type: this node's calls are those made on it)
    const texts = () => (p as any).status.getCalls().filter((c: any) => c.thisValue === p).map((c: any) => String(c.args[0]?.text ?? ''));
    await waitFor(() => texts().some((t: string) => /clock of 192\.0\.2\.1 3 hours behind/.test(t)), 3000, 'status names the clock');
  });

  it('parse: says when a box sends nothing it understands, what to turn on, and lists what arrives for the editor', async () => {
    await helper.load([syslogNode, parseNode], <any[]>[
      { id: 'tab', type: 'tab' },
      { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['ev'], ['other']] },
      { id: 'ev', z: 'tab', type: 'helper' },
      { id: 'other', z: 'tab', type: 'helper' },
    ]);
    const p = helper.getNode('p');
    const warned: string[] = [], logged: string[] = [];
    (p as any).warn = (w: unknown) => { warned.push(String(w)); };
    (p as any).log = (w: unknown) => { logged.push(String(w)); };
    const other: AnyMsg[] = [];
    helper.getNode('other').on('input', (m: AnyMsg) => other.push(m));
    // A FortiGate with traffic logging off (only its own notices, written from Fortinet's log reference), and
    // the office's router, understood, both sending to the same node.
    const login = (i: number) => `<189>date=2026-12-03 time=09:00:${String(i % 60).padStart(2, '0')} devname="FGT60F" devid="FGT60FTK00000001" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success" msg="Administrator admin logged in successfully"`;
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) {
      p.receive({ payload: login(i), syslog: { receivedAt: t0 + i * 1000 }, remote: { address: '192.0.2.7' } } as any);
      p.receive({ payload: LINE, syslog: { receivedAt: t0 + i * 1000 }, remote: { address: '192.0.2.1' } } as any);
    }
    await waitFor(() => other.length === 30, 5000, 'the notices on output 2');
    expect(warned).to.have.length(1);
    expect(warned[0]).to.contain('192.0.2.7 sends Fortinet FortiGate / FortiProxy logs, but none of its 30 lines is about a connection')
      .and.to.contain('Log Allowed Traffic').and.to.contain('logdesc="Admin login successful"');
    const texts = () => (p as any).status.getCalls().filter((c: any) => c.thisValue === p).map((c: any) => String(c.args[0]?.text ?? ''));
    await waitFor(() => texts().some((t: string) => /192\.0\.2\.7 gatewatch-parse\.status\.no-connections/.test(t)), 3000, 'status names the box');
    const lastStatus = () => { const calls = (p as any).status.getCalls().filter((c: any) => c.thisValue === p); return calls[calls.length - 1]?.args[0]; };
    expect(lastStatus().fill).to.equal('yellow');
    // What the dialog's "Show the boxes sending logs" asks for.
    const res = await helper.request().get('/gatewatch/parse/p/senders').expect(200);
    const senders = res.body.senders as AnyMsg[];
    expect(senders.map((x) => [x.sender, x.verdict, x.events, x.other])).to.deep.equal([
      ['192.0.2.7', 'no-connections', 0, 30],
      ['OpenWrt (192.0.2.1)', 'understood', 30, 0],
    ]);
    expect(senders[0]!.samples).to.have.length(1);
    await helper.request().get('/gatewatch/parse/nosuchnode/senders').expect(404);
    // Logging turned on: the box is understood, said once in the log; the status is green again.
    p.receive({ payload: '<189>date=2026-12-03 time=09:01:00 devname="FGT60F" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=203.0.113.40 srcport=40000 srcintf="wan1" dstip=198.51.100.2 dstport=3389 dstintf="internal" proto=6 action="deny" policyid=0', syslog: { receivedAt: t0 + 60_000 }, remote: { address: '192.0.2.7' } } as any);
    await waitFor(() => logged.some((l) => /senderUnderstood/.test(l)), 3000, 'the log line');
    const after = await helper.request().get('/gatewatch/parse/p/senders').expect(200);
    expect(after.body.senders.find((x: AnyMsg) => x.sender === '192.0.2.7')).to.include({ verdict: 'understood', events: 1, make: 'Fortinet FortiGate / FortiProxy' });
    await waitFor(() => lastStatus()?.fill === 'green', 3000, 'green status');
    expect(warned).to.have.length(1);
    // A box of no known make beside them (a storage box's own notices): named and warned about, but not yellow.
    for (let i = 0; i < 30; i++) p.receive({ payload: `<13>Dec  3 09:02:${String(i).padStart(2, '0')} nas-1 backupd[311]: backup job finished`, syslog: { receivedAt: t0 + 120_000 + i * 1000 }, remote: { address: '192.0.2.9' } } as any);
    await waitFor(() => /nas-1 \(192\.0\.2\.9\) gatewatch-parse\.status\.not-understood/.test(String(lastStatus()?.text)), 3000, 'status names the storage box');
    expect(lastStatus().fill).to.equal('green');
    expect(warned).to.have.length(2);
    expect(warned[1]).to.contain('None of the 30 lines from nas-1 (192.0.2.9) is a kind of log gatewatch reads');
  });

  it('parse: keeps the list of boxes over a restart; a damaged list is moved aside; a deleted node takes its list along', async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'gw-parse-'));
    helper.settings({ userDir });
    try {
      const parseFlow = <any[]>[
        { id: 'tab', type: 'tab' },
        { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['ev'], ['other']] },
        { id: 'ev', z: 'tab', type: 'helper' },
        { id: 'other', z: 'tab', type: 'helper' },
      ];
      const saved = join(userDir, 'gatewatch', 'senders', 'p.json');
      await helper.load([syslogNode, parseNode], parseFlow);
      const other: AnyMsg[] = [];
      helper.getNode('other').on('input', (m: AnyMsg) => other.push(m));
      const p = helper.getNode('p');
      const notice = (i: number) => `<189>date=2026-12-03 time=09:00:${String(i % 60).padStart(2, '0')} devname="FGT60F" logid="0100026001" type="event" subtype="system" level="information" logdesc="DHCP Ack log" interface="internal" dhcp_msg="Ack" ip=192.168.1.110`;
      const t0 = Date.now();
      for (let i = 0; i < 30; i++) {
        p.receive({ payload: notice(i), syslog: { receivedAt: t0 + i * 1000 }, remote: { address: '192.0.2.7' } } as any);
        p.receive({ payload: LINE, syslog: { receivedAt: t0 + i * 1000 }, remote: { address: '192.0.2.1' } } as any);
      }
      await waitFor(() => other.length === 30, 5000, 'the notices');
      const before = (await helper.request().get('/gatewatch/parse/p/senders').expect(200)).body.senders;
      expect(existsSync(saved)).to.equal(false);
      // Node-RED stops (or the flow is redeployed): the list is written, readable only by its owner…
      await helper.unload();
      expect(JSON.parse(readFileSync(saved, 'utf8')).senders.map((x: AnyMsg) => x.sender)).to.have.members(['192.0.2.7', 'OpenWrt (192.0.2.1)']);
      expect(statSync(saved).mode & 0o077).to.equal(0);
      // …and read back when it starts: the box logging no connections is known before any new line arrives.
      await helper.load([syslogNode, parseNode], parseFlow);
      const after = (await helper.request().get('/gatewatch/parse/p/senders').expect(200)).body.senders;
      expect(after).to.deep.equal(before);
      expect(after[0]).to.include({ sender: '192.0.2.7', verdict: 'no-connections', other: 30 });
      // …and the status names it at once, not only after its next line.
      const p2 = helper.getNode('p');
      await waitFor(() => (p2 as any).status.getCalls().some((c: any) => c.thisValue === p2
        && /192\.0\.2\.7 gatewatch-parse\.status\.no-connections/.test(String(c.args[0]?.text))), 3000, 'status after the restart');
      // A list that is not one (a disk fault, a hand edit): said in the log, moved aside, a new list begins.
      await helper.unload();
      writeFileSync(saved, '{"version":1,"senders":[{"sender":"x"');
      await helper.load([syslogNode, parseNode], parseFlow);
      const warnings = (helper.log().args as any[][]).filter((a) => a[0]?.level === (helper.log() as any).WARN).map((a) => String(a[0].msg));
      expect(warnings.some((w) => w.includes('gatewatch-parse.errors.sendersUnreadable'))).to.equal(true);
      expect(readFileSync(`${saved}.bad`, 'utf8')).to.equal('{"version":1,"senders":[{"sender":"x"');
      expect((await helper.request().get('/gatewatch/parse/p/senders').expect(200)).body.senders).to.deep.equal([]);
      // The node deleted from the flow: its list goes with it.
      helper.getNode('p').receive({ payload: LINE, syslog: { receivedAt: t0 }, remote: { address: '192.0.2.1' } } as any);
      await helper.unload();
      expect(existsSync(saved)).to.equal(true);
      await helper.load([syslogNode, parseNode], parseFlow);
      await helper.setFlows(parseFlow.filter((n) => n.id !== 'p'), 'full');
      expect(existsSync(saved)).to.equal(false);
      expect(existsSync(`${saved}.bad`)).to.equal(true);
    } finally {
      helper.settings({});
      rmSync(userDir, { recursive: true, force: true });
    }
  });

  it('parse: a list that cannot be saved (no room, a file in the way) is said once; stopping does not hang', async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'gw-parse-'));
    // where the list goes, a plain file: every save fails
    writeFileSync(join(userDir, 'gatewatch'), 'not a folder');
    helper.settings({ userDir });
    try {
      const parseFlow = <any[]>[
        { id: 'tab', type: 'tab' },
        { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [[], []] },
      ];
      await helper.load([syslogNode, parseNode], parseFlow);
      const p = helper.getNode('p');
      const warned: string[] = [];
      (p as any).warn = (w: unknown) => { warned.push(String(w)); };
      p.receive({ payload: LINE, syslog: { receivedAt: Date.now() }, remote: { address: '192.0.2.1' } } as any);
      await helper.unload();
      expect(warned.filter((w) => w.includes('gatewatch-parse.errors.sendersNotSaved'))).to.have.length(1);
      expect(readFileSync(join(userDir, 'gatewatch'), 'utf8')).to.equal('not a folder');
    } finally {
      helper.settings({});
      rmSync(userDir, { recursive: true, force: true });
    }
  });

  it('parse: sends non-text payloads to Catch nodes and keeps going', async () => {
    await helper.load([syslogNode, parseNode], <any[]>[
      { id: 'tab', type: 'tab' },
      { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['ev'], ['other']] },
      { id: 'ev', z: 'tab', type: 'helper' },
      { id: 'other', z: 'tab', type: 'helper' },
      { id: 'c', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ]);
    const caught: AnyMsg[] = [], events: AnyMsg[] = [];
    helper.getNode('caught').on('input', (m: AnyMsg) => caught.push(m));
    helper.getNode('ev').on('input', (m: AnyMsg) => events.push(m));
    const p = helper.getNode('p');
    p.receive({ payload: { not: 'text' } } as any);
    p.receive({ payload: Buffer.from(LINE) } as any);
    p.receive({ payload: `${LINE}\n${LINE.replace('203.0.113.5', '203.0.113.7')}\n` } as any);
    await waitFor(() => caught.length === 1 && events.length === 3, 3000, 'catch + events');
    expect(caught[0]!.error.message).to.contain('gatewatch-parse.errors.notText');
    expect(events.map((m) => m.payload.source.ip)).to.deep.equal(['203.0.113.5', '203.0.113.5', '203.0.113.7']);
  });
});
