import type { RecordReader, RecordWriter } from '../codec/event-codec';
import type { GwEvent } from '../event';
import type { SyslogHeader } from '../syslog/header';

export interface ParseContext {
  /** Timezone for zoneless timestamps in the body (the header's are already resolved). */
  tz: string;
  /** Reference time for inferring missing years (ms since epoch). */
  refMs: number;
  /** When the line arrived, used when the line carries no time at all. */
  receivedMs: number;
}

/**
 * One vendor format. `detect` is a cheap test on fixed positions or markers; `parse` builds the event
 * or returns null for a line of this vendor that is not a network event (config change, VPN login …).
 */
export interface VendorParser {
  /** Stable id, used by --format and as event.dataset (prefixed "gatewatch."). */
  id: string;
  /** Human name for the editor and README. */
  title: string;
  /**
   * How to make this make of box log the firewall's decisions (what an owner is told when it sends only
   * system notices): a clause that completes "Turn on logging of the firewall's decisions: …".
   */
  logHint: string;
  detect(h: SyslogHeader): boolean;
  /**
   * Optional: the sending box's name for a line this parser took, where the header's host position may hold
   * something else (pfirewall.log's "2026-11-23 10:00:00 DROP …" reads as host "DROP"). Default: h.hostname.
   */
  hostOf?(h: SyslogHeader): string | undefined;
  parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null;
  /** Optional: the analyze worker's fast path (see VendorRecord). */
  record?: VendorRecord;
}

/**
 * A parser's events as records of the analyze worker's batches (src/codec/event-codec.ts), for a thread
 * that would only encode the event to hand it to another: `read` does parse()'s work without building the
 * event (true when parse() would return one, the parser keeping what it read), `write` writes that into a
 * record, and `build`, on the thread that decodes, reads the record back and builds the very event
 * parse() returns (deep-equal, same key order; build never throws).
 */
export interface VendorRecord {
  /** event.dataset of every event of the parser. */
  dataset: string;
  read(h: SyslogHeader, ctx: ParseContext): boolean;
  write(w: RecordWriter): void;
  build(r: RecordReader): GwEvent;
}
