/** One entry point for every share format (used by the CLI and the share node). */
import type { ShareSummary } from './anonymise';
import { toCsv, toJsonRows } from './csv';
import { toMisp } from './misp';
import { toStix } from './stix';

export const FORMATS = ['summary', 'stix', 'misp', 'csv', 'json'] as const;
export type ShareFormat = (typeof FORMATS)[number];

export function isFormat(f: string): f is ShareFormat {
  return (FORMATS as readonly string[]).includes(f);
}

/** The export as text: STIX bundle / MISP event (JSON), CSV, JSON rows, or summaries as NDJSON. */
export function renderExport(summaries: ShareSummary[], format: ShareFormat, opts: { member?: string } = {}): string {
  switch (format) {
    case 'stix': return JSON.stringify(toStix(summaries), null, 2) + '\n';
    case 'misp': return JSON.stringify(toMisp(summaries, { member: opts.member }), null, 2) + '\n';
    case 'csv': return toCsv(summaries);
    case 'json': return toJsonRows(summaries);
    case 'summary': return summaries.map((s) => JSON.stringify(s) + '\n').join('');
  }
}

/** The export as a value for msg.payload: objects for stix/misp/json/summary, text for csv. */
export function exportValue(summaries: ShareSummary[], format: ShareFormat, opts: { member?: string } = {}): unknown {
  switch (format) {
    case 'stix': return toStix(summaries);
    case 'misp': return toMisp(summaries, { member: opts.member });
    case 'csv': return toCsv(summaries);
    case 'json': return JSON.parse(toJsonRows(summaries));
    case 'summary': return summaries;
  }
}
