/**
 * The incident: what `detect` emits (DESIGN.md). Shared by detect, report, alert and share.
 */
import type { GeoFields, ThreatEnrichment } from '../event';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type IncidentType =
  | 'portscan' | 'sweep' | 'bruteforce' | 'known-bad-inbound' | 'known-bad-outbound' | 'beacon' | 'flood'
  | 'exposed-service' | 'research-scanner' | (string & {});

export interface Party {
  ip: string;
  geo?: GeoFields;
  as?: { number?: number; organization?: { name?: string } };
  address_scope?: string;
  reputation?: ThreatEnrichment[];
  /** A well-known research scanner (Shodan, Censys …), when recognised. */
  known_scanner?: string;
  /**
   * IPv6: the network (by default the /64) whose addresses were counted as this one attacker; `ip` is the first
   * address seen, `details.source_addresses` how many of its addresses took part.
   */
  network?: string;
}

export interface Victim {
  ip: string;
  ports: number[];
  /** How many events involved this victim. */
  count?: number;
}

export interface Incident {
  /** Stable for the same attacker, type and window: updates of a growing incident keep it. */
  id: string;
  type: IncidentType;
  subtype?: string;
  severity: Severity;
  score: number;
  confidence: 'low' | 'medium' | 'high';
  attacker: Party;
  victims: Victim[];
  first_seen: string;
  last_seen: string;
  event_count: number;
  /** Events the firewall allowed (a scan that got answers, a login that got through …). */
  allowed_count?: number;
  /** Transport protocols seen. */
  transports?: string[];
  /** Destination ports seen (capped list, most frequent first). */
  ports?: number[];
  direction?: 'inbound' | 'outbound' | 'internal' | 'external';
  mitre: { technique: { id: string; name: string }; tactic: string };
  summary: string;
  advice: string;
  /** Which gateways reported it (observer.hostname / syslog sender). */
  observers?: string[];
  /** 'new' the first time, 'update' when it grew, 'repeat' for a re-alert of the same attacker. */
  status?: 'new' | 'update' | 'repeat';
  /** Extra, type-specific facts (scan rate, beacon period …). */
  details?: Record<string, unknown>;
}
