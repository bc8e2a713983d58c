/**
 * The HTML report in a real headless Chromium: charts present, nothing fetched from outside, and a
 * screenshot saved under test-output/screenshots/ for a human to look at.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../src/report/build';
import { renderHtml } from '../../src/report/html';
import { RollupAccumulator } from '../../src/report/rollup';
import { monthlyPeriod } from '../../src/report/schedule';
import { ROOT } from '../helpers/fixtures';
import { genEvents, genIncidents } from '../helpers/reportdata';

const CHROMIUM = process.env.GATEWATCH_CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-output', 'screenshots');
const DAY = 86400000;

describe('report HTML in headless Chromium', function () {
  this.timeout(90000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.GATEWATCH_BROWSER_REQUIRED === '1') throw new Error(`${CHROMIUM} not found and GATEWATCH_BROWSER_REQUIRED=1`);
      console.log(`    (skipped: no Chromium at ${CHROMIUM}; set GATEWATCH_CHROMIUM or install chromium)`);
      this.skip();
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    if (browser) await browser.close();
  });

  async function show(html: string, name: string): Promise<{ external: string[]; page: any }> {
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    const external: string[] = [];
    await page.route('**/*', (route: any) => {
      const url: string = route.request().url();
      if (/^(data|file|about):/.test(url)) return route.continue();
      external.push(url);
      return route.abort();
    });
    const file = join(SHOTS, `${name}.html`);
    writeFileSync(file, html);
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    return { external, page };
  }

  const from = Date.UTC(2026, 10, 16), to = from + 7 * DAY;
  function weekly() {
    const acc = new RollupAccumulator();
    for (const ev of genEvents(200000, { from, to, seed: 3 })) acc.add(ev);
    const prev = new RollupAccumulator();
    for (const ev of genEvents(120000, { from: from - 7 * DAY, to: from, seed: 4 })) prev.add(ev);
    return buildReport({
      from, to, kind: 'weekly', incidents: genIncidents(80, { from, to, seed: 3 }), rollups: acc.snapshot(),
      previous: { from: from - 7 * DAY, to: from, incidents: genIncidents(40, { from: from - 7 * DAY, to: from, seed: 5 }), rollups: prev.snapshot() },
      site: { name: 'Corner Bakery', homeCountry: 'GB', timezone: 'Europe/London' }, now: to + 8 * 3600000,
    });
  }

  it('renders the weekly report with an SVG chart and no external requests', async () => {
    const { external, page } = await show(renderHtml(weekly(), { charts: 'svg' }).html, 'weekly-svg');
    expect(external).to.deep.equal([]);
    const rects = await page.locator('.gw-timeline svg rect').count();
    expect(rects).to.be.greaterThan(100);
    const box = await page.locator('.gw-timeline svg').boundingBox();
    expect(box.width).to.be.greaterThan(300);
    expect(await page.locator('.gw-countries tr').count()).to.be.greaterThan(5);
    expect(await page.locator('.gw-ports tr').count()).to.be.greaterThan(5);
    expect(await page.textContent('body')).to.contain('Corner Bakery');
    await page.close();
  });

  it('renders the email variant: the PNG chart decodes', async () => {
    const { external, page } = await show(renderHtml(weekly(), { charts: 'datauri' }).html, 'weekly-email-png');
    expect(external).to.deep.equal([]);
    const size = await page.locator('.gw-timeline img').evaluate((img: any) => [img.complete, img.naturalWidth, img.naturalHeight]);
    expect(size).to.deep.equal([true, 640, 160]);
    await page.close();
  });

  it('renders a monthly report (6-hour bars) for print and PDF', async () => {
    const { from: mFrom, to: mTo } = monthlyPeriod(Date.UTC(2026, 10, 1, 8), 'Europe/London');
    const acc = new RollupAccumulator();
    for (const ev of genEvents(300000, { from: mFrom, to: mTo, seed: 21 })) acc.add(ev);
    const r = buildReport({ from: mFrom, to: mTo, incidents: genIncidents(400, { from: mFrom, to: mTo, seed: 8, seriousShare: 0.01 }), rollups: acc.snapshot(), site: { name: 'Corner Bakery', homeCountry: 'GB', timezone: 'Europe/London' } });
    expect(r.period.label).to.equal('October 2026');
    expect(r.timeline.bucketMs).to.equal(6 * 3600000);
    const { external, page } = await show(renderHtml(r, { charts: 'svg' }).html, 'monthly-svg');
    expect(external).to.deep.equal([]);
    expect(await page.locator('.gw-timeline svg rect').count()).to.be.greaterThan(100);
    const pdf: Buffer = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(SHOTS, 'monthly.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    await page.close();
  });

  it('renders a quiet week and a week without logs', async () => {
    const acc = new RollupAccumulator();
    for (const ev of genEvents(3000, { from, to, seed: 9, outbound: 0 })) {
      ev.event.action = 'deny';
      acc.add(ev);
    }
    const quiet = buildReport({ from, to, kind: 'weekly', incidents: [], rollups: acc.snapshot(), site: { name: 'Corner Bakery', homeCountry: 'GB', timezone: 'Europe/London' } });
    const q = await show(renderHtml(quiet, { charts: 'svg' }).html, 'weekly-quiet');
    expect(q.external).to.deep.equal([]);
    expect(await q.page.textContent('body')).to.contain('A quiet week');
    await q.page.close();
    const none = buildReport({ from, to, kind: 'weekly', incidents: [], rollups: { traffic: [], sources: [], asns: [], distinct: [] }, site: { name: 'Corner Bakery' } });
    const n = await show(renderHtml(none, { charts: 'svg' }).html, 'weekly-no-data');
    expect(await n.page.textContent('body')).to.contain('No firewall logs arrived');
    await n.page.close();
  });
});
