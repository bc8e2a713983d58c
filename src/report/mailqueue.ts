/**
 * A mail queue on disk that does not lose mail.
 *
 * Every message is written to its own JSON file (temporary file, fsync, rename, fsync of the folder)
 * before anyone tries to send it, and the file is removed only once the server has accepted the mail.
 * A failed send stays queued and is tried again with exponential backoff and jitter; the queue is
 * read back from disk on start, so a restart loses nothing. A message older than `maxAgeMs` (or one
 * the server rejects for good, such as an unknown recipient) is moved to `failed/` and reported.
 *
 * Two kinds of failure are told apart:
 * - the server is unreachable or misbehaving (refused, timeout, dropped connection, greeting or login
 *   failure): the whole queue waits, so a dead server is not hammered once per message;
 * - the server answered this one message with an error: only that message waits.
 *
 * The sender is a function, so this file knows nothing of SMTP or Node-RED (see mailer.ts).
 * Delivery is at least once: if the connection drops after the server accepted the mail but before
 * its "250 OK" reached us, the mail is sent again. That is the nature of SMTP, not of this queue.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

export interface MailAttachment {
  filename?: string;
  /** Always base64 on disk. */
  content: string;
  encoding: 'base64';
  contentType?: string;
  cid?: string;
}

/** A message as kept on disk: plain JSON, no streams or buffers. */
export interface QueuedMail {
  from?: string;
  to: string;
  cc?: string;
  bcc?: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  attachments?: MailAttachment[];
}

export interface RecipientRejection {
  recipient: string;
  message: string;
  /** True when the server said the address will never work (5xx). */
  permanent: boolean;
}

export interface SendResult {
  /** Recipients the server refused although the message went to the others. */
  rejected?: RecipientRejection[];
  /** Where the message went (an .eml path, a message id …), for the log. */
  where?: string;
}

export type Sender = (mail: QueuedMail) => Promise<SendResult>;

export interface QueueEvent {
  type: 'queued' | 'sent' | 'retry' | 'failed' | 'error';
  id?: string;
  subject?: string;
  attempts?: number;
  error?: string;
  /** For 'failed': where the message now is. For 'sent': SendResult.where. */
  file?: string;
  /** For 'retry': when the next try is due (ms since epoch). */
  nextAt?: number;
}

export interface MailQueueOptions {
  dir: string;
  send: Sender;
  /** First retry delay (default 30 s); doubles each failure up to `maxDelayMs` (default 30 min). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of random spread around each delay (default 0.2 → ±20 %). */
  jitter?: number;
  /** Older than this (default 7 days) → failed/. */
  maxAgeMs?: number;
  /** More than this many queued (default 1000) → the oldest go to failed/. */
  maxQueued?: number;
  onEvent?: (e: QueueEvent) => void;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  id: string;
  file: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError?: string;
  subject: string;
}

interface QueueFile {
  version: 1;
  id: string;
  createdAt: number;
  attempts: number;
  lastError?: string;
  failedAt?: number;
  mail: QueuedMail;
}

export interface QueueStats {
  queued: number;
  sent: number;
  failed: number;
  attempts: number;
  lastError?: string;
  lastErrorAt?: number;
  /** When the next try is due, if anything is waiting. */
  nextAttemptAt?: number;
}

/** Write a file so that a crash leaves either the old content or the new, never a torn file. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* not supported on this platform: the rename is still atomic */ }
}

/**
 * Is this send error one that retrying cannot fix? Only for what the server says about this one message:
 * every recipient refused with 5xx, an address the client cannot even use, a message too big, a message
 * that cannot be built. A refused login or sender is a setting the owner can fix, so it is retried.
 */
export function isPermanentFailure(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number; command?: string } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'EMESSAGE') return true;
  const rc = typeof e.responseCode === 'number' ? e.responseCode : 0;
  if (e.code === 'EENVELOPE') {
    if (rc === 0) return e.command === 'API' || e.command === undefined; // invalid address, no recipients
    if (e.command === 'RCPT TO') return rc >= 500 && rc !== 503;
  }
  if (rc === 552 && e.command === 'DATA') return true;
  return false;
}

/** An error that concerns only this message (the server answered it), not the server as a whole. */
function isMessageLevel(err: unknown): boolean {
  const e = err as { responseCode?: number; command?: string } | null;
  if (!e || typeof e !== 'object' || typeof e.responseCode !== 'number') return false;
  return e.command === 'RCPT TO' || e.command === 'DATA' || e.command === 'MAIL FROM';
}

function errText(err: unknown): string {
  if (err instanceof Error) {
    const r = (err as { response?: unknown }).response;
    const base = err.message || String(err);
    return typeof r === 'string' && r && !base.includes(r) ? `${base}: ${r}`.slice(0, 500) : base.slice(0, 500);
  }
  return String(err).slice(0, 500);
}

/**
 * The wait before try number `attempts + 1`: `minMs` after the first failure, doubling each time up to
 * `maxMs`, spread by ±`jitter` (r is a random number in [0, 1)) so that many waiting senders do not
 * all come back at the same moment.
 */
export function backoffDelay(attempts: number, minMs: number, maxMs: number, jitter: number, r: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * r)));
}

let seq = 0;
function newId(now: number): string {
  seq = (seq + 1) % 1_000_000;
  return `${String(now).padStart(14, '0')}-${String(seq).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
}

export class MailQueue {
  readonly stats: QueueStats = { queued: 0, sent: 0, failed: 0, attempts: 0 };
  private readonly entries: Entry[] = [];
  private readonly o: Required<Omit<MailQueueOptions, 'onEvent'>> & { onEvent: (e: QueueEvent) => void };
  private serverFailures = 0;
  private serverNextAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private sending: Entry | null = null;
  private again = false;
  private closed = false;
  private started = false;
  private readonly failedDir: string;

  constructor(opts: MailQueueOptions) {
    this.o = {
      minDelayMs: 30_000,
      maxDelayMs: 1_800_000,
      jitter: 0.2,
      maxAgeMs: 7 * 24 * 3600_000,
      maxQueued: 1000,
      now: () => Date.now(),
      random: Math.random,
      ...opts,
      onEvent: opts.onEvent ?? (() => undefined),
    };
    this.failedDir = join(this.o.dir, 'failed');
  }

  get length(): number {
    return this.entries.length;
  }

  /** Create the folders and read back whatever an earlier run left queued; then start sending. */
  async start(): Promise<void> {
    await mkdir(this.failedDir, { recursive: true });
    const names = (await readdir(this.o.dir)).sort();
    for (const name of names) {
      const path = join(this.o.dir, name);
      if (name.endsWith('.tmp')) {
        // A write that never finished: it was never acknowledged to anyone.
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const q = JSON.parse(await readFile(path, 'utf8')) as QueueFile;
        if (!q || typeof q !== 'object' || !q.mail || typeof q.mail.to !== 'string') throw new Error('not a queued message');
        this.entries.push({
          id: String(q.id ?? name.slice(0, -5)),
          file: path,
          createdAt: Number(q.createdAt) || this.o.now(),
          attempts: Number(q.attempts) || 0,
          nextAt: 0,
          lastError: q.lastError,
          subject: String(q.mail.subject ?? ''),
        });
      } catch (err) {
        const dest = join(this.failedDir, `${name}.corrupt`);
        await rename(path, dest).catch(() => undefined);
        this.stats.failed++;
        this.o.onEvent({ type: 'error', error: `unreadable queue file moved to ${dest}: ${errText(err)}`, file: dest });
      }
    }
    this.entries.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    this.stats.queued = this.entries.length;
    this.started = true;
    this.kick();
  }

  /** Put a message on the queue. Resolves once it is safely on disk. */
  async enqueue(mail: QueuedMail): Promise<string> {
    if (this.closed) throw new Error('mail queue is closed');
    const now = this.o.now();
    const id = newId(now);
    const file = join(this.o.dir, `${id}.json`);
    const rec: QueueFile = { version: 1, id, createdAt: now, attempts: 0, mail };
    await writeFileAtomic(file, JSON.stringify(rec));
    // Keep the order of arrival even when two writes finish the other way round.
    const entry: Entry = { id, file, createdAt: now, attempts: 0, nextAt: now, subject: mail.subject };
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.id > id) at--;
    this.entries.splice(at, 0, entry);
    this.stats.queued = this.entries.length;
    this.o.onEvent({ type: 'queued', id, subject: mail.subject });
    while (this.entries.length > this.o.maxQueued) {
      // The oldest, unless it is being sent right now.
      const oldest = this.entries.find((x) => x !== this.sending)!;
      await this.moveToFailed(oldest, `the queue holds more than ${this.o.maxQueued} messages; the oldest was set aside`);
    }
    if (this.started) this.kick();
    return id;
  }

  /** Forget the backoff and try everything now (e.g. after the owner fixed the mail server). */
  retryNow(): void {
    this.serverNextAt = 0;
    this.serverFailures = 0;
    for (const e of this.entries) e.nextAt = 0;
    this.kick();
  }

  /** Stop timers and wait (at most `waitMs`) for a send in progress to finish. Queued files stay. */
  async close(waitMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise<void>((r) => { t = setTimeout(r, waitMs); })]);
      if (t) clearTimeout(t);
    }
  }

  private kick(): void {
    if (this.closed) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.running) { this.again = true; return; }
    this.running = this.pass().catch((err) => {
      this.o.onEvent({ type: 'error', error: errText(err) });
    }).finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.kick(); } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    if (this.entries.length === 0) { this.stats.nextAttemptAt = undefined; return; }
    let next = Infinity;
    for (const e of this.entries) next = Math.min(next, e.nextAt);
    next = Math.max(next, this.serverNextAt);
    // Also wake for the oldest message's expiry.
    next = Math.min(next, this.entries[0]!.createdAt + this.o.maxAgeMs);
    this.stats.nextAttemptAt = next;
    const delay = Math.max(0, Math.min(next - this.o.now(), 2_147_000_000));
    this.timer = setTimeout(() => { this.timer = null; this.kick(); }, delay);
    this.timer.unref?.();
  }

  private delay(attempts: number): number {
    return backoffDelay(attempts, this.o.minDelayMs, this.o.maxDelayMs, this.o.jitter, this.o.random());
  }

  private async pass(): Promise<void> {
    // Anything too old goes to failed/ first.
    const now0 = this.o.now();
    for (const e of [...this.entries]) {
      if (now0 - e.createdAt >= this.o.maxAgeMs) {
        const days = (this.o.maxAgeMs / 86_400_000).toFixed(this.o.maxAgeMs % 86_400_000 ? 2 : 0);
        await this.moveToFailed(e, `not delivered within ${days} day(s)${e.lastError ? `; last error: ${e.lastError}` : ''}`);
      }
    }
    // Each due message once per pass, oldest first. Found afresh each time round, because the list may
    // change while a send is in progress (new mail queued, the oldest set aside when the queue is full).
    const tried = new Set<Entry>();
    while (!this.closed) {
      const now = this.o.now();
      if (now < this.serverNextAt) return;
      const e = this.entries.find((x) => !tried.has(x) && x.nextAt <= now);
      if (!e) return;
      tried.add(e);
      let q: QueueFile;
      try {
        q = JSON.parse(await readFile(e.file, 'utf8')) as QueueFile;
      } catch (err) {
        this.remove(e);
        this.stats.failed++;
        this.o.onEvent({ type: 'error', id: e.id, subject: e.subject, error: `queue file unreadable, message lost: ${errText(err)}` });
        continue;
      }
      e.attempts++;
      this.stats.attempts++;
      let result: SendResult;
      this.sending = e;
      try {
        result = await this.o.send(q.mail);
      } catch (err) {
        this.sending = null;
        const msg = errText(err);
        e.lastError = msg;
        this.stats.lastError = msg;
        this.stats.lastErrorAt = this.o.now();
        if (isPermanentFailure(err)) {
          await this.moveToFailed(e, `the mail server refused it for good: ${msg}`);
          continue;
        }
        await this.rewrite(e, q);
        if (isMessageLevel(err)) {
          e.nextAt = this.o.now() + this.delay(e.attempts);
          this.o.onEvent({ type: 'retry', id: e.id, subject: e.subject, attempts: e.attempts, error: msg, nextAt: e.nextAt });
          continue;
        }
        // The server itself is the problem: everything waits.
        this.serverFailures++;
        this.serverNextAt = this.o.now() + this.delay(this.serverFailures);
        e.nextAt = this.serverNextAt;
        this.o.onEvent({ type: 'retry', id: e.id, subject: e.subject, attempts: e.attempts, error: msg, nextAt: this.serverNextAt });
        return;
      }
      this.sending = null;
      // Accepted: the server has it.
      this.serverFailures = 0;
      this.serverNextAt = 0;
      this.remove(e);
      await unlink(e.file).catch(() => undefined);
      this.stats.sent++;
      this.o.onEvent({ type: 'sent', id: e.id, subject: e.subject, attempts: e.attempts, file: result.where });
      await this.handleRejections(q, result);
    }
  }

  private remove(e: Entry): void {
    const idx = this.entries.indexOf(e);
    if (idx >= 0) this.entries.splice(idx, 1);
    this.stats.queued = this.entries.length;
  }

  /** Some recipients refused while others got it: retry the deferred ones, report the refused ones. */
  private async handleRejections(q: QueueFile, result: SendResult): Promise<void> {
    const rej = result.rejected ?? [];
    if (rej.length === 0) return;
    const permanent = rej.filter((r) => r.permanent);
    const deferred = rej.filter((r) => !r.permanent);
    if (permanent.length) {
      this.stats.failed++;
      this.o.onEvent({
        type: 'failed', subject: q.mail.subject,
        error: `not delivered to ${permanent.map((r) => r.recipient).join(', ')}: ${permanent[0]!.message}`,
      });
    }
    if (deferred.length) {
      const mail: QueuedMail = { ...q.mail, to: deferred.map((r) => r.recipient).join(', ') };
      delete mail.cc;
      delete mail.bcc;
      await this.enqueue(mail);
    }
  }

  private async rewrite(e: Entry, q: QueueFile): Promise<void> {
    q.attempts = e.attempts;
    q.lastError = e.lastError;
    try {
      await writeFileAtomic(e.file, JSON.stringify(q));
    } catch (err) {
      this.o.onEvent({ type: 'error', id: e.id, error: `could not update queue file: ${errText(err)}` });
    }
  }

  private async moveToFailed(e: Entry, reason: string): Promise<void> {
    this.remove(e);
    this.stats.failed++;
    const dest = join(this.failedDir, `${e.id}.json`);
    try {
      const q = JSON.parse(await readFile(e.file, 'utf8')) as QueueFile;
      q.attempts = e.attempts;
      q.lastError = reason;
      q.failedAt = this.o.now();
      await writeFileAtomic(dest, JSON.stringify(q));
      await unlink(e.file);
    } catch {
      await rename(e.file, dest).catch(() => undefined);
    }
    this.o.onEvent({ type: 'failed', id: e.id, subject: e.subject, attempts: e.attempts, error: reason, file: dest });
  }
}
