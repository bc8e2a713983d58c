/**
 * The report model: turns incidents and hourly rollups for a period into the numbers, lists and plain
 * sentences every renderer (HTML, text, CSV, JSON) shows. No rendering here, no I/O.
 */
import type { Incident, Severity } from '../detect/incident';
import { incidentTarget, SEVERITIES, severityRank, targetWords } from '../detect/incident';
import { alertTarget } from './alert';
import { hllCount, hllMerge, HLL_M, RollupData } from './rollup';
import { isCalendarMonth } from './schedule';
import { countryName, serviceName } from './services';

export interface ReportSite {
  name?: string;
  /** ISO country code; the report splits home country vs abroad. */
  homeCountry?: string;
  /** IANA time zone for dates in the report. Default UTC. */
  timezone?: string;
}

export type PeriodKind = 'weekly' | 'monthly' | 'custom';

export interface PreviousPeriod {
  from: number | string | Date;
  to: number | string | Date;
  incidents: Incident[];
  rollups: RollupData;
}

export interface BuildInput {
  from: number | string | Date;
  to: number | string | Date;
  incidents: Incident[];
  rollups: RollupData;
  previous?: PreviousPeriod;
  /**
   * When the stored data begins (gatewatch started watching). A period before it was not watched: "none the week
   * before" would then be false comfort, so the comparison says there is nothing to compare with.
   */
  watchingSince?: number | string | Date;
  site?: ReportSite;
  kind?: PeriodKind;
  /** Report time (default now), for "generated at". */
  now?: number;
  /** Rows under "Worst first" (a row may stand for several incidents with one target; the CSV has each). Default 25. */
  maxIncidentsListed?: number;
  /** Routers whose clock was wrong in the period (the parse node corrected their times): ReportStore's `clocks`. */
  clocks?: { gateway: string; behindS: number; first: number; last: number }[];
  /**
   * Boxes whose logs arrive but are not understood (the parse node's SenderWatch, at report time): a box of a
   * known make logging no connections, a box gatewatch does not read, one no longer understood.
   */
  senders?: ReportSender[];
}

export interface ReportSender {
  sender: string;
  verdict: 'no-connections' | 'not-understood' | 'stopped' | string;
  make?: string;
  /** What is wrong, in one sentence (SenderReport.problem); the report's "What to do" says what to do. */
  problem?: string;
  /** How to turn on logging on its make (for no-connections). */
  hint?: string;
}

export interface Totals {
  events: number;
  denied: number;
  allowed: number;
  inbound: number;
  inboundDenied: number;
  inboundAllowed: number;
  outbound: number;
  /** Events to or from addresses on a reputation list. */
  knownBad: number;
  outboundKnownBad: number;
  /** Estimated distinct inbound remote addresses (HyperLogLog, about ±3%). */
  attackers: number;
  incidents: number;
  bySeverity: Record<Severity, number>;
}

export interface IncidentRow {
  id: string;
  type: string;
  label: string;
  severity: Severity;
  attacker: string;
  country: string;
  countryName: string;
  network: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  allowed: number;
  ports: number[];
  victims: string[];
  summary: string;
  advice: string;
  /**
   * In the listed rows only ("Worst first"): a row that stands for several incidents with one target (incidentTarget:
   * a week of robots guessing one Remote Desktop's password, a service open day after day) — how many incidents
   * and how many different attackers. The CSV and the JSON's allIncidents keep one row per incident.
   */
  count?: number;
  addresses?: number;
}

export interface CountRow { events: number; denied: number; allowed: number }
export interface CountryRow extends CountRow { code: string; name: string; share: number; home: boolean }
export interface NetworkRow extends CountRow { asn: number; org: string; country: string }
export interface AddressRow extends CountRow { ip: string; country: string; countryName: string; asn: number; org: string; bad: boolean }
export interface PortRow extends CountRow { port: number; transport: string; service: string }
export interface TimePoint { t: number; denied: number; allowed: number }

export interface ReportData {
  version: 1;
  title: string;
  subject: string;
  site: { name: string; homeCountry: string; timezone: string };
  period: { kind: PeriodKind; from: string; to: string; label: string; noun: string };
  generatedAt: string;
  status: 'no-data' | 'quiet' | 'ok' | 'attention' | 'urgent';
  headline: string;
  summary: string[];
  gotThrough: string[];
  /**
   * Stretches of 6 hours or more with no log at all, in a stream that otherwise has logs every hour: the router
   * stopped sending (switched off, restarted without its syslog settings, a new address) and gatewatch could not see.
   */
  logGaps: { from: string; to: string; hours: number; ongoing: boolean }[];
  /** Routers whose clock was wrong: gatewatch corrected their times; the owner should set the clock. */
  clocks: { gateway: string; behindS: number }[];
  /** Boxes whose logs arrived but were not understood: what this report could not see. */
  senders: { sender: string; verdict: string; make?: string }[];
  advice: string[];
  totals: Totals;
  previous?: Totals;
  comparison: string[];
  incidents: IncidentRow[];
  incidentsTotal: number;
  incidentTypes: { type: string; label: string; count: number; worst: Severity; advice: string }[];
  countries: CountryRow[];
  homeAbroad: { homeCountry: string; homeName: string; home: number; abroad: number; unknown: number };
  networks: NetworkRow[];
  addresses: AddressRow[];
  ports: PortRow[];
  exposed: PortRow[];
  outboundBad: AddressRow[];
  timeline: { bucketMs: number; points: TimePoint[] };
  /** All incidents (not only the listed ones), for CSV/JSON attachments. */
  allIncidents: IncidentRow[];
}

const HOUR = 3600000;
const DAY = 24 * HOUR;

const TYPE_INFO: Record<string, { label: string; advice: string }> = {
  portscan: { label: 'Port scan (someone checking which doors are open)', advice: 'Nothing to do if it was blocked. Make sure only the services you really need are open to the internet.' },
  sweep: { label: 'Address sweep (someone looking for any device that answers)', advice: 'Usually automated. Check that devices you do not mean to publish are not reachable from the internet.' },
  bruteforce: { label: 'Password guessing', advice: 'Use long, unique passwords and two-factor login on anything reachable from the internet; if possible, allow logins only over a VPN.' },
  'known-bad-inbound': { label: 'Contact from an address on a blocklist', advice: 'If it was blocked, nothing to do. If it was let through, ask your IT supplier to check the device it reached.' },
  'known-bad-outbound': { label: 'A device inside contacted a known-bad address', advice: 'Find the device named in the incident and have it checked for malware; change passwords used on it.' },
  beacon: { label: 'Regular "calling home" (possible infected device)', advice: 'Have the device checked for malware by your IT supplier; disconnect it if it is not needed.' },
  flood: { label: 'Flood (attempt to overload your connection)', advice: 'Usually short-lived. If your internet was slow at that time, tell your internet provider.' },
  'exposed-service': { label: 'A service open to the internet', advice: 'Check that this service really needs to be reachable from the internet; close the port on the router if not, or put it behind a VPN.' },
  'research-scanner': { label: 'Internet research scanner', advice: 'Known research projects that map the whole internet. Harmless on their own, but they show what is visible.' },
};

/** Kinds that need nothing doing when they were blocked, unless serious. */
const NOISE_TYPES = new Set(['portscan', 'sweep', 'known-bad-inbound', 'research-scanner', 'flood']);

export function typeLabel(type: string): string {
  return TYPE_INFO[type]?.label ?? type;
}

function toMs(x: number | string | Date): number {
  if (typeof x === 'number') return x;
  if (x instanceof Date) return x.getTime();
  const t = Date.parse(x);
  if (Number.isNaN(t)) throw new Error(`not a date: ${x}`);
  return t;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string, kind: 'day' | 'dayTime' | 'month' | 'short' | 'weekday'): Intl.DateTimeFormat {
  const k = `${tz}|${kind}`;
  let f = fmtCache.get(k);
  if (!f) {
    const o: Intl.DateTimeFormatOptions =
      kind === 'day' ? { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }
        : kind === 'dayTime' ? { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : kind === 'month' ? { month: 'long', year: 'numeric' }
            : kind === 'weekday' ? { weekday: 'short', day: 'numeric', month: 'short' }
            : { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    f = new Intl.DateTimeFormat('en-GB', { ...o, timeZone: tz });
    fmtCache.set(k, f);
  }
  return f;
}
export function formatDay(ms: number, tz: string): string { return fmt(tz, 'day').format(new Date(ms)); }
export function formatDayTime(ms: number, tz: string): string { return fmt(tz, 'dayTime').format(new Date(ms)); }
export function formatShort(ms: number, tz: string): string { return fmt(tz, 'short').format(new Date(ms)); }
/** "Wed 25 Nov" */
function formatWeekday(ms: number, tz: string): string { return fmt(tz, 'weekday').format(new Date(ms)); }

export function num(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

function emptySeverity(): Record<Severity, number> {
  return { low: 0, medium: 0, high: 0, critical: 0 };
}

/** The headline figures of a period. */
export function computeTotals(rollups: RollupData, incidents: Incident[]): Totals {
  const t: Totals = {
    events: 0, denied: 0, allowed: 0, inbound: 0, inboundDenied: 0, inboundAllowed: 0, outbound: 0, knownBad: 0, outboundKnownBad: 0,
    attackers: 0, incidents: incidents.length, bySeverity: emptySeverity(),
  };
  for (const r of rollups.traffic) {
    t.events += r.count;
    if (r.action === 'allow') t.allowed += r.count;
    else t.denied += r.count;
    if (r.direction === 'outbound') {
      t.outbound += r.count;
      if (r.bad) t.outboundKnownBad += r.count;
    } else if (r.direction !== 'internal') {
      t.inbound += r.count;
      if (r.action === 'allow') t.inboundAllowed += r.count;
      else t.inboundDenied += r.count;
    }
    if (r.bad) t.knownBad += r.count;
  }
  const regs = new Uint8Array(HLL_M);
  for (const d of rollups.distinct) hllMerge(regs, d.regs);
  t.attackers = rollups.distinct.length ? hllCount(regs) : 0;
  for (const i of incidents) if (t.bySeverity[i.severity] !== undefined) t.bySeverity[i.severity]++;
  return t;
}

/** What kind of port scan, in words (the detector's subtype is a short code). */
const SCAN_KIND: Record<string, string> = {
  syn: 'half-open SYN', connect: 'full connections', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', slow: 'slow, over hours',
  fin: 'stealthy FIN', xmas: 'stealthy "Christmas tree"', null: 'stealthy NULL', ack: 'firewall-mapping ACK',
  other: 'unusual packets', ipproto: 'IP protocols',
};

/**
 * The incident's subtype as its owner would say it, for labels such as "Password guessing (password spraying)": the
 * service's name for an exposed service ("Microsoft SQL Server", not "mssql"), words for the codes.
 */
function subtypeText(i: Incident): string | undefined {
  const st = i.subtype;
  if (!st) return undefined;
  switch (i.type) {
    case 'exposed-service': {
      const name = i.details?.service;
      return typeof name === 'string' && name ? name : st;
    }
    case 'portscan': return SCAN_KIND[st] ?? st;
    case 'sweep': return st === 'icmp' ? 'ping' : st.toUpperCase();
    case 'bruteforce': return st === 'spray' ? 'password spraying' : st;
    case 'flood': return st === 'ddos' ? 'from many addresses' : st === 'source' ? 'from one address' : st;
    default: return st;
  }
}

/**
 * "Password guessing (fast)", "Port scan, full connections (someone checking which doors are open)",
 * "Remote Desktop (RDP) open to the internet": the kind and subtype without brackets inside brackets.
 */
function labelOf(i: Incident): string {
  const label = typeLabel(i.type);
  const sub = subtypeText(i);
  if (sub === undefined) return label;
  if (i.type === 'exposed-service') return `${sub} open to the internet`;
  const m = /^(.*?) (\(.*\))$/.exec(label);
  return m ? `${m[1]}, ${sub} ${m[2]}` : `${label} (${sub})`;
}

function incidentRow(i: Incident, tz: string): IncidentRow {
  const cc = i.attacker?.geo?.country_iso_code ?? '';
  const asn = i.attacker?.as?.number;
  const org = i.attacker?.as?.organization?.name;
  return {
    id: i.id,
    type: i.type,
    label: labelOf(i),
    severity: i.severity,
    attacker: (typeof i.attacker?.network === 'string' ? i.attacker.network : i.attacker?.ip) ?? '',
    country: cc,
    countryName: cc ? countryName(cc) : '',
    network: org ? `${org}${asn ? ` (AS${asn})` : ''}` : asn ? `AS${asn}` : '',
    firstSeen: i.first_seen ? formatShort(Date.parse(i.first_seen), tz) : '',
    lastSeen: i.last_seen ? formatDayTime(Date.parse(i.last_seen), tz) : '',
    events: i.event_count ?? 0,
    allowed: i.allowed_count ?? 0,
    ports: (i.ports ?? [...new Set((i.victims ?? []).flatMap((v) => v.ports ?? []))]).slice(0, 20),
    victims: (i.victims ?? []).slice(0, 10).map((v) => v.ip),
    summary: i.summary ?? '',
    advice: i.advice || TYPE_INFO[i.type]?.advice || '',
  };
}

/** One "did it get through" line for several incidents with one target (incidentTarget), worst first. */
function targetLine(g: Incident[], tz: string): string {
  const first = g[0]!;
  const where = targetWords(first);
  let allowed = 0;
  let top = first;
  for (const i of g) {
    allowed += i.allowed_count ?? 0;
    if ((i.allowed_count ?? 0) > (top.allowed_count ?? 0)) top = i;
  }
  const through = `${plural(allowed, 'connection')} let through`;
  // An open login service and the guessing at it are one story (as in the alert mails): the service's count of
  // connections let in holds the guessers' own, so the two are not added.
  const open = g.find((i) => i.type === 'exposed-service');
  const guessing = g.filter((i) => i.type === 'bruteforce');
  if (open !== undefined && guessing.length > 0) {
    let busiest = guessing[0]!;
    for (const i of guessing) if ((i.allowed_count ?? 0) > (busiest.allowed_count ?? 0)) busiest = i;
    const t = incidentRow(busiest, tz);
    let openAllowed = 0, guessAllowed = 0;
    for (const i of g) if (i.type === 'exposed-service') openAllowed += i.allowed_count ?? 0; else guessAllowed += i.allowed_count ?? 0;
    return `${labelOf(open)} on ${targetWords(open)}, and passwords are being tried on it from ${addressesText(addressCount(guessing))}: `
      + `${plural(Math.max(openAllowed, guessAllowed), 'connection')} let in; the busiest: ${t.attacker}${t.countryName ? ` (${t.countryName})` : ''}, ${num(t.allowed)}.`;
  }
  // (an exposed service is one incident a day or less, not one per attacker: no address count)
  if (first.type === 'exposed-service') return `${labelOf(first)} on ${where}: ${through}.`;
  const who = addressCount(g);
  const t = incidentRow(top, tz);
  return `${typeLabel(first.type)} on ${where} from ${addressesText(who)}: ${through}; the busiest: ${t.attacker}${t.countryName ? ` (${t.countryName})` : ''}, ${num(t.allowed)}.`;
}

/**
 * How many attacking addresses some incidents stand for: each one's attacker, and for guessing spread over many
 * addresses (bruteforce/distributed, whose attacker is only the first) its own count of them. Those counts cannot
 * be added up (the same robots come back day after day: a month's sum was twice the truth), so the answer is then
 * the largest count seen, said as "at least".
 */
function addressCount(g: Incident[]): { n: number; atLeast: boolean } {
  const who = new Set<string>();
  let spread = 0;
  for (const i of g) {
    const k = i.subtype === 'distributed' ? Number(i.details?.sources) : NaN;
    if (k > 1) spread = Math.max(spread, Math.floor(k));
    else who.add((typeof i.attacker?.network === 'string' ? i.attacker.network : i.attacker?.ip) ?? '');
  }
  return spread > 0 ? { n: Math.max(spread, who.size), atLeast: true } : { n: who.size, atLeast: false };
}

/** "118 addresses", or "at least 40 addresses" when that is all that can be said. */
function addressesText(c: { n: number; atLeast: boolean }): string {
  return `${c.atLeast ? 'at least ' : ''}${plural(c.n, 'address', 'addresses')}`;
}

/**
 * Incidents gathered by `target` (default incidentTarget()), in the order of each target's first; those without a
 * target one each.
 */
function byTarget(incidents: Incident[], target: (i: Incident) => string | null = incidentTarget): Incident[][] {
  const groups = new Map<string, Incident[]>();
  let alone = 0;
  for (const i of incidents) {
    const k = target(i) ?? `#${alone++}`;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  }
  return [...groups.values()];
}

/**
 * The "Worst first" rows: incidents with one target (incidentTarget) become one row when there are several, so a
 * week of 118 robots at one exposed Remote Desktop is one line that says so, not the first 25 robots one by one.
 * Outbound cases (a device inside doing something) are never gathered. `sorted` is worst first; so are the rows.
 */
function groupedRows(sorted: Incident[], tz: string): IncidentRow[] {
  const rows: { row: IncidentRow; rank: number }[] = [];
  for (const g of byTarget(sorted)) rows.push({ row: g.length === 1 ? incidentRow(g[0]!, tz) : groupRow(g, tz), rank: rows.length });
  // (a group is as bad as its worst; among equals, more let through first, then more events, then as sorted)
  return rows.sort((a, b) => severityRank(b.row.severity) - severityRank(a.row.severity) || b.row.allowed - a.row.allowed
    || b.row.events - a.row.events || a.rank - b.rank).map((r) => r.row);
}

/** How many incidents the listed rows stand for. */
export function incidentsListed(rows: IncidentRow[]): number {
  let n = 0;
  for (const r of rows) n += r.count ?? 1;
  return n;
}

/** What several incidents at one target are, in words: "Port scans of 198.51.100.2". */
function groupWords(type: string, where: string): string {
  switch (type) {
    case 'portscan': return `Port scans of ${where}`;
    case 'sweep': return `Sweeps for ${where}`;
    case 'bruteforce': return `Password guessing on ${where}`;
    case 'flood': return `Floods at ${where}`;
    case 'known-bad-inbound': return `Contact with ${where} from blocklisted addresses,`;
    case 'research-scanner': return `Research scanners looking at ${where}`;
    default: return `${typeLabel(type).replace(/ \(.*\)$/, '')} on ${where}`;
  }
}

function groupRow(g: Incident[], tz: string): IncidentRow {
  const first = g[0]!;
  const row = incidentRow(first, tz);
  let events = 0, allowed = 0, t0 = Infinity, t1 = -Infinity;
  let busiest = first;
  const countries = new Map<string, number>();
  const ports = new Set<number>(), victims = new Set<string>();
  for (const i of g) {
    events += i.event_count ?? 0;
    allowed += i.allowed_count ?? 0;
    if ((i.event_count ?? 0) > (busiest.event_count ?? 0)) busiest = i;
    const f = Date.parse(i.first_seen), l = Date.parse(i.last_seen || i.first_seen);
    if (f < t0) t0 = f;
    if (l > t1) t1 = l;
    const cc = i.attacker?.geo?.country_iso_code;
    if (cc) countries.set(cc, (countries.get(cc) ?? 0) + 1);
    for (const p of i.ports ?? []) if (ports.size < 20) ports.add(p);
    for (const v of i.victims ?? []) if (victims.size < 10) victims.add(v.ip);
  }
  const where = targetWords(first);
  const when = Number.isFinite(t0) && Number.isFinite(t1)
    ? (formatWeekday(t0, tz) === formatWeekday(t1, tz) ? `on ${formatWeekday(t0, tz)}` : `from ${formatWeekday(t0, tz)} to ${formatWeekday(t1, tz)}`) : '';
  const b = incidentRow(busiest, tz);
  const top = [...countries].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  const count = addressCount(g);
  const one = count.n === 1;
  const summary = first.type === 'exposed-service'
    // (an open service is one incident a day or after each quiet spell, whoever knocks: the service is the news)
    ? `${labelOf(first)} on ${where}, ${when} (${plural(g.length, 'incident')}): your firewall let in ${plural(allowed, 'connection')}.`
    : `${groupWords(first.type, where)} ${one ? `by ${b.attacker}` : `from ${addressesText(count)}`}, ${when} (${plural(g.length, 'incident')}).`
      + (one ? '' : ` The busiest: ${b.attacker}${b.countryName ? ` (${b.countryName})` : ''}, ${plural(b.events, 'event')}.`);
  return {
    ...row,
    // (the worst is first in `sorted` order)
    severity: first.severity,
    attacker: one ? row.attacker : first.type === 'exposed-service' ? 'many addresses' : addressesText(count),
    country: one ? row.country : '',
    // (an open service's incidents name whoever knocked first: their countries say nothing)
    countryName: one ? row.countryName : first.type === 'exposed-service' ? '' : top.length <= 3 ? top.map(([c]) => countryName(c)).join(', ')
      : `${top.slice(0, 2).map(([c]) => countryName(c)).join(', ')} and ${num(top.length - 2)} more countries`,
    network: one ? row.network : '',
    firstSeen: Number.isFinite(t0) ? formatShort(t0, tz) : row.firstSeen,
    lastSeen: Number.isFinite(t1) ? formatShort(t1, tz) : row.lastSeen,
    events,
    allowed,
    ports: [...ports],
    victims: [...victims],
    summary,
    count: g.length,
    addresses: count.n,
  };
}

/** "3 hours", "41 days" (a clock's error, in seconds). */
function offsetWords(seconds: number): string {
  const m = Math.round(Math.abs(seconds) / 60);
  if (m < 120) return plural(m, 'minute');
  const h = Math.round(m / 60);
  if (h < 72) return plural(h, 'hour');
  const d = Math.round(h / 24);
  return d < 730 ? plural(d, 'day') : plural(Math.round(d / 365.25), 'year');
}

/** A stretch of this many hours without any log, in a steady stream, is reported as missing logs. */
export const GAP_HOURS = 6;

/**
 * Hours with no log at all between `start` and `end`, in runs of GAP_HOURS or more, when the stream is steady
 * enough to tell: at least a day of hours with logs, and half of those hours with 5 or more (an internet
 * connection's background noise alone gives dozens an hour; a box that logs only rare rule hits is not judged).
 */
export function logGaps(series: { hour: number; count: number }[], start: number, end: number): { from: number; to: number; ongoing: boolean }[] {
  const h0 = Math.floor(start / HOUR) * HOUR, h1 = Math.floor(end / HOUR) * HOUR;
  if (!(h1 > h0)) return [];
  const per = new Map<number, number>();
  for (const r of series) if (r.hour >= h0 && r.hour < h1) per.set(r.hour, (per.get(r.hour) ?? 0) + r.count);
  const counts = [...per.values()].filter((c) => c > 0).sort((a, b) => a - b);
  if (counts.length < 24 || counts[counts.length >> 1]! < 5) return [];
  const gaps: { from: number; to: number; ongoing: boolean }[] = [];
  let runStart = -1;
  for (let h = h0; h <= h1; h += HOUR) {
    const empty = h < h1 && !(per.get(h)! > 0);
    if (empty && runStart < 0) runStart = h;
    else if (!empty && runStart >= 0) {
      if (h - runStart >= GAP_HOURS * HOUR) gaps.push({ from: runStart, to: h, ongoing: h === h1 });
      runStart = -1;
    }
  }
  return gaps;
}

/** `one` and `many`: the counted thing, singular and plural ("serious incident", "serious incidents"). */
function change(now: number, before: number, one: string, many: string, periodNoun: string): string {
  if (before === 0 && now === 0) return `No ${many}, the same as last ${periodNoun}.`;
  const noun = now === 1 ? one : many;
  if (before === 0) return `${num(now)} ${noun}, none the ${periodNoun} before.`;
  const pct = Math.round(((now - before) / before) * 100);
  const how = pct === 0 ? 'about the same as' : pct > 0 ? `up ${pct}% on` : `down ${-pct}% on`;
  return `${num(now)} ${noun}, ${how} last ${periodNoun} (${num(before)}).`;
}

/** The timeline's bar width for a period: the smallest of 1h … 7d giving at most 180 bars. */
export function pickBucket(spanMs: number): number {
  for (const b of [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY]) if (spanMs / b <= 180) return b;
  return 30 * DAY;
}

export function buildReport(input: BuildInput): ReportData {
  const from = toMs(input.from), to = toMs(input.to);
  const tz = input.site?.timezone || 'UTC';
  const home = (input.site?.homeCountry ?? '').toUpperCase();
  const kind: PeriodKind = input.kind ?? (to - from >= 27 * DAY ? 'monthly' : to - from >= 6 * DAY && to - from <= 8 * DAY ? 'weekly' : 'custom');
  const noun = kind === 'monthly' ? 'month' : kind === 'weekly' ? 'week' : 'period';
  const siteName = input.site?.name || 'your site';
  const inRange = (h: number) => h + HOUR > from && h < to;
  const rollups: RollupData = {
    traffic: input.rollups.traffic.filter((r) => inRange(r.hour)),
    series: input.rollups.series?.filter((r) => inRange(r.hour)),
    sources: input.rollups.sources.filter((r) => inRange(r.hour)),
    asns: input.rollups.asns.filter((r) => inRange(r.hour)),
    distinct: input.rollups.distinct.filter((r) => inRange(r.hour)),
  };
  // (a router that stopped logging is not an attack: the report tells missing logs from the stored hours)
  const incidents = input.incidents.filter((i) => {
    if (i.type === 'log-silence') return false;
    const f = Date.parse(i.first_seen), l = Date.parse(i.last_seen || i.first_seen);
    return (Number.isNaN(l) || l >= from) && (Number.isNaN(f) || f < to);
  });
  const clocks = (input.clocks ?? []).filter((c) => c.last >= from && c.first < to && Math.abs(c.behindS) >= 60)
    .sort((a, b) => Math.abs(b.behindS) - Math.abs(a.behindS)).slice(0, 5);
  const totals = computeTotals(rollups, incidents);
  const previous = input.previous ? computeTotals(input.previous.rollups, input.previous.incidents.filter((i) => {
    const pf = toMs(input.previous!.from), pt = toMs(input.previous!.to);
    return Date.parse(i.last_seen || i.first_seen) >= pf && Date.parse(i.first_seen) < pt;
  })) : undefined;

  // Incidents, worst first.
  const sorted = [...incidents].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (b.allowed_count ?? 0) - (a.allowed_count ?? 0)
    || (b.event_count ?? 0) - (a.event_count ?? 0) || a.id.localeCompare(b.id));
  const allRows = sorted.map((i) => incidentRow(i, tz));
  const listedRows = groupedRows(sorted, tz).slice(0, input.maxIncidentsListed ?? 25);
  const byType = new Map<string, { type: string; label: string; count: number; worst: Severity; advice: string }>();
  const firstAttacker = new Map<string, string>();
  for (const i of sorted) {
    const g = byType.get(i.type);
    const who = (typeof i.attacker?.network === 'string' ? i.attacker.network : i.attacker?.ip) ?? '';
    if (g) {
      g.count++;
      if (severityRank(i.severity) > severityRank(g.worst)) g.worst = i.severity;
      // An incident's advice is written for its one attacker ("block this address"); for a kind done by several,
      // the kind's own advice. (An exposed service's advice is about the service: kept.)
      const generic = TYPE_INFO[i.type]?.advice;
      if (generic && i.type !== 'exposed-service' && who !== firstAttacker.get(i.type)) g.advice = generic;
    } else {
      firstAttacker.set(i.type, who);
      byType.set(i.type, { type: i.type, label: typeLabel(i.type), count: 1, worst: i.severity, advice: i.advice || TYPE_INFO[i.type]?.advice || '' });
    }
  }
  const incidentTypes = [...byType.values()].sort((a, b) => severityRank(b.worst) - severityRank(a.worst) || b.count - a.count);

  // Countries (remote party, inbound and outbound), home vs abroad.
  const countries = new Map<string, CountryRow>();
  let homeN = 0, abroad = 0, unknown = 0;
  for (const r of rollups.traffic) {
    if (r.direction === 'internal') continue;
    let c = countries.get(r.country);
    if (!c) countries.set(r.country, (c = { code: r.country, name: countryName(r.country), events: 0, denied: 0, allowed: 0, share: 0, home: !!home && r.country === home }));
    c.events += r.count;
    if (r.action === 'allow') c.allowed += r.count;
    else c.denied += r.count;
    if (!r.country) unknown += r.count;
    else if (home && r.country === home) homeN += r.count;
    else abroad += r.count;
  }
  const external = homeN + abroad + unknown;
  const countryList = [...countries.values()].filter((c) => c.code).sort((a, b) => b.events - a.events || (a.code < b.code ? -1 : 1)).slice(0, 15);
  for (const c of countryList) c.share = external ? c.events / external : 0;

  // Networks.
  const nets = new Map<number, NetworkRow>();
  for (const a of rollups.asns) {
    let n = nets.get(a.asn);
    if (!n) nets.set(a.asn, (n = { asn: a.asn, org: a.asn === -1 ? 'other networks' : a.org, country: a.country, events: 0, denied: 0, allowed: 0 }));
    n.events += a.deny + a.allow;
    n.denied += a.deny;
    n.allowed += a.allow;
    if (!n.org && a.org) n.org = a.org;
  }
  const networks = [...nets.values()].filter((n) => n.asn > 0).sort((a, b) => b.events - a.events || a.asn - b.asn).slice(0, 10);

  // Addresses.
  const addrIn = new Map<string, AddressRow>(), addrOut = new Map<string, AddressRow>();
  for (const s of rollups.sources) {
    const m = s.dir === 'out' ? addrOut : addrIn;
    let a = m.get(s.ip);
    if (!a) m.set(s.ip, (a = { ip: s.ip, country: s.country, countryName: s.country ? countryName(s.country) : '', asn: s.asn, org: s.org, events: 0, denied: 0, allowed: 0, bad: false }));
    a.events += s.deny + s.allow;
    a.denied += s.deny;
    a.allowed += s.allow;
    if (s.bad) a.bad = true;
  }
  const addresses = [...addrIn.values()].sort((a, b) => b.events - a.events || (a.ip < b.ip ? -1 : 1)).slice(0, 15);
  const outboundBad = [...addrOut.values()].filter((a) => a.bad).sort((a, b) => b.events - a.events || (a.ip < b.ip ? -1 : 1)).slice(0, 20);

  // Ports: inbound (what they were after), and inbound allowed (what is open).
  const ports = new Map<string, PortRow>(), exposedMap = new Map<string, PortRow>();
  for (const r of rollups.traffic) {
    if (r.direction === 'outbound' || r.direction === 'internal') continue;
    const k = `${r.port}/${r.transport}`;
    let p = ports.get(k);
    if (!p) ports.set(k, (p = { port: r.port, transport: r.transport, service: serviceName(r.port, r.transport), events: 0, denied: 0, allowed: 0 }));
    p.events += r.count;
    if (r.action === 'allow') {
      p.allowed += r.count;
      if (r.port > 0) {
        let e = exposedMap.get(k);
        if (!e) exposedMap.set(k, (e = { ...p, events: 0, denied: 0, allowed: 0 }));
        e.allowed += r.count;
        e.events += r.count;
      }
    } else p.denied += r.count;
  }
  const portList = [...ports.values()].sort((a, b) => b.events - a.events || a.port - b.port).slice(0, 15);
  const exposed = [...exposedMap.values()].sort((a, b) => b.allowed - a.allowed).slice(0, 20);

  // Timeline.
  const bucketMs = pickBucket(to - from);
  const nb = Math.max(1, Math.ceil((to - from) / bucketMs));
  const points: TimePoint[] = [];
  for (let i = 0; i < nb; i++) points.push({ t: from + i * bucketMs, denied: 0, allowed: 0 });
  for (const r of rollups.series ?? rollups.traffic) {
    if (r.direction === 'outbound' || r.direction === 'internal') continue;
    const i = Math.min(nb - 1, Math.max(0, Math.floor((r.hour - from) / bucketMs)));
    if (r.action === 'allow') points[i]!.allowed += r.count;
    else points[i]!.denied += r.count;
  }

  // What got through.
  const gotThrough: string[] = [];
  const throughIncidents = sorted.filter((i) => (i.allowed_count ?? 0) > 0 || i.type === 'known-bad-outbound' || i.type === 'beacon');
  // One line per attacked machine and service: a week of robots guessing one exposed Remote Desktop's password
  // is one thing to fix, not a hundred (the alert engine gathers them the same way); outbound cases one each.
  for (const g of byTarget(throughIncidents, alertTarget).slice(0, 10)) {
    const r = incidentRow(g[0]!, tz);
    // (an open service is told by the service, whoever knocked first: one incident or several)
    if (g.length > 1 || r.type === 'exposed-service') {
      gotThrough.push(targetLine(g, tz));
      continue;
    }
    gotThrough.push(r.type === 'known-bad-outbound' || r.type === 'beacon'
      ? `${r.label}: ${r.victims.join(', ') || 'a device inside'} talked to ${r.attacker}${r.countryName ? ` (${r.countryName})` : ''}.`
      : `${r.label} from ${r.attacker}${r.countryName ? ` (${r.countryName})` : ''}: ${plural(r.allowed, 'connection')} let through.`);
  }
  for (const a of outboundBad.slice(0, 5)) {
    if (!throughIncidents.some((i) => i.attacker?.ip === a.ip)) {
      gotThrough.push(`A device inside contacted ${a.ip}${a.countryName ? ` (${a.countryName})` : ''}, which is on a blocklist (${plural(a.events, 'connection')}).`);
    }
  }
  const badInAllowed = [...addrIn.values()].filter((a) => a.bad && a.allowed > 0);
  for (const a of badInAllowed.slice(0, 5)) {
    // (an IPv6 sender is counted by its /64, as the incident's attacker.network)
    if (!throughIncidents.some((i) => i.attacker?.ip === a.ip || i.attacker?.network === a.ip)) {
      gotThrough.push(`${a.ip}${a.countryName ? ` (${a.countryName})` : ''}, on a blocklist, was let in ${plural(a.allowed, 'time')}.`);
    }
  }

  const uniqueThrough = [...new Set(gotThrough)];
  gotThrough.length = 0;
  gotThrough.push(...uniqueThrough);

  // Missing logs: from when gatewatch watched (and the period began) to the period's end or now, whichever is first.
  const since = input.watchingSince === undefined ? NaN : toMs(input.watchingSince);
  const watchedFrom = since > from ? since : from;
  const gaps = logGaps(rollups.series ?? rollups.traffic, watchedFrom, Math.min(to, input.now ?? Date.now()));
  const gapHours = gaps.reduce((n, g) => n + (g.to - g.from) / HOUR, 0);

  // Status and plain-English summary.
  const serious = totals.bySeverity.high + totals.bySeverity.critical;
  // Boxes sending logs gatewatch could not use: without them "no logs" or "a quiet week" would be false comfort.
  // A firewall of a known make that logs no connections, or one no longer understood, needs doing something; a
  // box of unknown make beside a working router may be a NAS or an access point sending its own notices, so it
  // is mentioned but does not make the week "please read" (it does when nothing else was understood).
  const blind = (input.senders ?? []).filter((x) => x.verdict === 'no-connections' || x.verdict === 'not-understood' || x.verdict === 'stopped').slice(0, 5);
  const firewallBlind = blind.filter((x) => x.verdict !== 'not-understood');
  const status: ReportData['status'] = totals.events === 0 && incidents.length === 0 ? 'no-data'
    : totals.bySeverity.critical > 0 || (gotThrough.length > 0 && serious > 0) ? 'urgent'
      : serious > 0 || gotThrough.length > 0 || gaps.length > 0 || firewallBlind.length > 0 ? 'attention'
        : incidents.length === 0 ? 'quiet' : 'ok';
  const periodLabel = isCalendarMonth(from, to, tz) ? fmt(tz, 'month').format(new Date(from + DAY))
    : `${formatDay(from, tz)} to ${formatDay(to - 1, tz)}`;
  const blindText = blind.some((x) => x.verdict === 'no-connections') ? 'logs arrive, but they do not show what the firewall did'
    : 'logs arrive that gatewatch cannot read';
  const headline = status === 'no-data' ? (blind.length ? `${blindText[0]!.toUpperCase()}${blindText.slice(1)}` : `No firewall logs arrived this ${noun}`)
    : status === 'urgent' ? `${plural(serious, 'serious incident')}${gotThrough.length ? ', and something got through' : ''}`
      : status === 'attention' ? (gotThrough.length ? 'Something got through: please read the details'
        : serious > 0 ? `Worth a look: ${plural(serious, 'serious incident')}`
          : gaps.length === 0 && firewallBlind.length ? `Some ${blindText}: please read`
            : `No logs for ${plural(gapHours, 'hour')}: please check your router`)
        : status === 'quiet' ? `A quiet ${noun}: nothing needs your attention`
          : `All blocked: ${plural(incidents.length, 'attack')} recognised, nothing got through`;

  const summary: string[] = [];
  if (status === 'no-data' && blind.length) {
    summary.push(`gatewatch received logs for ${siteName} this ${noun}, but not one was about a connection your firewall let in or blocked. So this report cannot show any attack: not because there were none, but because gatewatch could not see them.`);
  } else if (status === 'no-data') {
    summary.push(`gatewatch received no firewall logs for ${siteName} this ${noun}. If your router or firewall should be sending its logs here, please check that it is switched on and still set up to send them (ask your IT supplier to check the syslog settings).`);
  } else {
    summary.push(`From ${formatDay(from, tz)} to ${formatDay(to - 1, tz)}, your firewall blocked ${plural(totals.inboundDenied, 'connection attempt')} from the internet`
      + (totals.attackers ? `, coming from about ${plural(totals.attackers, 'different address', 'different addresses')}` : '') + '.'
      + (totals.inboundAllowed ? ` It let in ${plural(totals.inboundAllowed, 'connection')} that your settings allow (for example to a web server, a VPN or remote access).` : ''));
    if (incidents.length === 0) {
      summary.push(`gatewatch did not recognise any attack this ${noun}. This is a quiet ${noun}: the blocked attempts above are the normal background noise every internet connection gets.`);
    } else {
      const parts = SEVERITIES.slice().reverse().filter((s) => totals.bySeverity[s] > 0).map((s) => `${num(totals.bySeverity[s])} ${s}`);
      const common = [...incidentTypes].sort((a, b) => b.count - a.count)[0]!;
      summary.push(`gatewatch recognised ${plural(incidents.length, 'attack')} (${parts.join(', ')}). The most common kind: ${common.label.toLowerCase()}.`);
    }
    if (gotThrough.length === 0) summary.push('Nothing got through: no attack was let in by the firewall, and no device inside contacted a known-bad address.');
    else summary.push(`Please read "Did anything get through?" below: ${plural(gotThrough.length, 'thing')} may need your IT supplier to look at.`);
    if (home && external > 0) {
      summary.push(`${Math.round((abroad / external) * 100)}% of the traffic from outside came from abroad, ${Math.round((homeN / external) * 100)}% from ${countryName(home)}.`);
    }
    if (gaps.length > 0) {
      const last = gaps[gaps.length - 1]!;
      const longest = gaps.reduce((a, g) => (g.to - g.from > a.to - a.from ? g : a));
      const span = (g: { from: number; to: number }) => `from ${formatShort(g.from, tz)} to ${formatShort(g.to, tz)} (${plural((g.to - g.from) / HOUR, 'hour')})`;
      const what = last.ongoing
        ? `No logs have arrived since ${formatShort(last.from, tz)} (${plural((last.to - last.from) / HOUR, 'hour')} before this report)`
          + (gaps.length > 1 ? `, and none ${span(gaps[0]!)}${gaps.length > 2 ? ` nor at ${plural(gaps.length - 2, 'other time')}` : ''}` : '')
        : gaps.length === 1 ? `No logs arrived ${span(last)}` : `No logs arrived at ${plural(gaps.length, 'time')} this ${noun}, the longest ${span(longest)}`;
      // (second: right after what the week looked like, before the attacks)
      summary.splice(1, 0, `${what}: gatewatch could not see what happened then. If your router was not switched off, check that it still sends its logs here.`);
    }
  }
  for (const b of blind) {
    if (!b.problem) continue;
    summary.push(b.verdict === 'not-understood' && status !== 'no-data'
      ? `${b.problem} If it is a router or firewall, set it to send its firewall log; a printer, storage box or access point sending its own notices needs nothing.`
      : b.problem);
  }
  if (status !== 'no-data') {
    for (const c of clocks) {
      summary.push(`The clock of ${c.gateway} is ${offsetWords(c.behindS)} ${c.behindS > 0 ? 'behind' : 'ahead'}: gatewatch corrected the times of its logs, so this report is right, but the router's own logs and anything else it dates are not.`);
    }
  }
  const comparison: string[] = [];
  const prevFrom = input.previous ? toMs(input.previous.from) : NaN, prevTo = input.previous ? toMs(input.previous.to) : NaN;
  if (since > from && since < to && status !== 'no-data') {
    summary.splice(1, 0, `gatewatch started watching on ${formatDay(since, tz)}, so this report covers only part of the ${noun}.`);
  }
  if (previous && since >= prevTo) {
    comparison.push(`gatewatch was not watching yet the ${noun} before (it started on ${formatDay(since, tz)}): there is nothing to compare with.`);
  } else if (previous) {
    if (since > prevFrom) comparison.push(`gatewatch started watching on ${formatDay(since, tz)}, part-way through last ${noun}: its figures cover only the days it watched.`);
    comparison.push(change(totals.inboundDenied, previous.inboundDenied, 'blocked attempt from the internet', 'blocked attempts from the internet', noun));
    comparison.push(change(totals.incidents, previous.incidents, 'attack recognised', 'attacks recognised', noun));
    comparison.push(change(totals.bySeverity.high + totals.bySeverity.critical, previous.bySeverity.high + previous.bySeverity.critical, 'serious incident', 'serious incidents', noun));
    if (totals.attackers || previous.attackers) comparison.push(change(totals.attackers, previous.attackers, 'different attacking address (estimate)', 'different attacking addresses (estimate)', noun));
    if (status !== 'no-data') {
      const p = previous.inboundDenied, c = totals.inboundDenied;
      summary.splice(1, 0, p === 0 ? (c ? `Last ${noun} there were no blocked attempts recorded.` : '')
        : c > p * 1.5 ? `That is clearly more than last ${noun} (${num(p)} blocked attempts).`
          : c < p * 0.67 ? `That is clearly less than last ${noun} (${num(p)} blocked attempts).`
            : `That is similar to last ${noun} (${num(p)} blocked attempts).`);
    }
  }
  const advice: string[] = [];
  for (const b of (status === 'no-data' ? blind : firewallBlind).slice(0, 2)) {
    advice.push(b.verdict === 'no-connections' ? `Turn on logging of the firewall's decisions on ${b.sender}${b.make ? ` (${b.make})` : ''}${b.hint ? `: ${b.hint}` : ''}.`
      : b.verdict === 'stopped' ? `Check ${b.sender}: gatewatch no longer understands its logs (a firmware update or a changed setting?).`
        : `Check what ${b.sender} sends: gatewatch cannot read its logs (the parse node's "Show the boxes sending logs", or \`gatewatch check\` on a log file, shows a few of its lines).`);
  }
  if (status === 'no-data' && !blind.length) advice.push('Check the router or firewall still sends its logs to gatewatch.');
  else if (gaps.length > 0) advice.push(`Check the router or firewall still sends its logs to gatewatch: none arrived for ${plural(gapHours, 'hour')} of this ${noun}.`);
  // Only what needs doing: kinds that got through or are at least medium; blocked low-level noise needs nothing.
  for (const c of clocks.slice(0, 2)) advice.push(`Set the clock of ${c.gateway}: turn on its automatic time (NTP) in the router's settings. It is ${offsetWords(c.behindS)} ${c.behindS > 0 ? 'behind' : 'ahead'}.`);
  const through = new Set(throughIncidents.map((i) => i.type));
  for (const g of incidentTypes) {
    if (advice.length >= 4 || !g.advice || advice.includes(g.advice)) continue;
    const noise = NOISE_TYPES.has(g.type);
    if (through.has(g.type) || severityRank(g.worst) >= severityRank(noise ? 'high' : 'medium')) advice.push(g.advice);
  }
  if (exposed.length) advice.push(`These services are open to the internet: ${exposed.slice(0, 5).map((e) => `${e.port}/${e.transport}${e.service ? ` ${e.service}` : ''}`).join(', ')}. Check each one is meant to be.`);
  if (status !== 'no-data' && advice.length === 0) advice.push('Nothing to do: everything was blocked. Keep your router and devices updated.');
  else if (status !== 'no-data') advice.push('Keep your router, computers and other devices updated; it closes most of the doors these attacks try.');

  const title = `Security report for ${siteName}: ${periodLabel}`;
  const subjectTag = status === 'urgent' ? '[ACTION NEEDED] ' : status === 'attention' ? '[please read] ' : '';
  return {
    version: 1,
    title,
    subject: `${subjectTag}gatewatch ${noun === 'period' ? '' : `${noun}ly `}report for ${siteName}: ${headline}`.replace(/ {2,}/g, ' '),
    site: { name: siteName, homeCountry: home, timezone: tz },
    period: { kind, from: new Date(from).toISOString(), to: new Date(to).toISOString(), label: periodLabel, noun },
    generatedAt: new Date(input.now ?? Date.now()).toISOString(),
    status,
    headline,
    summary: summary.filter((s) => s),
    gotThrough: [...new Set(gotThrough)],
    logGaps: gaps.map((g) => ({ from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString(), hours: (g.to - g.from) / HOUR, ongoing: g.ongoing })),
    clocks: clocks.map((c) => ({ gateway: c.gateway, behindS: c.behindS })),
    senders: blind.map((b) => (b.make ? { sender: b.sender, verdict: b.verdict, make: b.make } : { sender: b.sender, verdict: b.verdict })),
    advice,
    totals,
    previous,
    comparison,
    incidents: listedRows,
    incidentsTotal: allRows.length,
    incidentTypes,
    countries: countryList,
    homeAbroad: { homeCountry: home, homeName: home ? countryName(home) : '', home: homeN, abroad, unknown },
    networks,
    addresses,
    ports: portList,
    exposed,
    outboundBad,
    timeline: { bucketMs, points },
    allIncidents: allRows,
  };
}
