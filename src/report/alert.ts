/**
 * Alerts: decide which incidents the owner hears about at once, and word them in plain English.
 *
 * - Only incidents at or above a chosen severity (default high).
 * - Throttle: at most one alert per attacker and incident type per quiet time, `throttleMs` (default one
 *   hour) at first; while the same thing goes on it doubles after each alert (1, 2, 4 … 24 h), and starts over
 *   after a quiet day: a machine beaconing all month is a reminder a day, not a mail an hour. A higher
 *   severity than last time, or an incident marked `status: 'repeat'` by detect, alerts again at once.
 * - Digest: the first `burst` alerts within `digestWindowMs` go out at once; anything more in that window
 *   is held and sent as one digest message when the window closes, so a flood gives one mail, not fifty.
 * - Same attack, many attackers (`groupTargets`, default on): once the owner has been told that, say, the
 *   Remote Desktop on 192.168.1.60 is being password-guessed, further addresses doing the same to the same
 *   machine and service within the quiet time are gathered into one summary ("the same attack goes on: 23
 *   more addresses") sent when the quiet time ends; while it goes on, the quiet time doubles after each
 *   summary (up to a day). An exposed service draws hundreds of guessing bots a day: one mail each would
 *   bury the one that matters. More serious incidents still alert at once.
 *
 * The text comes from the incident itself (summary, advice) plus who the attacker is (country, network,
 * blocklists), which of our machines were involved and whether the firewall let anything through.
 * All of it can carry attacker-chosen text, so everything is escaped for HTML and stripped of control
 * characters for the subject and plain text.
 *
 * No Node-RED import: the node is thin glue over `Alerter`.
 */
import { type Incident, incidentTarget, type Severity, SEVERITIES, severityRank, targetWords } from '../detect/incident';

export interface AlertOptions {
  /** Lowest severity that alerts (default 'high'). */
  minSeverity: Severity;
  /** One alert per attacker and type within this time (default 1 h). 0 disables throttling. */
  throttleMs: number;
  /** How many alerts may go out one by one within `digestWindowMs` (default 3). */
  burst: number;
  /** The digest window (default 10 min). */
  digestWindowMs: number;
  /** Cap on remembered attacker/type pairs (default 10 000; the least recently alerted is forgotten first). */
  maxKeys: number;
  /** Cap on incidents listed in one digest (default 50; the rest are counted). */
  maxDigest: number;
  /** Subject prefix (default "[gatewatch]"). */
  subjectPrefix: string;
  /** Time zone for times in the text (default UTC). */
  timeZone: string;
  /** Gather other attackers doing the same to the same machine and service into summaries (default true). */
  groupTargets: boolean;
}

export const DEFAULT_ALERT_OPTIONS: AlertOptions = {
  minSeverity: 'high',
  throttleMs: 3_600_000,
  burst: 3,
  digestWindowMs: 600_000,
  maxKeys: 10_000,
  maxDigest: 50,
  subjectPrefix: '[gatewatch]',
  timeZone: 'UTC',
  groupTargets: true,
};

/** The longest a target's quiet time grows to while its attack goes on. */
const MAX_GROUP_QUIET_MS = 86_400_000;

export interface AlertMessage {
  /** One incident; several that came close together; or more attackers doing what an earlier alert told. */
  kind: 'alert' | 'digest' | 'summary';
  /** The highest severity in the message. */
  severity: Severity;
  /** Email subject (one line). */
  subject: string;
  /** Short form for chat / SMS / webhooks (one line, at most 300 characters). */
  short: string;
  /** Plain-text email body. */
  text: string;
  /** HTML email body (inline styles only). */
  html: string;
  incidents: Incident[];
  /** Incidents held for a digest beyond `maxDigest`, counted but not listed. */
  omitted: number;
}

export type PushResult = 'sent' | 'held' | 'grouped' | 'below' | 'throttled' | 'invalid';

export interface Scheduler {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface AlertStats {
  received: number;
  below: number;
  throttled: number;
  invalid: number;
  alerts: number;
  digests: number;
  held: number;
  /** Incidents gathered into a target's summary instead of a mail of their own. */
  grouped: number;
  summaries: number;
}

/** Why an incident cannot be alerted on, or null when it has what we need. */
export function invalidIncident(x: unknown): string | null {
  if (x === null || typeof x !== 'object') return 'not an incident object';
  const i = x as Partial<Incident>;
  if (typeof i.type !== 'string' || i.type === '') return 'incident has no type';
  if (typeof i.severity !== 'string' || !SEVERITIES.includes(i.severity)) return 'incident has no valid severity';
  if (!i.attacker || typeof i.attacker !== 'object' || typeof i.attacker.ip !== 'string') return 'incident has no attacker.ip';
  return null;
}

/**
 * The alert engine's target (incidentTarget): an open login service and the password guessing at it are one story
 * for the owner — one quiet time, one summary — not a "still open" reminder and a "guessing goes on" one a day.
 */
export function alertTarget(inc: Incident): string | null {
  const t = incidentTarget(inc);
  if (t === null || (inc.type !== 'exposed-service' && inc.type !== 'bruteforce')) return t;
  return 'login' + t.slice(t.indexOf('|'));
}

/** The gateway a log-silence incident is about. */
function gatewayName(inc: Incident): string {
  const g = inc.details?.gateway;
  return typeof g === 'string' ? g : Array.isArray(inc.observers) && typeof inc.observers[0] === 'string' ? inc.observers[0] : inc.attacker.ip;
}

interface KeyState {
  at: number;
  rank: number;
  quietMs: number;
  lastSeen: number;
}

interface TargetState {
  /** When the owner was last told about this target (an alert or a summary). */
  at: number;
  /** The severity rank of that alert: a more serious incident is alerted at once. */
  rank: number;
  /** The target's quiet time now: throttleMs, doubled after each summary while the attack goes on. */
  quietMs: number;
  /** The last incident about this target. */
  lastSeen: number;
  /** Incidents (per attacker and type) waiting for the summary, and how many more did not fit. */
  group: Map<string, Incident>;
  omitted: number;
  timer: unknown;
}

export class Alerter {
  readonly stats: AlertStats = { received: 0, below: 0, throttled: 0, invalid: 0, alerts: 0, digests: 0, held: 0, grouped: 0, summaries: 0 };
  private readonly opts: AlertOptions;
  /** Per attacker and type: when the owner was last told, how serious it was, the quiet time now, the latest push. */
  private readonly last = new Map<string, KeyState>();
  private sentTimes: number[] = [];
  private pending = new Map<string, Incident>();
  private omitted = 0;
  private timer: unknown = null;
  /** Per attacked machine and service (incidentTarget): when the owner was last told, and what waits for a summary. */
  private readonly targets = new Map<string, TargetState>();
  private groupedHeld = 0;

  constructor(opts: Partial<AlertOptions>, private readonly emit: (m: AlertMessage) => void, private readonly clock: Scheduler = realScheduler) {
    this.opts = { ...DEFAULT_ALERT_OPTIONS, ...opts };
    if (!SEVERITIES.includes(this.opts.minSeverity)) this.opts.minSeverity = 'high';
    this.opts.burst = Math.max(0, Math.floor(this.opts.burst));
    this.opts.maxKeys = Math.max(1, Math.floor(this.opts.maxKeys));
    this.opts.maxDigest = Math.max(1, Math.floor(this.opts.maxDigest));
  }

  /** Incidents waiting for the digest or a summary. */
  get heldCount(): number {
    return this.pending.size + this.groupedHeld;
  }

  push(x: unknown): PushResult {
    this.stats.received++;
    if (invalidIncident(x) !== null) {
      this.stats.invalid++;
      return 'invalid';
    }
    const inc = x as Incident;
    const rank = severityRank(inc.severity);
    // Logs that come back after the owner was told they stopped: always said (it closes what they were told).
    if (inc.type === 'log-silence' && inc.details?.resumed !== undefined) {
      const k = `${gatewayName(inc).slice(0, 64)}|log-silence`;
      if (!this.last.has(k)) { this.stats.below++; return 'below'; }
      this.last.delete(k);
      this.stats.alerts++;
      this.sentTimes.push(this.clock.now());
      this.emit(renderAlert([inc], 0, this.opts));
      return 'sent';
    }
    if (rank < severityRank(this.opts.minSeverity)) {
      this.stats.below++;
      return 'below';
    }
    const now = this.clock.now();
    // Capped so hostile, huge values cannot make the remembered keys large.
    // (an IPv6 attacker counted by its network is one attacker whatever address of it came first)
    // (a gateway that stopped logging is told by its name: two silent boxes are two stories)
    const who = inc.type === 'log-silence' ? gatewayName(inc) : typeof inc.attacker.network === 'string' ? inc.attacker.network : inc.attacker.ip;
    const key = `${who.slice(0, 64)}|${inc.type.slice(0, 64)}`;
    const tk = this.opts.groupTargets && this.opts.throttleMs > 0 ? alertTarget(inc) : null;
    const t = tk !== null ? this.targets.get(tk) : undefined;
    if (t !== undefined && rank <= t.rank && t.group.has(key)) {
      // A newer state of an attacker already waiting for the summary: the summary tells the latest.
      t.group.set(key, inc);
      t.lastSeen = now;
      return 'grouped';
    }
    const prev = this.last.get(key);
    if (prev && this.opts.throttleMs > 0 && now - prev.at < prev.quietMs && rank <= prev.rank && inc.status !== 'repeat') {
      prev.lastSeen = now;
      this.stats.throttled++;
      return 'throttled';
    }
    this.remember(key, now, rank, prev);

    if (tk !== null) {
      // (an attack that comes back after a quiet day is news again: alerted at once)
      if (t !== undefined && now - t.at < t.quietMs && rank <= t.rank && now - t.lastSeen < this.longestQuietMs) {
        // The owner already heard of this attack on this machine: one more address doing it waits for the summary.
        t.lastSeen = now;
        if (t.group.size >= this.opts.maxDigest) { t.omitted++; this.stats.grouped++; return 'grouped'; }
        this.groupedHeld++;
        t.group.set(key, inc);
        t.timer ??= this.clock.setTimer(() => { t.timer = null; this.sendSummary(t); }, Math.max(0, t.at + t.quietMs - now));
        this.stats.grouped++;
        return 'grouped';
      }
      this.noteTarget(tk, t, now, rank);
    }

    const windowStart = now - this.opts.digestWindowMs;
    while (this.sentTimes.length && this.sentTimes[0]! <= windowStart) this.sentTimes.shift();
    if (this.pending.size === 0 && this.sentTimes.length < this.opts.burst) {
      this.sentTimes.push(now);
      this.stats.alerts++;
      this.emit(renderAlert([inc], 0, this.opts));
      return 'sent';
    }
    // Hold for the digest. A newer version of the same attacker/type replaces the held one.
    if (this.pending.has(key)) this.pending.delete(key);
    else if (this.pending.size >= this.opts.maxDigest) {
      // Drop the lowest-severity, oldest held incident from the list (it is still counted).
      let worstKey: string | null = null;
      let worstRank = Infinity;
      for (const [k, v] of this.pending) {
        const r = severityRank(v.severity);
        if (r < worstRank) { worstRank = r; worstKey = k; }
      }
      if (worstKey !== null && worstRank <= rank) {
        this.pending.delete(worstKey);
        this.omitted++;
      } else {
        this.omitted++;
        this.stats.held++;
        return 'held';
      }
    }
    this.pending.set(key, inc);
    this.stats.held++;
    if (this.timer === null) this.timer = this.clock.setTimer(() => { this.timer = null; this.flush(false); }, this.opts.digestWindowMs);
    return 'held';
  }

  /** The longest a target's quiet time grows to (a day, or the quiet time when that is longer). */
  private get longestQuietMs(): number {
    return Math.max(MAX_GROUP_QUIET_MS, this.opts.throttleMs);
  }

  /** This alert goes out about target `tk`: its quiet time starts now. */
  private noteTarget(tk: string, t: TargetState | undefined, now: number, rank: number): void {
    if (t === undefined) {
      t = { at: now, rank, quietMs: this.opts.throttleMs, lastSeen: now, group: new Map(), omitted: 0, timer: null };
      this.targets.set(tk, t);
      while (this.targets.size > this.opts.maxKeys) {
        const [k0, t0] = this.targets.entries().next().value as [string, TargetState];
        if (t0.group.size) this.sendSummary(t0);
        else if (t0.timer !== null) this.clock.clearTimer(t0.timer);
        this.targets.delete(k0);
      }
      return;
    }
    // The quiet time was over (or this is more serious): an attack that has gone on within the last day
    // lengthens it as a summary does (a robot an hour would otherwise be a mail an hour); after a quiet
    // day it starts over.
    if (now - t.lastSeen >= this.longestQuietMs) t.quietMs = this.opts.throttleMs;
    else if (now - t.at >= t.quietMs) t.quietMs = Math.min(t.quietMs * 2, this.longestQuietMs);
    t.at = now;
    t.rank = rank;
    t.lastSeen = now;
    // Re-insert: the map's order is then least recently alerted first (evicted first).
    this.targets.delete(tk);
    this.targets.set(tk, t);
  }

  /** The summary of what gathered for one target; its quiet time then doubles (capped). */
  private sendSummary(t: TargetState): void {
    if (t.timer !== null) { this.clock.clearTimer(t.timer); t.timer = null; }
    if (t.group.size === 0) return;
    const incidents = [...t.group.values()];
    const omitted = t.omitted;
    const since = t.at;
    this.groupedHeld -= t.group.size;
    t.group = new Map();
    t.omitted = 0;
    const now = this.clock.now();
    t.at = now;
    t.quietMs = Math.min(t.quietMs * 2, this.longestQuietMs);
    this.sentTimes.push(now);
    this.stats.summaries++;
    this.emit(renderSummary(incidents, omitted, since, t.quietMs, this.opts));
  }

  /** Send whatever is held now (also called by the digest timer); with `all`, the targets' summaries too. */
  flush(all = true): void {
    if (all) for (const t of this.targets.values()) if (t.group.size) this.sendSummary(t);
    if (this.timer !== null) { this.clock.clearTimer(this.timer); this.timer = null; }
    if (this.pending.size === 0) return;
    const incidents = [...this.pending.values()];
    const omitted = this.omitted;
    this.pending = new Map();
    this.omitted = 0;
    this.sentTimes.push(this.clock.now());
    if (incidents.length === 1 && omitted === 0) {
      this.stats.alerts++;
      this.emit(renderAlert(incidents, 0, this.opts));
    } else {
      this.stats.digests++;
      this.emit(renderAlert(incidents, omitted, this.opts));
    }
  }

  /** Stop the timers; held incidents are dropped (call flush() first to send them). */
  close(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    for (const t of this.targets.values()) if (t.timer !== null) { this.clock.clearTimer(t.timer); t.timer = null; }
  }

  /**
   * An alert about `key` goes out now. Its quiet time: the first, or again after a quiet day, is `throttleMs`; an
   * alert because the quiet time ran out while the same thing went on doubles it (capped at a day); an alert
   * because it got more serious, or came back as a repeat, keeps it.
   */
  private remember(key: string, at: number, rank: number, prev?: KeyState): void {
    const base = this.opts.throttleMs;
    let quietMs = base;
    if (prev !== undefined && at - prev.lastSeen < this.longestQuietMs) {
      quietMs = at - prev.at >= prev.quietMs ? Math.min(prev.quietMs * 2, this.longestQuietMs) : prev.quietMs;
    }
    this.last.delete(key);
    this.last.set(key, { at, rank, quietMs: Math.max(quietMs, base), lastSeen: at });
    while (this.last.size > this.opts.maxKeys) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Wording

const TYPE_LABEL: Record<string, string> = {
  portscan: 'Port scan',
  sweep: 'Network sweep',
  bruteforce: 'Password guessing',
  'known-bad-inbound': 'Contact from a known-bad address',
  'known-bad-outbound': 'Your machine contacted a known-bad address',
  beacon: 'Regular calls home (possible infected machine)',
  flood: 'Flood of traffic (denial of service)',
  'exposed-service': 'Service open to the internet',
  'research-scanner': 'Research scanner',
  'log-silence': 'Logs stopped arriving',
};

const TYPE_EXPLAIN: Record<string, string> = {
  portscan: 'Someone checked which services (doors) are open on your machines, usually the first step before an attack.',
  sweep: 'Someone checked which of your addresses have a machine behind them, usually to pick targets.',
  bruteforce: 'Someone tried many passwords against a login on your network.',
  'known-bad-inbound': 'An address that public blocklists know for attacks tried to reach your network.',
  'known-bad-outbound': 'One of your machines talked to an address that public blocklists know for attacks or malware.',
  beacon: 'One of your machines contacts the same outside address at regular intervals, which is how infected machines report to their controllers.',
  flood: 'Someone sent a very large amount of traffic, which can slow down or cut off your internet connection.',
  'exposed-service': 'A service on one of your machines can be reached from the whole internet and is being tried.',
  'research-scanner': 'A known internet-survey service scanned your network. This is usually harmless but shows what is visible from outside.',
  'log-silence': 'Your router or firewall stopped sending its logs. While it is silent, gatewatch cannot see attacks on your network.',
};

const SEVERITY_LABEL: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
const SEVERITY_COLOUR: Record<Severity, string> = { low: '#2e86c1', medium: '#b9770e', high: '#c0392b', critical: '#7b241c' };

export function typeLabel(type: string): string {
  const l = TYPE_LABEL[type];
  if (l) return l;
  const t = clean(type, 60).replace(/[-_]+/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** Outbound cases: the external party is the one our machine contacted. */
function isOutbound(inc: Incident): boolean {
  return inc.direction === 'outbound' || inc.type === 'known-bad-outbound' || inc.type === 'beacon';
}

let regionNames: Intl.DisplayNames | null | undefined;
export function countryName(code: string | undefined, fallback?: string): string | undefined {
  if (fallback) return clean(fallback, 80);
  if (!code) return undefined;
  const c = clean(code, 8).toUpperCase();
  if (regionNames === undefined) {
    try { regionNames = new Intl.DisplayNames(['en'], { type: 'region' }); } catch { regionNames = null; }
  }
  try {
    const n = regionNames?.of(c);
    if (n && n !== c) return n;
  } catch { /* not a region code */ }
  return c;
}

/** Remove control characters (CR/LF included) and cap the length: safe for a subject or one text line. */
export function clean(v: unknown, max = 500): string {
  let s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  if (s.length > max * 4) s = s.slice(0, max * 4);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029) out += ' ';
    else out += s[i];
  }
  out = out.replace(/ {2,}/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** Like clean() but keeps line breaks (for multi-line advice). */
function cleanBlock(v: unknown, max = 2000): string {
  const s = typeof v === 'string' ? v : '';
  return s.slice(0, max * 2).split(/\r?\n/).map((l) => clean(l, max)).join('\n').trim().slice(0, max);
}

export function escapeHtml(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    switch (ch) {
      case '&': out += '&amp;'; break;
      case '<': out += '&lt;'; break;
      case '>': out += '&gt;'; break;
      case '"': out += '&quot;'; break;
      case "'": out += '&#39;'; break;
      default: out += ch;
    }
  }
  return out;
}

function num(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-GB') : '?';
}

function plural(n: number, one: string, many: string): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** [date, time] in the zone, e.g. ["23 Nov 2026", "10:04"]. */
function fmtTime(iso: string | undefined, tz: string): [string, string] | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  try {
    return [
      new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short', year: 'numeric' }).format(d),
      new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d),
    ];
  } catch {
    const s = d.toISOString();
    return [s.slice(0, 10), s.slice(11, 16)];
  }
}

function fmtSpan(firstIso: string | undefined, lastIso: string | undefined, tz: string): string | undefined {
  const a = fmtTime(firstIso, tz);
  if (!a) return undefined;
  const b = fmtTime(lastIso, tz);
  if (!b || (b[0] === a[0] && b[1] === a[1])) return `${a[0]}, ${a[1]} (${tz})`;
  if (b[0] === a[0]) return `${a[0]}, ${a[1]} to ${b[1]} (${tz})`;
  return `${a[0]}, ${a[1]} to ${b[0]}, ${b[1]} (${tz})`;
}

interface Facts {
  severity: Severity;
  what: string;
  explain: string | undefined;
  summary: string;
  ip: string;
  country: string | undefined;
  countryCode: string | undefined;
  network: string | undefined;
  blocklists: string[];
  scanner: string | undefined;
  machines: string[];
  moreMachines: number;
  outbound: boolean;
  through: string;
  throughShort: string;
  when: string | undefined;
  advice: string;
  technique: string | undefined;
  observers: string[];
  id: string;
  /** The exposed service's name (exposed-service incidents only). */
  service: string | undefined;
  /** A log-silence incident: the gateway's name (no attacker, machines or "got through"). */
  gateway: string | undefined;
  /** Guessing spread over many addresses (bruteforce/distributed): how many; the attacker is only the first. */
  many: number | undefined;
}

const MAX_MACHINES = 10;

function facts(inc: Incident, tz: string): Facts {
  const a = inc.attacker ?? { ip: '?' };
  const outbound = isOutbound(inc);
  const cc = a.geo?.country_iso_code ? clean(a.geo.country_iso_code, 8) : undefined;
  const country = countryName(cc, a.geo?.country_name);
  const orgName = a.as?.organization?.name ? clean(a.as.organization.name, 100) : undefined;
  const asn = typeof a.as?.number === 'number' ? `AS${a.as.number}` : undefined;
  const network = orgName && asn ? `${orgName} (${asn})` : orgName ?? asn;
  const lists = new Set<string>();
  for (const r of Array.isArray(a.reputation) ? a.reputation : []) {
    const name = r?.feed?.name ?? r?.indicator?.provider;
    if (name) lists.add(clean(name, 80));
    if (lists.size >= 10) break;
  }
  const victims = Array.isArray(inc.victims) ? inc.victims : [];
  const machines = victims.slice(0, MAX_MACHINES).map((v) => {
    const ports = Array.isArray(v?.ports) ? v.ports.filter((p) => typeof p === 'number').slice(0, 12) : [];
    const more = Array.isArray(v?.ports) && v.ports.length > 12 ? ` and ${v.ports.length - 12} more` : '';
    return clean(v?.ip, 60) + (ports.length ? ` (port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}${more})` : '');
  });
  const events = typeof inc.event_count === 'number' ? inc.event_count : 0;
  const allowed = typeof inc.allowed_count === 'number' ? inc.allowed_count : undefined;
  let through: string;
  let throughShort: string;
  if (allowed === undefined) {
    through = 'Not known: your firewall\'s log does not say.';
    throughShort = 'outcome unknown';
  } else if (allowed <= 0) {
    through = outbound
      ? `No. Your firewall blocked all ${plural(events, 'connection', 'connections')}.`
      : `No. Your firewall blocked all ${plural(events, 'attempt', 'attempts')}.`;
    throughShort = 'all blocked';
  } else {
    through = outbound
      ? `Yes. Your firewall let ${num(allowed)} of ${plural(events, 'connection', 'connections')} out.`
      : `Yes. Your firewall let ${num(allowed)} of ${plural(events, 'attempt', 'attempts')} through.`;
    throughShort = `${num(allowed)} got through`;
  }
  const when = fmtSpan(inc.first_seen, inc.last_seen, tz);
  const tech = inc.mitre?.technique?.id
    ? `${clean(inc.mitre.technique.id, 20)} ${clean(inc.mitre.technique.name, 80)}${inc.mitre.tactic ? ` (${clean(inc.mitre.tactic, 60)})` : ''}`
    : undefined;
  return {
    severity: inc.severity,
    what: typeLabel(inc.type),
    explain: TYPE_EXPLAIN[inc.type],
    summary: clean(inc.summary, 400),
    ip: clean(typeof a.network === 'string' ? a.network : a.ip, 60),
    country,
    countryCode: cc,
    network,
    blocklists: [...lists],
    scanner: a.known_scanner ? clean(a.known_scanner, 60) : undefined,
    machines,
    moreMachines: Math.max(0, victims.length - MAX_MACHINES),
    outbound,
    through,
    throughShort,
    when,
    advice: cleanBlock(inc.advice) || 'Keep an eye on further alerts; no action is needed unless this repeats.',
    technique: tech,
    observers: Array.isArray(inc.observers) ? inc.observers.slice(0, 5).map((o) => clean(o, 60)) : [],
    id: clean(inc.id, 80),
    gateway: inc.type === 'log-silence' ? clean(gatewayName(inc), 80) : undefined,
    many: inc.subtype === 'distributed' && typeof inc.details?.sources === 'number' && inc.details.sources > 1 ? Math.floor(inc.details.sources) : undefined,
    service: inc.type === 'exposed-service' && Array.isArray(inc.victims) && inc.victims.length === 1
      ? clean(typeof inc.details?.service === 'string' ? inc.details.service : 'a service', 80) : undefined,
  };
}

function fromPhrase(f: Facts): string {
  if (f.many !== undefined) return `${num(f.many)} addresses`;
  const where = f.country ? ` (${f.country})` : '';
  return `${f.ip}${where}`;
}

function machinesPhrase(f: Facts): string {
  const n = f.machines.length + f.moreMachines;
  if (n === 0) return 'your network';
  if (n === 1) return f.machines[0]!.split(' ')[0]!;
  return `${num(n)} of your machines`;
}

function oneLine(f: Facts): string {
  // (an open service is the news, whoever knocked first: "Service open to the internet: Remote Desktop (RDP) on
  // 192.168.1.60 (port 3389)", not "… from 203.0.113.9")
  if (f.service !== undefined) return `${f.what}: ${f.service} on ${f.machines[0] ?? 'your network'}`;
  if (f.gateway !== undefined) return `${f.what} from ${f.gateway}`;
  return f.outbound
    ? `${f.what}: ${machinesPhrase(f)} to ${fromPhrase(f)}`
    : `${f.what} from ${fromPhrase(f)} on ${machinesPhrase(f)}`;
}

/** Most serious first; otherwise in the order they came. */
function worstFirst(incidents: Incident[]): Incident[] {
  return incidents.map((inc, k) => ({ inc, k }))
    .sort((x, y) => severityRank(y.inc.severity) - severityRank(x.inc.severity) || x.k - y.k).map((x) => x.inc);
}

function maxSeverity(incs: Incident[]): Severity {
  let best: Severity = 'low';
  for (const i of incs) if (severityRank(i.severity) > severityRank(best)) best = i.severity;
  return best;
}

/** The message for one incident (kind 'alert') or several (kind 'digest'). */
export function renderAlert(incidents: Incident[], omitted: number, opts: Partial<AlertOptions> = {}): AlertMessage {
  const o = { ...DEFAULT_ALERT_OPTIONS, ...opts };
  const tz = o.timeZone || 'UTC';
  if (incidents.length > 1) incidents = worstFirst(incidents);
  const all = incidents.map((i) => facts(i, tz));
  const severity = maxSeverity(incidents);
  const prefix = clean(o.subjectPrefix, 60);
  const pre = prefix ? `${prefix} ` : '';
  if (incidents.length === 1 && omitted === 0) {
    const f = all[0]!;
    const subject = clean(`${pre}${SEVERITY_LABEL[f.severity]}: ${oneLine(f)}`, 200);
    const short = clean(f.gateway !== undefined ? `${SEVERITY_LABEL[f.severity].toUpperCase()}: ${f.summary}`
      : `${SEVERITY_LABEL[f.severity].toUpperCase()}: ${oneLine(f)}${f.network ? `, network ${f.network}` : ''}; ${f.throughShort}. ${firstSentence(f.advice)}`, 300);
    return { kind: 'alert', severity, subject, short, text: textOne(f), html: htmlPage(subject, htmlOne(f)), incidents, omitted: 0 };
  }
  const total = incidents.length + omitted;
  const counts = SEVERITIES.slice().reverse().map((s) => ({ s, n: incidents.filter((i) => i.severity === s).length })).filter((c) => c.n > 0);
  const countText = counts.map((c) => `${c.n} ${c.s}`).join(', ') + (omitted ? `, ${omitted} more` : '');
  const kinds = [...new Set(all.map((f) => f.what.toLowerCase()))].slice(0, 4).join(', ');
  const subject = clean(`${pre}${total} alerts (${countText}): ${kinds}`, 200);
  const through = all.filter((f) => f.throughShort.endsWith('got through')).length;
  const short = clean(`${SEVERITY_LABEL[severity].toUpperCase()}: ${total} alerts (${countText}): ${kinds}${through ? `; ${through} got through` : ''}. See the email for details.`, 300);
  return { kind: 'digest', severity, subject, short, text: textDigest(all, omitted), html: htmlPage(subject, htmlDigest(all, omitted)), incidents, omitted };
}

function hoursText(ms: number): string {
  const h = Math.round(ms / 3_600_000);
  if (h >= 1) return plural(h, 'hour', 'hours');
  return plural(Math.max(1, Math.round(ms / 60_000)), 'minute', 'minutes');
}

/**
 * A target's summary: `incidents` are further attackers doing what the mail sent at `sinceMs` told of, to
 * the same machine and service; the next summary comes at most `nextMs` from now.
 */
/** ": 1,204 connections, 310 let through" for the incidents a summary lists (empty when they carry no counts). */
function attemptsText(incidents: Incident[]): string {
  let events = 0, allowed = 0;
  for (const i of incidents) {
    if (typeof i.event_count === 'number' && i.event_count > 0) events += i.event_count;
    if (typeof i.allowed_count === 'number' && i.allowed_count > 0) allowed += i.allowed_count;
  }
  if (events === 0) return '';
  return `: ${plural(events, 'connection', 'connections')}${allowed ? `, ${num(allowed)} let through` : ', all blocked'}`;
}

export function renderSummary(incidents: Incident[], omitted: number, sinceMs: number, nextMs: number, opts: Partial<AlertOptions> = {}): AlertMessage {
  const o = { ...DEFAULT_ALERT_OPTIONS, ...opts };
  const tz = o.timeZone || 'UTC';
  incidents = worstFirst(incidents);
  const all = incidents.map((i) => facts(i, tz));
  const severity = maxSeverity(incidents);
  const total = incidents.length + omitted;
  const what = all[0]?.what ?? 'Attack';
  const target = incidents[0] ? clean(targetWords(incidents[0]), 80) : 'your machines';
  const more = plural(total, 'address', 'addresses');
  const sinceIso = Number.isFinite(sinceMs) ? new Date(sinceMs).toISOString() : undefined;
  const at = fmtTime(sinceIso, tz);
  const since = at ? `${at[0]}, ${at[1]} (${tz})` : 'the last mail';
  const prefix = clean(o.subjectPrefix, 60);
  const pre = prefix ? `${prefix} ` : '';
  const sev = SEVERITY_LABEL[severity];
  const within = hoursText(nextMs);
  const service = all.find((f) => f.service !== undefined)?.service;
  const guesses = incidents.filter((i) => i.type !== 'exposed-service');
  // The wording: what is going on (subject, title), in one line (short), and the mail's first paragraph.
  let head: string, short: string, words: Omit<ListWords, 'title'>;
  if (service !== undefined) {
    // An open service is news by being open (one incident a day, each naming whoever knocked first): the reminder
    // says it is still open and how much got in — and, when robots are trying it, that too (one story).
    let allowed = 0;
    for (const i of incidents) if (i.type === 'exposed-service' && typeof i.allowed_count === 'number' && i.allowed_count > 0) allowed += i.allowed_count;
    const reach = `Since the last mail about this (${since}), your firewall let ${plural(allowed, 'connection', 'connections')} from the internet reach ${service} on ${target}`;
    const stays = `It stays open until the port is closed or limited on the router; while it stays open, the next reminder comes within ${within}.`;
    if (guesses.length > 0) {
      const tried = plural(guesses.length, 'address', 'addresses');
      head = `${service} on ${target} is still open to the internet and being tried: ${tried}`;
      short = `${service} on ${target} is still open to the internet; ${tried} tried to log in since ${since}`;
      words = { intro: `${reach}, and ${tried} tried to log in${attemptsText(guesses)}. ${stays} Anything more serious is still sent at once.`, more: ['more', 'more'], heading: 'Who came in' };
    } else {
      const inNow = `${plural(allowed, 'connection', 'connections')} let in`;
      head = `${service} on ${target} is still open to the internet: ${inNow}`;
      short = `${head} since ${since}`;
      words = { intro: `${reach}. ${stays}`, more: ['more day', 'more days'], heading: 'Each day, the first address that came in' };
    }
  } else {
    const through = all.filter((f) => f.throughShort.endsWith('got through')).length;
    head = `${what} on ${target} goes on: ${more}`;
    short = `${head} since ${since}${through ? `; ${through} got through` : ''}`;
    words = {
      intro: `Since the last mail about this (${since}), ${more} did the same to ${target}${attemptsText(incidents)}. gatewatch gathers them into one mail `
        + `instead of one each; while this goes on, the next summary comes within ${within}. Anything more serious is still sent at once.`,
      more: ['more address', 'more addresses'],
      heading: 'The addresses',
    };
  }
  const subject = clean(`${pre}${sev}: ${head}`, 200);
  const list: ListWords = { title: head, ...words };
  return {
    kind: 'summary', severity, subject, short: clean(`${sev.toUpperCase()}: ${short}. See the email for details.`, 300),
    text: textDigest(all, omitted, list), html: htmlPage(subject, htmlDigest(all, omitted, list)), incidents, omitted,
  };
}

function firstSentence(s: string): string {
  const line = s.split('\n')[0] ?? '';
  const dot = line.indexOf('. ');
  return dot > 0 ? line.slice(0, dot + 1) : line;
}

// ---- plain text

function whoLines(f: Facts): string[] {
  const out = [`  Address: ${f.ip}`];
  if (f.country) out.push(`  Country: ${f.country}${f.countryCode && f.countryCode !== f.country ? ` (${f.countryCode})` : ''}`);
  if (f.network) out.push(`  Network: ${f.network}`);
  out.push(`  On blocklists: ${f.blocklists.length ? f.blocklists.join(', ') : 'none of yours'}`);
  if (f.scanner) out.push(`  Known research scanner: ${f.scanner}`);
  return out;
}

function machineLines(f: Facts): string[] {
  if (f.machines.length === 0) return ['  (not recorded)'];
  const out = f.machines.map((m) => `  ${m}`);
  if (f.moreMachines) out.push(`  and ${num(f.moreMachines)} more`);
  return out;
}

function textOne(f: Facts): string {
  const lines = [
    `gatewatch alert: ${SEVERITY_LABEL[f.severity]}`,
    '',
    'WHAT HAPPENED',
    `  ${f.what}. ${f.summary}`.trimEnd(),
  ];
  if (f.explain) lines.push(`  ${f.explain}`);
  if (f.gateway === undefined) {
    lines.push('', f.outbound ? 'THE OUTSIDE ADDRESS' : 'WHO', ...whoLines(f));
    lines.push('', 'WHICH OF YOUR MACHINES', ...machineLines(f));
    lines.push('', 'DID IT GET THROUGH?', `  ${f.through}`);
  }
  if (f.when) lines.push('', 'WHEN', `  ${f.when}`);
  lines.push('', 'WHAT TO DO', ...f.advice.split('\n').map((l) => `  ${l}`));
  lines.push('', '--');
  if (f.technique) lines.push(`Technique (MITRE ATT&CK): ${f.technique}`);
  if (f.observers.length) lines.push(`Reported by: ${f.observers.join(', ')}`);
  if (f.id) lines.push(`Incident: ${f.id}`);
  lines.push('Sent by gatewatch, which watches your router\'s log.');
  return lines.join('\n') + '\n';
}

/** Wording of a list message: a digest (alerts that came close together) or a target's summary. */
interface ListWords { title: string; intro: string; more: [string, string]; heading: string }

function digestWords(total: number): ListWords {
  return { title: `${total} alerts arrived close together`, intro: 'Here they are in one message instead of one mail each.', more: ['more alert', 'more alerts'], heading: 'Alerts' };
}

function textDigest(all: Facts[], omitted: number, words: ListWords = digestWords(all.length + omitted)): string {
  const lines = [`gatewatch: ${words.title}`, '', words.intro, ''];
  all.forEach((f, i) => {
    lines.push(`${i + 1}. ${SEVERITY_LABEL[f.severity].toUpperCase()}: ${oneLine(f)}`);
    if (f.summary) lines.push(`   ${f.summary}`);
    const who = [f.network, f.blocklists.length ? `on blocklists: ${f.blocklists.join(', ')}` : ''].filter(Boolean).join('; ');
    if (who) lines.push(`   ${who}`);
    lines.push(`   Machines: ${f.machines.join('; ') || 'not recorded'}${f.moreMachines ? ` and ${num(f.moreMachines)} more` : ''}`);
    lines.push(`   Got through: ${f.through}`);
    if (f.when) lines.push(`   When: ${f.when}`);
    lines.push('');
  });
  if (omitted) lines.push(`… and ${plural(omitted, words.more[0], words.more[1])}, not listed to keep this message short.`, '');
  lines.push('WHAT TO DO');
  for (const [what, advice] of adviceByType(all)) {
    lines.push(`  ${what}:`, ...advice.split('\n').map((l) => `    ${l}`));
  }
  lines.push('', '--', 'Sent by gatewatch, which watches your router\'s log.');
  return lines.join('\n') + '\n';
}

function adviceByType(all: Facts[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of all) if (!m.has(f.what)) m.set(f.what, f.advice);
  return m;
}

// ---- HTML (tables and inline styles only: what mail programs render reliably)

const FONT = 'font-family:Arial,Helvetica,sans-serif;';

function htmlPage(title: string, body: string): string {
  return '<!DOCTYPE html><html><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width,initial-scale=1">'
    + `<title>${escapeHtml(title)}</title></head>`
    + `<body style="margin:0;padding:0;background:#f4f4f4;${FONT}">`
    + '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;"><tr><td align="center" style="padding:16px;">'
    + `<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="max-width:640px;width:100%;background:#ffffff;border:1px solid #dddddd;${FONT}font-size:15px;line-height:1.45;color:#222222;">`
    + body
    + `<tr><td style="padding:12px 20px;border-top:1px solid #eeeeee;font-size:12px;color:#777777;${FONT}">Sent by gatewatch, which watches your router&#39;s log.</td></tr>`
    + '</table></td></tr></table></body></html>';
}

function banner(severity: Severity, heading: string): string {
  return `<tr><td style="background:${SEVERITY_COLOUR[severity]};color:#ffffff;padding:14px 20px;${FONT}">`
    + `<div style="font-size:12px;letter-spacing:1px;text-transform:uppercase;">${escapeHtml(SEVERITY_LABEL[severity])}</div>`
    + `<div style="font-size:20px;font-weight:bold;">${escapeHtml(heading)}</div></td></tr>`;
}

function section(title: string, inner: string): string {
  return `<tr><td style="padding:12px 20px 0 20px;${FONT}">`
    + (title === '' ? '' : `<div style="font-size:13px;font-weight:bold;color:#555555;text-transform:uppercase;letter-spacing:0.5px;">${escapeHtml(title)}</div>`)
    + `<div style="padding-top:4px;">${inner}</div></td></tr>`;
}

function rows(pairs: [string, string][]): string {
  return '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="font-size:15px;">'
    + pairs.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0;color:#666666;vertical-align:top;${FONT}">${escapeHtml(k)}</td><td style="padding:2px 0;${FONT}">${escapeHtml(v)}</td></tr>`).join('')
    + '</table>';
}

function multiline(s: string): string {
  return s.split('\n').map(escapeHtml).join('<br>');
}

function whoPairs(f: Facts): [string, string][] {
  const p: [string, string][] = [['Address', f.ip]];
  if (f.country) p.push(['Country', f.country]);
  if (f.network) p.push(['Network', f.network]);
  p.push(['On blocklists', f.blocklists.length ? f.blocklists.join(', ') : 'none of yours']);
  if (f.scanner) p.push(['Known research scanner', f.scanner]);
  return p;
}

function machinesHtml(f: Facts): string {
  if (f.machines.length === 0) return 'not recorded';
  return f.machines.map(escapeHtml).join('<br>') + (f.moreMachines ? `<br>and ${num(f.moreMachines)} more` : '');
}

function throughHtml(f: Facts): string {
  const got = f.throughShort.endsWith('got through');
  const colour = got ? '#c0392b' : f.throughShort === 'all blocked' ? '#1e8449' : '#555555';
  return `<span style="color:${colour};font-weight:bold;">${escapeHtml(f.through)}</span>`;
}

function throughShortHtml(f: Facts): string {
  const got = f.throughShort.endsWith('got through');
  const blocked = f.throughShort === 'all blocked';
  const text = got ? `Yes, ${f.throughShort}` : blocked ? 'No, all blocked' : 'Not known';
  const colour = got ? '#c0392b' : blocked ? '#1e8449' : '#555555';
  return `<span style="color:${colour};font-weight:bold;">${escapeHtml(text)}</span>`;
}

function htmlOne(f: Facts): string {
  let out = banner(f.severity, oneLine(f));
  out += section('What happened', `<b>${escapeHtml(f.what)}.</b> ${escapeHtml(f.summary)}`
    + (f.explain ? `<div style="color:#555555;padding-top:4px;">${escapeHtml(f.explain)}</div>` : ''));
  if (f.gateway === undefined) {
    out += section(f.outbound ? 'The outside address' : 'Who', rows(whoPairs(f)));
    out += section('Which of your machines', machinesHtml(f));
    out += section('Did it get through?', throughHtml(f));
  }
  if (f.when) out += section('When', escapeHtml(f.when));
  out += section('What to do', `<div style="background:#fdf2e9;border-left:4px solid #E9B872;padding:8px 12px;">${multiline(f.advice)}</div>`);
  const small = [f.technique ? `Technique (MITRE ATT&CK): ${f.technique}` : '', f.observers.length ? `Reported by: ${f.observers.join(', ')}` : '', f.id ? `Incident: ${f.id}` : '']
    .filter(Boolean).map(escapeHtml).join('<br>');
  if (small) out += `<tr><td style="padding:14px 20px 12px 20px;font-size:12px;color:#777777;${FONT}">${small}</td></tr>`;
  else out += '<tr><td style="padding:6px;"></td></tr>';
  return out;
}

function htmlDigest(all: Facts[], omitted: number, words: ListWords = digestWords(all.length + omitted)): string {
  const sev = all.reduce<Severity>((b, f) => (severityRank(f.severity) > severityRank(b) ? f.severity : b), 'low');
  let out = banner(sev, words.title);
  out += section('', escapeHtml(words.intro));
  const th = `style="text-align:left;padding:6px 8px;border-bottom:2px solid #dddddd;font-size:13px;color:#555555;${FONT}"`;
  const td = `style="padding:6px 8px;border-bottom:1px solid #eeeeee;vertical-align:top;font-size:14px;${FONT}"`;
  let table = '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">'
    + `<tr><th ${th}>Severity</th><th ${th}>What</th><th ${th}>From</th><th ${th}>Your machines</th><th ${th}>Got through?</th></tr>`;
  for (const f of all) {
    const from = [f.ip, f.country, f.network, f.blocklists.length ? `blocklists: ${f.blocklists.join(', ')}` : ''].filter(Boolean).map((x) => escapeHtml(x!)).join('<br>');
    table += `<tr><td ${td}><span style="color:${SEVERITY_COLOUR[f.severity]};font-weight:bold;">${escapeHtml(SEVERITY_LABEL[f.severity])}</span></td>`
      + `<td ${td}><b>${escapeHtml(f.what)}</b>${f.summary ? `<br><span style="color:#555555;">${escapeHtml(f.summary)}</span>` : ''}${f.when ? `<br><span style="color:#777777;font-size:12px;">${escapeHtml(f.when)}</span>` : ''}</td>`
      + `<td ${td}>${from}</td><td ${td}>${machinesHtml(f)}</td><td ${td}>${throughShortHtml(f)}</td></tr>`;
  }
  table += '</table>';
  if (omitted) table += `<div style="padding-top:6px;color:#555555;">… and ${escapeHtml(plural(omitted, words.more[0], words.more[1]))}, not listed to keep this message short.</div>`;
  out += section(words.heading, table);
  let advice = '';
  for (const [what, a] of adviceByType(all)) advice += `<p style="margin:0 0 8px 0;"><b>${escapeHtml(what)}:</b><br>${multiline(a)}</p>`;
  out += section('What to do', `<div style="background:#fdf2e9;border-left:4px solid #E9B872;padding:8px 12px;">${advice}</div>`);
  out += '<tr><td style="padding:6px;"></td></tr>';
  return out;
}
