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
  detect(h: SyslogHeader): boolean;
  parse(h: SyslogHeader, ctx: ParseContext): GwEvent | null;
}
