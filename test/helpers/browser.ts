/**
 * Headless Chromium from Debian (/usr/bin/chromium) driven by playwright-core; no browser download.
 * Tests call `browserOrSkip(this)`: without chromium they skip and say why, unless
 * GATEWATCH_BROWSER_REQUIRED=1 (set by .ci/run), when the missing browser is a failure.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './fixtures';

export const CHROMIUM = process.env.GATEWATCH_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

export async function launchBrowser(ctx: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.GATEWATCH_BROWSER_REQUIRED === '1') throw new Error(`browser test required but ${CHROMIUM} is missing (apt-get install chromium)`);
    console.log(`      (skipped: ${CHROMIUM} not found; install Debian's chromium to run the browser tests)`);
    ctx.skip();
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * A page on the Node-RED editor at `url`, once the editor has loaded (its workspace shown, the loading bar gone);
 * `errors` collects every script error the page raises (a test asserts it stays empty).
 */
export async function openEditor(browser: Browser, url: string, viewport = { width: 1400, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e?.stack ?? e)));
  await page.goto(url + '/');
  await page.waitForFunction(() => {
    const R = (window as any).RED;
    const loading = document.getElementById('red-ui-loading-progress');
    return R && R.workspaces && R.workspaces.active() && (!loading || loading.offsetParent === null);
  }, undefined, { timeout: 60000, polling: 200 });
  return { page, errors };
}
