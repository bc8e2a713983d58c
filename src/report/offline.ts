/**
 * Offline reports for the command line: `gatewatch analyze --html FILE [--pdf FILE]` feeds every
 * enriched event into a RollupAccumulator (AnalyzeOptions.onEvent) and, at the end, calls
 * writeOfflineReport with the incidents and the period of the input.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Incident } from '../detect/incident';
import { buildReport, ReportData, ReportSender, ReportSite } from './build';
import { renderHtml } from './html';
import type { RollupAccumulator } from './rollup';

export interface OfflineInput {
  incidents: Incident[];
  /** The accumulator that saw every event (offline: never drained). */
  rollups: RollupAccumulator;
  from: number | string | Date;
  to: number | string | Date;
  site?: ReportSite;
  /** The senders the offline pipeline judged (AnalyzeResult.senders): boxes not understood are named. */
  senders?: ReportSender[];
}

export interface OfflineOutputs {
  html?: string;
  pdf?: string;
  json?: string;
  /** Chromium for the PDF (default /usr/bin/chromium or GATEWATCH_CHROMIUM). */
  chromium?: string;
}

/** The period of an offline run: whole hours around the events seen. */
export function offlinePeriod(from: string | undefined, to: string | undefined): { from: number; to: number } {
  const H = 3600000;
  const f = from ? Date.parse(from) : Date.now();
  const t = to ? Date.parse(to) : f;
  return { from: Math.floor(f / H) * H, to: Math.floor(t / H) * H + H };
}

export async function writeOfflineReport(input: OfflineInput, out: OfflineOutputs): Promise<ReportData> {
  const report = buildReport({ from: input.from, to: input.to, incidents: input.incidents, rollups: input.rollups.snapshot(), site: input.site, kind: 'custom', senders: input.senders });
  const html = renderHtml(report, { charts: 'svg' }).html;
  if (out.html) {
    mkdirSync(dirname(out.html), { recursive: true });
    writeFileSync(out.html, html);
  }
  if (out.json) {
    mkdirSync(dirname(out.json), { recursive: true });
    writeFileSync(out.json, JSON.stringify(report, null, 1));
  }
  if (out.pdf) await htmlToPdf(html, out.pdf, out.chromium);
  return report;
}

/**
 * Print HTML to PDF with a local Chromium through playwright-core (a development dependency: when it
 * or Chromium is missing, this throws a clear error and the HTML is still written).
 */
export async function htmlToPdf(html: string, path: string, chromium?: string): Promise<void> {
  const exe = chromium || process.env.GATEWATCH_CHROMIUM || '/usr/bin/chromium';
  let pw: { chromium: { launch(o: object): Promise<any> } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pw = require('playwright-core');
  } catch {
    throw new Error('PDF needs the playwright-core package and Chromium; write --html instead, or install them');
  }
  const browser = await pw.chromium.launch({
    executablePath: exe, headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    // Nothing leaves the machine while printing.
    await page.route('**/*', (route: any) => (/^(data|file|about):/.test(route.request().url()) ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load' });
    mkdirSync(dirname(path), { recursive: true });
    await page.pdf({ path, format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
  }
}
