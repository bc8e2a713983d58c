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
  | 'exposed-service' | 'research-scanner'
  /** Not an attack: a gateway that logged steadily went silent (src/detect/silence.ts). */
  | 'log-silence' | (string & {});

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

/**
 * What an inbound incident attacks: the type, the machine and, for password guessing and an exposed service,
 * the port (guessing at RDP and at SSH on one machine are two stories); a sweep crosses machines, so its port
 * alone. Many attackers with one target are one thing for the owner to fix (the alert engine gathers them into
 * summaries, the report into one line). Outbound incidents (our machine calling out) are about the outside
 * address itself: null, as for anything without a machine.
 */
export function incidentTarget(inc: Incident): string | null {
  if (inc.direction === 'outbound' || inc.type === 'known-bad-outbound' || inc.type === 'beacon') return null;
  const v = Array.isArray(inc.victims) ? inc.victims[0] : undefined;
  if (!v || typeof v.ip !== 'string') return null;
  const port = Array.isArray(v.ports) && typeof v.ports[0] === 'number' ? v.ports[0] : '';
  const type = String(inc.type).slice(0, 64);
  if (type === 'sweep') return port === '' ? null : `sweep||${port}`;
  const withPort = type === 'bruteforce' || type === 'exposed-service';
  return `${type}|${v.ip.slice(0, 64)}|${withPort ? port : ''}`;
}

/** The target of incidentTarget() in words: "192.168.1.60 (port 3389)", or for a sweep "port 445 of your machines". */
export function targetWords(inc: Incident): string {
  const v = Array.isArray(inc.victims) ? inc.victims[0] : undefined;
  const port = v && Array.isArray(v.ports) && typeof v.ports[0] === 'number' ? v.ports[0] : undefined;
  if (inc.type === 'sweep' || !v || typeof v.ip !== 'string') return port !== undefined ? `port ${port} of your machines` : 'your machines';
  const withPort = inc.type === 'bruteforce' || inc.type === 'exposed-service';
  return `${v.ip.slice(0, 60)}${withPort && port !== undefined ? ` (port ${port})` : ''}`;
}
