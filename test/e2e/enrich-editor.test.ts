/**
 * The enrichment nodes' editor forms in a real Node-RED and headless Chromium: the site form refuses
 * bad networks / time zones / countries with clear messages, and the feeds list round-trips through
 * its dialog (tick a shipped list on, add a local file).
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../helpers/fixtures';

const CHROMIUM = process.env.GATEWATCH_CHROMIUM || '/usr/bin/chromium';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
}

describe('enrich editor forms (real Node-RED + headless Chromium)', function () {
  this.timeout(120000);
  let proc: ChildProcess | undefined;
  let userDir = '';
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) { console.log(`      (skipped: ${CHROMIUM} not found)`); this.skip(); }
    userDir = mkdtempSync(join(tmpdir(), 'gw-enrich-e2e-'));
    const port = await freePort();
    writeFileSync(join(userDir, 'settings.js'), `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1', uiPort: port, nodesDir: [ROOT], credentialSecret: 'e2e', flowFile: 'flows.json',
      telemetry: { enabled: false }, editorTheme: { tours: false, projects: { enabled: false } },
    })};`);
    writeFileSync(join(userDir, 'flows.json'), '[]');
    let out = '';
    proc = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => { out += d.toString(); });
    proc.stderr!.on('data', (d) => { out += d.toString(); });
    const end = Date.now() + 60000;
    while (!/Started flows|Server now running/.test(out)) {
      if (proc.exitCode !== null || Date.now() > end) throw new Error(`node-red did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => {
      const R = (window as any).RED;
      const loading = document.getElementById('red-ui-loading-progress');
      return R && R.workspaces && R.workspaces.active() && (!loading || loading.offsetParent === null);
    }, undefined, { timeout: 60000, polling: 200 });
  });

  after(async () => {
    await browser?.close();
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      const end = Date.now() + 10000;
      while (proc.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('the site form refuses bad networks, time zones and countries, naming the culprit', async () => {
    const r = await page.evaluate(() => {
      const d = (window as any).RED.nodes.getType('gatewatch-site').defaults;
      return {
        netsGood: d.homeNets.validate('192.168.1.0/24, 2001:db8:1::/48 fd00::/8'),
        netsBad: d.homeNets.validate('192.168.1.0/24, 10.0.0.0/33, banana'),
        ipBad: d.publicAddresses.validate('198.51.100.300'),
        blank: d.homeNets.validate(''),
        tzGood: d.timezone.validate('Europe/London'),
        tzBad: d.timezone.validate('Mars/Olympus_Mons'),
        ccGood: d.homeCountry.validate('GB'),
        ccBad: d.homeCountry.validate('GBR'),
      };
    });
    expect(r.netsGood).to.equal(true);
    expect(r.blank).to.equal(true);
    expect(r.netsBad).to.be.a('string').and.include('10.0.0.0/33').and.include('banana');
    expect(r.ipBad).to.be.a('string').and.include('198.51.100.300');
    expect(r.tzGood).to.equal(true);
    expect(r.tzBad).to.be.a('string').and.include('Mars/Olympus_Mons');
    expect(r.ccGood).to.equal(true);
    expect(r.ccBad).to.be.a('string');
  });

  it('the feeds dialog lists the shipped lists switched off, and saves changes', async () => {
    await page.evaluate(() => (window as any).RED.editor.editConfig('', 'gatewatch-feeds', '_ADD_'));
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 10000 });
    const rows = page.locator('#node-config-input-feeds-list .gw-feed-name');
    await rows.first().waitFor({ state: 'visible', timeout: 10000 });
    expect(await rows.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).to.deep.equal(['FireHOL level1', 'Spamhaus DROP', 'Tor exit nodes', 'abuse.ch Feodo Tracker']);
    expect(await page.locator('#node-config-input-feeds-list .gw-feed-enabled:checked').count()).to.equal(0);
    await page.locator('#node-config-input-feeds-list .gw-feed-enabled').nth(1).check();
    await page.locator('.red-ui-editableList-addButton').click();
    await page.locator('#node-config-input-feeds-list .gw-feed-name').nth(4).fill('Our own list');
    await page.locator('#node-config-input-feeds-list .gw-feed-src').nth(4).fill('/var/lib/gatewatch/own.txt');
    await page.locator('#node-config-input-feeds-list .gw-feed-enabled').nth(4).check();
    await page.locator('#node-config-dialog-ok').click();
    await page.waitForTimeout(500);
    const saved = await page.evaluate(() => {
      const R = (window as any).RED;
      let f: any;
      R.nodes.eachConfig((n: any) => { if (n.type === 'gatewatch-feeds') f = n; });
      return f && f.feeds;
    });
    expect(saved.map((f: any) => [f.name, f.enabled])).to.deep.equal([
      ['FireHOL level1', false], ['Spamhaus DROP', true], ['Tor exit nodes', false], ['abuse.ch Feodo Tracker', false], ['Our own list', true],
    ]);
    expect(saved[1]).to.include({ url: 'https://www.spamhaus.org/drop/drop_v4.json', format: 'spamhaus-json', refreshS: 43200 });
    expect(saved[4]).to.include({ file: '/var/lib/gatewatch/own.txt', format: 'plain' });
  });
});
