/** gatewatch-detect in a real Node-RED runtime (node-red-node-test-helper). */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import helper = require('node-red-node-test-helper');
import sinon = require('sinon');
import detectNode = require('../../nodes/gatewatch-detect/gatewatch-detect');
import parseNode = require('../../nodes/gatewatch-parse/gatewatch-parse');
import { ROOT } from '../helpers/fixtures';
import { makeEvent, portScan, T0, WAN } from '../helpers/traffic';

helper.init(require.resolve('node-red'));

type AnyMsg = Record<string, any>;

function flow(extra: Record<string, unknown> = {}): any[] {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'd', z: 'tab', type: 'gatewatch-detect', name: '', tickS: 1, ...extra, wires: [['inc'], ['pass']] },
    { id: 'inc', z: 'tab', type: 'helper' },
    { id: 'pass', z: 'tab', type: 'helper' },
    { id: 'c', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', type: 'helper' },
  ];
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gatewatch-detect node', function () {
  this.timeout(15000);
  beforeEach(() => helper.startServer());
  /** A faked Date, restored after the test whatever happens (a timed-out test never reaches its own cleanup). */
  let fakeClock: sinon.SinonFakeTimers | undefined;
  afterEach(async () => {
    fakeClock?.restore();
    fakeClock = undefined;
    await helper.unload();
    await helper.stopServer();
  });

  it('turns a port scan into incidents on output 1 with topic gatewatch/incident/<type>', async () => {
    await helper.load(detectNode, flow());
    const incs: AnyMsg[] = [], pass: AnyMsg[] = [];
    helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
    helper.getNode('pass').on('input', (m: AnyMsg) => pass.push(m));
    const d = helper.getNode('d');
    for (const p of portScan('203.0.113.5', WAN, T0, 60, 100)) d.receive({ payload: makeEvent(p) } as never);
    await waitFor(() => incs.length >= 1, 3000, 'an incident');
    expect(incs[0]!.topic).to.equal('gatewatch/incident/portscan');
    expect(incs[0]!.payload).to.include({ type: 'portscan', status: 'new' });
    expect(incs[0]!.payload.attacker.ip).to.equal('203.0.113.5');
    const ids = new Set(incs.map((m) => m.payload.id));
    expect(ids.size).to.equal(1);
    expect(incs.length).to.be.lessThan(10);
    expect(pass).to.have.length(0);
    d.receive({ flush: true } as never);
    await waitFor(() => incs.some((m) => m.payload.event_count === 60), 3000, 'the flushed final state');
  });

  it('passes events through on output 2 when asked, and uses the thresholds from the editor', async () => {
    await helper.load(detectNode, flow({ passThrough: true, fastPorts: 100, slowPorts: 100 }));
    const incs: AnyMsg[] = [], pass: AnyMsg[] = [];
    helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
    helper.getNode('pass').on('input', (m: AnyMsg) => pass.push(m));
    const d = helper.getNode('d');
    for (const p of portScan('203.0.113.6', WAN, T0, 60, 100)) d.receive({ payload: makeEvent(p) } as never);
    await waitFor(() => pass.length === 60, 3000, '60 events through');
    expect(incs).to.have.length(0);
    expect(pass[0]!.payload.source.ip).to.equal('203.0.113.6');
  });

  it('reports bad input to Catch nodes and keeps going', async () => {
    await helper.load(detectNode, flow());
    const caught: AnyMsg[] = [], incs: AnyMsg[] = [];
    helper.getNode('caught').on('input', (m: AnyMsg) => caught.push(m));
    helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
    const d = helper.getNode('d');
    d.receive({ payload: 'not an event' } as never);
    await waitFor(() => caught.length === 1, 3000, 'the catch node');
    expect(caught[0]!.error.message).to.match(/notEvent/);
    d.receive({ payload: { junk: true } } as never);
    for (const p of portScan('203.0.113.7', WAN, T0, 40, 100)) d.receive({ payload: makeEvent(p) } as never);
    await waitFor(() => incs.length >= 1, 3000, 'an incident after bad input');
  });

  it('sends held-back updates from its timer, shows a status, and clears the timer on close', async () => {
    await helper.load(detectNode, flow({ tickS: 1, quietPeriodS: 1 }));
    const incs: AnyMsg[] = [];
    helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
    const d = helper.getNode('d') as any;
    for (const p of portScan('203.0.113.8', WAN, Date.now() - 5000, 40, 10)) d.receive({ payload: makeEvent(p) });
    await waitFor(() => incs.length >= 1, 3000, 'first incident');
    const before = incs.length;
    // one more packet: too small a change to send at once; the timer sends it when the incident goes quiet
    const t0 = Date.now();
    d.receive({ payload: makeEvent({ t: t0 - 4500, src: '203.0.113.8', dst: WAN, dport: 7 }) });
    await new Promise((r) => setTimeout(r, 200));
    expect(incs.length).to.equal(before);
    await waitFor(() => incs.length > before, 5000, 'an update from the timer');
    expect(incs[incs.length - 1]!.payload.event_count).to.equal(41);
    expect(Date.now() - t0).to.be.greaterThan(900);
    await waitFor(() => d.status.called, 3000, 'a status');
    const st = d.status.lastCall.args[0];
    expect(st.text).to.match(/open/);
    const handles = (process as any)._getActiveHandles().length;
    await helper.unload();
    expect((process as any)._getActiveHandles().length).to.be.at.most(handles);
  });

  it('tells when a router that logged all day stops, in its status and on output 1, and when its logs come back', async () => {
    // The silence watch runs on the wall clock; the test moves the clock the node reads (Date only: the
    // runtime's own timers stay real, so the node's 1-second tick really runs).
    const clock = fakeClock = sinon.useFakeTimers({ now: Date.UTC(2026, 11, 2, 8, 0, 0), toFake: ['Date'], shouldAdvanceTime: true });
    {
      await helper.load(detectNode, flow({ tickS: 1, silenceHours: 2 }));
      const incs: AnyMsg[] = [];
      helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
      const d = helper.getNode('d') as any;
      const start = Date.now();
      // 30 hours of an office router's logs, a dozen lines an hour (background probes)
      for (let h = 0; h < 30; h++) {
        for (let k = 0; k < 12; k++) {
          clock.setSystemTime(start + h * 3_600_000 + k * 300_000);
          d.receive({ payload: makeEvent({ t: Date.now(), src: `203.0.113.${k + 1}`, dst: WAN, dport: 23, observer: 'office-fw' }) });
        }
      }
      await new Promise((r) => setTimeout(r, 1500));
      expect(incs.filter((m) => m.payload.type === 'log-silence')).to.deep.equal([]);
      // then nothing for three hours, in hours it logged the day before
      clock.setSystemTime(start + 33 * 3_600_000);
      await waitFor(() => incs.some((m) => m.payload.type === 'log-silence'), 5000, 'the silence incident');
      const quiet = incs.find((m) => m.payload.type === 'log-silence')!;
      expect(quiet.topic).to.equal('gatewatch/incident/log-silence');
      expect(quiet.payload).to.include({ severity: 'high', status: 'new' });
      expect(quiet.payload.summary).to.match(/office-fw/);
      const texts = () => d.status.getCalls().filter((c: any) => c.thisValue === d).map((c: any) => String(c.args[0]?.text ?? ''));
      await waitFor(() => texts().some((t: string) => /no logs from office-fw/.test(t)), 3000, 'the status naming the router');
      expect(d.status.getCalls().filter((c: any) => c.thisValue === d).pop().args[0].fill).to.equal('red');
      // its logs come back: an update that says so, at once
      d.receive({ payload: makeEvent({ t: Date.now(), src: '203.0.113.99', dst: WAN, dport: 23, observer: 'office-fw' }) });
      await waitFor(() => incs.some((m) => m.payload.type === 'log-silence' && m.payload.status === 'update'), 3000, 'the resume update');
      expect(incs.find((m) => m.payload.status === 'update' && m.payload.type === 'log-silence')!.payload.details.resumed).to.be.a('string');
      await waitFor(() => texts().length > 0 && !/no logs from/.test(texts()[texts().length - 1]!), 3000, 'the status without the silence');
    }
  });

  it('a router whose lines still arrive but are no longer understood is told as that, not as "no logs"', async () => {
    const clock = fakeClock = sinon.useFakeTimers({ now: Date.UTC(2026, 11, 2, 8, 0, 0), toFake: ['Date'], shouldAdvanceTime: true });
    {
      await helper.load([detectNode, parseNode], [
        { id: 'tab', type: 'tab' },
        { id: 'p', z: 'tab', type: 'gatewatch-parse', format: 'auto', tz: 'UTC', wires: [['d'], []] },
        ...flow({ tickS: 1, silenceHours: 2 }).slice(1),
      ]);
      const incs: AnyMsg[] = [];
      helper.getNode('inc').on('input', (m: AnyMsg) => incs.push(m));
      const p = helper.getNode('p') as any;
      p.warn = () => {};
      const bsd = (t: number) => { const d = new Date(t); return `${d.toUTCString().slice(8, 11)} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`; };
      // (each line is let through to the detect node before the clock moves on: the runtime delivers between nodes later)
      const send = async (line: string) => {
        p.receive({ payload: line, syslog: { receivedAt: Date.now() }, remote: { address: '192.0.2.1' } });
        for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
      };
      const start = Date.now();
      // 30 hours of an office router's logs, a dozen lines an hour, through the parse node
      for (let h = 0; h < 30; h++) {
        for (let k = 0; k < 12; k++) {
          clock.setSystemTime(start + h * 3_600_000 + k * 300_000);
          await send(`<4>${bsd(Date.now())} office-fw kernel: DROP IN=eth1 OUT= SRC=203.0.113.${k + 1} DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0`);
        }
      }
      // then a firmware update: its lines keep coming, in a form gatewatch does not read
      for (let k = 0; k < 36; k++) {
        clock.setSystemTime(start + 30 * 3_600_000 + k * 300_000);
        await send(`<4>${bsd(Date.now())} office-fw fwlog[7]: pkt drop in=wan src 203.0.113.${k + 1} dst 198.51.100.2 proto tcp dport 23`);
      }
      clock.setSystemTime(start + 33 * 3_600_000);
      await waitFor(() => incs.some((m) => m.payload.type === 'log-silence'), 5000, 'the silence incident');
      const quiet = incs.find((m) => m.payload.type === 'log-silence')!.payload;
      expect(quiet.summary).to.match(/^Your router "office-fw" still sends logs \(36 lines since .*\), but none of them is a connection gatewatch can read/);
      expect(quiet.advice).to.contain('often a firmware update changes the format');
      expect(quiet.details).to.include({ still_sending: true, lines_since: 36 });
    }
  });

  it('has an editor definition with every setting in the form and help for every detector', () => {
    const html = readFileSync(join(ROOT, 'nodes', 'gatewatch-detect', 'gatewatch-detect.html'), 'utf8');
    expect(html).to.contain("RED.nodes.registerType('gatewatch-detect'");
    const defaults = html.slice(html.indexOf('defaults:'), html.indexOf('inputs:'));
    const keys = [...defaults.matchAll(/^\s{12}(\w+): \{/gm)].map((m) => m[1]!);
    expect(keys.length).to.be.greaterThan(20);
    for (const k of keys) expect(html, k).to.contain(`id="node-input-${k}"`);
    // The editor script compiles, registers with literal settings, and its validators refuse bad values.
    const js = html.slice(html.indexOf('<script type="text/javascript">') + 31, html.indexOf('</script>'));
    let def: any;
    new Function('RED', js)({ nodes: { registerType: (_t: string, d: unknown) => { def = d; } }, validators: {} });
    expect(def.category).to.equal('gatewatch');
    expect(def.defaults.fastPorts.value).to.equal(8);
    expect(def.defaults.fastPorts.validate('0')).to.equal(false);
    expect(def.defaults.fastPorts.validate('12')).to.equal(true);
    expect(def.defaults.beaconMaxCv.validate('0.3')).to.equal(true);
    expect(def.defaults.beaconMaxCv.validate('5')).to.equal(false);
    expect(def.defaults.vpnPorts.validate('443, 1194')).to.equal(true);
    expect(def.defaults.vpnPorts.validate('443, 70000')).to.equal(false);
    expect(def.defaults.allowAddresses.validate('203.0.113.7, 192.0.2.0/24')).to.equal(true);
    expect(def.defaults.allowAddresses.validate('<script>')).to.equal(false);
    for (const w of ['Port scans', 'Sweeps', 'Password guessing', 'Listed addresses', 'Beaconing', 'Exposed risky services', 'Floods', 'Research scanners']) {
      expect(html, w).to.contain(`**${w}**`);
    }
  });
});
