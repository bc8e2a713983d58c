/**
 * "What is arriving?" in the parse dialog: a spawned Node-RED running the appliance flow, lines from three boxes
 * over real UDP, and the dialog's button clicked in headless Chromium. A box sending only notices and one
 * sending lines gatewatch does not read are named with what to do; a hostile line is shown as text.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, openEditor, SCREENSHOTS } from '../helpers/browser';
import { ROOT } from '../helpers/fixtures';
import { freePort, sendUdp, waitFor } from '../helpers/net';
import { NODE_REDS, RunningRed, startNodeRed } from '../helpers/nodered';

for (const nr of NODE_REDS) describe(`parse dialog: what is arriving (Node-RED ${nr.label})`, function () {
  this.timeout(120000);
  let red: RunningRed;
  let browser: Browser | undefined;
  let parseId: string;

  before(async () => {
    const flows: any[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const port = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(port); n.host = '127.0.0.1'; }
    parseId = flows.find((n) => n.type === 'gatewatch-parse').id;
    red = await startNodeRed(flows, { red: nr.pkg });
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const t = `09:00:${String(i).padStart(2, '0')}`;
      // written from Fortinet's log reference: a FortiGate with traffic logging off sends only its notices
      lines.push(`<189>date=2026-12-03 time=${t} devname="FGT60F" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="admin" action="login" status="success" msg="Administrator admin logged in successfully"`);
      lines.push(`<13>Dec  3 ${t} nas-1 webui: <img src=x onerror="window.__pwned=1"> login page opened`);
      lines.push(`<4>Dec  3 ${t} OpenWrt kernel: DROP(src wan)IN=eth1 OUT= SRC=203.0.113.${i + 1} DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=51515 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0`);
    }
    await sendUdp(port, lines);
    let senders: any[] = [];
    await waitFor(() => {
      void fetch(`${red.url}/gatewatch/parse/${parseId}/senders`).then((r) => r.json()).then((b: any) => { senders = b.senders ?? []; }, () => {});
      return senders.length === 3 && senders.reduce((n, s) => n + s.lines, 0) === 90;
    }, 20000, 'the three boxes counted');
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  it('lists the boxes with their state; the two not understood first, with advice and their lines as plain text', async function () {
    browser = await launchBrowser(this);
    const { page, errors } = await openEditor(browser, red.url, { width: 1400, height: 1000 });
    await page.evaluate((id) => { const R = (window as any).RED; R.editor.edit(R.nodes.node(id)); }, parseId);
    await page.locator('#gatewatch-parse-senders-show').waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('#gatewatch-parse-senders-show').click();
    await page.locator('table.gatewatch-parse-senders-table tr[data-sender]').first().waitFor({ timeout: 10000 });
    const rows = await page.$$eval('table.gatewatch-parse-senders-table tr[data-sender]', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows).to.deep.equal([
      ['127.0.0.1', 'Fortinet FortiGate / FortiProxy', '0', '30', 'logs no connections'],
      ['nas-1 (127.0.0.1)', '—', '0', '30', 'not understood'],
      ['OpenWrt (127.0.0.1)', 'Linux netfilter', '30', '0', 'understood'],
    ]);
    const advice = await page.$$eval('tr.gatewatch-parse-senders-advice', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(advice).to.have.length(2);
    expect(advice[0]).to.contain('Turn on logging of the firewall\'s decisions').and.to.contain('logdesc="Admin login successful"');
    expect(advice[1]).to.contain('None of the 30 lines from nas-1 (127.0.0.1)').and.to.contain('<img src=x onerror=');
    // The attacker-chosen text is text: no element made from it, nothing run.
    expect(await page.locator('#gatewatch-parse-senders img').count()).to.equal(0);
    expect(await page.evaluate(() => (window as any).__pwned)).to.equal(undefined);
    await page.screenshot({ path: join(SCREENSHOTS, `dialog-gatewatch-parse-senders-${nr.label}.png`) });
    expect(errors).to.deep.equal([]);
  });
});
