import { basename } from 'node:path';
import type { GwEvent } from '../event';
import type { LineParser } from '../parsers/registry';
import type { VendorParser } from '../parsers/types';
import { SenderWatch } from '../syslog/sender-watch';
import { msOfIso } from '../syslog/time';

/**
 * A sender watch fed as the offline pipeline reads: a line's sender is the host name in it, else the name of
 * the file it came from; a line that is not an event is placed at the time of the last event read.
 */
export class OfflineSenders {
  readonly watch = new SenderWatch();
  /** The name of the input being read (a file's base name). */
  source = 'input';
  private lastMs = NaN;

  note(parser: LineParser, line: string, ev: GwEvent | VendorParser | null): void {
    if (ev !== null && (ev as GwEvent)['@timestamp'] !== undefined) {
      const t = msOfIso((ev as GwEvent)['@timestamp']);
      if (t === t) this.lastMs = t;
    }
    this.watch.observe(parser.lastHost ?? this.source, parser.lastClaim, ev !== null, line, this.lastMs);
  }

  /** For a file (its path). */
  reading(file: string): void {
    this.source = file === '-' ? 'standard input' : basename(file);
  }
}
