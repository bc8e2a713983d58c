/** `gatewatch check` through the real command line: which boxes in a log are understood, and what to do about the rest. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';

describe('gatewatch check (CLI)', function () {
  this.timeout(30000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gw-check-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'check', ...args], { encoding: 'utf8' });
  const write = (name: string, lines: string[]) => { const f = join(dir, name); writeFileSync(f, lines.join('\n') + '\n'); return f; };

  // A syslog server's file with three boxes: a router that is understood, a FortiGate sending only its system
  // notices (written from Fortinet's log reference), and a NAS of no make gatewatch reads.
  const mixed = () => write('syslog.log', [
    '<4>Dec  3 09:00:01 gw kernel: DROP IN=eth0 OUT= SRC=203.0.113.5 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=243 ID=1 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0',
    '<189>Dec  3 09:00:02 fgt-office date=2026-12-03 time=09:00:02 devname="FGT60F" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success" msg="Administrator admin logged in successfully"',
    '<189>Dec  3 09:00:03 fgt-office date=2026-12-03 time=09:00:03 devname="FGT60F" logid="0100026001" type="event" subtype="system" level="information" vd="root" logdesc="DHCP Ack log" interface="internal" ip=192.168.1.110 msg="DHCP server sends a DHCPACK"',
    '<13>Dec  3 09:00:04 nas-1 backupd[311]: backup job "nightly" finished in 312 s',
    '<4>Dec  3 09:00:05 gw kernel: DROP IN=eth0 OUT= SRC=203.0.113.6 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=243 ID=2 PROTO=TCP SPT=40001 DPT=445 WINDOW=1024 RES=0x00 SYN URGP=0',
  ]);

  it('names each box, its make and counts, and for a box not understood what to turn on and what it sends (exit 3)', () => {
    const r = cli('--tz', 'UTC', '--year', '2026', mixed());
    expect(r.status, r.stderr).to.equal(3);
    const out = r.stdout;
    expect(out).to.match(/^fgt-office +logs no connections +Fortinet FortiGate \/ FortiProxy: 0 events, 2 other lines$/m);
    expect(out).to.contain('Turn on logging of the firewall\'s decisions: set Log Allowed Traffic on the firewall policies');
    expect(out).to.contain('    | <189>Dec  3 09:00:02 fgt-office date=2026-12-03');
    expect(out).to.match(/^nas-1 +not understood +\(unknown make\): 0 events, 1 other line$/m);
    expect(out).to.match(/^gw +understood +Linux netfilter: 2 events, 0 other lines$/m);
    expect(out).to.contain('5 lines from 3 senders, 2 connection events; 2 senders not understood.');
    // the problems come first
    expect(out.indexOf('fgt-office')).to.be.below(out.indexOf('\ngw '));
  });

  it('--json gives the same as one document; a log all understood exits 0; a file without host names is named by the file', () => {
    const r = cli('--json', '--tz', 'UTC', '--year', '2026', mixed());
    const doc = JSON.parse(r.stdout);
    expect(doc).to.include({ lines: 5, events: 2 });
    expect(doc.senders.map((s: any) => [s.sender, s.verdict, s.makeId ?? null])).to.deep.equal([
      ['fgt-office', 'no-connections', 'fortigate'], ['nas-1', 'not-understood', null], ['gw', 'understood', 'netfilter'],
    ]);
    expect(doc.senders[2]).to.include({ firstSeen: '2026-12-03T09:00:01.000Z', lastSeen: '2026-12-03T09:00:05.000Z', lastEvent: '2026-12-03T09:00:05.000Z' });
    const ok = cli(join(ROOT, 'test', 'fixtures', 'microsoft', 'pfirewall.log'));
    expect(ok.status, ok.stdout).to.equal(0);
    expect(ok.stdout).to.match(/^pfirewall\.log +understood +Windows Defender Firewall: 4 events, 5 other lines$/m);
    expect(ok.stdout).to.contain('every sender understood');
  });

  it('analyze on a log with no connection in it points to check, rather than printing nothing', () => {
    const f = write('notices.log', [
      '<189>Dec  3 09:00:02 fgt-office date=2026-12-03 time=09:00:02 devname="FGT60F" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success"',
    ]);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'analyze', f], { encoding: 'utf8' });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain(`none of the 1 lines is a connection event gatewatch reads; \`gatewatch check ${f}\``);
  });

  it('analyze --json and --html judge the senders too, on one thread and on two (same result)', () => {
    const f = mixed();
    const judged: string[][] = [];
    for (const threads of ['1', '2']) {
      const json = join(dir, `a${threads}.json`), html = join(dir, `a${threads}.html`);
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'analyze', '--threads', threads, '--tz', 'UTC', '--year', '2026', '--json', json, '--html', html, f], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const doc = JSON.parse(readFileSync(json, 'utf8'));
      judged.push(doc.senders.map((x: any) => `${x.sender} ${x.verdict} ${x.events}/${x.lines}`));
      expect(readFileSync(html, 'utf8')).to.contain('Turn on logging of the firewall&#39;s decisions on fgt-office (Fortinet FortiGate / FortiProxy)');
    }
    expect(judged[0]).to.deep.equal(['fgt-office no-connections 0/2', 'nas-1 not-understood 0/1', 'gw understood 2/2']);
    expect(judged[1]).to.deep.equal(judged[0]);
    // a log of the FortiGate's notices only: the report says what it is, not "no firewall logs arrived"
    const notices = write('fgt-notices.log', [
      '<189>Dec  3 09:00:02 fgt-office date=2026-12-03 time=09:00:02 devname="FGT60F" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success"',
    ]);
    const html = join(dir, 'notices.html');
    spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'analyze', '--html', html, notices], { encoding: 'utf8' });
    expect(readFileSync(html, 'utf8')).to.contain('Logs arrive, but they do not show what the firewall did').and.not.to.contain('No firewall logs arrived');
  });

  it('refuses a call without a file', () => {
    const r = cli();
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('check takes one or more FILEs');
  });
});
