/**
 * "Send a test mail" in the mail server dialog: a spawned Node-RED, a real SMTP server (smtp-server) on loopback
 * with a login, the admin endpoint the button calls, and the button itself clicked in headless Chromium.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser, openEditor, SCREENSHOTS } from '../helpers/browser';
import { ROOT } from '../helpers/fixtures';
import { freePort } from '../helpers/net';
import { RunningRed, startNodeRed } from '../helpers/nodered';
import { startSmtp, TestSmtp } from '../helpers/smtp';

describe('mail server dialog: send a test mail', function () {
  this.timeout(90000);
  let red: RunningRed;
  let smtp: TestSmtp;
  let smtpId: string;
  let browser: Browser | undefined;

  const tryMail = async (body: Record<string, unknown>) => {
    const t = Date.now();
    const r = await fetch(`${red.url}/gatewatch/smtp/test`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).to.equal(200);
    return { ...(await r.json() as { ok: boolean; error?: string; to?: string }), ms: Date.now() - t };
  };

  before(async () => {
    smtp = await startSmtp({ auth: { user: 'gw', password: 's3cret-pass' } });
    const flows: any[] = JSON.parse(readFileSync(join(ROOT, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    const syslogPort = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(syslogPort); n.host = '127.0.0.1'; }
    red = await startNodeRed(flows);
    // Save the mail server with its login as the dialog would (credentials go with the deploy, stored encrypted).
    const deployed: any[] = await (await fetch(`${red.url}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } })).json();
    const node = deployed.find((n) => n.type === 'gatewatch-smtp');
    smtpId = node.id;
    Object.assign(node, { host: '127.0.0.1', port: String(smtp.port), security: 'none', from: 'gatewatch@example.test', to: 'owner@example.test', credentials: { user: 'gw', password: 's3cret-pass' } });
    const res = await fetch(`${red.url}/flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' }, body: JSON.stringify(deployed) });
    expect(res.status).to.equal(204);
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await smtp?.close();
  });

  it('sends with the saved password when the form still shows the placeholder, and the mail arrives', async () => {
    const r = await tryMail({ id: smtpId, host: '127.0.0.1', port: String(smtp.port), security: 'none', user: 'gw', password: '__PWRD__', from: 'gatewatch@example.test', to: 'owner@example.test' });
    expect(r).to.include({ ok: true, to: 'owner@example.test' });
    const mail = smtp.received[smtp.received.length - 1]!;
    expect(mail.mail.subject).to.equal('gatewatch test mail');
    expect(mail.mail.text).to.match(/alerts and reports will reach you/);
    expect(mail.rcptTo).to.deep.equal(['owner@example.test']);
    expect(smtp.auths[smtp.auths.length - 1]).to.deep.equal({ user: 'gw', password: 's3cret-pass' });
  });

  it('says what went wrong: a wrong password, a server that is not there, no server, no recipient', async () => {
    const wrong = await tryMail({ id: smtpId, host: '127.0.0.1', port: String(smtp.port), security: 'none', user: 'gw', password: 'typo', from: 'gatewatch@example.test', to: 'owner@example.test' });
    expect(wrong.ok).to.equal(false);
    expect(wrong.error).to.match(/535/);
    const dead = await tryMail({ host: '127.0.0.1', port: String(await freePort()), security: 'none', from: 'gatewatch@example.test', to: 'owner@example.test' });
    expect(dead.ok).to.equal(false);
    expect(dead.error).to.match(/ECONNREFUSED/);
    expect(dead.ms).to.be.below(15000);
    expect(await tryMail({ host: '', to: 'owner@example.test' })).to.include({ ok: false, error: 'Fill in the mail server first.' });
    const noTo = await tryMail({ host: '127.0.0.1', port: String(smtp.port), security: 'none', from: 'gatewatch@example.test', to: '' });
    expect(noTo.ok).to.equal(false);
    expect(noTo.error).to.match(/no recipient/);
  });

  it('the button in the dialog sends one and shows the answer', async function () {
    browser = await launchBrowser(this);
    const { page, errors } = await openEditor(browser, red.url);
    const before = smtp.received.length;
    await page.evaluate((id) => (window as any).RED.editor.editConfig('', 'gatewatch-smtp', id), smtpId);
    await page.locator('#gatewatch-smtp-test').waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('#gatewatch-smtp-test').click();
    await page.waitForFunction(() => /Sent to|Not sent/.test(document.getElementById('gatewatch-smtp-test-result')?.textContent ?? ''), undefined, { timeout: 20000 });
    expect(await page.locator('#gatewatch-smtp-test-result').textContent()).to.match(/^Sent to owner@example\.test/);
    await page.screenshot({ path: join(SCREENSHOTS, 'dialog-gatewatch-smtp-test-mail.png') });
    expect(smtp.received.length).to.equal(before + 1);
    // a wrong password typed into the form is what the server is asked with, and its refusal is shown
    await page.locator('#node-config-input-password').fill('typo');
    await page.locator('#gatewatch-smtp-test').click();
    await page.waitForFunction(() => /Not sent/.test(document.getElementById('gatewatch-smtp-test-result')?.textContent ?? ''), undefined, { timeout: 20000 });
    expect(await page.locator('#gatewatch-smtp-test-result').textContent()).to.match(/Not sent: .*535/);
    await page.locator('#node-config-dialog-cancel').click();
    expect(errors).to.deep.equal([]);
  });
});
