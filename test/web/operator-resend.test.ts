import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { buildConsole } from '../../web/server';
import { openDeliveryResender } from '../../worker/delivery-resend';
import { createTestDatabase } from '../support/database';
import { startWebhookPeer, type WebhookPeer } from '../notify/test-peers';
import { login, seedAttemptedWebhook, seedUser } from './support';

// The operator page's "Skicka om": a webhook refused with 410 by the real delivery activity,
// the receiver fixed, then the button sends it once, recorded with the operator's name.

const PERIOD = '2024-10';
let test: Awaited<ReturnType<typeof createTestDatabase>>;
let hook: WebhookPeer;
let app: FastifyInstance;
let deliveryId = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  hook = await startWebhookPeer();
  hook.failNext(1, 410, 'Gone');
  ({ deliveryId } = await seedAttemptedWebhook(test.db, { customerPrefix: 'C79', period: PERIOD, quantities: { smart: 1 }, hookUrl: hook.url }));
  await seedUser(test.db, 'olle@drift.test', 'operator', 'Olle Drift');
  await seedUser(test.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  app = await buildConsole({ db: test.db, client: () => Promise.reject(new Error('no Temporal in this test')), config: loadConfig(), resendDeliveries: openDeliveryResender(test.db, null), now: () => Date.now() });
});
afterAll(async () => {
  await app?.close();
  await hook?.close();
  await test?.drop();
});

/** The session cookie as a response leaves it (the flash rides in the session). */
function sessionAfter(res: { headers: Record<string, unknown> }, previous: string): string {
  const set = res.headers['set-cookie'];
  const all = Array.isArray(set) ? set : set ? [String(set)] : [];
  return all.map((c) => String(c).split(';')[0]).find((c) => c.startsWith('month_close_session=')) ?? previous;
}

describe('Skicka om on the operator page', () => {
  it('is offered for the failed delivery', async () => {
    const session = await login(app, 'olle@drift.test');
    const page = await app.inject({ method: 'GET', url: `/operator/periods/${PERIOD}`, headers: { cookie: session.cookie } });
    expect(page.body).toContain(`action="/operator/periods/${PERIOD}/deliveries/${deliveryId}/resend"`);
    expect(page.body).toContain('>Skicka om</button>');
  });

  it('refuses a post without the CSRF token, and one by a finance user, sending nothing', async () => {
    const operator = await login(app, 'olle@drift.test');
    const noToken = await app.inject({ method: 'POST', url: `/operator/periods/${PERIOD}/deliveries/${deliveryId}/resend`, headers: { cookie: operator.cookie }, payload: {} });
    expect(noToken.statusCode).toBe(403);
    const finance = await login(app, 'anna@ekonomi.test');
    const notOperator = await app.inject({ method: 'POST', url: `/operator/periods/${PERIOD}/deliveries/${deliveryId}/resend`, headers: { cookie: finance.cookie }, payload: { _csrf: finance.csrf } });
    expect(notOperator.statusCode).toBe(403);
    expect(hook.requests).toHaveLength(1);
  });

  it('sends it once, records the operator, and says so in a Swedish flash; a second press is refused', async () => {
    const session = await login(app, 'olle@drift.test');
    const res = await app.inject({ method: 'POST', url: `/operator/periods/${PERIOD}/deliveries/${deliveryId}/resend`, headers: { cookie: session.cookie }, payload: { _csrf: session.csrf } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/operator/periods/${PERIOD}`);
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1].headers['idempotency-key']).toBe(hook.requests[0].headers['idempotency-key']);
    expect(await test.db('notification_attempts').where({ delivery_id: deliveryId, outcome: 'delivered' }).first('requested_by', 'attempt')).toEqual({ requested_by: 'Olle Drift', attempt: 2 });
    const page = await app.inject({ method: 'GET', url: `/operator/periods/${PERIOD}`, headers: { cookie: sessionAfter(res, session.cookie) } });
    expect(page.body).toMatch(/class="flash ok"[^>]*>[^<]*Utskick \d+ \(T\d+, webhook\): skickat till http:\/\/127\.0\.0\.1:\d+\/hook, försök 2, av Olle Drift\./);
    expect(page.body).not.toContain(`/deliveries/${deliveryId}/resend`);

    const again = await app.inject({ method: 'POST', url: `/operator/periods/${PERIOD}/deliveries/${deliveryId}/resend`, headers: { cookie: session.cookie }, payload: { _csrf: session.csrf } });
    expect(again.statusCode).toBe(303);
    expect(hook.requests).toHaveLength(2);
    const refused = await app.inject({ method: 'GET', url: `/operator/periods/${PERIOD}`, headers: { cookie: sessionAfter(again, session.cookie) } });
    expect(refused.body).toContain(`Utskick ${deliveryId} är redan levererat och skickas inte igen.`);
  });
});
