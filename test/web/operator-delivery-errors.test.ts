import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { buildConsole, startConsole } from '../../web/server';
import { createTestDatabase } from '../support/database';
import { startWebhookPeer, type WebhookPeer } from '../notify/test-peers';
import { launchBrowser } from './browser';
import { login, PASSWORD, seedAttemptedWebhook, seedUser } from './support';

// A webhook the receiver refuses (410) through the real delivery activity, then the operator's
// page: the failure said in Swedish with its next step, the English text only as a detail.

const PERIOD = '2024-10';
let test: Awaited<ReturnType<typeof createTestDatabase>>;
let hook: WebhookPeer;
let app: FastifyInstance;
let deliveryId = 0;
let rawError = '';

beforeAll(async () => {
  test = await createTestDatabase();
  hook = await startWebhookPeer();
  hook.failNext(1, 410, 'Gone: this endpoint was removed');
  ({ deliveryId } = await seedAttemptedWebhook(test.db, { customerPrefix: 'C77', period: PERIOD, quantities: { smart: 1, portal_user: 2 }, hookUrl: hook.url }));
  rawError = (await test.db('notification_deliveries').where({ id: deliveryId }).first('last_error')).last_error;
  await seedUser(test.db, 'olle@drift.test', 'operator');
  app = await buildConsole({ db: test.db, client: () => Promise.reject(new Error('no Temporal in this test')), config: loadConfig(), uiUrl: null, namespace: 'default', now: () => Date.now() });
});
afterAll(async () => {
  await app?.close();
  await hook?.close();
  await test?.drop();
});

describe("the operator's failed deliveries", () => {
  it('keeps the English text and the facts in the database', async () => {
    expect(hook.requests).toHaveLength(1);
    const row = await test.db('notification_deliveries').where({ id: deliveryId }).first('status', 'last_error', 'last_error_facts');
    expect(row.status).toBe('failed');
    expect(row.last_error).toMatch(/answered 410: Gone: this endpoint was removed/);
    expect(row.last_error_facts).toMatchObject({ kind: 'http_status', channel: 'webhook', permanent: true, status: 410, host: new URL(hook.url).host, recipient: hook.url });
    const attempt = await test.db('notification_attempts').where({ delivery_id: deliveryId }).first('detail', 'facts');
    expect(attempt).toMatchObject({ detail: row.last_error, facts: row.last_error_facts });
  });

  it('shows it in Swedish with the next step, the English only inside a details element', async () => {
    const session = await login(app, 'olle@drift.test');
    const res = await app.inject({ method: 'GET', url: `/operator/periods/${PERIOD}`, headers: { cookie: session.cookie } });
    expect(res.statusCode).toBe(200);
    const cell = /<td class="delivery-failure">([\s\S]*?)<\/td>/.exec(res.body)?.[1] ?? '';
    expect(cell).toContain(`Mottagarens webhook ${new URL(hook.url).host} svarade 410 (adressen finns inte längre) och tog inte emot händelsen. Rätta webhookadressen hos mottagaren i kundregistret och skicka om med knappen Skicka om eller month-close deliveries resend ${deliveryId}.`);
    expect(cell).toContain('<code>http_status</code>');
    const sentence = cell.replace(/<details>[\s\S]*<\/details>/, '');
    expect(sentence).not.toMatch(/answered|refused|do not retry|Gone|endpoint/i);
    // The raw text is there for whoever opens the details, and nowhere else on the page.
    const escaped = rawError.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    const details = /<details>[\s\S]*?<\/details>/.exec(cell)?.[0] ?? '';
    expect(details).toContain(escaped.slice(0, 40));
    expect(res.body.replace(details, '')).not.toMatch(/answered 410|do not retry/i);
  });

  it('in a browser: what the operator reads has no English sentence; the details open to the technical text', async () => {
    const browser = await launchBrowser();
    const served = await startConsole({ db: test.db, client: () => Promise.reject(new Error('no Temporal in this test')), config: loadConfig(), port: 0 });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${served.url}/login`);
      await page.fill('#email', 'olle@drift.test');
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      await page.goto(`${served.url}/operator/periods/${PERIOD}`);
      const cell = page.locator('td.delivery-failure');
      const shown = (await cell.innerText()).trim();
      expect(shown).toContain('svarade 410 (adressen finns inte längre)');
      expect(shown).toMatch(/Teknisk text \(kod http_status\)$/);
      expect(shown).not.toMatch(/\b(the|is|are|was|has|not|do|retry|answered|refused|fix|Gone|endpoint)\b/);
      await cell.locator('summary').click();
      expect(await cell.innerText()).toContain(rawError);
    } finally {
      await browser.close(); // first: its keep-alive connections would hold up the server's close
      await served.close();
    }
  });
});
