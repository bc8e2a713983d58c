/**
 * Which boxes sending logs does gatewatch understand? The commonest first-day failure is silent: the router
 * sends its logs, the parse node counts them all as "other", and no alert or report ever comes. Either the
 * box is a make gatewatch does not read, or (more often) it is one it reads but sends only system notices
 * (DHCP, logins, config changes) because logging of the firewall's decisions is off in its rules. A firmware
 * update that changes the format does the same to a box that worked for months.
 *
 * SenderWatch keeps, per sender (its address for syslog, else the host name in the line): lines, events,
 * lines of a known make that were not connections, when it was last understood, and a few of the lines it
 * did not understand (shortened, control characters removed; they stay in this process, shown only to the
 * editor's logged-in user). It judges each sender:
 *  - `understood`: it gave connection events;
 *  - `no-connections`: most of its lines are a make gatewatch reads, none a connection → turn on logging
 *    of the firewall's decisions (the make's own hint);
 *  - `not-understood`: none of its lines is a kind gatewatch reads;
 *  - `stopped`: understood once, then nothing for a long while although lines keep coming (a new format);
 *  - `waiting`: too few lines to say yet.
 * Bounded to 256 senders (the first seen are dropped first; counted). No Node-RED import.
 */

/** Lines, or lines over a span, before a sender that gave no event is judged (a burst of notices at boot is not). */
const JUDGE_LINES = 30;
const JUDGE_MIN_LINES = 5;
const JUDGE_SPAN_MS = 15 * 60_000;
/** Understood once, then this many lines and this long with no event: its format has changed. */
const STOPPED_LINES = 500;
const STOPPED_MS = 6 * 3600_000;
const MAX_SENDERS = 256;
const SAMPLES = 3;
const SAMPLE_CHARS = 300;
/** Once it has three, a sender's newest kind of line replaces the oldest at most this often (cost bound). */
const RESAMPLE_MS = 60_000;

export type SenderVerdict = 'understood' | 'no-connections' | 'not-understood' | 'stopped' | 'waiting';

/** What the watch needs of a parser (the registry's VendorParser has these). */
export interface MakeInfo {
  id: string;
  title: string;
  /** How to turn on logging of the firewall's decisions on this make. */
  logHint?: string;
}

export interface SenderReport {
  sender: string;
  verdict: SenderVerdict;
  lines: number;
  events: number;
  /** Lines that were not connection events (of a known make or not). */
  other: number;
  /** Connection events per format id. */
  formats: Record<string, number>;
  /** The make most of its lines are (by events, else by lines it claimed), if any. */
  make?: string;
  makeId?: string;
  /** When its first and last lines came (absent when not known: a file's lines before any event). */
  firstSeen?: string;
  lastSeen?: string;
  /** When it last gave an event, and how many lines it has sent since (none of them an event). */
  lastEvent?: string;
  sinceEvent: number;
  /** A few lines it sent that were not connection events, shortened. */
  samples: string[];
  /** What is wrong, in one sentence, and that with what to do (both absent when all is well or not yet judged). */
  problem?: string;
  advice?: string;
  /** For `no-connections`: the make's own words on turning its firewall logging on (VendorParser.logHint). */
  hint?: string;
}

class Sender {
  lines = 0;
  events = 0;
  /** Non-event lines a known make took as its own, per make. */
  readonly claimed = new Map<MakeInfo, number>();
  readonly formats = new Map<MakeInfo, number>();
  firstMs: number;
  lastMs: number;
  lastEventMs = NaN;
  linesSinceEvent = 0;
  readonly samples: string[] = [];
  readonly shapes: string[] = [];
  nextSampleMs = 0;
  verdict: SenderVerdict = 'waiting';
  constructor(at: number) { this.firstMs = at; this.lastMs = at; }
}

export interface SenderChange {
  sender: string;
  from: SenderVerdict;
  to: SenderVerdict;
}

export class SenderWatch {
  private readonly senders = new Map<string, Sender>();
  /** Senders forgotten to stay within bounds. */
  dropped = 0;

  /**
   * One line from `sender` at `atMs`: `claimedBy` is the make that took it as its own (undefined: none),
   * `event` whether it was a connection event. Returns the sender's new verdict when it changed to or from a
   * problem (for a log line), else null.
   */
  observe(sender: string, claimedBy: MakeInfo | undefined, event: boolean, line: string, atMs: number): SenderChange | null {
    let s = this.senders.get(sender);
    if (s === undefined) {
      if (this.senders.size >= MAX_SENDERS) {
        this.senders.delete(this.senders.keys().next().value as string);
        this.dropped++;
      }
      s = new Sender(atMs);
      this.senders.set(sender, s);
    }
    s.lines++;
    // (NaN: no time known, as for the first lines of a file before any event)
    if (atMs === atMs) {
      if (!(s.lastMs >= atMs)) s.lastMs = atMs;
      if (!(s.firstMs <= atMs)) s.firstMs = atMs;
    }
    if (event) {
      s.events++;
      s.lastEventMs = atMs;
      s.linesSinceEvent = 0;
      if (claimedBy !== undefined) s.formats.set(claimedBy, (s.formats.get(claimedBy) ?? 0) + 1);
      if (s.verdict === 'understood') return null;
    } else {
      s.linesSinceEvent++;
      if (claimedBy !== undefined) s.claimed.set(claimedBy, (s.claimed.get(claimedBy) ?? 0) + 1);
      if (!(atMs < s.nextSampleMs)) keepSample(s, line, atMs);
    }
    return this.judge(sender, s, false);
  }

  /**
   * Every sender, those with a problem first, then the busiest. `final`: the whole input has been seen (a file),
   * so judge any sender with lines.
   */
  list(final = false): SenderReport[] {
    const out: SenderReport[] = [];
    for (const [name, s] of this.senders) {
      if (final) this.judge(name, s, true);
      out.push(report(name, s));
    }
    return out.sort((a, b) => Number(isProblem(b.verdict)) - Number(isProblem(a.verdict)) || b.lines - a.lines || (a.sender < b.sender ? -1 : 1));
  }

  /** Senders with a problem now (not understood, no connections, stopped). */
  problems(): SenderReport[] {
    const out: SenderReport[] = [];
    for (const [name, s] of this.senders) if (isProblem(s.verdict)) out.push(report(name, s));
    return out;
  }

  private judge(name: string, s: Sender, final: boolean): SenderChange | null {
    const from = s.verdict;
    let to: SenderVerdict;
    if (s.events > 0) {
      to = s.linesSinceEvent >= STOPPED_LINES && s.lastMs - s.lastEventMs >= STOPPED_MS ? 'stopped' : 'understood';
    } else if (final ? s.lines > 0 : s.lines >= JUDGE_LINES || (s.lines >= JUDGE_MIN_LINES && s.lastMs - s.firstMs >= JUDGE_SPAN_MS)) {
      to = claimedTotal(s) * 2 >= s.lines ? 'no-connections' : 'not-understood';
    } else to = 'waiting';
    if (to === from) return null;
    s.verdict = to;
    // (waiting → understood is the normal start: not worth a log line)
    if (!isProblem(from) && !isProblem(to)) return null;
    return { sender: name, from, to };
  }
}

export function isProblem(v: SenderVerdict): boolean {
  return v === 'no-connections' || v === 'not-understood' || v === 'stopped';
}

function claimedTotal(s: Sender): number {
  let n = 0;
  for (const c of s.claimed.values()) n += c;
  return n;
}

function topOf(m: Map<MakeInfo, number>): MakeInfo | undefined {
  let best: MakeInfo | undefined, n = 0;
  for (const [k, c] of m) if (c > n) { best = k; n = c; }
  return best;
}

/** "Fortinet FortiGate / FortiProxy" from "Fortinet FortiGate / FortiProxy (key=value and CEF)". */
export function makeName(m: MakeInfo): string {
  const i = m.title.indexOf(' (');
  return i > 0 ? m.title.slice(0, i) : m.title;
}

function keepSample(s: Sender, line: string, atMs: number): void {
  // Two lines are "the same kind" when their first 160 characters agree once digits are dropped: times,
  // addresses and ids differ, the words (a FortiGate's logdesc, a daemon's name) do not.
  const shape = (line.length > 200 ? line.slice(0, 200) : line).replace(/[0-9]+/g, '').slice(0, 160);
  if (s.shapes.includes(shape)) {
    // (a box sending one kind of line all day is not re-read on every line)
    s.nextSampleMs = atMs + 1000;
    return;
  }
  if (s.samples.length >= SAMPLES) { s.samples.shift(); s.shapes.shift(); }
  s.samples.push(printable(line));
  s.shapes.push(shape);
  s.nextSampleMs = s.samples.length >= SAMPLES ? atMs + RESAMPLE_MS : atMs;
}

/** At most SAMPLE_CHARS characters, control characters shown as '?' (lines can carry anything an attacker sends). */
export function printable(line: string): string {
  const cut = line.length > SAMPLE_CHARS ? line.slice(0, SAMPLE_CHARS) : line;
  // eslint-disable-next-line no-control-regex
  const clean = cut.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return line.length > SAMPLE_CHARS ? `${clean}…` : clean;
}

function iso(ms: number): string {
  return ms === ms ? new Date(ms).toISOString() : '';
}

function report(name: string, s: Sender): SenderReport {
  const byEvents = topOf(s.formats);
  const make = byEvents ?? topOf(s.claimed);
  const formats: Record<string, number> = {};
  for (const [k, c] of s.formats) formats[k.id] = c;
  const r: SenderReport = {
    sender: name,
    verdict: s.verdict,
    lines: s.lines,
    events: s.events,
    other: s.lines - s.events,
    sinceEvent: s.linesSinceEvent,
    formats,
    samples: s.samples.slice(),
  };
  if (s.firstMs === s.firstMs) { r.firstSeen = iso(s.firstMs); r.lastSeen = iso(s.lastMs); }
  if (make) { r.make = makeName(make); r.makeId = make.id; }
  if (s.events > 0) r.lastEvent = iso(s.lastEventMs);
  const advice = adviceFor(name, s, make);
  if (advice) { r.problem = advice[0]; r.advice = `${advice[0]} ${advice[1]}`; }
  if (s.verdict === 'no-connections' && make?.logHint) r.hint = make.logHint;
  return r;
}

function n(x: number): string {
  return x.toLocaleString('en-GB');
}

/** What is wrong with a sender, in one sentence, and what to do about it (undefined when all is well or not judged). */
function adviceFor(name: string, s: Sender, make: MakeInfo | undefined): [string, string] | undefined {
  switch (s.verdict) {
    case 'no-connections':
      return [`${name} sends ${makeName(make!)} logs, but none of its ${n(s.lines)} lines is about a connection the firewall `
        + `let in or blocked, so gatewatch has nothing to watch.`,
      `Turn on logging of the firewall's decisions: ${make!.logHint ?? 'tick the logging option on its firewall rules'}.`];
    case 'not-understood':
      return [`None of the ${n(s.lines)} lines from ${name} is a kind of log gatewatch reads.`,
        `If ${name} is your router or firewall, set it to send its firewall (traffic) log; if its make is not in the list of `
        + `supported boxes, see whether it can send CEF or LEEF. The lines below show what it sends now.`];
    case 'stopped':
      return [`${name} was understood${make ? ` (${makeName(make)})` : ''} until ${iso(s.lastEventMs).slice(0, 16).replace('T', ' ')} UTC, `
        + `but none of the ${n(s.linesSinceEvent)} lines it has sent since is: its log format or settings have changed (a firmware update?).`,
      `Check that it still logs the firewall's decisions; the lines below show what it sends now.`];
    default:
      return undefined;
  }
}
