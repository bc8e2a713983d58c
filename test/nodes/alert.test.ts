/**
 * gatewatch-alert in a real Node-RED runtime: both outputs, threshold, throttling, digest by timer,
 * bad input to Catch, timers cleared on close; and alert → email → a real SMTP server end to end.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import alertNode from '../../nodes/gatewatch-alert/gatewatch-alert';
import emailNode from '../../nodes/gatewatch-email/gatewatch-email';
import smtpNode from '../../nodes/gatewatch-smtp/gatewatch-smtp';
import { incident } from '../helpers/incidents';
import { sleep, startSmtp, waitFor, type TestSmtp } from '../helpers/smtp';

helper.init(require.resolve('node-red'));

type AnyNode = { on(ev: string, fn: (...a: any[]) => void): void; receive(msg: object): void } & Record<string, any>;

describe('gatewatch-alert node', function () {
  this.timeout(20000);
  let userDir: string;
  let srv: TestSmtp | null = null;

  beforeEach(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'gw-alert-'));
    helper.settings({ userDir });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    if (srv) await srv.close();
    srv = null;
    rmSync(userDir, { recursive: true, force: true });
  });

  function flow(alert: Record<string, unknown> = {}): any[] {
    return [
      { id: 'tab', type: 'tab', label: 't' },
      { id: 'a1', z: 'tab', type: 'gatewatch-alert', name: '', minSeverity: 'high', throttle: 60, burst: 3, digestWindow: 10, subjectPrefix: '[gatewatch]', tz: 'UTC', wires: [['mail'], ['chat']], ...alert },
      { id: 'mail', z: 'tab', type: 'helper' },
      { id: 'chat', z: 'tab', type: 'helper' },
      { id: 'c1', z: 'tab', type: 'catch', scope: ['a1'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
  }

  function collect(id: string): any[] {
    const got: any[] = [];
    (helper.getNode(id) as unknown as AnyNode).on('input', (m: any) => got.push(m));
    return got;
  }

  it('sends an email-ready message on output 1 and a short message on output 2', async () => {
    await helper.load(alertNode, flow());
    const mail = collect('mail');
    const chat = collect('chat');
    (helper.getNode('a1') as unknown as AnyNode).receive({ payload: incident() });
    await waitFor(() => mail.length === 1 && chat.length === 1, 3000, 'two outputs');
    const m = mail[0];
    expect(m.topic).to.equal('[gatewatch] High: Port scan from 203.0.113.7 (Netherlands) on 2 of your machines');
    expect(m.payload).to.match(/^<!DOCTYPE html>/);
    expect(m.payload).to.include('Example Hosting BV (AS64500)');
    expect(m.text).to.include('No. Your firewall blocked all 52 attempts.');
    expect(m.alert).to.include({ kind: 'alert', severity: 'high', title: m.topic });
    expect(m.alert.incidents[0].id).to.equal('portscan-203.0.113.7-1');
    const c = chat[0];
    expect(c.payload).to.match(/^HIGH: Port scan from 203\.0\.113\.7 \(Netherlands\)/);
    expect(c.payload).to.include('all blocked');
    expect(c.alert.text).to.equal(c.payload);
    expect(c.alert).to.not.equal(m.alert);
  });

  it('ignores incidents below the threshold and mutes repeats of the same attacker and type', async () => {
    await helper.load(alertNode, flow());
    const mail = collect('mail');
    const n = helper.getNode('a1') as unknown as AnyNode;
    n.receive({ payload: incident({ severity: 'medium' }) });
    n.receive({ payload: incident() });
    n.receive({ payload: incident({ status: 'update', event_count: 500 }) });
    n.receive({ payload: [incident({ type: 'bruteforce' }), incident({ status: 'update' })] });
    await sleep(300);
    expect(mail.map((m) => m.alert.incidents[0].type)).to.deep.equal(['portscan', 'bruteforce']);
    await waitFor(() => /2 alerts.*2 repeats muted/.test(n.status.lastCall?.args[0]?.text ?? ''), 3000, 'status');
  });

  it('a burst becomes a few alerts then one digest when the window closes; timers are cleared on close', async () => {
    // digestWindow 0.01 min = 600 ms
    await helper.load(alertNode, flow({ burst: 2, digestWindow: 0.01, groupTargets: false }));
    const mail = collect('mail');
    const chat = collect('chat');
    const n = helper.getNode('a1') as unknown as AnyNode;
    for (let i = 1; i <= 6; i++) n.receive({ payload: incident({ attacker: { ip: `198.51.100.${i}` } }) });
    await waitFor(() => mail.length === 2, 2000, 'two single alerts');
    await sleep(200);
    expect(mail).to.have.length(2);
    await waitFor(() => mail.length === 3, 3000, 'the digest');
    const d = mail[2];
    expect(d.alert.kind).to.equal('digest');
    expect(d.alert.incidents).to.have.length(4);
    expect(d.topic).to.equal('[gatewatch] 4 alerts (4 high): port scan');
    expect(chat[2].payload).to.match(/^HIGH: 4 alerts/);
    // A held alert at close: its timer must not fire afterwards.
    for (let i = 7; i <= 9; i++) n.receive({ payload: incident({ attacker: { ip: `198.51.100.${i}` } }) });
    await sleep(50);
    await helper.unload();
    const before = mail.length;
    await sleep(900);
    expect(mail.length).to.equal(before);
  });

  it('msg.flush sends held alerts now', async () => {
    await helper.load(alertNode, flow({ burst: 0, digestWindow: 60, groupTargets: false }));
    const mail = collect('mail');
    const n = helper.getNode('a1') as unknown as AnyNode;
    n.receive({ payload: incident() });
    n.receive({ payload: incident({ attacker: { ip: '198.51.100.3' } }) });
    await sleep(100);
    expect(mail).to.have.length(0);
    n.receive({ flush: true });
    await waitFor(() => mail.length === 1, 2000, 'the flushed digest');
    expect(mail[0].alert.incidents).to.have.length(2);
  });

  it('many addresses at one machine and service: one alert, the rest in a summary (on by default, in a flow saved without the setting)', async () => {
    const f = flow();
    delete (f[1] as Record<string, unknown>).groupTargets;
    await helper.load(alertNode, f);
    const mail = collect('mail');
    const chat = collect('chat');
    const n = helper.getNode('a1') as unknown as AnyNode;
    const guess = (i: number) => incident({ type: 'bruteforce', attacker: { ip: `198.51.100.${i}` }, victims: [{ ip: '192.168.1.60', ports: [3389], count: 7 }], allowed_count: 7, event_count: 7 });
    for (let i = 1; i <= 20; i++) n.receive({ payload: guess(i) });
    await waitFor(() => mail.length === 1, 2000, 'the first alert');
    await waitFor(() => /1 alerts · 19 held/.test(n.status.lastCall?.args[0]?.text ?? ''), 3000, 'status with 19 held');
    n.receive({ flush: true });
    await waitFor(() => mail.length === 2 && chat.length === 2, 2000, 'the summary');
    expect(mail[1].alert.kind).to.equal('summary');
    expect(mail[1].alert.incidents).to.have.length(19);
    expect(mail[1].topic).to.equal('[gatewatch] High: Password guessing on 192.168.1.60 (port 3389) goes on: 19 addresses');
    expect(chat[1].payload).to.match(/^HIGH: Password guessing on 192\.168\.1\.60 \(port 3389\) goes on: 19 addresses since /);
    await waitFor(() => /1 alerts · 1 summaries/.test(n.status.lastCall?.args[0]?.text ?? ''), 3000, 'status with the summary');
  });

  it('bad input goes to Catch and is counted, and the node keeps working', async () => {
    await helper.load(alertNode, flow());
    const caught = collect('caught');
    const mail = collect('mail');
    const n = helper.getNode('a1') as unknown as AnyNode;
    n.receive({ payload: 'not an incident' });
    n.receive({ payload: { type: 'portscan', severity: 'high', attacker: {} } });
    n.receive({ payload: incident() });
    await waitFor(() => caught.length === 2 && mail.length === 1, 3000, 'two errors and one alert');
    expect(caught[0].error.message).to.match(/gatewatch-alert\.errors\.notIncident$/);
    await waitFor(() => /2 bad/.test(n.status.lastCall?.args[0]?.text ?? ''), 3000, 'bad count in status');
  });

  it('end to end: an incident becomes a mail in a real SMTP server', async () => {
    srv = await startSmtp();
    await helper.load([alertNode, emailNode, smtpNode], [
      { id: 'a1', type: 'gatewatch-alert', minSeverity: 'high', throttle: 60, burst: 3, digestWindow: 10, subjectPrefix: '[shop]', tz: 'UTC', wires: [['e1'], []] },
      { id: 'e1', type: 'gatewatch-email', smtp: 's1', to: '', retry: 0.2, retryMax: 0.05, maxAge: 7 },
      { id: 's1', type: 'gatewatch-smtp', host: '127.0.0.1', port: srv.port, security: 'none', from: 'gatewatch@example.com', to: 'owner@example.com', rejectUnauthorized: true, timeout: 2 },
    ] as any[]);
    (helper.getNode('a1') as unknown as AnyNode).receive({ payload: incident({ severity: 'critical', allowed_count: 4 }) });
    await waitFor(() => srv!.received.length === 1, 8000, 'the alert mail');
    const got = srv.received[0]!.mail;
    expect(got.subject).to.equal('[shop] Critical: Port scan from 203.0.113.7 (Netherlands) on 2 of your machines');
    expect(got.html).to.include('Yes. Your firewall let 4 of 52 attempts through.');
    expect(got.text).to.include('WHAT TO DO');
    expect(srv.received[0]!.rcptTo).to.deep.equal(['owner@example.com']);
  });
});
