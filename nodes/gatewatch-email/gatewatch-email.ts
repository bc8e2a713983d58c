/**
 * gatewatch email: sends msg as an email, reliably. Every message goes first to an on-disk queue
 * (<userDir>/gatewatch/mail-queue/<node id>/), then to the mail server; failures are retried with
 * backoff, survive restarts, and are reported rather than dropped. Without a mail server configured,
 * each mail is written as an .eml file into <userDir>/gatewatch/outbox/. Thin glue over src/report.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { emlSender, type ClosableSender, mailFromInput, smtpSender } from '../../src/report/mailer';
import { MailQueue, type QueueEvent } from '../../src/report/mailqueue';
import { ThrottledStatus } from '../lib/status';

interface EmailDef extends NodeDef {
  smtp?: string;
  to?: string;
  retry?: number | string;
  retryMax?: number | string;
  maxAge?: number | string;
}

interface SmtpConfigLike {
  smtp: { host: string; port?: number; security?: 'tls' | 'starttls' | 'none'; user?: string; password?: string; rejectUnauthorized?: boolean; timeoutMs?: number };
  from: string;
  to: string;
}

type Msg = NodeMessageInFlow & { mailQueue?: unknown };

function positive(v: unknown, dflt: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

function safeName(id: string): string {
  let out = '';
  for (const ch of id) out += /[A-Za-z0-9._-]/.test(ch) ? ch : '_';
  return out || 'node';
}

function shortTime(ms: number | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

export = function (RED: NodeAPI) {
  function GatewatchEmailNode(this: Node, config: EmailDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const cfg = config.smtp ? (RED.nodes.getNode(config.smtp) as unknown as SmtpConfigLike | null) : null;
    const useSmtp = !!(cfg && cfg.smtp && cfg.smtp.host);
    const userDir = (RED.settings as { userDir?: string }).userDir || join(homedir(), '.node-red');
    const base = join(userDir, 'gatewatch');
    const queueDir = join(base, 'mail-queue', safeName(node.id));
    const outbox = join(base, 'outbox');
    const defaults = { from: cfg?.from || (useSmtp ? '' : 'gatewatch@localhost'), to: (config.to ?? '').trim() || cfg?.to || (useSmtp ? '' : 'owner@localhost') };

    let sender: ClosableSender;
    if (useSmtp) {
      sender = smtpSender(cfg!.smtp);
    } else {
      // A selected config node that has vanished is a problem; one with no server filled in is the normal
      // "save mail as files" setup (the appliance's default) and is only logged.
      if (config.smtp && !cfg) node.warn(RED._('gatewatch-email.errors.smtpMissing'));
      try { mkdirSync(outbox, { recursive: true }); } catch { /* reported when the first mail fails */ }
      sender = emlSender(outbox);
      node.log(RED._('gatewatch-email.log.noServer', { dir: outbox }));
    }

    const status = new ThrottledStatus(node, () => ({ fill: 'grey', text: '' }));
    let failedCount = 0;
    let lastError = '';
    const queue = new MailQueue({
      dir: queueDir,
      send: (m) => sender.send(m),
      minDelayMs: positive(config.retry, 30) * 1000,
      maxDelayMs: positive(config.retryMax, 30) * 60_000,
      maxAgeMs: positive(config.maxAge, 7) * 86_400_000,
      onEvent: (e) => onEvent(e),
    });

    function redraw(): void {
      const n = queue.length;
      const failed = failedCount ? ` · ${failedCount} failed` : '';
      if (n > 0) {
        if (lastError) {
          const next = queue.stats.nextAttemptAt ? ` · retry ${shortTime(queue.stats.nextAttemptAt)}` : '';
          status.set('red', `${n} queued${next} · ${lastError.slice(0, 60)}${failed}`, 'ring');
        } else status.set('yellow', `${n} queued${failed}`, 'ring');
      } else if (!useSmtp) {
        status.set('blue', `no mail server: ${queue.stats.sent} saved to ${outbox}${failed}`, 'ring');
      } else {
        status.set(failedCount ? 'yellow' : 'green', `${queue.stats.sent} sent${failed}`);
      }
    }

    function onEvent(e: QueueEvent): void {
      switch (e.type) {
        case 'sent':
          lastError = '';
          if (useSmtp) node.log(RED._('gatewatch-email.log.sent', { subject: e.subject ?? '', attempts: String(e.attempts ?? 1) }));
          else node.log(RED._('gatewatch-email.log.saved', { subject: e.subject ?? '', file: e.file ?? '' }));
          break;
        case 'retry':
          lastError = e.error ?? 'error';
          node.warn(RED._('gatewatch-email.log.retry', { subject: e.subject ?? '', attempts: String(e.attempts ?? 1), error: lastError, next: shortTime(e.nextAt) }));
          break;
        case 'failed': {
          failedCount++;
          // A message of its own so Catch nodes can act on it (e.g. send a chat message instead).
          const report = { _msgid: RED.util.generateId(), topic: e.subject ?? '', payload: { reason: e.error, file: e.file, attempts: e.attempts }, mailFailed: true };
          const key = e.file ? 'gatewatch-email.errors.failed' : 'gatewatch-email.errors.partlyFailed';
          node.error(RED._(key, { subject: e.subject ?? '', error: e.error ?? '', file: e.file ?? '' }), report);
          break;
        }
        case 'error':
          node.error(RED._('gatewatch-email.errors.queue', { error: e.error ?? '' }));
          break;
        default:
          break;
      }
      redraw();
    }

    let closed = false;
    const ready = queue.start().then(redraw, (err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      status.set('red', RED._('gatewatch-email.status.noQueue'), 'ring');
      node.error(RED._('gatewatch-email.errors.queueStart', { dir: queueDir, error: text }));
      throw err;
    });
    ready.catch(() => undefined);

    node.on('input', (msg: Msg, _send, done) => {
      if (msg.mailQueue === 'retry') {
        lastError = '';
        queue.retryNow();
        done();
        return;
      }
      (async () => {
        await ready;
        if (closed) throw new Error(RED._('gatewatch-email.errors.closed'));
        const mail = await mailFromInput(msg as unknown as Record<string, unknown>, defaults);
        await queue.enqueue(mail);
        redraw();
      })().then(() => done(), (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      status.close();
      ready.catch(() => undefined)
        .then(() => queue.close(10_000))
        .catch(() => undefined)
        .then(() => { sender.close(); done(); });
    });
  }
  RED.nodes.registerType('gatewatch-email', GatewatchEmailNode);
};
