/**
 * The share node's Preview in the real editor: a spawned Node-RED, Debian's chromium driven by
 * playwright-core. The edit dialog's Preview button asks the runtime and shows, for a sample incident,
 * exactly what would leave the site (with the deployed node's secret), in the chosen format.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { NodeRed } from '../helpers/nodered-api';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

describe('gatewatch-share editor preview (real browser)', function () {
  this.timeout(120000);
  let red: NodeRed;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;

  before(function () {
    if (!existsSync(CHROMIUM)) { console.log(`      skipped: no chromium at ${CHROMIUM}`); this.skip(); }
  });
  after(async () => {
    await browser?.close();
    await red?.destroy();
  });

  it('shows what leaves the site for a sample incident, and follows the form', async () => {
    red = new NodeRed();
    await red.start();
    await red.deploy([
      { id: 'tab1', type: 'tab', label: 'share' },
      { id: 's1', z: 'tab1', type: 'gatewatch-share', name: '', member: 'NW-0042', format: 'summary', types: '', minSeverity: 'low', includePorts: true, includeGeo: true, victims: 'pseudonymise', homeNets: '192.168.1.0/24', topic: 'gatewatch/share/', x: 200, y: 100, wires: [[]], credentials: { secret: 'editor-test-secret' } },
    ]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(red.url);
    await page.waitForFunction(() => {
      const w = window as unknown as { RED?: { workspaces?: { active(): string } } };
      const loading = document.getElementById('red-ui-loading-progress');
      return !!w.RED?.workspaces?.active() && (!loading || loading.offsetParent === null);
    }, null, { timeout: 60000, polling: 100 });
    expect(await page.locator(".red-ui-palette-node[data-palette-type='gatewatch-share']").count()).to.equal(1);
    expect(await page.locator(".red-ui-palette-node[data-palette-type='gatewatch-hub']").count()).to.equal(1);

    await page.evaluate(() => {
      const R = (window as unknown as { RED: { editor: { edit(n: unknown): void }; nodes: { node(id: string): unknown } } }).RED;
      R.editor.edit(R.nodes.node('s1'));
    });
    await page.waitForSelector('#gatewatch-share-preview-btn', { state: 'visible' });
    const previewText = async () => {
      await page.evaluate(() => { document.getElementById('gatewatch-share-preview-out')!.textContent = ''; });
      await page.click('#gatewatch-share-preview-btn');
      await page.waitForFunction(() => { const t = document.getElementById('gatewatch-share-preview-out')!.textContent ?? ''; return t !== '' && t !== '…'; }, null, { timeout: 15000, polling: 100 });
      return (await page.textContent('#gatewatch-share-preview-out')) as string;
    };

    const out = await previewText();
    const summary = JSON.parse(out);
    expect(summary.attacker.ip).to.equal('198.51.100.23');
    expect(summary.member).to.equal('NW-0042');
    expect(summary.victims.pseudonyms).to.have.length(2);
    expect(out).to.not.contain('192.168.1.').and.not.contain('office-router').and.not.contain('editor-test-secret');
    expect(await page.textContent('#gatewatch-share-preview-in')).to.contain('192.168.1.20'); // the sample, shown as it stays here

    await page.selectOption('#node-input-format', 'stix');
    const stix = JSON.parse(await previewText());
    expect(stix.type).to.equal('bundle');
    expect(stix.objects.map((o: { type: string }) => o.type)).to.include('indicator');

    await page.selectOption('#node-input-format', 'summary');
    await page.selectOption('#node-input-victims', 'drop');
    await page.uncheck('#node-input-includePorts');
    const dropped = JSON.parse(await previewText());
    expect(dropped.victims).to.deep.equal({ count: 2 });
    expect(dropped.ports).to.equal(undefined);

    await page.selectOption('#node-input-minSeverity', 'critical');
    expect(await previewText()).to.match(/^Not shared: below the minimum severity/);
  });
});
