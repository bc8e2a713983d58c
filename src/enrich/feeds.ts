/**
 * Reputation lists ("feeds"): reading the formats providers publish, keeping the last good copy on
 * disk, and refreshing over HTTP(S) politely (ETag / If-Modified-Since, a minimum interval per
 * provider). A failed, truncated, empty or garbage download never replaces the good copy.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { basename, extname, join } from 'node:path';
import { CompiledBlocks, compileBlocks, parseCidrV4, parseCidrV6Hi } from './ipset';

export type FeedFormat = 'plain' | 'spamhaus-drop' | 'spamhaus-json' | 'tor-exits' | 'feodo-csv' | 'feodo-json' | 'csv' | 'json';

export const FEED_FORMATS: FeedFormat[] = ['plain', 'spamhaus-drop', 'spamhaus-json', 'tor-exits', 'feodo-csv', 'feodo-json', 'csv', 'json'];

export interface FeedDef {
  /** Short id, used for the file names on disk (letters, digits, - and _). */
  id: string;
  /** Name shown in events (threat.enrichments[].indicator.provider). */
  name: string;
  url?: string;
  file?: string;
  format: FeedFormat;
  /** For 'csv': the column holding the address, by header name or 0-based index. */
  column?: string | number;
  /** Seconds between downloads (raised to the provider's minimum). */
  refreshS?: number;
  enabled: boolean;
  /** Licence or terms, shown in the editor. */
  terms?: string;
}

export interface ParsedFeed {
  /** Valid blocks as text ("a.b.c.d/n", "2001:db8::/32", bare addresses). */
  entries: string[];
  /** Data lines that were not a valid address or block. */
  bad: number;
  /** Data lines looked at (comments and blank lines excluded). */
  lines: number;
}

/**
 * The feeds gatewatch knows about. All ship DISABLED: gatewatch makes no connection to the internet
 * until the owner switches a list on (and so accepts its terms).
 */
export const DEFAULT_FEEDS: FeedDef[] = [
  {
    id: 'firehol-level1', name: 'FireHOL level1', format: 'plain', enabled: false, refreshS: 3600,
    url: 'https://iplists.firehol.org/files/firehol_level1.netset',
    terms: 'FireHOL list combining Spamhaus DROP/EDROP, DShield, Feodo and bogons; each source keeps its own licence; for defensive use.',
  },
  {
    id: 'spamhaus-drop', name: 'Spamhaus DROP', format: 'spamhaus-json', enabled: false, refreshS: 43200,
    url: 'https://www.spamhaus.org/drop/drop_v4.json',
    terms: 'Spamhaus DROP: free to use to protect your own network (Spamhaus terms of use); the list changes slowly, so it is fetched no more than once an hour (default every 12 hours).',
  },
  {
    id: 'tor-exits', name: 'Tor exit nodes', format: 'tor-exits', enabled: false, refreshS: 3600,
    url: 'https://check.torproject.org/torbulkexitlist',
    terms: 'Tor Project public list of exit relays. Tor is not malicious in itself: treat a match as "anonymised", not "attack".',
  },
  {
    id: 'feodo', name: 'abuse.ch Feodo Tracker', format: 'plain', enabled: false, refreshS: 3600,
    url: 'https://feodotracker.abuse.ch/downloads/ipblocklist.txt',
    terms: 'abuse.ch Feodo Tracker botnet C2 list, CC0 (public domain); fair use, no more often than every 5 minutes.',
  },
];

/** Minimum seconds between downloads per provider (their published terms), and for anyone else. */
const PROVIDER_MIN_S: [string, number][] = [
  ['spamhaus.org', 3600],
  ['spamhaus.com', 3600],
  ['torproject.org', 1800],
  ['abuse.ch', 300],
  ['firehol.org', 600],
  ['abuseipdb.com', 3600],
  ['blocklist.de', 1800],
  ['emergingthreats.net', 3600],
];
export const DEFAULT_MIN_REFRESH_S = 600;

export function minRefreshS(url: string): number {
  let host = '';
  try { host = new URL(url).hostname.toLowerCase(); } catch { return DEFAULT_MIN_REFRESH_S; }
  for (const [h, s] of PROVIDER_MIN_S) if (host === h || host.endsWith(`.${h}`)) return s;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]' ? 0 : DEFAULT_MIN_REFRESH_S;
}

/** The refresh interval actually used: the wanted one, never below the provider's minimum. */
export function effectiveRefreshS(def: FeedDef): number {
  const want = def.refreshS && def.refreshS > 0 ? def.refreshS : 3600;
  return def.url ? Math.max(want, minRefreshS(def.url)) : want;
}

function isBlock(s: string): boolean {
  if (s.length === 0 || s.length > 49) return false;
  return s.indexOf(':') >= 0 ? parseCidrV6Hi(s) !== null : parseCidrV4(s, [0, 0]);
}

/** Cut a line at the first '#' or ';' comment, and trim. */
function stripComment(line: string): string {
  let end = line.length;
  const h = line.indexOf('#');
  if (h >= 0) end = h;
  const sc = line.indexOf(';');
  if (sc >= 0 && sc < end) end = sc;
  return line.slice(0, end).trim();
}

/** First whitespace-separated token. */
function firstToken(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) return s.slice(0, i);
  }
  return s;
}

function eachLine(text: string, fn: (line: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    fn(text.slice(start, end));
    start = nl + 1;
  }
}

/** Split one CSV line (RFC 4180 quotes, no regular expression). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; }
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function parsePlain(text: string, tor: boolean): ParsedFeed {
  const r: ParsedFeed = { entries: [], bad: 0, lines: 0 };
  eachLine(text, (raw) => {
    let s = stripComment(raw);
    if (s === '') return;
    // Tor's exit-addresses document: "ExitAddress 192.0.2.1 2026-11-23 10:00:00"; other keys are skipped.
    if (tor && s.startsWith('Exit')) {
      if (!s.startsWith('ExitAddress ')) return;
      s = s.slice(12).trim();
    } else if (tor && (s.startsWith('ExitNode') || s.startsWith('Published') || s.startsWith('LastStatus'))) return;
    r.lines++;
    const tok = firstToken(s);
    if (isBlock(tok)) r.entries.push(tok); else r.bad++;
  });
  return r;
}

function parseJsonLines(text: string, keys: string[]): ParsedFeed {
  const r: ParsedFeed = { entries: [], bad: 0, lines: 0 };
  const take = (o: unknown): void => {
    if (o === null || typeof o !== 'object') { r.lines++; r.bad++; return; }
    const rec = o as Record<string, unknown>;
    if (rec.type === 'metadata') return; // Spamhaus's trailing metadata line
    r.lines++;
    for (const k of keys) {
      const v = rec[k];
      if (typeof v === 'string' && isBlock(v.trim())) { r.entries.push(v.trim()); return; }
    }
    r.bad++;
  };
  const t = text.trimStart();
  if (t.startsWith('[')) {
    let arr: unknown;
    try { arr = JSON.parse(t); } catch { return { entries: [], bad: 1, lines: 1 }; }
    if (!Array.isArray(arr)) return { entries: [], bad: 1, lines: 1 };
    for (const o of arr) take(o);
    return r;
  }
  eachLine(text, (line) => {
    const s = line.trim();
    if (s === '') return;
    let o: unknown;
    try { o = JSON.parse(s); } catch { r.lines++; r.bad++; return; }
    take(o);
  });
  return r;
}

function parseCsv(text: string, column: string | number | undefined): ParsedFeed {
  const r: ParsedFeed = { entries: [], bad: 0, lines: 0 };
  let idx = typeof column === 'number' ? column : column !== undefined && /^\d+$/.test(column) ? Number(column) : -1;
  const name = typeof column === 'string' && idx < 0 ? column.toLowerCase() : undefined;
  if (idx < 0 && name === undefined) idx = 0;
  eachLine(text, (raw) => {
    let line = raw.trim();
    if (line === '') return;
    const comment = line.charCodeAt(0) === 35; // '#'
    if (idx < 0) {
      // Look for the header; abuse.ch puts it inside a comment line.
      const fields = splitCsv(comment ? line.slice(1) : line).map((f) => f.toLowerCase());
      const k = fields.indexOf(name!);
      if (k >= 0) idx = k;
      return;
    }
    if (comment) return;
    line = raw;
    const fields = splitCsv(line);
    r.lines++;
    const v = fields[idx];
    if (v !== undefined && isBlock(v)) r.entries.push(v);
    else r.bad++;
  });
  if (idx < 0) r.bad = Math.max(r.bad, 1);
  return r;
}

/** Read a list's text in the given format. */
export function parseFeedText(text: string, format: FeedFormat, column?: string | number): ParsedFeed {
  switch (format) {
    case 'plain': case 'spamhaus-drop': return parsePlain(text, false);
    case 'tor-exits': return parsePlain(text, true);
    case 'spamhaus-json': return parseJsonLines(text, ['cidr']);
    case 'feodo-json': case 'json': return parseJsonLines(text, ['ip_address', 'dst_ip', 'cidr', 'ip', 'ipAddress']);
    case 'feodo-csv': return parseCsv(text, column ?? 'dst_ip');
    case 'csv': return parseCsv(text, column);
    default: throw new Error(`unknown feed format "${String(format)}"`);
  }
}

/** Guess the format of a list on disk from its name and first lines (for `--feeds DIR`). */
export function guessFormat(name: string, text: string): FeedFormat {
  const head = text.slice(0, 4096);
  const ext = extname(name).toLowerCase();
  const firstData = head.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#') && !l.trimStart().startsWith(';'))?.trim() ?? '';
  if (ext === '.json' || firstData.startsWith('{') || firstData.startsWith('[')) {
    return head.indexOf('"cidr"') >= 0 ? 'spamhaus-json' : 'json';
  }
  if (ext === '.csv' || head.indexOf('"dst_ip"') >= 0) return 'feodo-csv';
  if (head.indexOf('ExitAddress ') >= 0) return 'tor-exits';
  return 'plain';
}

/** The lists named on the command line: files, or folders meaning every list inside (not hidden, not .json metadata of a feed store). */
export function listFeedFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statSync(p);
    if (!st.isDirectory()) { out.push(p); continue; }
    for (const f of readdirSync(p).sort()) {
      if (f.startsWith('.')) continue;
      const full = join(p, f);
      if (!statSync(full).isFile()) continue;
      // A feed store keeps <id>.txt beside <id>.json metadata: skip the metadata.
      if (f.endsWith('.json') && existsSync(join(p, f.replace(/\.json$/, '.txt')))) continue;
      out.push(full);
    }
  }
  return out;
}

/** Load lists from disk as feeds (the CLI's --feeds). */
export function loadFeedFiles(paths: string[]): { def: FeedDef; parsed: ParsedFeed }[] {
  return listFeedFiles(paths).map((file) => {
    const text = readFileSync(file, 'utf8');
    const format = guessFormat(file, text);
    const name = basename(file).replace(/\.[^.]*$/, '');
    return { def: { id: feedId(name), name, file, format, enabled: true }, parsed: parseFeedText(text, format) };
  });
}

/** A file-name-safe id from a name. */
export function feedId(name: string): string {
  let s = '';
  for (const ch of name.toLowerCase()) s += /[a-z0-9_-]/.test(ch) ? ch : '-';
  s = s.slice(0, 60);
  return s || createHash('sha1').update(name).digest('hex').slice(0, 12);
}

/** Turn the editor's rows (or JSON text) into feed definitions; bad rows are reported and skipped. */
export function toFeedDefs(raw: Partial<FeedDef>[] | string | undefined, problems: string[]): FeedDef[] {
  let rows: Partial<FeedDef>[] = [];
  if (typeof raw === 'string') {
    try { rows = raw.trim() ? JSON.parse(raw) as Partial<FeedDef>[] : []; } catch { problems.push('feeds: not valid JSON'); return []; }
  } else if (Array.isArray(raw)) rows = raw;
  const out: FeedDef[] = [];
  const ids = new Set<string>();
  for (const r of rows) {
    const name = String(r.name ?? '').trim();
    const url = String(r.url ?? '').trim();
    const file = String(r.file ?? '').trim();
    const format = (FEED_FORMATS as string[]).includes(String(r.format)) ? r.format as FeedFormat : 'plain';
    if (!name) { problems.push('a list without a name was skipped'); continue; }
    if (!url && !file) { problems.push(`"${name}": no address or file`); continue; }
    if (url && !/^https?:\/\//i.test(url)) { problems.push(`"${name}": the address must start with http:// or https://`); continue; }
    let id = feedId(String(r.id ?? '').trim() || name);
    while (ids.has(id)) id += '-2';
    ids.add(id);
    const def: FeedDef = { id, name, format, enabled: r.enabled !== false, refreshS: Number(r.refreshS) > 0 ? Number(r.refreshS) : 3600 };
    if (url) def.url = url; else def.file = file;
    if (r.column !== undefined && r.column !== '') def.column = r.column;
    out.push(def);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Downloading and the on-disk store
// ---------------------------------------------------------------------------------------------

export interface FeedMeta {
  url?: string;
  format: FeedFormat;
  etag?: string;
  lastModified?: string;
  /** When the good copy was fetched (ms) and when we last checked (ms). */
  fetchedAt: number;
  checkedAt?: number;
  count: number;
  bytes: number;
}

export type FetchOutcome = 'updated' | 'not-modified' | 'failed' | 'rejected' | 'skipped';

export interface FeedState {
  def: FeedDef;
  /** The good copy in compact form (null until one is loaded). */
  blocks: CompiledBlocks | null;
  meta: FeedMeta | null;
  /** Counters for status/reporting. */
  failures: number;
  rejected: number;
  updates: number;
  notModified: number;
  lastError?: string;
  lastOutcome?: FetchOutcome;
  /** When the last download was attempted (ms), whatever its outcome. */
  lastAttemptAt?: number;
}

export interface FetchOptions {
  timeoutMs?: number;
  /** Largest body accepted (bytes). */
  maxBytes?: number;
  /** A new copy must hold at least this share of the last good copy's entries. */
  minRatio?: number;
  /** Refuse a copy when more than this share of its data lines are not addresses. */
  maxBadRatio?: number;
  userAgent?: string;
}

const DEFAULT_FETCH: Required<FetchOptions> = {
  timeoutMs: 30000, maxBytes: 64 * 1024 * 1024, minRatio: 0.5, maxBadRatio: 0.1, userAgent: 'gatewatch (node-red-contrib-gatewatch)',
};

interface HttpResult { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/** GET following up to 5 redirects (http/https only). */
async function httpGet(url: string, headers: Record<string, string>, o: Required<FetchOptions>): Promise<HttpResult> {
  let u = url;
  for (let hop = 0; hop <= 5; hop++) {
    const r = await httpGetOnce(u, headers, o);
    const loc = r.headers.location;
    if (r.status >= 300 && r.status < 400 && r.status !== 304 && typeof loc === 'string') {
      u = new URL(loc, u).toString();
      continue;
    }
    return r;
  }
  throw new Error('too many redirects');
}

function httpGetOnce(url: string, headers: Record<string, string>, o: Required<FetchOptions>): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try { u = new URL(url); } catch { reject(new Error(`bad URL ${url}`)); return; }
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!mod) { reject(new Error(`unsupported protocol ${u.protocol}`)); return; }
    const req = mod.get(u, { headers: { 'User-Agent': o.userAgent, 'Accept-Encoding': 'identity', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) { req.destroy(new Error(`body larger than ${o.maxBytes} bytes`)); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        if (!res.complete) { reject(new Error('connection closed before the end of the body (truncated)')); return; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('aborted', () => reject(new Error('download aborted (truncated)')));
      res.on('error', (e) => reject(e));
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`timed out after ${o.timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** The last good copies of feeds, kept in a folder (`<dir>/<id>.txt` + `<id>.json`). */
export class FeedStore {
  constructor(readonly dir: string) {}

  textPath(id: string): string { return join(this.dir, `${id}.txt`); }
  metaPath(id: string): string { return join(this.dir, `${id}.json`); }

  load(id: string): { text: string; meta: FeedMeta } | null {
    try {
      const meta = JSON.parse(readFileSync(this.metaPath(id), 'utf8')) as FeedMeta;
      const text = readFileSync(this.textPath(id), 'utf8');
      return { text, meta };
    } catch { return null; }
  }

  save(id: string, text: string | Buffer, meta: FeedMeta): void {
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(this.textPath(id), text);
    writeAtomic(this.metaPath(id), JSON.stringify(meta, null, 1));
  }

  touch(id: string, meta: FeedMeta): void {
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(this.metaPath(id), JSON.stringify(meta, null, 1));
  }
}

/** Why a freshly parsed copy is not good enough to replace the last one (or null when it is). */
export function judgeCopy(p: ParsedFeed, lastCount: number, o: Required<FetchOptions>): string | null {
  if (p.entries.length === 0) return 'empty list (no valid entries)';
  if (p.lines > 0 && p.bad / p.lines > o.maxBadRatio) return `garbage: ${p.bad} of ${p.lines} lines are not addresses`;
  if (lastCount > 0 && p.entries.length < lastCount * o.minRatio) return `too few entries: ${p.entries.length} against ${lastCount} in the last good copy`;
  return null;
}

/**
 * One feed: its last good copy (from disk or memory), and a `refresh()` that downloads politely.
 * Local files are simply (re)read.
 */
export class Feed {
  readonly state: FeedState;
  private readonly o: Required<FetchOptions>;
  constructor(def: FeedDef, private readonly store: FeedStore | null, opts: FetchOptions = {}) {
    this.o = { ...DEFAULT_FETCH, ...opts };
    this.state = { def, blocks: null, meta: null, failures: 0, rejected: 0, updates: 0, notModified: 0 };
  }

  get def(): FeedDef { return this.state.def; }

  /** Read the last good copy from disk (or the local file). Returns true when something was loaded. */
  loadFromDisk(): boolean {
    const d = this.def;
    if (d.file) return this.loadFile(Date.now()) === 'updated';
    if (!this.store) return false;
    const got = this.store.load(d.id);
    if (!got) return false;
    const p = parseFeedText(got.text, d.format, d.column);
    if (p.entries.length === 0) return false;
    this.state.blocks = compileBlocks(p.entries);
    this.state.meta = got.meta;
    return true;
  }

  private fileMtime = -1;

  /**
   * (Re)read a local list. The first read is taken as it is (it is the owner's own file); later, a
   * changed file that is empty, garbage or much shorter is refused like a bad download.
   */
  private loadFile(now: number): FetchOutcome {
    const d = this.def;
    let text: string;
    try {
      this.fileMtime = statSync(d.file!).mtimeMs;
      text = readFileSync(d.file!, 'utf8');
    } catch (e) { return this.fail((e as Error).message, now); }
    let p: ParsedFeed;
    try { p = parseFeedText(text, d.format, d.column); } catch (e) { return this.reject((e as Error).message, now); }
    if (this.state.blocks) {
      const why = judgeCopy(p, this.state.blocks.count, this.o);
      if (why) return this.reject(why, now);
    }
    this.state.blocks = compileBlocks(p.entries);
    this.state.meta = { format: d.format, fetchedAt: now, checkedAt: now, count: p.entries.length, bytes: text.length };
    if (this.state.lastOutcome !== undefined) this.state.updates++;
    this.state.lastError = undefined;
    return (this.state.lastOutcome = 'updated');
  }

  /** Has the local file changed since it was read? */
  fileChanged(): boolean {
    if (!this.def.file) return false;
    try { return statSync(this.def.file).mtimeMs !== this.fileMtime; } catch { return false; }
  }

  /** Is a download due (the interval, never below the provider's minimum, has passed)? For a local file: has it changed? */
  due(now = Date.now()): boolean {
    if (this.def.file && !this.def.url) return this.fileChanged();
    if (!this.def.url) return false;
    const s = this.state;
    const last = Math.max(s.meta?.checkedAt ?? 0, s.meta?.fetchedAt ?? 0, s.lastAttemptAt ?? 0);
    // After a failure, try again sooner (15 min), but never sooner than the provider allows.
    const failed = s.lastOutcome === 'failed' || s.lastOutcome === 'rejected';
    const every = failed ? Math.max(minRefreshS(this.def.url), Math.min(effectiveRefreshS(this.def), 900)) : effectiveRefreshS(this.def);
    return now - last >= every * 1000;
  }

  /** Download now (if the feed has a URL). Never throws; the outcome is recorded in `state`. */
  async refresh(now = Date.now()): Promise<FetchOutcome> {
    const d = this.def;
    const s = this.state;
    if (!d.url) {
      if (d.file) return this.loadFile(now);
      return (s.lastOutcome = 'skipped');
    }
    s.lastAttemptAt = now;
    const headers: Record<string, string> = {};
    if (s.blocks && s.meta?.etag) headers['If-None-Match'] = s.meta.etag;
    if (s.blocks && s.meta?.lastModified) headers['If-Modified-Since'] = s.meta.lastModified;
    let res: HttpResult;
    try {
      res = await httpGet(d.url, headers, this.o);
    } catch (e) {
      return this.fail((e as Error).message, now);
    }
    if (res.status === 304 && s.blocks && s.meta) {
      s.notModified++;
      s.meta = { ...s.meta, checkedAt: now };
      if (this.store) this.store.touch(d.id, s.meta);
      s.lastError = undefined;
      return (s.lastOutcome = 'not-modified');
    }
    if (res.status !== 200) return this.fail(`HTTP ${res.status}`, now);
    const cl = res.headers['content-length'];
    if (cl !== undefined && Number(cl) !== res.body.length) {
      return this.reject(`truncated: ${res.body.length} of ${cl} bytes`, now);
    }
    const text = res.body.toString('utf8');
    let p: ParsedFeed;
    try { p = parseFeedText(text, d.format, d.column); } catch (e) { return this.reject((e as Error).message, now); }
    const why = judgeCopy(p, s.meta?.count ?? s.blocks?.count ?? 0, this.o);
    if (why) return this.reject(why, now);
    const meta: FeedMeta = {
      url: d.url, format: d.format, fetchedAt: now, checkedAt: now, count: p.entries.length, bytes: res.body.length,
      etag: typeof res.headers.etag === 'string' ? res.headers.etag : undefined,
      lastModified: typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : undefined,
    };
    try {
      if (this.store) this.store.save(d.id, res.body, meta);
    } catch (e) {
      // Still use it in memory; the disk problem is reported.
      s.lastError = `could not save: ${(e as Error).message}`;
    }
    s.blocks = compileBlocks(p.entries);
    s.meta = meta;
    s.updates++;
    if (!s.lastError?.startsWith('could not save')) s.lastError = undefined;
    return (s.lastOutcome = 'updated');
  }

  private fail(msg: string, now: number): FetchOutcome {
    this.state.failures++;
    this.state.lastError = msg;
    if (this.state.meta) this.state.meta = { ...this.state.meta, checkedAt: now };
    return (this.state.lastOutcome = 'failed');
  }

  private reject(msg: string, now: number): FetchOutcome {
    this.state.rejected++;
    this.state.lastError = msg;
    if (this.state.meta) this.state.meta = { ...this.state.meta, checkedAt: now };
    return (this.state.lastOutcome = 'rejected');
  }
}
