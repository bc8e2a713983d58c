/**
 * Shared summaries → flat rows for spreadsheets: CSV (RFC 4180 quoting) and JSON rows.
 * A cell that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) is
 * prefixed with a single quote, so a crafted AS name can't become a formula on the reader's machine.
 */
import type { ShareSummary } from './anonymise';

export const COLUMNS = [
  'member', 'summary_id', 'type', 'subtype', 'severity', 'score', 'confidence', 'direction', 'attacker_ip', 'country', 'asn', 'as_org',
  'known_scanner', 'mitre_technique', 'mitre_name', 'mitre_tactic', 'transports', 'ports', 'victims', 'event_count', 'allowed_count',
  'first_hour', 'last_hour', 'text', 'attacker_network',
] as const;
export type Row = Record<(typeof COLUMNS)[number], string | number>;

export function toRows(summaries: ShareSummary[]): Row[] {
  return summaries.map((s) => ({
    member: s.member, summary_id: s.id, type: s.type, subtype: s.subtype ?? '', severity: s.severity, score: s.score,
    confidence: s.confidence, direction: s.direction ?? '', attacker_ip: s.attacker.ip, country: s.attacker.country ?? '',
    asn: s.attacker.asn ?? '', as_org: s.attacker.as_org ?? '', known_scanner: s.attacker.known_scanner ?? '',
    mitre_technique: s.mitre.technique.id, mitre_name: s.mitre.technique.name, mitre_tactic: s.mitre.tactic,
    transports: (s.transports ?? []).join(';'), ports: (s.ports ?? []).join(';'), victims: s.victims.count,
    event_count: s.event_count, allowed_count: s.allowed_count ?? 0, first_hour: s.first_hour, last_hour: s.last_hour, text: s.text,
    attacker_network: s.attacker.network ?? '',
  }));
}

/** One CSV cell: formula guard, then RFC 4180 quoting when needed. */
export function csvCell(v: string | number): string {
  let t = typeof v === 'number' ? String(v) : v;
  if (typeof v === 'string' && t.length > 0) {
    const c = t.charCodeAt(0);
    if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) t = `'${t}`;
  }
  if (/[",\r\n]/.test(t) || (t.length > 0 && (t[0] === ' ' || t[t.length - 1] === ' '))) t = `"${t.replace(/"/g, '""')}"`;
  return t;
}

export function toCsv(summaries: ShareSummary[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of toRows(summaries)) lines.push(COLUMNS.map((c) => csvCell(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function toJsonRows(summaries: ShareSummary[]): string {
  return JSON.stringify(toRows(summaries), null, 2) + '\n';
}
