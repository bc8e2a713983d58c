/**
 * gatewatch-email against a real SMTP server (smtp-server on loopback), read back with mailparser:
 * content, credentials, STARTTLS, and delivery that survives refusal, timeouts, a connection cut in
 * the middle of DATA, an outage across a restart — each mail arriving exactly once — plus permanent
 * refusals, expiry to failed/, and the .eml fallback without a mail server.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { simpleParser } from 'mailparser';
import emailNode from '../../nodes/gatewatch-email/gatewatch-email';
import smtpNode from '../../nodes/gatewatch-smtp/gatewatch-smtp';
import { closedPort, sleep, startProxy, startSmtp, waitFor, type TestProxy, type TestSmtp } from '../helpers/smtp';

helper.init(require.resolve('node-red'));

type AnyNode = { on(ev: string, fn: (...a: any[]) => void): void; receive(msg: object): void; status: any; error: any; warn: any; log: any } & Record<string, any>;

describe('gatewatch-email node', function () {
  this.timeout(30000);
  let userDir: string;
  let servers: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'gw-email-'));
    helper.settings({ userDir });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    for (const s of servers) await s.close().catch(() => undefined);
    servers = [];
    rmSync(userDir, { recursive: true, force: true });
  });

  function flow(port: number, smtp: Record<string, unknown> = {}, email: Record<string, unknown> = {}): any[] {
    return [
      { id: 'tab', type: 'tab', label: 't' },
      { id: 'e1', z: 'tab', type: 'gatewatch-email', name: '', smtp: 's1', to: '', retry: 0.2, retryMax: 0.02, maxAge: 7, ...email },
      { id: 's1', type: 'gatewatch-smtp', host: '127.0.0.1', port, security: 'none', from: 'gatewatch@example.com', to: 'owner@example.com, it@example.com', rejectUnauthorized: true, timeout: 1, ...smtp },
      { id: 'c1', z: 'tab', type: 'catch', scope: ['e1'], uncaught: false, wires: [['h1']] },
      { id: 'h1', z: 'tab', type: 'helper' },
    ];
  }

  const queueDir = (): string => join(userDir, 'gatewatch', 'mail-queue', 'e1');
  const queued = (): string[] => (existsSync(queueDir()) ? readdirSync(queueDir()).filter((f) => f.endsWith('.json')) : []);
  const failedFiles = (): string[] => (existsSync(join(queueDir(), 'failed')) ? readdirSync(join(queueDir(), 'failed')) : []);
  const lastStatus = (n: AnyNode): { fill?: string; text?: string } => (n.status.lastCall ? n.status.lastCall.args[0] : {});

  /** Send one message and resolve once the node has called done (the mail is on disk). */
  function send(n: AnyNode, msg: object): void {
    n.receive(msg);
  }

  it('delivers subject, HTML, text, attachments and uses the login from the credentials', async () => {
    const srv = await startSmtp({ auth: { user: 'alerts', password: 's3cret!' } });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port), { s1: { user: 'alerts', password: 's3cret!' } });
    const n = helper.getNode('e1') as unknown as AnyNode;
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0x00, 0xff, 0x10]);
    send(n, {
      topic: 'Weekly report: 3 attacks',
      payload: '<html><body><h1>Report</h1><p>Three attacks, <b>all blocked</b>.</p></body></html>',
      text: 'Report\nThree attacks, all blocked.',
      attachments: [
        { filename: 'events.csv', content: 'time,ip\n2026-11-23,203.0.113.7\n', contentType: 'text/csv' },
        { filename: 'report.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'note.txt', content: Buffer.from('hello from base64').toString('base64'), encoding: 'base64' },
      ],
    });
    await waitFor(() => srv.received.length === 1, 8000, 'the mail');
    const r = srv.received[0]!;
    expect(r.mail.subject).to.equal('Weekly report: 3 attacks');
    expect(r.mail.html).to.include('<b>all blocked</b>');
    expect(r.mail.text?.trim()).to.equal('Report\nThree attacks, all blocked.');
    expect(r.mail.from?.text).to.equal('gatewatch@example.com');
    expect(r.rcptTo).to.deep.equal(['owner@example.com', 'it@example.com']);
    expect(srv.auths).to.deep.equal([{ user: 'alerts', password: 's3cret!' }]);
    expect(r.user).to.equal('alerts');
    expect(r.secure).to.equal(false);
    const att = r.mail.attachments;
    expect(att.map((a) => a.filename)).to.deep.equal(['events.csv', 'report.pdf', 'note.txt']);
    expect(att[0]!.content.toString()).to.equal('time,ip\n2026-11-23,203.0.113.7\n');
    expect(att[0]!.contentType).to.equal('text/csv');
    expect(Buffer.compare(att[1]!.content, pdf)).to.equal(0);
    expect(att[1]!.contentType).to.equal('application/pdf');
    expect(att[2]!.content.toString()).to.equal('hello from base64');
    await waitFor(() => queued().length === 0, 3000, 'empty queue');
    await waitFor(() => /1 sent/.test(lastStatus(n).text ?? ''), 3000, 'status "1 sent"');
    expect(lastStatus(n).fill).to.equal('green');
  });

  it('msg.to overrides the configured receivers; plain text payload is sent as text', async () => {
    const srv = await startSmtp();
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port));
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Hello', payload: 'Just text.', to: 'someone@example.org; other@example.org' });
    await waitFor(() => srv.received.length === 1);
    expect(srv.received[0]!.rcptTo).to.deep.equal(['someone@example.org', 'other@example.org']);
    expect(srv.received[0]!.mail.text?.trim()).to.equal('Just text.');
    expect(srv.received[0]!.mail.html).to.equal(false);
  });

  it('refused at connect (421): the mail stays queued, the status says why, and it arrives once when the server accepts again', async () => {
    const srv = await startSmtp({ mode: 'refuse-connect' });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port, {}, { retry: 0.3, retryMax: 0.01 }));
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Alert 1', payload: 'one' });
    await waitFor(() => srv.connections >= 2, 8000, 'two refused tries');
    expect(queued()).to.have.length(1);
    expect(srv.received).to.have.length(0);
    const st = lastStatus(n);
    expect(st.fill).to.equal('red');
    expect(st.text).to.match(/^1 queued/);
    expect(st.text).to.match(/busy|421/i);
    expect(n.warn.called).to.equal(true);
    srv.mode = 'ok';
    await waitFor(() => srv.received.length === 1, 8000, 'delivery after recovery');
    await waitFor(() => queued().length === 0, 3000, 'empty queue');
    await sleep(1000);
    expect(srv.received).to.have.length(1);
    expect(srv.received[0]!.mail.subject).to.equal('Alert 1');
  });

  it('deferred at RCPT (450): retried until accepted, exactly once', async () => {
    const srv = await startSmtp({ mode: 'defer-rcpt' });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port));
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Deferred', payload: 'x', to: 'owner@example.com' });
    await waitFor(() => srv.rcptAttempts >= 2, 8000, 'two RCPT tries');
    expect(queued()).to.have.length(1);
    srv.mode = 'ok';
    await waitFor(() => srv.received.length === 1, 8000);
    await sleep(800);
    expect(srv.received).to.have.length(1);
    expect(queued()).to.have.length(0);
  });

  it('a server that never answers (timeout) leads to delivery later, exactly once', async () => {
    const srv = await startSmtp({ mode: 'hang' });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port, { timeout: 0.5 }));
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Timeout test', payload: 'x' });
    await waitFor(() => /greeting never received|timeout|timed out/i.test(lastStatus(n).text ?? ''), 8000, 'a timeout in the status');
    expect(queued()).to.have.length(1);
    srv.mode = 'ok';
    await waitFor(() => srv.received.length === 1, 10000);
    await sleep(1000);
    expect(srv.received).to.have.length(1);
    expect(srv.received[0]!.mail.subject).to.equal('Timeout test');
  });

  it('a connection cut in the middle of DATA leads to delivery later, exactly once', async () => {
    const srv = await startSmtp();
    servers.push(srv);
    const proxy: TestProxy = await startProxy(srv.port, 'drop-mid-data');
    servers.push(proxy);
    await helper.load([emailNode, smtpNode], flow(proxy.port, {}, { retry: 0.5, retryMax: 0.01 }));
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Cut in DATA', payload: '<p>' + 'long body '.repeat(2000) + '</p>' });
    await waitFor(() => proxy.drops >= 1, 8000, 'a cut in DATA');
    await waitFor(() => lastStatus(n).fill === 'red', 5000, 'red status');
    expect(srv.received).to.have.length(0);
    expect(queued()).to.have.length(1);
    proxy.mode = 'pass';
    await waitFor(() => srv.received.length === 1, 8000);
    await sleep(1000);
    expect(srv.received).to.have.length(1);
    expect(srv.received[0]!.mail.html).to.include('long body');
  });

  it('survives a restart: mail queued while the server is down is sent after the flow is loaded again', async () => {
    const port = await closedPort();
    await helper.load([emailNode, smtpNode], flow(port));
    let n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Before restart 1', payload: 'a' });
    send(n, { topic: 'Before restart 2', payload: 'b', attachments: [{ filename: 'a.txt', content: 'kept on disk' }] });
    await waitFor(() => queued().length === 2, 5000, 'two queued files');
    await waitFor(() => /ECONNREFUSED|connect/i.test(lastStatus(n).text ?? ''), 5000, 'refused in status');
    await helper.unload();
    expect(queued()).to.have.length(2);
    const files = queued().sort().map((f) => JSON.parse(readFileSync(join(queueDir(), f), 'utf8')));
    expect(files.map((f) => f.mail.subject)).to.deep.equal(['Before restart 1', 'Before restart 2']);
    // The server was down: one mail was tried (and its error kept on disk); the other waited its turn.
    const tried = files.filter((f) => f.attempts > 0);
    expect(tried).to.have.length(1);
    expect(tried[0].lastError).to.match(/ECONNREFUSED/);

    const srv = await startSmtp({ port });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(port));
    n = helper.getNode('e1') as unknown as AnyNode;
    await waitFor(() => srv.received.length === 2, 8000, 'both mails after restart');
    await sleep(800);
    expect(srv.received.map((r) => r.mail.subject)).to.deep.equal(['Before restart 1', 'Before restart 2']);
    expect(srv.received[1]!.mail.attachments[0]!.content.toString()).to.equal('kept on disk');
    expect(queued()).to.have.length(0);
  });

  it('an unknown recipient (550) is not retried: the mail goes to failed/ and a Catch node hears of it', async () => {
    const srv = await startSmtp({ mode: 'reject-rcpt' });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port));
    const n = helper.getNode('e1') as unknown as AnyNode;
    const h = helper.getNode('h1') as unknown as AnyNode;
    const caught = new Promise<any>((resolve) => h.on('input', resolve));
    send(n, { topic: 'To nobody', payload: 'x', to: 'nobody@example.com' });
    const msg = await caught;
    expect(msg.mailFailed).to.equal(true);
    expect(msg.topic).to.equal('To nobody');
    expect(String(msg.error.message)).to.equal('gatewatch-email.errors.failed');
    expect(msg.payload.reason).to.match(/550 No such user/);
    expect(msg.payload.file).to.match(/failed/);
    await sleep(800);
    expect(srv.rcptAttempts).to.equal(1);
    expect(queued()).to.have.length(0);
    expect(failedFiles()).to.have.length(1);
    const rec = JSON.parse(readFileSync(join(queueDir(), 'failed', failedFiles()[0]!), 'utf8'));
    expect(rec.mail.subject).to.equal('To nobody');
    expect(rec.lastError).to.match(/refused it for good/);
  });

  it('some recipients unknown: the others get it, the unknown one is reported', async () => {
    const srv = await startSmtp({ unknownUsers: ['gone@example.com'] });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port));
    const n = helper.getNode('e1') as unknown as AnyNode;
    const h = helper.getNode('h1') as unknown as AnyNode;
    const caught = new Promise<any>((resolve) => h.on('input', resolve));
    send(n, { topic: 'Partly', payload: 'x', to: 'owner@example.com, gone@example.com' });
    const msg = await caught;
    expect(msg.payload.reason).to.include('gone@example.com');
    expect(srv.received).to.have.length(1);
    expect(srv.received[0]!.rcptTo).to.deep.equal(['owner@example.com']);
  });

  it('mail older than the maximum age is moved to failed/ and reported, not dropped', async () => {
    const port = await closedPort();
    // 0.00002 days = 1.7 s
    await helper.load([emailNode, smtpNode], flow(port, {}, { maxAge: 0.00002, retry: 0.2 }));
    const n = helper.getNode('e1') as unknown as AnyNode;
    const h = helper.getNode('h1') as unknown as AnyNode;
    const caught = new Promise<any>((resolve) => h.on('input', resolve));
    send(n, { topic: 'Too old', payload: 'x' });
    const msg = await caught;
    expect(msg.topic).to.equal('Too old');
    expect(msg.payload.reason).to.match(/not delivered within/);
    expect(msg.payload.reason).to.match(/ECONNREFUSED/);
    expect(queued()).to.have.length(0);
    expect(failedFiles()).to.have.length(1);
    await waitFor(() => /1 failed/.test(lastStatus(n).text ?? ''), 3000, 'failed count in status');
  });

  it('STARTTLS: sent encrypted when the certificate check is off; held with a certificate error when it is on', async () => {
    const srv = await startSmtp({ starttls: true });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port, { security: 'starttls', rejectUnauthorized: true }));
    let n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'TLS strict', payload: 'x' });
    await waitFor(() => lastStatus(n).fill === 'red', 8000, 'certificate error');
    expect(lastStatus(n).text).to.match(/certificate/i);
    expect(srv.received).to.have.length(0);
    await helper.unload();
    // The owner unticks "check the server's certificate" and deploys: the queued mail goes out.
    await helper.load([emailNode, smtpNode], flow(srv.port, { security: 'starttls', rejectUnauthorized: false }));
    n = helper.getNode('e1') as unknown as AnyNode;
    await waitFor(() => srv.received.length === 1, 8000);
    expect(srv.received[0]!.mail.subject).to.equal('TLS strict');
    expect(srv.received[0]!.secure).to.equal(true);
  });

  it('TLS from the first byte (port 465 style) works with the certificate check off', async () => {
    const srv = await startSmtp({ tls: true, auth: { user: 'u', password: 'p' } });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port, { security: 'tls', rejectUnauthorized: false }), { s1: { user: 'u', password: 'p' } });
    send(helper.getNode('e1') as unknown as AnyNode, { topic: 'Over TLS', payload: 'x' });
    await waitFor(() => srv.received.length === 1, 8000);
    expect(srv.received[0]!.mail.subject).to.equal('Over TLS');
    expect(srv.received[0]!.secure).to.equal(true);
  });

  it('a wrong password keeps the mail queued (with the reason in the status) until the login is fixed', async () => {
    const srv = await startSmtp({ auth: { user: 'alerts', password: 'right' } });
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port), { s1: { user: 'alerts', password: 'wrong' } });
    let n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Login test', payload: 'x' });
    await waitFor(() => /invalid|login|535/i.test(lastStatus(n).text ?? ''), 8000, 'login failure in status');
    await sleep(500);
    expect(srv.auths.length).to.be.greaterThan(1); // retried, not given up
    expect(queued()).to.have.length(1);
    expect(failedFiles()).to.have.length(0);
    await helper.unload();
    await helper.load([emailNode, smtpNode], flow(srv.port), { s1: { user: 'alerts', password: 'right' } });
    n = helper.getNode('e1') as unknown as AnyNode;
    await waitFor(() => srv.received.length === 1, 8000, 'delivery with the right password');
    expect(srv.received[0]!.user).to.equal('alerts');
  });

  it('without a mail server, writes an .eml file into the user dir and says so', async () => {
    await helper.load([emailNode], [
      { id: 'e1', type: 'gatewatch-email', name: '', smtp: '', to: '', retry: 30, retryMax: 30, maxAge: 7 },
    ] as any[]);
    const n = helper.getNode('e1') as unknown as AnyNode;
    send(n, { topic: 'Offline alert', payload: '<html><body><p>Port scan <b>blocked</b></p></body></html>', attachments: [{ filename: 'x.csv', content: 'a,b\n' }] });
    const outbox = join(userDir, 'gatewatch', 'outbox');
    await waitFor(() => existsSync(outbox) && readdirSync(outbox).some((f) => f.endsWith('.eml')), 5000, 'an .eml file');
    const file = readdirSync(outbox).find((f) => f.endsWith('.eml'))!;
    const mail = await simpleParser(readFileSync(join(outbox, file)));
    expect(mail.subject).to.equal('Offline alert');
    expect(mail.html).to.include('<b>blocked</b>');
    expect(mail.text).to.include('Port scan blocked');
    expect(mail.attachments[0]!.filename).to.equal('x.csv');
    await waitFor(() => /no mail server/.test(lastStatus(n).text ?? ''), 3000, 'status');
    expect(lastStatus(n).text).to.include(outbox);
    const logged = n.log.getCalls().map((c: any) => String(c.args[0]));
    expect(logged.some((l: string) => l.includes('gatewatch-email.log.noServer'))).to.equal(true);
    expect(queued()).to.have.length(0);
  });

  it('reports bad input to Catch nodes (no recipient, a stream attachment)', async () => {
    const srv = await startSmtp();
    servers.push(srv);
    await helper.load([emailNode, smtpNode], flow(srv.port, { to: '' }));
    const n = helper.getNode('e1') as unknown as AnyNode;
    const h = helper.getNode('h1') as unknown as AnyNode;
    const errors: any[] = [];
    h.on('input', (m: any) => errors.push(m));
    send(n, { topic: 'x', payload: 'no recipient anywhere' });
    send(n, { topic: 'y', payload: 'z', to: 'a@example.com', attachments: [{ filename: 's', content: { pipe() { /* a stream */ } } }] });
    await waitFor(() => errors.length === 2, 3000, 'two caught errors');
    expect(errors.map((e) => String(e.error.message)).join(' | ')).to.match(/no recipient.*\|.*stream/);
    await sleep(300);
    expect(queued()).to.have.length(0);
    expect(srv.received).to.have.length(0);
  });
});
