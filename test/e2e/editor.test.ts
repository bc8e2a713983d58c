/**
 * The editor in a real browser: every gatewatch node is in the palette under "gatewatch", each one's
 * edit dialog opens (with its help), and screenshots are saved under test-output/screenshots/.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, SCREENSHOTS } from '../helpers/browser';
import { ROOT } from '../helpers/fixtures';
import { RunningRed, startNodeRed } from '../helpers/nodered';
import { freePort } from '../helpers/net';

describe('editor in headless Chromium', function () {
  this.timeout(120000);
  let browser: Browser;
  let red: RunningRed;
  let page: Page;
  let types: { type: string; config: boolean }[] = [];

  before(async function () {
    browser = await launchBrowser(this);
    const flows: any[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const port = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(port); n.host = '127.0.0.1'; }
    red = await startNodeRed(flows);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(red.url + '/');
    await page.waitForFunction(() => {
      const R = (window as any).RED;
      const loading = document.getElementById('red-ui-loading-progress');
      return R && R.workspaces && R.workspaces.active() && (!loading || loading.offsetParent === null);
    }, undefined, { timeout: 60000, polling: 200 });
    types = await page.evaluate(() => {
      const R = (window as any).RED;
      return R.nodes.registry.getNodeTypes()
        .filter((t: string) => t.startsWith('gatewatch-'))
        .map((t: string) => ({ type: t, config: R.nodes.getType(t).category === 'config' }));
    });
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('shows every gatewatch node in the palette, in the gatewatch category', async () => {
    const registered: string[] = Object.values<any>(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes)
      .map((p: string) => p.split('/').pop()!.replace(/\.js$/, ''));
    expect(types.map((t) => t.type)).to.include.members(registered);
    for (const t of types.filter((x) => !x.config)) {
      const el = page.locator(`#red-ui-palette-container-gatewatch .red-ui-palette-node[data-palette-type="${t.type}"]`);
      await el.waitFor({ state: 'attached', timeout: 10000 });
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-palette.png') });
  });

  it('opens each node\'s edit dialog and shows its help', async () => {
    for (const t of types) {
      if (t.config) {
        await page.evaluate((type) => (window as any).RED.editor.editConfig('', type, '_ADD_'), t.type);
        await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 10000 });
        await page.waitForTimeout(400);
        await page.screenshot({ path: join(SCREENSHOTS, `dialog-${t.type}.png`) });
        await page.locator('#node-config-dialog-cancel').click();
      } else {
        const id = await page.evaluate((type) => {
          const R = (window as any).RED;
          const ws = R.workspaces.active();
          const nodes = R.nodes.filterNodes({ z: ws, type });
          if (nodes.length) return nodes[0].id;
          const res = R.view.importNodes([{ id: 'gwtest' + Math.random().toString(16).slice(2, 10), type, x: 300, y: 400, z: ws }], { generateIds: false, notify: false });
          return (res && res.nodes && res.nodes[0] && res.nodes[0].id) || R.nodes.filterNodes({ z: ws, type })[0].id;
        }, t.type);
        await page.evaluate((nid) => { const R = (window as any).RED; R.editor.edit(R.nodes.node(nid)); }, id);
        await page.locator('#node-dialog-ok').waitFor({ state: 'visible', timeout: 10000 });
        await page.waitForTimeout(400);
        await page.screenshot({ path: join(SCREENSHOTS, `dialog-${t.type}.png`) });
        await page.locator('#node-dialog-cancel').click();
      }
      await page.waitForTimeout(300);
      const help = await page.evaluate((type) => {
        const el = document.querySelector(`script[data-help-name="${type}"]`);
        return el ? el.textContent || '' : '';
      }, t.type);
      expect(help.trim().length, `help for ${t.type}`).to.be.greaterThan(100);
    }
  });

  it('rejects an invalid syslog port in the dialog', async () => {
    const valid = await page.evaluate(() => {
      const R = (window as any).RED;
      const n = R.nodes.filterNodes({ type: 'gatewatch-syslog' })[0];
      const def = R.nodes.getType('gatewatch-syslog');
      const check = (v: unknown) => def.defaults.port.validate.call(n, v);
      return { bad: check('70000'), good: check('5514'), word: check('abc') };
    });
    expect(valid.good).to.equal(true);
    expect(valid.bad).to.not.equal(true);
    expect(valid.word).to.not.equal(true);
    // The message is translated text, not a raw message key.
    expect(String(valid.bad)).to.not.match(/errors\.|node-red-contrib-gatewatch/);
    expect(String(valid.bad)).to.match(/1 to 65535/);
  });
});
