/**
 * Everything a report delivers, in one call: HTML (email variant with a CID chart, file variant with
 * inline SVG), text, incidents CSV, JSON, and nodemailer-style attachments.
 */
import type { ReportData } from './build';
import { localParts } from './schedule';
import { renderIncidentsCsv } from './csv';
import { renderHtml, InlineImage } from './html';
import { renderText } from './text';

export interface Attachment {
  filename: string;
  content: string | Buffer;
  contentType: string;
  cid?: string;
}

export interface RenderedReport {
  subject: string;
  /** HTML for email (chart as a CID-referenced PNG attachment). */
  emailHtml: string;
  /** HTML for a file or a browser (chart as inline SVG). */
  fileHtml: string;
  text: string;
  csv: string;
  json: string;
  /** nodemailer attachments: the chart PNG (cid), incidents CSV, report JSON. */
  attachments: Attachment[];
  images: InlineImage[];
}

/** Incidents carried in the JSON attachment (all of them are in the CSV). */
export const JSON_MAX_INCIDENTS = 2000;

/** The report data as JSON; the incident list is capped (see incidentsTotal; the CSV has them all). */
export function reportJson(r: ReportData): string {
  const { incidents: _listed, allIncidents, ...rest } = r;
  return JSON.stringify({ ...rest, allIncidents: allIncidents.slice(0, JSON_MAX_INCIDENTS), allIncidentsTruncated: allIncidents.length > JSON_MAX_INCIDENTS });
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * File name stem: the local start date in the site's time zone, e.g. "gatewatch-weekly-2026-11-16".
 * A period that does not end at local midnight (an on-demand "last 7 days") also gets its end, so it
 * never overwrites the scheduled report: "gatewatch-weekly-2026-11-16-to-2026-11-23-2043".
 */
export function fileStem(r: ReportData): string {
  const tz = r.site.timezone;
  const a = localParts(Date.parse(r.period.from), tz), b = localParts(Date.parse(r.period.to), tz);
  const day = (p: typeof a) => `${p.y}-${pad(p.m + 1)}-${pad(p.d)}`;
  const end = b.h === 0 && b.mi === 0 ? '' : `-to-${day(b)}-${pad(b.h)}${pad(b.mi)}`;
  return `gatewatch-${r.period.kind}-${day(a)}${end}`;
}

export function renderAll(r: ReportData): RenderedReport {
  const email = renderHtml(r, { charts: 'cid' });
  const file = renderHtml(r, { charts: 'svg' });
  const csv = renderIncidentsCsv(r);
  const json = reportJson(r);
  const stem = fileStem(r);
  const attachments: Attachment[] = [
    ...email.images.map((i) => ({ filename: i.filename, content: i.content, contentType: i.contentType, cid: i.cid })),
    { filename: `${stem}-incidents.csv`, content: csv, contentType: 'text/csv; charset=utf-8' },
    { filename: `${stem}.json`, content: json, contentType: 'application/json' },
  ];
  return { subject: r.subject, emailHtml: email.html, fileHtml: file.html, text: renderText(r), csv, json, attachments, images: email.images };
}
