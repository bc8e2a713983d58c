/** What every detector implements, and what the engine gives it. */
import type { DetectConfig } from './config';
import type { Describer, OpenIncident, Technique } from './incidents';
import type { Obs } from './obs';
import type { Profile } from './profile';

export interface Ctx {
  readonly cfg: DetectConfig;
  /** The remote source's profile when this event is inbound (or internal with includeInternal), else null. */
  profile: Profile | null;
  /** Scan kind of this event (index into SCAN_KINDS). */
  kind: number;
  /** Open incident for `key`, or a new one (null when the attacker is a research scanner being ignored). */
  incident(key: string, type: string, o: Obs, attackerSide: 'source' | 'destination'): OpenIncident | null;
  /** The open incident for `key`, if it is still current at time t. */
  find(key: string, t: number): OpenIncident | undefined;
  /** True when this open incident is still current at time t (closes it when it went quiet); no table lookup. */
  current(inc: OpenIncident, t: number): boolean;
  /** An incident has changed: send it now or later, by the update rule. */
  changed(inc: OpenIncident, t: number): void;
}

export interface IncidentKind {
  technique: Technique;
  describe: Describer;
  /** Research scanners are reported as such for this kind. */
  reconnaissance?: boolean;
}

/** What an event must have for a detector to look at it (the engine skips the others). */
export const NEEDS_PROFILE = 1, NEEDS_OUTBOUND_ALLOWED = 2, NEEDS_REPUTATION = 4;
/** An inbound event with a source profile that the firewall allowed. */
export const NEEDS_ALLOWED_PROFILE = 8;

export interface Detector {
  /** Config section name. */
  readonly id: string;
  /**
   * NEEDS_* bits, any of which lets an event through (0 or absent: every event). A cheap test the
   * detector's own first lines would reject anyway, so skipping it changes nothing.
   */
  readonly needs?: number;
  /**
   * Destination ports this detector looks at (ports[p] === 1), when it looks at no others: events to
   * other ports, and events without a port, are not given to it. Same rule as `needs`: only what
   * the detector's first lines would reject anyway.
   */
  readonly ports?: Uint8Array;
  process(o: Obs, ctx: Ctx): void;
  /** Sizes of this detector's tables (stats, tests of the caps). */
  tables(): Record<string, number>;
  /** A source profile slot is being freed (evicted): drop what the detector keeps for it. */
  release?(p: Profile): void;
}

export interface DetectorDef {
  id: string;
  /** Incident types this detector emits. */
  kinds: Record<string, IncidentKind>;
  create(cfg: DetectConfig): Detector;
}
