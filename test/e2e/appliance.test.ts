/**
 * End to end: a real `node-red` process with the shipped appliance flow, fed real syslog over UDP and
 * TCP (our own sockets and util-linux `logger`), events read back through a test-only tab.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';
import { freePort, sendTcp, sendUdp, waitFor } from '../helpers/net';
import { RunningRed, startNodeRed } from '../helpers/nodered';

type FlowNode = Record<string, any>;

function loggerPath(): string | null {
  for (const p of ['/usr/bin/logger', '/bin/logger']) if (existsSync(p)) return p;
  return null;
}

const line = (src: string, dpt: number) =>
  `<4>Nov 23 10:15:01 OpenWrt kernel: [1.0] DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=${src} DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=51515 DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`;

describe('end to end: node-red with the appliance flow', function () {
  this.timeout(60000);
  let red: RunningRed;
  let syslogPort: number;
  let outFile: string;

  before(async () => {
    const flows: FlowNode[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    syslogPort = await freePort();
    for (const n of flows) {
      if (n.type === 'gatewatch-syslog') { n.port = String(syslogPort); n.host = '127.0.0.1'; }
    }
    const linkOut = flows.find((n) => n.type === 'link out' && n.name === 'gatewatch events');
    expect(linkOut, 'the appliance exposes its events on a link out node').to.exist;
    linkOut!.links = [...(linkOut!.links ?? []), 'e2e.link.in'];
    outFile = `/tmp/gw-e2e-${process.pid}-${Date.now()}.ndjson`;
    flows.push(
      { id: 'e2e.tab', type: 'tab', label: 'e2e' },
      { id: 'e2e.link.in', type: 'link in', z: 'e2e.tab', name: 'e2e', links: [linkOut!.id], x: 100, y: 100, wires: [['e2e.json']] },
      { id: 'e2e.json', type: 'json', z: 'e2e.tab', property: 'payload', action: 'str', pretty: false, x: 250, y: 100, wires: [['e2e.file']] },
      { id: 'e2e.file', type: 'file', z: 'e2e.tab', filename: outFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', x: 400, y: 100, wires: [[]] },
    );
    red = await startNodeRed(flows);
  });

  after(async () => {
    await red?.stop();
    rmSync(outFile, { force: true });
  });

  const events = (): any[] => (existsSync(outFile) ? readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

  it('starts with every gatewatch node type registered and no missing types', async () => {
    expect(red.log()).to.not.match(/Waiting for missing types/);
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } });
    const sets: any[] = await res.json();
    const ours = sets.filter((s) => s.module === 'node-red-contrib-gatewatch');
    expect(ours.length).to.be.greaterThan(0);
    for (const s of ours) expect(s.err, `${s.id} loaded`).to.equal(undefined);
    const types = ours.flatMap((s) => s.types);
    expect(types).to.include.members(['gatewatch-syslog', 'gatewatch-parse']);
    expect(red.log()).to.match(new RegExp(`listening for syslog on udp\\+tcp :${syslogPort}`));
  });

  it('turns syslog over UDP and TCP into events', async () => {
    await sendUdp(syslogPort, [line('203.0.113.10', 22)]);
    await sendTcp(syslogPort, line('203.0.113.11', 23) + '\n');
    await waitFor(() => events().length >= 2, 10000, 'two events in the output file');
    const ips = events().map((e) => e.source.ip).sort();
    expect(ips).to.include.members(['203.0.113.10', '203.0.113.11']);
    const ev = events().find((e) => e.source.ip === '203.0.113.10');
    expect(ev.destination.port).to.equal(22);
    expect(ev.observer.vendor).to.equal('netfilter');
    expect(ev.event.action).to.equal('deny');
  });

  it('accepts what util-linux logger sends over UDP and TCP (RFC 3164 and 5424, octet counting)', function () {
    const logger = loggerPath();
    if (!logger) this.skip();
    const body = (ip: string) => `DROP IN=eth1 OUT= SRC=${ip} DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=40000 DPT=3389 WINDOW=1024 RES=0x00 SYN URGP=0`;
    const run = (args: string[]) => execFileSync(logger!, ['--server', '127.0.0.1', '--port', String(syslogPort), '--tag', 'kernel', ...args], { stdio: 'pipe' });
    run(['--udp', '--rfc3164', body('203.0.113.20')]);
    run(['--tcp', '--rfc5424', body('203.0.113.21')]);
    run(['--tcp', '--octet-count', '--rfc5424', body('203.0.113.22')]);
    return waitFor(() => ['203.0.113.20', '203.0.113.21', '203.0.113.22'].every((ip) => events().some((e) => e.source.ip === ip)), 10000, 'logger events');
  });

  it('serves the editor with the gatewatch node templates and help', async () => {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: 'text/html' } });
    const html = await res.text();
    for (const t of ['gatewatch-syslog', 'gatewatch-parse']) {
      expect(html).to.contain(`data-template-name="${t}"`);
      expect(html).to.contain(`data-help-name="${t}"`);
    }
    const parsers = await (await fetch(`${red.url}/gatewatch/parsers`)).json() as { id: string }[];
    expect(parsers.map((p) => p.id)).to.include('netfilter');
  });

  it('shows the status of the main tab\'s gatewatch nodes at /gatewatch/health', async () => {
    // (a status or catch node hears only nodes on its own tab: this failed while they sat on the health tab)
    await sendUdp(syslogPort, [line('203.0.113.31', 23)]);
    type Health = { nodes: Record<string, { text: string }>; errors: unknown[]; errorCount: number };
    let h: Health = { nodes: {}, errors: [], errorCount: 0 };
    for (const end = Date.now() + 15000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      h = await (await fetch(`${red.url}/gatewatch/health`)).json() as Health;
      if (Object.keys(h.nodes).length >= 2) break;
    }
    const texts = Object.values(h.nodes).map((n) => n.text).join(' | ');
    expect(texts, texts).to.match(/\d/);
    expect(Object.keys(h.nodes).length).to.be.at.least(2);
    expect(h.errorCount).to.be.a('number');
  });

  it('survives garbage on the syslog port and keeps working', async () => {
    const garbage = [Buffer.from([0, 1, 2, 255, 254, 10, 13]), Buffer.alloc(65000, 0x3c), Buffer.from('<999>\u0000\u0000')];
    await sendUdp(syslogPort, garbage);
    await sendTcp(syslogPort, Buffer.concat([Buffer.from('99999999999 '), Buffer.alloc(100000, 0x41)]));
    await sendUdp(syslogPort, [line('203.0.113.30', 445)]);
    await waitFor(() => events().some((e) => e.source.ip === '203.0.113.30'), 10000, 'event after garbage');
    expect(red.proc.exitCode).to.equal(null);
    const port = await freePort();
    expect(port).to.be.a('number');
  });
});
