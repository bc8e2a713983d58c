/**
 * All vendor parsers behind one entry point. Adding a vendor = one file + one line in PARSERS.
 *
 * Auto-detection asks each parser's cheap `detect` in order; the parser that matched the previous line
 * from the same sender is asked first, since a stream almost always comes from one kind of box.
 */
import type { GwEvent } from '../event';
import { HeaderOptions, parseHeader, SyslogHeader } from '../syslog/header';
import { defaultTimezone } from '../syslog/time';
import { netfilter } from './netfilter';
import { juniperSrx } from './juniper-srx';
import { sonicwall } from './sonicwall';
import { sophos } from './sophos';
import { watchguard } from './watchguard';
import { mikrotik } from './mikrotik';
import { barracuda } from './barracuda';
import { windowsFirewall } from './windows-firewall';
import { zyxel } from './zyxel';
import { draytek } from './draytek';
import { stormshield } from './stormshield';
import { clavister } from './clavister';
import { peplink } from './peplink';
import { netscreen } from './netscreen';
import { lancom } from './lancom';
import { f5Bigip } from './f5-bigip';
import { ekinops } from './ekinops';
import { cef } from './cef';
import { leef } from './leef';
import { pfsense } from './pfsense';
import { ciscoAsa } from './cisco-asa';
import { ciscoIos } from './cisco-ios';
import { meraki } from './meraki';
import { fortigate } from './fortigate';
import { paloalto } from './paloalto';
import { checkpoint } from './checkpoint';
import { snort } from './snort';
import { netflowJson } from './netflow-json';
import type { ParseContext, VendorParser } from './types';

/** Order matters only for speed and for formats that could look alike: most specific first. */
export const PARSERS: VendorParser[] = [
  ciscoAsa,
  ciscoIos,
  meraki,
  fortigate,
  paloalto,
  checkpoint,
  snort,
  pfsense,
  netfilter,
  juniperSrx,
  sonicwall,
  sophos,
  watchguard,
  mikrotik,
  barracuda,
  windowsFirewall,
  zyxel,
  draytek,
  stormshield,
  clavister,
  peplink,
  netscreen,
  lancom,
  f5Bigip,
  ekinops,
  cef,
  leef,
  netflowJson,
];

/** The parsers with a record (VendorParser.record), in a fixed order: a record's kind is its index here. */
export const RECORD_PARSERS: readonly VendorParser[] = PARSERS.filter((p) => p.record !== undefined);

export function parserById(id: string): VendorParser | undefined {
  return PARSERS.find((p) => p.id === id);
}

export interface LineParserOptions {
  /** 'auto' or a parser id. */
  format?: string;
  /** Timezone for zoneless timestamps. */
  tz?: string;
  /** Reference time for a missing year; default: the receive time of each line. */
  refMs?: number;
  /** Keep the raw line in event.original. */
  keepOriginal?: boolean;
  /** Lines longer than this are refused (counted as too long). */
  maxLength?: number;
}

export interface ParseStats {
  lines: number;
  events: number;
  unrecognised: number;
  /** Lines that made a parser throw: a bug or hostile input; counted, never fatal. */
  errors: number;
  tooLong: number;
  lastError?: string;
  byFormat: Record<string, number>;
}

export const DEFAULT_MAX_LENGTH = 64 * 1024;

/** "2026-12-03 09…": a date, a space and a time at the start of a line. */
function isoSpaceDate(l: string): boolean {
  return l.length > 13 && l.charCodeAt(4) === 45 && l.charCodeAt(7) === 45 && l.charCodeAt(10) === 32
    && l.charCodeAt(13) === 58 && l.charCodeAt(0) >= 48 && l.charCodeAt(0) <= 57;
}
const MARK_LEN = 16;

export class LineParser {
  readonly stats: ParseStats = { lines: 0, events: 0, unrecognised: 0, errors: 0, tooLong: 0, byFormat: {} };
  private readonly forced?: VendorParser;
  private readonly tz: string;
  private readonly refMs?: number;
  private readonly keepOriginal: boolean;
  private readonly maxLength: number;
  private last: VendorParser | undefined;
  private readonly byHost = new Map<string, VendorParser>();
  /** The last byHost lookup (key and answer), valid until byHost changes: one box sends most lines. */
  private lastHostKey: string | undefined;
  private lastHostParser: VendorParser | undefined;
  /** The parser that last recognised a message with these first characters (bounded), for mixed streams. */
  private readonly byMark = new Map<string, VendorParser>();
  private readonly ctx: ParseContext;
  /** Header options, reused: one object per parser, not per line. */
  private readonly hopts: HeaderOptions;

  constructor(opts: LineParserOptions = {}) {
    const fmt = opts.format ?? 'auto';
    if (fmt !== 'auto') {
      const p = parserById(fmt);
      if (!p) throw new Error(`unknown format "${fmt}"; known: auto, ${PARSERS.map((x) => x.id).join(', ')}`);
      this.forced = p;
    }
    this.tz = opts.tz ?? defaultTimezone();
    this.refMs = opts.refMs;
    this.keepOriginal = opts.keepOriginal ?? false;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    this.ctx = { tz: this.tz, refMs: 0, receivedMs: 0 };
    this.hopts = { tz: this.tz, refMs: 0 };
  }

  /**
   * The parser that took the last line as its own (its detect() said so), whether or not the line was a
   * network event: a FortiGate system notice gives null but `fortigate` here, a line of no known make gives
   * undefined. (What tells an owner "your box is understood but logs no connections" from "not understood".)
   */
  lastClaim: VendorParser | undefined = undefined;
  /** The host name in the last line's syslog header, if it had one. */
  lastHost: string | undefined = undefined;

  /** Parse one line. Returns the event or null (not a network event / not recognised). Never throws. */
  parse(rawLine: string, receivedMs = Date.now()): GwEvent | null {
    return this.run(rawLine, receivedMs, false) as GwEvent | null;
  }

  /**
   * parse(), except that a line read by a parser with a record (VendorParser.record, the analyze worker's
   * fast path) gives that parser instead of the event: its record is then ready to write, until the next
   * line. (With keepOriginal, every line gives its event.)
   */
  parseOrRead(rawLine: string, receivedMs = Date.now()): GwEvent | VendorParser | null {
    return this.run(rawLine, receivedMs, !this.keepOriginal);
  }

  private run(rawLine: string, receivedMs: number, lazy: boolean): GwEvent | VendorParser | null {
    this.stats.lines++;
    this.lastClaim = undefined;
    this.lastHost = undefined;
    let line = rawLine;
    if (line.length > this.maxLength) {
      this.stats.tooLong++;
      this.stats.unrecognised++;
      return null;
    }
    // Trailing CR/LF and NULs from careless senders.
    let end = line.length;
    while (end > 0) {
      const c = line.charCodeAt(end - 1);
      if (c === 10 || c === 13 || c === 0) end--;
      else break;
    }
    if (end !== line.length) line = line.slice(0, end);
    try {
      const ctx = this.ctx;
      ctx.receivedMs = receivedMs;
      ctx.refMs = this.refMs ?? receivedMs;
      const hopts = this.hopts;
      hopts.refMs = ctx.refMs;
      const h = parseHeader(line, hopts);
      const ev = this.dispatch(h, ctx, lazy);
      const claim = this.lastClaim as VendorParser | undefined; // (set by dispatch)
      this.lastHost = claim !== undefined ? (claim.hostOf !== undefined ? claim.hostOf(h) : h.hostname)
        // (an application's own log, "2026-12-03 09:00:00 Could not …", reads as host "Could": no syslog header
        // says so, and a line no parser took has no other witness)
        : h.pri === undefined && isoSpaceDate(line) ? undefined : h.hostname;
      if (ev) {
        const read = ev === this.readBy;
        if (this.keepOriginal && !read) (ev as GwEvent).event.original = line;
        this.stats.events++;
        const byFormat = this.stats.byFormat;
        const ds = read ? (ev as VendorParser).record!.dataset : (ev as GwEvent).event.dataset;
        byFormat[ds] = (byFormat[ds] ?? 0) + 1;
        return ev;
      }
    } catch (err) {
      this.stats.errors++;
      this.stats.lastError = (err as Error)?.message ?? String(err);
    }
    this.stats.unrecognised++;
    return null;
  }

  /** The parser a lazy run() returned (its record read), else undefined. */
  private readBy: VendorParser | undefined;

  /** p.parse(), or with `lazy` and a parser that has a record, p when its read() recognises the line. */
  private parseWith(p: VendorParser, h: SyslogHeader, ctx: ParseContext, lazy: boolean): GwEvent | VendorParser | null {
    if (lazy) {
      const r = p.record;
      if (r !== undefined) {
        if (!r.read(h, ctx)) return null;
        this.readBy = p;
        return p;
      }
    }
    return p.parse(h, ctx);
  }

  private dispatch(h: SyslogHeader, ctx: ParseContext, lazy: boolean): GwEvent | VendorParser | null {
    this.readBy = undefined;
    if (this.forced) {
      if (!this.forced.detect(h)) return null;
      this.lastClaim = this.forced;
      return this.parseWith(this.forced, h, ctx, lazy);
    }
    // Several boxes may feed one parser: remember the format per sending host (bounded). A line with no
    // host (or a host not seen yet) tries the parser that last read a message starting with the same 16
    // characters (enough to tell "CEF:0|Fortinet|" from "CEF:0|Check Point|"), else the last one used.
    const hostKey = h.hostname ?? h.appName;
    let first: VendorParser | undefined;
    if (hostKey !== undefined) {
      if (hostKey === this.lastHostKey) first = this.lastHostParser;
      else {
        first = this.byHost.get(hostKey);
        this.lastHostKey = hostKey;
        this.lastHostParser = first;
      }
    }
    let markKey = '';
    let mark: VendorParser | undefined;
    if (first === undefined) {
      const m = h.message;
      markKey = m.length <= MARK_LEN ? m : m.slice(0, MARK_LEN);
      mark = this.byMark.get(markKey);
      first = mark ?? this.last;
    }
    let claimed = false;
    if (first !== undefined && first.detect(h)) {
      this.lastClaim = first;
      const ev = this.parseWith(first, h, ctx, lazy);
      if (ev) {
        if (first === mark && mark !== undefined) {
          this.last = mark;
          if (hostKey !== undefined) this.remember(hostKey, mark);
        }
        return ev;
      }
      claimed = true;
    }
    if (markKey === '') {
      const m = h.message;
      markKey = m.length <= MARK_LEN ? m : m.slice(0, MARK_LEN);
    }
    // Only a parser that was the first to claim the line is remembered for its first characters: one
    // that won because a more specific parser claimed the line but failed on it (a damaged line) is not,
    // nor the generic CEF/LEEF readers, which must not take lines from a vendor's own parser.
    for (const p of PARSERS) {
      if (p === first || !p.detect(h)) continue;
      const ev = this.parseWith(p, h, ctx, lazy);
      if (!ev) {
        if (!claimed) this.lastClaim = p;
        claimed = true;
        continue;
      }
      this.lastClaim = p;
      if (!claimed && p !== cef && p !== leef) {
        if (this.byMark.size >= 4096) this.byMark.clear();
        this.byMark.set(markKey, p);
      }
      this.last = p;
      if (hostKey !== undefined) this.remember(hostKey, p);
      return ev;
    }
    return null;
  }

  private remember(hostKey: string, p: VendorParser): void {
    if (this.byHost.size >= 4096) this.byHost.clear();
    this.byHost.set(hostKey, p);
    this.lastHostKey = undefined;
  }
}
