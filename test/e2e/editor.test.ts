/**
 * The editor in a real browser: every gatewatch node is in the palette under "gatewatch", each one's
 * edit dialog opens (with its help), and screenshots are saved under test-output/screenshots/.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openEditor, SCREENSHOTS } from '../helpers/browser';
import { ROOT } from '../helpers/fixtures';
import { NODE_REDS, RunningRed, startNodeRed } from '../helpers/nodered';
import { freePort } from '../helpers/net';

for (const nr of NODE_REDS) describe(`editor in headless Chromium (Node-RED ${nr.label})`, function () {
  this.timeout(120000);
  // (screenshots of the newest release keep their plain names; the oldest's carry its version)
  const shot = (name: string) => join(SCREENSHOTS, nr.pkg === 'node-red' ? `${name}.png` : `${name}-nr${nr.label}.png`);
  /** Script errors in the page: a dialog or help written for a newer editor breaks here first. */
  let pageErrors: string[] = [];
  let browser: Browser;
  let red: RunningRed;
  let page: Page;
  let types: { type: string; config: boolean }[] = [];

  before(async function () {
    browser = await launchBrowser(this);
    const flows: any[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const port = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(port); n.host = '127.0.0.1'; }
    red = await startNodeRed(flows, { red: nr.pkg });
    ({ page, errors: pageErrors } = await openEditor(browser, red.url));
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

  it(`runs on Node-RED ${nr.label}`, async () => {
    const settings = await (await fetch(`${red.url}/settings`)).json() as { version?: string };
    expect(settings.version).to.match(new RegExp(`^${nr.label.replace('.', '\\.')}\\.`));
  });

  it('shows every gatewatch node in the palette, in the gatewatch category', async () => {
    const registered: string[] = Object.values<any>(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes)
      .map((p: string) => p.split('/').pop()!.replace(/\.js$/, ''));
    expect(types.map((t) => t.type)).to.include.members(registered);
    for (const t of types.filter((x) => !x.config)) {
      const el = page.locator(`#red-ui-palette-container-gatewatch .red-ui-palette-node[data-palette-type="${t.type}"]`);
      await el.waitFor({ state: 'attached', timeout: 10000 });
    }
    await page.screenshot({ path: shot('editor-palette') });
    // The appliance flow itself, zoomed to fit, as a newcomer first sees it.
    await page.evaluate(() => { const R = (window as any).RED; R.sidebar.hide?.(); R.view.zoomZero?.(); });
    await page.screenshot({ path: shot('editor-appliance-flow'), clip: { x: 180, y: 80, width: 1220, height: 480 } });
  });

  it('opens each node\'s edit dialog and shows its help', async () => {
    for (const t of types) {
      if (t.config) {
        await page.evaluate((type) => (window as any).RED.editor.editConfig('', type, '_ADD_'), t.type);
        await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible', timeout: 10000 });
        await page.waitForTimeout(400);
        await page.screenshot({ path: shot(`dialog-${t.type}`) });
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
        await page.screenshot({ path: shot(`dialog-${t.type}`) });
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

  it('imports every shipped flow and example with no unknown or invalid nodes, and deploys', async () => {
    const files = [
      ...readdirSync(join(ROOT, 'flows')).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, 'flows', f)),
      ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, 'examples', f)),
    ];
    expect(files.length).to.be.greaterThan(5);
    for (const file of files) {
      const flow = JSON.parse(readFileSync(file, 'utf8'));
      expect(flow, `${file} is a plain array of nodes`).to.be.an('array');
      const res = await page.evaluate((f) => {
        const R = (window as any).RED;
        // (what was imported: the nodes that were not there before — Node-RED 3.1's importNodes returns nothing)
        const all = () => { const a: any[] = []; R.nodes.eachNode((n: any) => { a.push(n); }); R.nodes.eachConfig((n: any) => { a.push(n); }); return a; };
        const before = new Set(all().map((n) => n.id));
        R.view.importNodes(f, { addFlow: true, generateIds: true, notify: false });
        const unknown: string[] = [];
        const invalid: string[] = [];
        const imported: any[] = all().filter((n) => !before.has(n.id));
        if (!imported.length) unknown.push('(nothing was imported)');
        for (const n of imported) {
          R.editor.validateNode(n);
          if (n.type === 'unknown') unknown.push(n.name);
          else if (n.valid === false && String(n.type).startsWith('gatewatch-')) {
            // (which settings: a bare "invalid" says nothing to whoever reads the failure)
            const bad = Object.keys(n._def.defaults ?? {}).filter((k) => {
              const v = n._def.defaults[k].validate;
              const r = v ? v.call(n, n[k], { name: k }) : true;
              return r !== true && r !== undefined;
            });
            invalid.push(`${n.type}:${n.id} (${bad.join(', ') || 'a required setting is empty'})`);
          }
        }
        return { unknown, invalid };
      }, flow);
      expect(res.unknown, `${file}: unknown node types`).to.deep.equal([]);
      expect(res.invalid.join("; "), `${file}: invalid gatewatch nodes`).to.equal("");
    }
    await page.screenshot({ path: shot('editor-imported') });
    // Deploy everything that was imported (full deployment), as a user pressing Deploy would.
    const before = red.log().length;
    await page.evaluate(() => (window as any).RED.actions.invoke('core:deploy-flows'));
    const confirm = page.locator('#red-ui-notification .red-ui-notification button.primary, .red-ui-notification button:has-text("Confirm deploy")');
    try { await confirm.first().click({ timeout: 3000 }); } catch { /* no confirmation asked */ }
    const end = Date.now() + 30000;
    while (!/Started flows|Started modified/.test(red.log().slice(before))) {
      if (Date.now() > end) throw new Error('deploy did not start the flows:\n' + red.log().slice(before));
      await page.waitForTimeout(200);
    }
    expect(red.log().slice(before)).to.not.match(/Waiting for missing types/);
  });

  it('the site settings reject a malformed network', async () => {
    const v = await page.evaluate(() => {
      const def = (window as any).RED.nodes.getType('gatewatch-site');
      return { bad: def.defaults.homeNets.validate.call({}, '10.0.0.0/33'), good: def.defaults.homeNets.validate.call({}, '10.0.0.0/8, 2001:db8::/32') };
    });
    expect(v.good).to.equal(true);
    expect(v.bad).to.not.equal(true);
  });

  it('an alert or detect node saved before a setting existed shows, and keeps, that setting\'s default', async () => {
    // The appliance's detect node as saved before the settings added later (the IPv6 network size, internal
    // traffic, "Shared by", "Logs stop") existed.
    const appliance: any[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const { id: _id, z: _z, wires: _w, includeInternal: _i, ipv6Prefix: _p, beaconCommon: _b, silenceHours: _s, ...detectBefore } = appliance.find((n) => n.type === 'gatewatch-detect');
    const got = await page.evaluate(async (detectBefore) => {
      const R = (window as any).RED;
      const $ = (window as any).$;
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const z = R.workspaces.active();
      R.view.importNodes([{ id: 'oldalert', type: 'gatewatch-alert', z, x: 600, y: 600, minSeverity: 'high', throttle: 60, burst: 3, digestWindow: 10, wires: [[], []] },
        { ...detectBefore, id: 'olddetect', z, x: 600, y: 660, wires: [[], []] },
        { id: 'oldparse', type: 'gatewatch-parse', z, x: 600, y: 720, format: 'auto', tz: '', keepOriginal: false, maxLength: 65536, wires: [[], []] }]);
      const out: Record<string, unknown> = {};
      // (an old node with none of today's settings is valid: no red triangle, no "invalid nodes" on deploy)
      for (const id of ['oldalert', 'olddetect', 'oldparse']) { const n = R.nodes.node(id); R.editor.validateNode(n); out[`${id}Valid`] = n.valid; }
      R.editor.edit(R.nodes.node('oldalert'));
      await wait(800);
      out.boxShown = $('#node-input-groupTargets').prop('checked');
      $('#node-dialog-ok').trigger('click');
      await wait(800);
      out.saved = R.nodes.node('oldalert').groupTargets;
      R.editor.edit(R.nodes.node('olddetect'));
      await wait(800);
      out.commonShown = $('#node-input-beaconCommon').val();
      out.v6Shown = $('#node-input-ipv6Prefix').val();
      $('#node-dialog-cancel').trigger('click');
      await wait(500);
      R.editor.edit(R.nodes.node('oldparse'));
      await wait(800);
      out.clocksShown = $('#node-input-fixClocks').prop('checked');
      $('#node-dialog-cancel').trigger('click');
      await wait(500);
      return out;
    }, detectBefore);
    expect(got).to.deep.equal({ oldalertValid: true, olddetectValid: true, oldparseValid: true, boxShown: true, saved: true, commonShown: '3', v6Shown: '64', clocksShown: true });
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

  it('raised no script error in the page while all of the above ran', () => {
    expect(pageErrors).to.deep.equal([]);
  });
});
