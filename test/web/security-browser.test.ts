import { Client, Connection } from '@temporalio/client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Db } from '../../infra/db';
import { loadConfig } from '../../infra/config';
import { startConsole } from '../../web/server';
import { createTestDatabase } from '../support/database';
import { seedCustomer, uid } from '../support/seed';
import { launchBrowser } from './browser';
import { PASSWORD, seedUser } from './support';

// The console as a browser meets it on a public address over plain HTTP (a proxy without TLS,
// `serve --host 0.0.0.0`): chromium resolves a public-looking name to the local server, so the
// page is neither loopback nor secure to it, as on another machine. Login works there, a
// logged-out cookie stays dead, and a crafted `next` does not leave the site.

const HOST = 'console.month-close.example';
let db: Db;
let drop: () => Promise<void>;
let connection: Connection;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
let base = '';
const partner = uid('PA');
let customer = '';

beforeAll(async () => {
  browser = await launchBrowser({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  ({ db, drop } = await createTestDatabase());
  connection = await Connection.connect({ address: inject('temporalAddress') });
  customer = await seedCustomer(db, { partner_id: partner, name: 'Publik Kund AB' });
  await seedUser(db, 'pia@partner.test', `partner:${partner}`, 'Pia Partner');
  // Public plain HTTP: the default, no https.
  served = await startConsole({ db, client: new Client({ connection, namespace: inject('namespace') }), config: loadConfig(), port: 0 });
  base = `http://${HOST}:${new URL(served.url).port}`;
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await connection?.close();
  await drop?.();
});

async function logIn(path = '/login'): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto(`${base}${path}`);
  await page.fill('#email', 'pia@partner.test');
  await page.fill('#password', PASSWORD);
  // Wherever the login sends the browser (also off the site), wait until it got there.
  // (A navigation off the site may be aborted: the page's URL then says where it stopped.)
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'commit' }).catch(() => undefined), page.click('button[type=submit]')]);
  await page.waitForLoadState('load').catch(() => undefined);
  return page;
}

describe('the console over plain HTTP on a public address', () => {
  it('logs in: no upgrade to https, no HSTS', async () => {
    const page = await logIn();
    expect(page.url()).toBe(`${base}/customers`);
    await expect(page.textContent('main')).resolves.toContain(customer);
    const res = (await page.goto(`${base}/customers`))!;
    expect(res.headers()['strict-transport-security']).toBeUndefined();
    expect(res.headers()['content-security-policy']).not.toContain('upgrade-insecure-requests');
    await Promise.all([page.waitForURL(`${base}/login`), page.click('header button[type=submit]')]);
    await page.close();
  });

  it('a cookie copied before logout does not work after it', async () => {
    const page = await logIn();
    const copied = (await browser.context.cookies(base)).find((c) => c.name === 'month_close_session')!;
    await Promise.all([page.waitForURL(`${base}/login`), page.click('header button[type=submit]')]);
    await page.close();
    // The copy, put back as another browser would send it.
    await browser.context.addCookies([copied]);
    const again = await browser.context.newPage();
    await again.goto(`${base}/customers`);
    expect(new URL(again.url()).pathname).toBe('/login');
    await again.close();
  });

  it('a next with a tab or a backslash after login stays on the site', async () => {
    for (const next of ['%2F%09%2Fevil.example', '%2F%5Cevil.example', '%2F%0A%2Fevil.example']) {
      const page = await logIn(`/login?next=${next}`);
      expect(`${next} -> ${page.url()}`).toBe(`${next} -> ${base}/customers`);
      await Promise.all([page.waitForURL(`${base}/login`), page.click('header button[type=submit]')]);
      await page.close();
    }
  });
});
