/** Incidents as CSV (RFC 4180), safe to open in a spreadsheet. */
import type { ReportData } from './build';

/** Quote a CSV cell; cells that a spreadsheet would run as a formula get a leading apostrophe. */
export function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  if (s.length && '=+-@\t\r'.includes(s[0]!) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const INCIDENT_CSV_COLUMNS = [
  'severity', 'type', 'first_seen', 'last_seen', 'attacker', 'country', 'network', 'events', 'let_through', 'ports', 'victims', 'summary', 'advice', 'id',
];

export function renderIncidentsCsv(r: ReportData): string {
  const lines = [INCIDENT_CSV_COLUMNS.join(',')];
  for (const i of r.allIncidents) {
    lines.push([i.severity, i.type, i.firstSeen, i.lastSeen, i.attacker, i.country, i.network, i.events, i.allowed, i.ports, i.victims, i.summary, i.advice, i.id]
      .map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
