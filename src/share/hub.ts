/**
 * The regional hub's engine: receives members' shared summaries (hostile input: every field is
 * checked), de-duplicates them by member + summary id (a redelivered or repeated message changes
 * nothing; a grown incident replaces its earlier version), keeps them in an embedded SQLite database
 * (better-sqlite3, WAL) so a restart loses nothing, and answers: the regional picture (top attackers
 * across members, how many members each hit, trends by type and country, newly seen attackers), a
 * weekly report (text and HTML), and a regional blocklist as a plain IP list (the format gatewatch's
 * reputation feeds read), which closes the loop back to the members.
 */
import Database from 'better-sqlite3';
import { SEVERITIES, Severity } from '../detect/incident';
import { canonicalIp, Cidr, ipVersion, parseCidr } from '../net/ip';
import { attackerNetwork, DEFAULT_PRIVATE_NETS, inNets, SHARE_SCHEMA, ShareSummary, validMemberCode } from './anonymise';

export type IngestResult = 'new' | 'update' | 'duplicate' | 'stale' | 'invalid' | 'over-quota';

export interface HubOptions {
  /** SQLite file (created if missing); ':memory:' (the default) keeps nothing across restarts. */
  path?: string;
  /** Forget summaries whose last hour is older than this (default 120 days). */
  retentionDays?: number;
  /** Hard cap on stored summaries; the oldest received go first (default 5 million). */
  maxSummaries?: number;
  /** Cap per member, so one member (broken or hostile) cannot crowd out the others (default 200,000). */
  maxPerMember?: number;
  /** The clock (tests). */
  now?: () => number;
}

export interface PictureOptions { from?: string; to?: string; top?: number }

export interface AttackerRow { ip: string; members: number; incidents: number; events: number; types: string[]; country: string | null; first_seen: string; last_seen: string }
export interface RegionalPicture {
  from: string;
  to: string;
  totals: { incidents: number; events: number; members: number; attackers: number };
  topAttackers: AttackerRow[];
  byType: { type: string; incidents: number; events: number; members: number; attackers: number }[];
  byCountry: { country: string; incidents: number; events: number; attackers: number }[];
  trend: { day: string; type: string; incidents: number; events: number }[];
  /** Per day and attacker country (top countries only). */
  trendCountry: { day: string; country: string; incidents: number; attackers: number }[];
  newAttackers: { count: number; top: { ip: string; first_seen: string; members: number; events: number }[] };
}

export interface HubStats { summaries: number; members: number; attackers: number; received: number; duplicates: number; stale: number; invalid: number; updates: number; overQuota: number }

const HEX_ID = /^[0-9a-f]{8,64}$/;
const TOKEN = /^[A-Za-z0-9._-]{1,40}$/;
const TECH = /^T\d{4}(\.\d{3})?$/;
const PSEUDONYM = /^h-[0-9a-f]{12}$/;
const MAX_JSON = 16 * 1024;

/** A member's summary, checked field by field and rebuilt from known fields only; null when unusable. */
export function validateSummary(raw: unknown, privateNets: Cidr[] = DEFAULT_CIDRS): ShareSummary | null {
  let v: unknown = raw;
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v === 'string') {
    if (v.length > MAX_JSON) return null;
    try { v = JSON.parse(v); } catch { return null; }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (o.schema !== SHARE_SCHEMA) return null;
  if (typeof o.id !== 'string' || !HEX_ID.test(o.id)) return null;
  if (typeof o.member !== 'string' || !validMemberCode(o.member)) return null;
  if (typeof o.type !== 'string' || !TOKEN.test(o.type)) return null;
  if (typeof o.severity !== 'string' || !SEVERITIES.includes(o.severity as Severity)) return null;
  const a = o.attacker as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return null;
  let ip = canonicalIp(typeof a.ip === 'string' ? a.ip : undefined);
  if (!ip) return null;
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7); // IPv4-mapped: keep one form per address
  if (inNets(privateNets, ip)) return null; // never store an internal address
  const first = isoHour(o.first_hour), last = isoHour(o.last_hour);
  if (!first || !last || last < first) return null;
  const count = nonNegInt(o.event_count);
  if (count === null) return null;
  const vic = o.victims as Record<string, unknown> | undefined;
  const victims = vic && typeof vic === 'object' ? nonNegInt(vic.count) ?? 0 : 0;
  const pseudonyms = vic && Array.isArray(vic.pseudonyms) ? vic.pseudonyms.filter((p): p is string => typeof p === 'string' && PSEUDONYM.test(p)).slice(0, 64) : undefined;
  const m = o.mitre as { technique?: { id?: unknown; name?: unknown }; tactic?: unknown } | undefined;
  const techId = typeof m?.technique?.id === 'string' && TECH.test(m.technique.id) ? m.technique.id : '';
  const s: ShareSummary = {
    schema: SHARE_SCHEMA, id: o.id, member: o.member, type: o.type, severity: o.severity as Severity,
    score: Math.min(100, nonNegInt(o.score) ?? 0),
    confidence: o.confidence === 'high' || o.confidence === 'medium' ? o.confidence : 'low',
    attacker: { ip, version: ipVersion(ip) as 4 | 6 },
    mitre: { technique: { id: techId, name: plain(m?.technique?.name, 80) }, tactic: plain(m?.tactic, 40) },
    victims: pseudonyms && pseudonyms.length ? { count: victims, pseudonyms } : { count: victims },
    event_count: count, first_hour: first, last_hour: last, text: '',
  };
  if (typeof o.subtype === 'string' && TOKEN.test(o.subtype)) s.subtype = o.subtype;
  if (o.direction === 'inbound' || o.direction === 'outbound') s.direction = o.direction;
  if (typeof a.country === 'string' && /^[A-Z]{2}$/.test(a.country)) s.attacker.country = a.country;
  const asn = nonNegInt(a.asn);
  if (asn !== null && asn > 0 && asn < 2 ** 32) s.attacker.asn = asn;
  if (typeof a.as_org === 'string') s.attacker.as_org = plain(a.as_org, 80);
  if (typeof a.known_scanner === 'string') s.attacker.known_scanner = plain(a.known_scanner, 40);
  const hits = nonNegInt(a.reputation_hits);
  if (hits) s.attacker.reputation_hits = Math.min(hits, 1000);
  const net = attackerNetwork(a.network, ip);
  if (net !== undefined) s.attacker.network = net;
  if (Array.isArray(o.transports)) s.transports = o.transports.filter((t): t is string => typeof t === 'string' && TOKEN.test(t)).slice(0, 8);
  if (Array.isArray(o.ports)) s.ports = o.ports.filter((p): p is number => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535).slice(0, 32);
  const allowed = nonNegInt(o.allowed_count);
  if (allowed) s.allowed_count = allowed;
  s.text = plain(o.text, 300);
  return s;
}

/** A summary must name the member it came from (the MQTT topic the broker let that member publish to). */
function checkMember(s: ShareSummary | null, fromMember: string | undefined): ShareSummary | null {
  return s && (fromMember === undefined || s.member === fromMember) ? s : null;
}

/** The member code in a topic `…/share/<code>` (the last level), or undefined. */
export function memberFromTopic(topic: unknown): string | undefined {
  if (typeof topic !== 'string') return undefined;
  const code = topic.slice(topic.lastIndexOf('/') + 1);
  return topic.includes('/share/') && validMemberCode(code) ? code : undefined;
}

const DEFAULT_CIDRS = DEFAULT_PRIVATE_NETS.map((c) => parseCidr(c)!).filter(Boolean);

function nonNegInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}
const HOUR_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/;
function isoHour(v: unknown): string | null {
  if (typeof v !== 'string' || v.length > 40) return null;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  if (HOUR_RE.test(v)) return v; // already an hour, as members send it
  return new Date(Math.floor(ms / 3600000) * 3600000).toISOString().replace('.000Z', 'Z');
}
/** Printable text only (no control characters), bounded. */
function plain(v: unknown, max: number): string {
  if (typeof v !== 'string') return '';
  let clean = v.length <= max;
  for (let i = 0; clean && i < v.length; i++) { const c = v.charCodeAt(i); if (c < 32 || c === 127) clean = false; }
  if (clean) return v;
  let out = '';
  for (let i = 0; i < v.length && out.length < max; i++) {
    const c = v.charCodeAt(i);
    if (c >= 32 && c !== 127) out += v[i];
  }
  return out;
}

const SEV_RANK: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const DAY = 86400000;

export class Hub {
  readonly db: Database.Database;
  private readonly now: () => number;
  private readonly retentionDays: number;
  private readonly maxSummaries: number;
  private readonly maxPerMember: number;
  private readonly q: {
    get: Database.Statement; insert: Database.Statement; update: Database.Statement; attacker: Database.Statement;
    bump: Database.Statement; getAttacker: Database.Statement; body: Database.Statement;
    memberCount: Database.Statement; memberAdd: Database.Statement;
  };
  private readonly counters = { received: 0, duplicates: 0, stale: 0, invalid: 0, updates: 0, overQuota: 0 };

  constructor(opts: HubOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.retentionDays = opts.retentionDays ?? 120;
    this.maxSummaries = opts.maxSummaries ?? 5_000_000;
    this.maxPerMember = opts.maxPerMember ?? 200_000;
    this.db = new Database(opts.path ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Several hub workers (processes) may share one database file: wait for each other's writes.
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS summaries (
        member TEXT NOT NULL, id TEXT NOT NULL, attacker TEXT NOT NULL, type TEXT NOT NULL, severity INTEGER NOT NULL,
        country TEXT, technique TEXT, first_hour TEXT NOT NULL, last_hour TEXT NOT NULL, event_count INTEGER NOT NULL,
        victims INTEGER NOT NULL, received INTEGER NOT NULL, PRIMARY KEY (member, id));
      -- The full summaries live apart, so the aggregate queries scan narrow rows.
      CREATE TABLE IF NOT EXISTS bodies (member TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (member, id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS summaries_attacker ON summaries (attacker);
      CREATE INDEX IF NOT EXISTS summaries_last ON summaries (last_hour);
      CREATE TABLE IF NOT EXISTS attackers (ip TEXT PRIMARY KEY, first_seen TEXT NOT NULL, first_received INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS members (member TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.q = {
      get: this.db.prepare('SELECT event_count, last_hour, first_hour FROM summaries WHERE member = ? AND id = ?'),
      insert: this.db.prepare(`INSERT INTO summaries (member, id, attacker, type, severity, country, technique, first_hour, last_hour, event_count, victims, received)
        VALUES (@member, @id, @attacker, @type, @severity, @country, @technique, @first_hour, @last_hour, @event_count, @victims, @received)`),
      update: this.db.prepare(`UPDATE summaries SET attacker=@attacker, type=@type, severity=@severity, country=@country, technique=@technique,
        first_hour=@first_hour, last_hour=@last_hour, event_count=@event_count, victims=@victims, received=@received WHERE member=@member AND id=@id`),
      body: this.db.prepare('INSERT INTO bodies (member, id, json) VALUES (?, ?, ?) ON CONFLICT(member, id) DO UPDATE SET json = excluded.json'),
      attacker: this.db.prepare(`INSERT INTO attackers (ip, first_seen, first_received) VALUES (?, ?, ?)
        ON CONFLICT(ip) DO UPDATE SET first_seen = excluded.first_seen WHERE excluded.first_seen < attackers.first_seen`),
      getAttacker: this.db.prepare('SELECT first_seen FROM attackers WHERE ip = ?'),
      memberCount: this.db.prepare('SELECT n FROM members WHERE member = ?'),
      memberAdd: this.db.prepare('INSERT INTO members (member, n) VALUES (?, 1) ON CONFLICT(member) DO UPDATE SET n = n + 1'),
      bump: this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value'),
    };
  }

  /**
   * Take one summary (object, JSON text or Buffer). 'new' and 'update' change the picture; 'duplicate'
   * (same member, id and content) and 'stale' (an older version than the one kept) change nothing.
   */
  ingest(raw: unknown, fromMember?: string): { result: IngestResult; summary?: ShareSummary; newAttacker?: boolean } {
    this.counters.received++;
    const s = checkMember(validateSummary(raw), fromMember);
    if (!s) { this.counters.invalid++; this.saveCounters(); return { result: 'invalid' }; }
    const tx = this.db.transaction(() => { const r = this.store(s); this.saveCounters(); return r; });
    const r = tx.immediate();
    return r;
  }

  /** Many summaries in one transaction (a batch from a queue): much faster than one by one. Counts per result. */
  ingestMany(list: unknown[]): Record<IngestResult, number> {
    const out: Record<IngestResult, number> = { new: 0, update: 0, duplicate: 0, stale: 0, invalid: 0, 'over-quota': 0 };
    for (const r of this.ingestBatch(list)) out[r.result]++;
    return out;
  }

  /** Many summaries in one transaction, with the outcome of each (in order). */
  ingestBatch(list: unknown[], fromMembers?: (string | undefined)[]): { result: IngestResult; summary?: ShareSummary; newAttacker?: boolean }[] {
    const results: { result: IngestResult; summary?: ShareSummary; newAttacker?: boolean }[] = [];
    const tx = this.db.transaction(() => {
      for (let i = 0; i < list.length; i++) {
        this.counters.received++;
        const s = checkMember(validateSummary(list[i]), fromMembers?.[i]);
        if (!s) { this.counters.invalid++; results.push({ result: 'invalid' }); continue; }
        results.push(this.store(s));
      }
      this.saveCounters();
    });
    tx.immediate();
    return results;
  }

  private store(s: ShareSummary): { result: IngestResult; summary: ShareSummary; newAttacker?: boolean } {
    const old = this.q.get.get(s.member, s.id) as { event_count: number; last_hour: string; first_hour: string } | undefined;
    let result: IngestResult;
    if (old) {
      if (old.event_count === s.event_count && old.last_hour === s.last_hour && old.first_hour === s.first_hour) result = 'duplicate';
      else if (s.event_count < old.event_count || s.last_hour < old.last_hour) result = 'stale';
      else result = 'update';
    } else {
      const m = this.q.memberCount.get(s.member) as { n: number } | undefined;
      result = m && m.n >= this.maxPerMember ? 'over-quota' : 'new';
    }
    let newAttacker = false;
    const who = s.attacker.network ?? s.attacker.ip;
    if (result === 'new' || result === 'update') {
      const row = {
        // (an IPv6 attacker that a site counted by its network is that network here too: one attacker across members)
        member: s.member, id: s.id, attacker: who, type: s.type, severity: SEV_RANK[s.severity] ?? 0,
        country: s.attacker.country ?? null, technique: s.mitre.technique.id || null, first_hour: s.first_hour, last_hour: s.last_hour,
        event_count: s.event_count, victims: s.victims.count, received: this.now(),
      };
      if (result === 'new') { this.q.insert.run(row); this.q.memberAdd.run(s.member); } else this.q.update.run(row);
      this.q.body.run(s.member, s.id, JSON.stringify(s));
      const known = this.q.getAttacker.get(who) as { first_seen: string } | undefined;
      if (!known) newAttacker = true;
      if (!known || s.first_hour < known.first_seen) this.q.attacker.run(who, s.first_hour, this.now());
    }
    if (result === 'duplicate') this.counters.duplicates++;
    else if (result === 'stale') this.counters.stale++;
    else if (result === 'update') this.counters.updates++;
    else if (result === 'over-quota') this.counters.overQuota++;
    return { result, summary: s, newAttacker };
  }

  /** Add the pending counter deltas to the database (several workers may share it). */
  private saveCounters(): void {
    for (const k of Object.keys(this.counters) as (keyof Hub['counters'])[]) {
      if (this.counters[k] !== 0) { this.q.bump.run(k, this.counters[k]); this.counters[k] = 0; }
    }
  }

  /** Drop summaries past retention and beyond the cap; returns how many went. Call it now and then (the hub node does, hourly). */
  prune(): number {
    const cutoff = new Date(this.now() - this.retentionDays * DAY).toISOString();
    let n = this.db.prepare('DELETE FROM summaries WHERE last_hour < ?').run(cutoff).changes;
    const total = (this.db.prepare('SELECT COUNT(*) n FROM summaries').get() as { n: number }).n;
    if (total > this.maxSummaries) {
      n += this.db.prepare('DELETE FROM summaries WHERE (member, id) IN (SELECT member, id FROM summaries ORDER BY received LIMIT ?)').run(total - this.maxSummaries).changes;
    }
    if (n > 0) {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM bodies WHERE NOT EXISTS (SELECT 1 FROM summaries s WHERE s.member = bodies.member AND s.id = bodies.id)').run();
        this.db.prepare('DELETE FROM attackers WHERE ip NOT IN (SELECT attacker FROM summaries)').run();
        this.db.exec('DELETE FROM members; INSERT INTO members (member, n) SELECT member, COUNT(*) FROM summaries GROUP BY member;');
      }).immediate();
    }
    return n;
  }

  stats(): HubStats {
    const g = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    const c: Record<string, number> = { received: 0, duplicates: 0, stale: 0, invalid: 0, updates: 0, overQuota: 0 };
    for (const r of this.db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[]) c[r.name] = r.value;
    return {
      summaries: g('SELECT COUNT(*) n FROM summaries'), members: g('SELECT COUNT(DISTINCT member) n FROM summaries'),
      attackers: g('SELECT COUNT(*) n FROM attackers'),
      received: c.received!, duplicates: c.duplicates!, stale: c.stale!, invalid: c.invalid!, updates: c.updates!, overQuota: c.overQuota!,
    };
  }

  /** Cheap figures for a status line (no scan of the summaries table). */
  quickStats(): { summaries: number; members: number; attackers: number } {
    const m = this.db.prepare('SELECT COALESCE(SUM(n), 0) summaries, COUNT(*) members FROM members').get() as { summaries: number; members: number };
    const a = this.db.prepare('SELECT COUNT(*) n FROM attackers').get() as { n: number };
    return { summaries: m.summaries, members: m.members, attackers: a.n };
  }

  /** Every kept summary (latest version per member + id). */
  summaries(): ShareSummary[] {
    return (this.db.prepare('SELECT json FROM bodies ORDER BY member, id').all() as { json: string }[]).map((r) => JSON.parse(r.json));
  }

  /** The regional picture over [from, to) (default: the last 7 days). */
  picture(opts: PictureOptions = {}): RegionalPicture {
    const to = opts.to ?? new Date(this.now()).toISOString();
    const from = opts.from ?? new Date(Date.parse(to) - 7 * DAY).toISOString();
    const top = Math.max(1, Math.min(opts.top ?? 20, 1000));
    const W = 'last_hour >= @from AND first_hour < @to';
    const p = { from, to, top };
    const totals = this.db.prepare(`SELECT COUNT(*) incidents, COALESCE(SUM(event_count),0) events, COUNT(DISTINCT member) members, COUNT(DISTINCT attacker) attackers FROM summaries WHERE ${W}`).get(p) as RegionalPicture['totals'];
    const topRows = this.db.prepare(`SELECT attacker ip, COUNT(DISTINCT member) members, COUNT(*) incidents, SUM(event_count) events, GROUP_CONCAT(DISTINCT type) types,
        MAX(country) country, MIN(first_hour) first_seen, MAX(last_hour) last_seen FROM summaries WHERE ${W}
        GROUP BY attacker ORDER BY members DESC, events DESC, ip LIMIT @top`).all(p) as (Omit<AttackerRow, 'types'> & { types: string })[];
    const byType = this.db.prepare(`SELECT type, COUNT(*) incidents, SUM(event_count) events, COUNT(DISTINCT member) members, COUNT(DISTINCT attacker) attackers
        FROM summaries WHERE ${W} GROUP BY type ORDER BY incidents DESC, type`).all(p) as RegionalPicture['byType'];
    const byCountry = this.db.prepare(`SELECT COALESCE(country, '??') country, COUNT(*) incidents, SUM(event_count) events, COUNT(DISTINCT attacker) attackers
        FROM summaries WHERE ${W} GROUP BY COALESCE(country, '??') ORDER BY incidents DESC, country LIMIT @top`).all(p) as RegionalPicture['byCountry'];
    const trend = this.db.prepare(`SELECT substr(first_hour, 1, 10) day, type, COUNT(*) incidents, SUM(event_count) events
        FROM summaries WHERE ${W} GROUP BY day, type ORDER BY day, type`).all(p) as RegionalPicture['trend'];
    const countries = byCountry.slice(0, 10).map((c) => c.country);
    const trendCountry = (this.db.prepare(`SELECT substr(first_hour, 1, 10) day, COALESCE(country, '??') country, COUNT(*) incidents, COUNT(DISTINCT attacker) attackers
        FROM summaries WHERE ${W} GROUP BY day, COALESCE(country, '??') ORDER BY day, country`).all(p) as RegionalPicture['trendCountry'])
      .filter((r) => countries.includes(r.country));
    const newCount = (this.db.prepare('SELECT COUNT(*) n FROM attackers WHERE first_seen >= @from AND first_seen < @to').get(p) as { n: number }).n;
    const newTop = this.db.prepare(`SELECT a.ip ip, a.first_seen first_seen, COUNT(DISTINCT s.member) members, SUM(s.event_count) events
        FROM attackers a JOIN summaries s ON s.attacker = a.ip WHERE a.first_seen >= @from AND a.first_seen < @to
        GROUP BY a.ip ORDER BY members DESC, events DESC, a.ip LIMIT @top`).all(p) as RegionalPicture['newAttackers']['top'];
    return {
      from, to, totals,
      topAttackers: topRows.map((r) => ({ ...r, types: r.types ? r.types.split(',').sort() : [] })),
      byType, byCountry, trend, trendCountry, newAttackers: { count: newCount, top: newTop },
    };
  }

  /**
   * The regional blocklist: addresses reported by at least `minMembers` members, or with a high or
   * critical incident at any member, whose last sighting is within `days`. Plain IP list, '#' comments.
   */
  blocklist(opts: { minMembers?: number; days?: number; max?: number } = {}): string {
    const minMembers = Math.max(1, opts.minMembers ?? 2);
    const days = opts.days ?? 30;
    const max = Math.max(1, Math.min(opts.max ?? 50000, 1_000_000));
    const since = new Date(this.now() - days * DAY).toISOString();
    const rows = this.db.prepare(`SELECT attacker ip, COUNT(DISTINCT member) members, MAX(severity) sev, SUM(event_count) events FROM summaries
        WHERE last_hour >= ? GROUP BY attacker HAVING members >= ? OR sev >= 2 ORDER BY members DESC, events DESC, ip LIMIT ?`)
      .all(since, minMembers, max) as { ip: string }[];
    const head = [
      '# gatewatch regional blocklist',
      `# generated ${new Date(this.now()).toISOString()}; addresses seen by >= ${minMembers} members or in a high/critical incident in the last ${days} days`,
      `# ${rows.length} addresses; one per line (gatewatch reputation feed format: plain IP list)`,
    ];
    return head.concat(rows.map((r) => r.ip)).join('\n') + '\n';
  }

  /** The weekly regional report for the 7 days ending at `to` (default: the last whole week, Monday to Monday, UTC). */
  weeklyReport(opts: { to?: string; top?: number; region?: string } = {}): { text: string; html: string; picture: RegionalPicture; change: TypeChange[] } {
    let to = opts.to;
    if (!to) {
      const d = new Date(this.now());
      const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
      to = new Date(midnight - dow * DAY).toISOString();
    }
    const from = new Date(Date.parse(to) - 7 * DAY).toISOString();
    const pic = this.picture({ from, to, top: opts.top ?? 10 });
    const prev = this.picture({ from: new Date(Date.parse(from) - 7 * DAY).toISOString(), to: from, top: 1 });
    const before = new Map(prev.byType.map((t) => [t.type, t.incidents]));
    const change: TypeChange[] = pic.byType.map((t) => ({ type: t.type, now: t.incidents, before: before.get(t.type) ?? 0 }));
    for (const t of prev.byType) if (!change.some((c) => c.type === t.type)) change.push({ type: t.type, now: 0, before: t.incidents });
    return { picture: pic, change, text: renderText(pic, change, opts.region), html: renderHtml(pic, change, opts.region) };
  }

  close(): void {
    if (this.db.open) {
      this.saveCounters();
      this.db.close();
    }
  }
}

/** Incidents of a type this week and the week before. */
export interface TypeChange { type: string; now: number; before: number }

function fmtDay(iso: string): string { return iso.slice(0, 10); }

function trendWord(c: TypeChange): string {
  if (c.before === 0) return c.now ? 'new this week' : '';
  const pct = Math.round(((c.now - c.before) / c.before) * 100);
  return pct === 0 ? 'no change' : `${pct > 0 ? '+' : ''}${pct}% on the week before`;
}

function renderText(p: RegionalPicture, change: TypeChange[], region = 'the region'): string {
  const L: string[] = [];
  L.push(`gatewatch regional report for ${region}: ${fmtDay(p.from)} to ${fmtDay(p.to)} (UTC)`);
  L.push('');
  L.push(`${p.totals.incidents} incidents (${p.totals.events} events) reported by ${p.totals.members} member sites, from ${p.totals.attackers} attacking addresses; ${p.newAttackers.count} of them never seen before.`);
  L.push('');
  L.push('Top attackers (how many members each hit):');
  for (const a of p.topAttackers) L.push(`  ${a.ip.padEnd(40)} ${String(a.members).padStart(4)} members ${String(a.events).padStart(9)} events  ${a.country ?? '??'}  ${a.types.join(', ')}`);
  L.push('');
  L.push('By type:');
  for (const t of p.byType) {
    const c = change.find((x) => x.type === t.type);
    L.push(`  ${t.type.padEnd(20)} ${String(t.incidents).padStart(6)} incidents ${String(t.members).padStart(4)} members ${String(t.attackers).padStart(6)} addresses  ${c ? trendWord(c) : ''}`.trimEnd());
  }
  L.push('');
  L.push('By country of the attacker:');
  for (const c of p.byCountry) L.push(`  ${c.country}  ${String(c.incidents).padStart(6)} incidents ${String(c.attackers).padStart(6)} addresses`);
  if (p.newAttackers.top.length) {
    L.push('');
    L.push('Newly seen attackers:');
    for (const n of p.newAttackers.top) L.push(`  ${n.ip.padEnd(40)} first ${n.first_seen}  ${n.members} members`);
  }
  L.push('');
  return L.join('\n');
}

function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function renderHtml(p: RegionalPicture, change: TypeChange[], region = 'the region'): string {
  const table = (head: string[], rows: unknown[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gatewatch regional report ${esc(fmtDay(p.from))}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f3ead9}</style></head><body>
<h1>Regional threat picture for ${esc(region)}</h1>
<p>${esc(fmtDay(p.from))} to ${esc(fmtDay(p.to))} (UTC). <strong>${p.totals.incidents}</strong> incidents (${p.totals.events} events) reported by <strong>${p.totals.members}</strong> member sites, from <strong>${p.totals.attackers}</strong> attacking addresses; <strong>${p.newAttackers.count}</strong> never seen before.</p>
<h2>Top attackers</h2>${table(['Address', 'Members hit', 'Incidents', 'Events', 'Country', 'Types'], p.topAttackers.map((a) => [a.ip, a.members, a.incidents, a.events, a.country ?? '', a.types.join(', ')]))}
<h2>By type</h2>${table(['Type', 'Incidents', 'Events', 'Members', 'Addresses', 'Trend'], p.byType.map((t) => { const c = change.find((x) => x.type === t.type); return [t.type, t.incidents, t.events, t.members, t.attackers, c ? trendWord(c) : '']; }))}
<h2>By country of the attacker</h2>${table(['Country', 'Incidents', 'Events', 'Addresses'], p.byCountry.map((c) => [c.country, c.incidents, c.events, c.attackers]))}
<h2>Trend by day</h2>${table(['Day', 'Type', 'Incidents', 'Events'], p.trend.map((t) => [t.day, t.type, t.incidents, t.events]))}
<h2>Newly seen attackers</h2>${table(['Address', 'First seen', 'Members', 'Events'], p.newAttackers.top.map((n) => [n.ip, n.first_seen, n.members, n.events]))}
</body></html>
`;
}
