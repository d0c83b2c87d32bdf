import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { rejectDraft, requestRecompute } from '../../client/drafts';
import { statusQuery } from '../../contracts/close-messages';
import { buildConsole } from '../../web/server';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { requestsOf } from '../support/queries';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { login, seedUser } from '../web/support';

// A recompute sent right after a rejection's answer: the close accepts the rejection in the
// update and records `rejected` a step later, and a recompute arriving in between used to be
// refused ("nothing to recompute") and the draft stayed rejected. The client (and so the CLI and
// the console) now waits by query until the rejection shows, then sends. No workflow command changed.

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';
let h: CloseHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url);
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', FINANCE);
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, now: () => Date.parse('2024-12-02T08:00:00+01:00') });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

/** A customer whose draft 1 of 2024-11 waits for finance. */
async function waitingCustomer() {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 30_000, 'draft 1 awaiting approval');
  return { customerId, handle };
}

/** Draft 2 waits for finance, and the close recorded the recompute as accepted (never refused). */
async function expectRecomputed(customerId: string, handle: Awaited<ReturnType<typeof waitingCustomer>>['handle']) {
  await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.state === 'awaiting_approval' && s.draftVersion === 2;
  }, 20_000, 'draft 2 awaiting approval after the recompute');
  const recomputes = (await requestsOf(h.db, customerId, PERIOD)).filter((r: { request: string }) => r.request === 'recompute');
  expect(recomputes.map((r: { requested_by: string; outcome: string }) => [r.requested_by, r.outcome])).toEqual([[FINANCE, 'accepted']]);
}

describe('reject, then recompute at once', () => {
  it('through the client: the recompute waits for the rejection to show and drafts version 2', async () => {
    const { customerId, handle } = await waitingCustomer();
    expect((await rejectDraft(h.client, PERIOD, customerId, FINANCE, 'p2 slutade i oktober')).outcome).toBe('rejected');
    await requestRecompute(h.client, PERIOD, customerId, FINANCE);
    await expectRecomputed(customerId, handle);
  });

  it('through the console: a reject posted, then a recompute posted right after, drafts version 2', async () => {
    const { customerId, handle } = await waitingCustomer();
    const s = await login(app, 'anna@ekonomi.test');
    const draft = `/finance/periods/${PERIOD}/drafts/${customerId}`;
    const post = (url: string, payload: Record<string, string>) => app.inject({ method: 'POST', url, headers: { cookie: s.cookie }, payload: { _csrf: s.csrf, ...payload } });
    expect((await post(`${draft}/reject`, { draft_version: '1', reason: 'p2 slutade i oktober' })).statusCode).toBe(303);
    expect((await post(`${draft}/recompute`, {})).statusCode).toBe(303);
    await expectRecomputed(customerId, handle);
  });

  it('a recompute with no close running still says so (WorkflowNotFoundError), without waiting', async () => {
    const started = Date.now();
    await expect(requestRecompute(h.client, PERIOD, 'C-NO-SUCH-CUSTOMER', FINANCE)).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
