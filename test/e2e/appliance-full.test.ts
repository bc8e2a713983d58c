/**
 * The whole appliance, end to end, with real parts: a spawned Node-RED running flows/gatewatch-appliance.json,
 * its SMTP pointed at a real smtp-server on loopback, a reputation list on disk, attacks sent as real
 * syslog over UDP and TCP (and util-linux logger), a restart of Node-RED in the middle.
 * Asserts the incidents, the immediate alert email for the critical one, and the report email.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureLines } from '../../bench/gen';
import { ROOT } from '../helpers/fixtures';
import { freePort, sendTcp, sendUdp, waitFor } from '../helpers/net';
import { NODE_REDS, RunningRed, startNodeRed } from '../helpers/nodered';
import { startSmtp, TestSmtp } from '../helpers/smtp';

type FlowNode = Record<string, any>;

const BAD_C2 = '198.51.100.66';
const SCANNER = '203.0.113.50';
const INSIDE = '192.168.1.23';

const bsd = (d: Date) => {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${m} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
};
const scanLine = (t: Date, port: number) =>
  `<4>${bsd(t)} OpenWrt kernel: DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=${SCANNER} DST=192.168.1.1 LEN=44 TOS=0x00 PREC=0x00 TTL=40 ID=1 PROTO=TCP SPT=40000 DPT=${port} WINDOW=1024 RES=0x00 SYN URGP=0`;
const c2Line = (t: Date, spt: number) =>
  `<4>${bsd(t)} OpenWrt kernel: ACCEPT(lan out)IN=br-lan OUT=eth1 MAC=00:11:22:33:44:55:66:77:88:99:aa:cc:08:00 SRC=${INSIDE} DST=${BAD_C2} LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=2 DF PROTO=TCP SPT=${spt} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;

for (const nr of NODE_REDS) describe(`end to end: the whole appliance with mail, a feed and a restart (Node-RED ${nr.label})`, function () {
  this.timeout(180000);
  let red: RunningRed;
  let smtp: TestSmtp;
  let syslogPort: number;
  let sent = 0;
  let dir: string;

  before(async () => {
    smtp = await startSmtp();
    dir = mkdtempSync(join(tmpdir(), 'gw-e2e-full-'));
    const feed = join(dir, 'local-c2.txt');
    writeFileSync(feed, `# test list of command-and-control servers\n${BAD_C2}\n203.0.113.250/32\n`);
    const flows: FlowNode[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    syslogPort = await freePort();
    for (const n of flows) {
      if (n.type === 'gatewatch-syslog') { n.port = String(syslogPort); n.host = '127.0.0.1'; }
      if (n.type === 'gatewatch-smtp') Object.assign(n, { host: '127.0.0.1', port: String(smtp.port), security: 'none', from: 'gatewatch@example.test', to: 'owner@example.test' });
      if (n.type === 'gatewatch-feeds') n.feeds = [{ id: 'local-c2', name: 'Local C2 list', file: feed, format: 'plain', refreshS: 3600, enabled: true }];
      if (n.type === 'gatewatch-site') Object.assign(n, { homeNets: '192.168.1.0/24', timezone: 'UTC', homeCountry: 'GB' });
    }
    red = await startNodeRed(flows, { red: nr.pkg });
    expect(red.log()).to.not.match(/Waiting for missing types/);
    expect(red.log()).to.match(new RegExp(`Node-RED version: v${nr.label.replace('.', '\\.')}\\.`));
  });

  after(async () => {
    await red?.stop();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('raises an immediate alert email for a machine talking to a known command-and-control server', async () => {
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) lines.push(c2Line(new Date(now - 60000 + i * 5000), 50000 + i));
    await sendUdp(syslogPort, lines);
    sent += lines.length;
    await waitFor(() => smtp.received.some((m) => /critical/i.test(m.mail.subject ?? '') || (m.mail.text ?? '').includes(BAD_C2)), 30000, 'the alert email');
    const mail = smtp.received.find((m) => (m.mail.text ?? '').includes(BAD_C2))!;
    expect(mail.rcptTo).to.include('owner@example.test');
    expect(mail.mail.html).to.be.a('string').and.to.contain(BAD_C2);
    expect(mail.mail.text).to.contain(INSIDE);
  });

  it('keeps counting across a Node-RED restart and reports everything when asked', async () => {
    const now = Date.now();
    // First half of a port scan, then a restart, then the second half.
    const first: string[] = [];
    for (let p = 1; p <= 20; p++) first.push(scanLine(new Date(now - 40000 + p * 200), 1000 + p));
    await sendTcp(syslogPort, first.join('\n') + '\n');
    sent += first.length;
    // Mixed vendors from our own fixtures, over TCP too (each is one event).
    const mixed = fixtureLines(ROOT).filter((x) => x.vendor !== 'netfilter').slice(0, 40).map((x) => x.line);
    await sendTcp(syslogPort, mixed.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 2500)); // let the store commit (it flushes every second)
    await red.restart();
    // The syslog ports are bound a moment after "Started flows".
    await waitFor(() => (red.log().split('--- restart ---')[1] ?? '').includes(`listening for syslog on udp+tcp :${syslogPort}`), 15000, 'syslog listening again');
    const second: string[] = [];
    for (let p = 21; p <= 40; p++) second.push(scanLine(new Date(now - 20000 + p * 200), 1000 + p));
    await sendUdp(syslogPort, second);
    sent += second.length;
    const logger = existsSync('/usr/bin/logger') ? '/usr/bin/logger' : null;
    if (logger) {
      execFileSync(logger, ['--server', '127.0.0.1', '--port', String(syslogPort), '--tcp', '--octet-count', '--rfc5424', '--tag', 'kernel',
        `DROP IN=eth1 OUT= SRC=${SCANNER} DST=192.168.1.1 LEN=44 TOS=0x00 PREC=0x00 TTL=40 ID=1 PROTO=TCP SPT=40000 DPT=2000 WINDOW=1024 RES=0x00 SYN URGP=0`]);
      sent += 1;
    }
    await new Promise((r) => setTimeout(r, 2500));
    const before = smtp.received.length;
    const res = await fetch(`${red.url}/inject/gw.report.now`, { method: 'POST' });
    expect(res.status).to.equal(200);
    await waitFor(() => smtp.received.slice(before).some((m) => (m.mail.attachments ?? []).some((a) => a.filename?.endsWith('.json'))), 60000, 'the report email');
    const mail = smtp.received.slice(before).find((m) => (m.mail.attachments ?? []).some((a) => a.filename?.endsWith('.json')))!;
    const json = JSON.parse(mail.mail.attachments.find((a) => a.filename!.endsWith('.json'))!.content.toString('utf8'));
    // Nothing lost across the restart: every netfilter line we sent is counted (mixed-vendor lines add more).
    expect(json.totals.events).to.be.at.least(sent);
    const types = (json.allIncidents as any[]).map((i) => `${i.type}:${i.attacker ?? i.attackerIp ?? ''}`).join(' ');
    expect(JSON.stringify(json.allIncidents)).to.contain(SCANNER);
    expect(JSON.stringify(json.allIncidents)).to.contain(BAD_C2);
    expect(types).to.match(/portscan/);
    expect(mail.mail.subject).to.be.a('string').and.not.equal('');
    expect(mail.mail.html).to.contain(SCANNER);
  });
});
