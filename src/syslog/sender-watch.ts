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
 * Bounded to 256 senders (the first seen are dropped first; counted). `snapshot()`/`restore()` carry it over a
 * restart (else a report sent at start-up, or a box that changed format while Node-RED was down, starts from
 * nothing). No Node-RED import.
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

/** A watch as JSON (what `snapshot` writes and `restore` reads back; times in ms, null for "not known"). */
export interface SenderSnapshot {
  version: 1;
  dropped: number;
  senders: {
    sender: string; lines: number; events: number; claimed: Record<string, number>; formats: Record<string, number>;
    firstMs: number | null; lastMs: number | null; lastEventMs: number | null; linesSinceEvent: number;
    samples: string[]; verdict: SenderVerdict;
  }[];
}

const VERDICTS: readonly SenderVerdict[] = ['understood', 'no-connections', 'not-understood', 'stopped', 'waiting'];

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

  /** Whether any sender is understood (its connections read), this run or before a restart. */
  hasUnderstood(): boolean {
    for (const s of this.senders.values()) if (s.verdict === 'understood') return true;
    return false;
  }

  /** Senders with a problem now (not understood, no connections, stopped). */
  problems(): SenderReport[] {
    const out: SenderReport[] = [];
    for (const [name, s] of this.senders) if (isProblem(s.verdict)) out.push(report(name, s));
    return out;
  }

  /** Everything the watch knows, as plain JSON. */
  snapshot(): SenderSnapshot {
    const senders: SenderSnapshot['senders'] = [];
    const ids = (m: Map<MakeInfo, number>) => { const o: Record<string, number> = {}; for (const [k, c] of m) o[k.id] = c; return o; };
    const ms = (x: number) => (x === x ? x : null);
    for (const [name, s] of this.senders) {
      senders.push({
        sender: name, lines: s.lines, events: s.events, claimed: ids(s.claimed), formats: ids(s.formats),
        firstMs: ms(s.firstMs), lastMs: ms(s.lastMs), lastEventMs: ms(s.lastEventMs), linesSinceEvent: s.linesSinceEvent,
        samples: s.samples.slice(), verdict: s.verdict,
      });
    }
    return { version: 1, dropped: this.dropped, senders };
  }

  /**
   * Takes back what `snapshot` wrote (a file from disk: anything may be in it). Entries that do not make sense are
   * skipped and counted, a make no longer known (`makeOf` undefined) is forgotten; senders already seen by this
   * watch keep what they have. Throws only when `data` is not a snapshot at all.
   */
  restore(data: unknown, makeOf: (id: string) => MakeInfo | undefined): { restored: number; skipped: number } {
    const d = data as Partial<SenderSnapshot> | null;
    if (d === null || typeof d !== 'object' || d.version !== 1 || !Array.isArray(d.senders)) throw new Error('not a gatewatch sender list (version 1)');
    let restored = 0, skipped = 0;
    for (const e of d.senders.slice(0, MAX_SENDERS)) {
      const s = senderFrom(e, makeOf);
      if (s === null) { skipped++; continue; }
      const name = (e as { sender: string }).sender;
      if (this.senders.has(name) || this.senders.size >= MAX_SENDERS) { skipped++; continue; }
      this.senders.set(name, s);
      restored++;
    }
    skipped += Math.max(0, d.senders.length - MAX_SENDERS);
    if (count(d.dropped)) this.dropped += d.dropped as number;
    return { restored, skipped };
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

function count(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function msOrNaN(x: unknown): number | undefined {
  if (x === null) return NaN;
  return typeof x === 'number' && Number.isFinite(x) && Math.abs(x) < 1e14 ? x : undefined;
}

/** One snapshot entry back as a Sender, or null when any part of it is not what snapshot() writes. */
function senderFrom(e: unknown, makeOf: (id: string) => MakeInfo | undefined): Sender | null {
  if (e === null || typeof e !== 'object') return null;
  const x = e as Record<string, unknown>;
  if (typeof x.sender !== 'string' || x.sender.length === 0 || x.sender.length > 300) return null;
  if (!count(x.lines) || !count(x.events) || !count(x.linesSinceEvent) || (x.events as number) > (x.lines as number)) return null;
  if (typeof x.verdict !== 'string' || !VERDICTS.includes(x.verdict as SenderVerdict)) return null;
  const first = msOrNaN(x.firstMs), last = msOrNaN(x.lastMs), lastEvent = msOrNaN(x.lastEventMs);
  if (first === undefined || last === undefined || lastEvent === undefined) return null;
  if (!Array.isArray(x.samples) || x.samples.length > SAMPLES || !x.samples.every((l) => typeof l === 'string')) return null;
  const s = new Sender(first);
  s.lastMs = last;
  s.lines = x.lines as number;
  s.events = x.events as number;
  s.linesSinceEvent = x.linesSinceEvent as number;
  s.lastEventMs = lastEvent;
  s.verdict = x.verdict as SenderVerdict;
  for (const [field, into] of [[x.claimed, s.claimed], [x.formats, s.formats]] as const) {
    if (field === null || typeof field !== 'object' || Array.isArray(field)) return null;
    for (const [id, c] of Object.entries(field)) {
      if (!count(c)) return null;
      const make = makeOf(id);
      if (make !== undefined) into.set(make, c as number);
    }
  }
  for (const line of x.samples as string[]) {
    // (through printable() again: the file may have been edited, and the editor shows these lines; a sample cut to
    // 300 characters and "…" comes out the same)
    const clean = printable(line);
    s.samples.push(clean);
    s.shapes.push(shapeOf(clean));
  }
  return s;
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

/** A line's kind: its first 160 characters once digits are dropped (see keepSample). */
function shapeOf(line: string): string {
  return (line.length > 200 ? line.slice(0, 200) : line).replace(/[0-9]+/g, '').slice(0, 160);
}

function keepSample(s: Sender, line: string, atMs: number): void {
  // Two lines are "the same kind" when their first 160 characters agree once digits are dropped: times,
  // addresses and ids differ, the words (a FortiGate's logdesc, a daemon's name) do not.
  const shape = shapeOf(line);
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
