import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Debian's chromium, headless, with a fresh profile. No browser is a failure, not a skip:
// CI installs it (.ci/run), and a console nobody drove in a browser is not tested.

export const CHROMIUM = '/usr/bin/chromium';

/** `args`: extra chromium switches, e.g. `--host-resolver-rules` to reach a local server under a public-looking name. */
export async function launchBrowser(opts: { args?: string[] } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does this when it is missing)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(opts.args ?? [])],
    viewport: { width: 1280, height: 900 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
    javaScriptEnabled: false, // every action must work without client-side JavaScript
  });
  // A step that cannot happen fails within 20 s, naming the step, instead of at the test's timeout.
  context.setDefaultTimeout(20_000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page of `context`, logged in at `baseUrl` (optionally at a phone's `viewport`). */
export async function logInPage(context: BrowserContext, baseUrl: string, email: string, password: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  await page.goto(`${baseUrl}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  return page;
}

/**
 * Logs out and closes the page. The session lives in the cookie: the page closes only once the
 * logout's answer (which clears it) has loaded, or the next login in a shared browser context
 * would still be logged in.
 */
export async function logOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL((url) => url.pathname === '/login'), page.click('header button[type=submit]')]);
  await page.close();
}
