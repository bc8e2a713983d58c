/**
 * The mail queue's own rules, with a sender function standing in for the server (the real SMTP path is
 * covered in test/nodes/email.test.ts): backoff, what is permanent, who waits for whom, what a restart
 * finds on disk, overflow. And the message → mail conversion.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay, isPermanentFailure, MailQueue, type QueuedMail, type QueueEvent, writeFileAtomic } from '../../src/report/mailqueue';
import { addressList, htmlToText, mailFromInput } from '../../src/report/mailer';
import { waitFor, sleep } from '../helpers/smtp';

function smtpError(message: string, code: string, responseCode?: number, command?: string): Error {
  return Object.assign(new Error(message), { code, responseCode, command, response: responseCode ? `${responseCode} ${message}` : undefined });
}

const mail = (subject: string): QueuedMail => ({ to: 'owner@example.com', subject, text: subject });

describe('mail queue', () => {
  let dir: string;
  const queues: MailQueue[] = [];
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'gw-mq-')); });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close(100);
    rmSync(dir, { recursive: true, force: true });
  });
  const jsonFiles = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('backs off from the first delay, doubling, up to the cap, with bounded jitter', () => {
    const min = 30_000;
    const max = 1_800_000;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((a) => backoffDelay(a, min, max, 0, 0.5)))
      .to.deep.equal([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000, 1_800_000, 1_800_000]);
    expect(backoffDelay(1, min, max, 0.2, 0)).to.equal(24_000);
    expect(backoffDelay(1, min, max, 0.2, 0.999999)).to.be.closeTo(36_000, 1);
    // A day-long outage costs about 60 tries, not thousands.
    let t = 0;
    let tries = 0;
    while (t < 86_400_000) { tries++; t += backoffDelay(tries, min, max, 0, 0.5); }
    expect(tries).to.be.within(40, 70);
  });

  it('tells permanent refusals from ones worth retrying', () => {
    expect(isPermanentFailure(smtpError("Can't send mail - all recipients were rejected", 'EENVELOPE', 550, 'RCPT TO'))).to.equal(true);
    expect(isPermanentFailure(smtpError('No recipients defined', 'EENVELOPE', undefined, 'API'))).to.equal(true);
    expect(isPermanentFailure(smtpError('too big', 'EMESSAGE', 552, 'DATA'))).to.equal(true);
    expect(isPermanentFailure(smtpError('busy', 'EENVELOPE', 450, 'RCPT TO'))).to.equal(false);
    expect(isPermanentFailure(smtpError('bad sequence', 'EENVELOPE', 503, 'RCPT TO'))).to.equal(false);
    expect(isPermanentFailure(smtpError('sender refused', 'EENVELOPE', 550, 'MAIL FROM'))).to.equal(false);
    expect(isPermanentFailure(smtpError('Invalid login', 'EAUTH', 535, 'AUTH PLAIN'))).to.equal(false);
    expect(isPermanentFailure(smtpError('connect ECONNREFUSED', 'ESOCKET', undefined, 'CONN'))).to.equal(false);
    expect(isPermanentFailure(smtpError('Greeting never received', 'ETIMEDOUT', undefined, 'CONN'))).to.equal(false);
    expect(isPermanentFailure(smtpError('Message rejected', 'EMESSAGE', undefined, 'DATA'))).to.equal(true);
    expect(isPermanentFailure(smtpError('spam', 'EENVELOPE', 554, 'DATA'))).to.equal(false);
    expect(isPermanentFailure(null)).to.equal(false);
  });

  it('writes atomically: the final file only, no temporary left', async () => {
    const f = join(dir, 'x.json');
    await writeFileAtomic(f, '{"a":1}');
    await writeFileAtomic(f, '{"a":2}');
    expect(readFileSync(f, 'utf8')).to.equal('{"a":2}');
    expect(readdirSync(dir)).to.deep.equal(['x.json']);
  });

  it('a dead server makes everything wait (one try per backoff, not one per message)', async () => {
    let calls = 0;
    let up = false;
    const sent: string[] = [];
    const q = new MailQueue({
      dir, minDelayMs: 300, maxDelayMs: 300, jitter: 0,
      send: async (m) => { calls++; if (!up) throw smtpError('connect ECONNREFUSED 127.0.0.1:1', 'ESOCKET', undefined, 'CONN'); sent.push(m.subject); return {}; },
    });
    queues.push(q);
    await q.start();
    for (let i = 1; i <= 5; i++) await q.enqueue(mail(`m${i}`));
    await sleep(150);
    expect(calls).to.equal(1);
    expect(q.length).to.equal(5);
    expect(q.stats.lastError).to.match(/ECONNREFUSED/);
    up = true;
    await waitFor(() => sent.length === 5, 3000, 'all five');
    expect(sent).to.deep.equal(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(jsonFiles()).to.have.length(0);
  });

  it('a message the server defers (4xx on DATA) waits alone; the others go', async () => {
    const sent: string[] = [];
    let deferBad = true;
    const q = new MailQueue({
      dir, minDelayMs: 400, maxDelayMs: 400, jitter: 0,
      send: async (m) => {
        if (m.subject === 'bad' && deferBad) throw smtpError('Try again later', 'EMESSAGE_NOT', 451, 'DATA');
        sent.push(m.subject);
        return {};
      },
    });
    queues.push(q);
    await q.start();
    await q.enqueue(mail('bad'));
    await q.enqueue(mail('good1'));
    await q.enqueue(mail('good2'));
    await waitFor(() => sent.length === 2, 2000, 'the good ones');
    expect(sent).to.deep.equal(['good1', 'good2']);
    expect(q.length).to.equal(1);
    deferBad = false;
    await waitFor(() => sent.length === 3, 2000, 'the deferred one');
    expect(q.length).to.equal(0);
  });

  it('on start: reads back queued files in order, deletes unfinished temporaries, sets aside unreadable files', async () => {
    const events: QueueEvent[] = [];
    writeFileSync(join(dir, '00000000000002-000001-aaaa.json'), JSON.stringify({ version: 1, id: 'b', createdAt: 2, attempts: 3, mail: mail('second') }));
    writeFileSync(join(dir, '00000000000001-000001-bbbb.json'), JSON.stringify({ version: 1, id: 'a', createdAt: 1, attempts: 0, mail: mail('first') }));
    writeFileSync(join(dir, '00000000000003-000001-cccc.json.123.ab.tmp'), '{"half');
    writeFileSync(join(dir, '00000000000004-000001-dddd.json'), '{ not json');
    const sent: string[] = [];
    // maxAge large: the fake createdAt values are in 1970.
    const q = new MailQueue({ dir, maxAgeMs: Number.MAX_SAFE_INTEGER / 2, send: async (m) => { sent.push(m.subject); return {}; }, onEvent: (e) => events.push(e) });
    queues.push(q);
    await q.start();
    await waitFor(() => sent.length === 2, 2000, 'both');
    expect(sent).to.deep.equal(['first', 'second']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.have.length(0);
    expect(readdirSync(join(dir, 'failed'))).to.deep.equal(['00000000000004-000001-dddd.json.corrupt']);
    expect(events.some((e) => e.type === 'error' && /unreadable/.test(e.error ?? ''))).to.equal(true);
  });

  it('over the size cap, the oldest is set aside in failed/ and reported', async () => {
    const events: QueueEvent[] = [];
    const q = new MailQueue({ dir, maxQueued: 3, minDelayMs: 60_000, send: async () => { throw smtpError('down', 'ESOCKET', undefined, 'CONN'); }, onEvent: (e) => events.push(e) });
    queues.push(q);
    await q.start();
    for (let i = 1; i <= 5; i++) await q.enqueue(mail(`m${i}`));
    expect(q.length).to.equal(3);
    expect(readdirSync(join(dir, 'failed'))).to.have.length(2);
    const failed = events.filter((e) => e.type === 'failed').map((e) => e.subject);
    expect(failed).to.deep.equal(['m1', 'm2']);
  });

  it('a full queue never sets aside the message being sent, and the list stays right while a send is slow', async () => {
    const sent: string[] = [];
    const events: QueueEvent[] = [];
    let release: () => void = () => undefined;
    const q = new MailQueue({
      dir, maxQueued: 2,
      send: (m) => new Promise((r) => {
        if (m.subject === 'm1') release = () => { sent.push(m.subject); r({}); };
        else { sent.push(m.subject); r({}); }
      }),
      onEvent: (e) => events.push(e),
    });
    queues.push(q);
    await q.start();
    await q.enqueue(mail('m1'));
    await sleep(30); // m1 is now being sent, and stuck
    await q.enqueue(mail('m2'));
    await q.enqueue(mail('m3'));
    await q.enqueue(mail('m4'));
    expect(events.filter((e) => e.type === 'failed').map((e) => e.subject)).to.deep.equal(['m2', 'm3']);
    release();
    await waitFor(() => sent.length === 2, 2000, 'm1 and m4');
    expect(sent).to.deep.equal(['m1', 'm4']);
    expect(q.length).to.equal(0);
    expect(jsonFiles()).to.have.length(0);
    expect(readdirSync(join(dir, 'failed')).length).to.equal(2);
  });

  it('retryNow() forgets the backoff', async () => {
    let up = false;
    const sent: string[] = [];
    const q = new MailQueue({ dir, minDelayMs: 60_000, send: async (m) => { if (!up) throw smtpError('down', 'ESOCKET', undefined, 'CONN'); sent.push(m.subject); return {}; } });
    queues.push(q);
    await q.start();
    await q.enqueue(mail('x'));
    await waitFor(() => q.stats.attempts === 1, 2000, 'first try');
    up = true;
    await sleep(100);
    expect(sent).to.have.length(0);
    q.retryNow();
    await waitFor(() => sent.length === 1, 2000, 'sent after retryNow');
  });

  it('close() waits for a send in progress, and a closed queue refuses new mail', async () => {
    let release: () => void = () => undefined;
    const q = new MailQueue({ dir, send: () => new Promise((r) => { release = () => r({}); }) });
    await q.start();
    await q.enqueue(mail('slow'));
    await sleep(50);
    const closing = q.close(5000);
    let closed = false;
    void closing.then(() => { closed = true; });
    await sleep(100);
    expect(closed).to.equal(false);
    release();
    await closing;
    expect(jsonFiles()).to.have.length(0);
    let err: unknown;
    try { await q.enqueue(mail('late')); } catch (e) { err = e; }
    expect(String(err)).to.match(/closed/);
    expect(existsSync(join(dir, 'failed'))).to.equal(true);
  });
});

describe('mail from a message', () => {
  it('HTML payload with msg.text; to list with commas and semicolons; defaults', async () => {
    const m = await mailFromInput({ topic: 'S', payload: '<html><body><p>Hi</p></body></html>', text: 'Hi' }, { from: 'gw@example.com', to: 'a@example.com;  b@example.com, ,' });
    expect(m).to.deep.include({ subject: 'S', to: 'a@example.com, b@example.com', from: 'gw@example.com', text: 'Hi' });
    expect(m.html).to.include('<p>Hi</p>');
  });
  it('plain payload → text only; Buffer payload; object payload as JSON; msg.to wins', async () => {
    expect(await mailFromInput({ payload: 'hello <world>', to: 'x@example.com' }, {})).to.deep.include({ text: 'hello <world>', subject: 'gatewatch' });
    expect((await mailFromInput({ payload: Buffer.from('buf'), to: 'x@example.com' }, {})).text).to.equal('buf');
    expect((await mailFromInput({ payload: { a: 1 }, to: ['x@example.com', 'y@example.com'] }, { to: 'z@example.com' }))).to.deep.include({ text: '{\n  "a": 1\n}', to: 'x@example.com, y@example.com' });
  });
  it('a subject cannot carry extra header lines', async () => {
    const m = await mailFromInput({ topic: 'Hi\r\nBcc: evil@example.com', payload: 'x', to: 'a@example.com' }, {});
    expect(m.subject).to.not.match(/[\r\n]/);
  });
  it('makes a text part from HTML when none is given, without choking on hostile HTML', async () => {
    const m = await mailFromInput({ payload: '<html><head><style>p{}</style></head><body><h1>Title</h1><p>A &amp; B</p><table><tr><td>x</td><td>y</td></tr></table></body></html>', to: 'a@example.com' }, {});
    expect(m.text).to.equal('Title\nA & B\nx y');
    const evil = '<' + '<a '.repeat(100_000) + '<script>' + 'x'.repeat(1000);
    expect(htmlToText(evil)).to.be.a('string');
  });
  it('attachments: string, Buffer, base64, hex and a file path are stored as base64; streams and URLs refused', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gw-att-'));
    try {
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'sub', 'report.csv'), 'a,b\n1,2\n');
      const m = await mailFromInput({
        payload: 'x', to: 'a@example.com',
        attachments: [
          { filename: 'a.txt', content: 'héllo' },
          { filename: 'b.bin', content: Buffer.from([0, 1, 2, 255]) },
          { filename: 'c.txt', content: Buffer.from('base64 text').toString('base64'), encoding: 'base64' },
          { filename: 'd.txt', content: '6869', encoding: 'hex' },
          { path: join(d, 'sub', 'report.csv') },
        ],
      }, {});
      const got = m.attachments!.map((a) => [a.filename, Buffer.from(a.content, 'base64').toString('latin1')]);
      expect(got).to.deep.equal([
        ['a.txt', Buffer.from('héllo').toString('latin1')],
        ['b.bin', '\u0000\u0001\u0002\u00ff'],
        ['c.txt', 'base64 text'],
        ['d.txt', 'hi'],
        ['report.csv', 'a,b\n1,2\n'],
      ]);
      for (const bad of [{ content: { pipe() { /* stream */ } } }, { href: 'http://example.com/x' }, {}, 'x', { content: 'x', encoding: 'utf16' }]) {
        let err: unknown;
        try { await mailFromInput({ payload: 'x', to: 'a@example.com', attachments: [bad] }, {}); } catch (e) { err = e; }
        expect(err, JSON.stringify(bad)).to.be.instanceOf(Error);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
  it('no recipient anywhere is an error', async () => {
    let err: unknown;
    try { await mailFromInput({ payload: 'x' }, {}); } catch (e) { err = e; }
    expect(String(err)).to.match(/no recipient/);
    expect(addressList(' a@example.com ;b@example.com,, ')).to.equal('a@example.com, b@example.com');
  });
});
