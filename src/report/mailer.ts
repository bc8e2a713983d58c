/**
 * Turning a message into a mail, and the two ways of "sending" it: over SMTP with nodemailer, or as an
 * .eml file in a folder when no mail server is set up. No Node-RED import.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { MailAttachment, QueuedMail, RecipientRejection, Sender, SendResult } from './mailqueue';
import { writeFileAtomic } from './mailqueue';

export type Security = 'tls' | 'starttls' | 'none';

export interface SmtpSettings {
  host: string;
  port?: number;
  security?: Security;
  user?: string;
  password?: string;
  /** Check the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** Connection, greeting and socket timeout (default 60 s). */
  timeoutMs?: number;
}

export interface MailDefaults {
  from?: string;
  to?: string;
}

/** What a caller may hand over (a Node-RED msg, in practice). */
export interface MailInput {
  topic?: unknown;
  subject?: unknown;
  payload?: unknown;
  text?: unknown;
  html?: unknown;
  to?: unknown;
  cc?: unknown;
  bcc?: unknown;
  from?: unknown;
  replyTo?: unknown;
  attachments?: unknown;
}

const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export function defaultPort(security: Security | undefined): number {
  return security === 'tls' ? 465 : 587;
}

/** Comma- or semicolon-separated addresses, trimmed, empties dropped. Accepts an array too. */
export function addressList(v: unknown): string {
  const parts = Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? v.split(/[,;]/) : [];
  return parts.map((p) => p.replace(/[\r\n]/g, ' ').trim()).filter((p) => p.length > 0).join(', ');
}

function oneLine(v: unknown, max: number): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  let out = '';
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? ' ' : s[i];
  }
  return out.trim();
}

function looksLikeHtml(s: string): boolean {
  const t = s.trimStart().slice(0, 200).toLowerCase();
  return t.startsWith('<!doctype') || t.startsWith('<html') || (t.startsWith('<') && s.includes('</'));
}

/** Text from an .html body, for mail programs that show only text. */
export function htmlToText(html: string): string {
  let s = html.length > 2_000_000 ? html.slice(0, 2_000_000) : html;
  // Drop <head>, <style> and <script> blocks (indexOf-based: no backtracking on hostile input).
  for (const tag of ['head', 'style', 'script']) {
    let out = '';
    let pos = 0;
    const lower = s.toLowerCase();
    for (;;) {
      const a = lower.indexOf(`<${tag}`, pos);
      if (a < 0) { out += s.slice(pos); break; }
      const b = lower.indexOf(`</${tag}>`, a);
      out += s.slice(pos, a);
      if (b < 0) { pos = s.length; break; }
      pos = b + tag.length + 3;
    }
    s = out;
  }
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '<') {
      const end = s.indexOf('>', i);
      if (end < 0) break;
      const tag = s.slice(i + 1, Math.min(end, i + 8)).toLowerCase();
      if (tag.startsWith('br') || tag.startsWith('/p') || tag.startsWith('/tr') || tag.startsWith('/div') || tag.startsWith('/h') || tag.startsWith('/li')) out += '\n';
      else if (tag.startsWith('td') || tag.startsWith('th')) out += ' ';
      i = end + 1;
      continue;
    }
    out += ch;
    i++;
  }
  out = out.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return out.split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trim()).filter((l, k, arr) => l !== '' || (k > 0 && arr[k - 1] !== '')).join('\n').trim();
}

async function attachment(a: unknown, index: number): Promise<MailAttachment> {
  if (!a || typeof a !== 'object') throw new Error(`attachment ${index + 1} is not an object`);
  const x = a as { filename?: unknown; content?: unknown; encoding?: unknown; contentType?: unknown; cid?: unknown; path?: unknown; href?: unknown };
  let buf: Buffer;
  if (x.content !== undefined && x.content !== null) {
    if (Buffer.isBuffer(x.content)) buf = x.content;
    else if (x.content instanceof Uint8Array) buf = Buffer.from(x.content);
    else if (typeof x.content === 'string') {
      const enc = typeof x.encoding === 'string' ? x.encoding.toLowerCase() : 'utf8';
      if (enc !== 'base64' && enc !== 'hex' && enc !== 'utf8' && enc !== 'utf-8' && enc !== 'binary' && enc !== 'latin1') {
        throw new Error(`attachment ${index + 1}: unsupported encoding "${oneLine(x.encoding, 20)}"`);
      }
      buf = Buffer.from(x.content, enc === 'utf-8' ? 'utf8' : (enc as BufferEncoding));
    } else if (typeof (x.content as { pipe?: unknown }).pipe === 'function') {
      throw new Error(`attachment ${index + 1}: streams cannot be queued; give the content as a string or Buffer`);
    } else throw new Error(`attachment ${index + 1}: content must be a string or Buffer`);
  } else if (typeof x.path === 'string' && x.path !== '') {
    // A file on this machine: read it now, so the queued mail no longer depends on it.
    buf = await readFile(x.path);
  } else if (x.href !== undefined) {
    throw new Error(`attachment ${index + 1}: web addresses (href) are not fetched; give the content instead`);
  } else throw new Error(`attachment ${index + 1} has no content`);
  if (buf.length > MAX_ATTACHMENT_BYTES) throw new Error(`attachment ${index + 1} is larger than 25 MB`);
  const out: MailAttachment = { content: buf.toString('base64'), encoding: 'base64' };
  const fromPath = typeof x.path === 'string' ? x.path.split('/').pop() : undefined;
  const filename = typeof x.filename === 'string' ? oneLine(x.filename, 200) : fromPath;
  if (filename) out.filename = filename;
  if (typeof x.contentType === 'string') out.contentType = oneLine(x.contentType, 200);
  if (typeof x.cid === 'string') out.cid = oneLine(x.cid, 200);
  return out;
}

/**
 * A queueable mail from a message: msg.topic (subject), msg.payload (HTML or text), msg.text (text
 * alternative), msg.attachments, msg.to (overrides the configured list), msg.cc, msg.bcc.
 */
export async function mailFromInput(m: MailInput, defaults: MailDefaults): Promise<QueuedMail> {
  const to = addressList(m.to) || addressList(defaults.to);
  if (!to) throw new Error('no recipient: set "To" in the node or msg.to');
  const subject = oneLine(m.topic ?? m.subject, 998) || 'gatewatch';
  let body: string | undefined;
  const p = m.payload;
  if (typeof p === 'string') body = p;
  else if (Buffer.isBuffer(p)) body = p.toString('utf8');
  else if (p !== undefined && p !== null) body = typeof p === 'object' ? JSON.stringify(p, null, 2) : String(p);
  let html: string | undefined = typeof m.html === 'string' ? m.html : undefined;
  let text: string | undefined = typeof m.text === 'string' ? m.text : undefined;
  if (body !== undefined) {
    if (html === undefined && looksLikeHtml(body)) html = body;
    else if (text === undefined) text = body;
  }
  if (html !== undefined && text === undefined) text = htmlToText(html);
  if (html === undefined && text === undefined) text = '';
  const mail: QueuedMail = { to, subject };
  const from = oneLine(m.from, 300) || oneLine(defaults.from, 300);
  if (from) mail.from = from;
  const cc = addressList(m.cc);
  if (cc) mail.cc = cc;
  const bcc = addressList(m.bcc);
  if (bcc) mail.bcc = bcc;
  const replyTo = oneLine(m.replyTo, 300);
  if (replyTo) mail.replyTo = replyTo;
  if (text !== undefined) mail.text = text;
  if (html !== undefined) mail.html = html;
  if (m.attachments !== undefined && m.attachments !== null) {
    const list = Array.isArray(m.attachments) ? m.attachments : [m.attachments];
    mail.attachments = [];
    for (let i = 0; i < list.length; i++) mail.attachments.push(await attachment(list[i], i));
  }
  return mail;
}

function nodemailerMessage(mail: QueuedMail): SendMailOptions {
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    bcc: mail.bcc,
    replyTo: mail.replyTo,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments?.map((a) => ({ filename: a.filename, content: a.content, encoding: 'base64', contentType: a.contentType, cid: a.cid })),
  };
}

export interface ClosableSender {
  send: Sender;
  close(): void;
}

/** Send through an SMTP server. One connection per message: simple, and nothing stale after an outage. */
export function smtpSender(s: SmtpSettings): ClosableSender {
  const security: Security = s.security ?? 'starttls';
  const timeout = s.timeoutMs && s.timeoutMs > 0 ? s.timeoutMs : 60_000;
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port || defaultPort(security),
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: s.user ? { user: s.user, pass: s.password ?? '' } : undefined,
    tls: { rejectUnauthorized: s.rejectUnauthorized !== false },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
  });
  return {
    async send(mail: QueuedMail): Promise<SendResult> {
      const info = await transport.sendMail(nodemailerMessage(mail));
      const errs = (info as { rejectedErrors?: { recipient?: string; message?: string; response?: string; responseCode?: number }[] }).rejectedErrors ?? [];
      const rejected: RecipientRejection[] = errs.map((e) => ({
        recipient: String(e.recipient ?? ''),
        message: String(e.response ?? e.message ?? 'refused'),
        permanent: typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode !== 503,
      }));
      const known = new Set(rejected.map((r) => r.recipient));
      for (const r of (info.rejected ?? []) as (string | { address: string })[]) {
        const addr = typeof r === 'string' ? r : r.address;
        if (!known.has(addr)) rejected.push({ recipient: addr, message: 'refused', permanent: true });
      }
      return { rejected, where: info.messageId };
    },
    close() {
      transport.close();
    },
  };
}

/** No mail server: write each mail as an .eml file (opens in any mail program). */
export function emlSender(dir: string): ClosableSender {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let n = 0;
  return {
    async send(mail: QueuedMail): Promise<SendResult> {
      const info = await transport.sendMail(nodemailerMessage(mail));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      n = (n + 1) % 10000;
      const file = join(dir, `${stamp}-${String(n).padStart(4, '0')}.eml`);
      await writeFileAtomic(file, info.message as Buffer);
      return { where: file };
    },
    close() {
      transport.close();
    },
  };
}
