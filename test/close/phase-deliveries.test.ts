import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveSignal, statusQuery } from '../../contracts/close-messages';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { maybeRecordHistory, waitsForLateDelivery } from '../support/histories';
import { activityStepsOf } from '../support/history-steps';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { deliveriesOf } from '../support/queries';

// The phases that end in notifications make one attempt at each delivery themselves; only what
// that attempt could not settle becomes a step of its own.
// The partner's webhook (invoice_final) is the receiver that misbehaves here.

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';

let h: CloseHarness;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url);
});
afterAll(async () => h?.close());

/** A close started and waiting for finance; the webhook's misbehaviour is set up before approval. */
async function closeAwaitingApproval() {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  return { customerId, handle };
}

/** The partner webhook's delivery of the invoice and its attempts, oldest first. */
async function webhookDelivery(customerId: string) {
  const delivery = await h.db('notification_deliveries as d')
    .join('subscribers as s', 's.id', 'd.subscriber_id')
    .where({ 'd.customer_id': customerId, 'd.event': 'invoice_final', 's.channel': 'webhook' })
    .first('d.*');
  const attempts = await h.db('notification_attempts').where({ delivery_id: delivery.id }).orderBy('id');
  return { delivery, attempts: attempts.map((a) => [a.attempt, a.outcome]) };
}

const hooksFor = (customerId: string) => h.webhook.requests.filter((r) => JSON.parse(r.body).data.customer_id === customerId);

describe('deliveries attempted inside the phases', () => {
  it('every receiver answers: no delivery step of its own, every delivery delivered once', async () => {
    const { customerId, handle } = await closeAwaitingApproval();
    await handle.signal(approveSignal, { by: FINANCE });
    expect((await handle.result()).state).toBe('final');

    expect(await activityStepsOf(h.client, handle.workflowId)).toEqual(['openDraft', 'awaitFinanceAndNotify', 'issueApprovedAndNotify']);
    const deliveries = await deliveriesOf(h.db, customerId);
    expect(deliveries.map((d) => [d.event, d.status, d.attempts])).toEqual([
      ['draft_ready', 'delivered', 1],
      ['invoice_final', 'delivered', 1],
      ['invoice_final', 'delivered', 1],
      ['invoice_final', 'delivered', 1],
    ]);
    expect(hooksFor(customerId)).toHaveLength(1);
  });

  it('a webhook that fails once is retried as its own step: delivered once, both attempts on record', async () => {
    const { customerId, handle } = await closeAwaitingApproval();
    h.webhook.failNext(1, 503, 'busy');
    await handle.signal(approveSignal, { by: FINANCE });
    expect((await handle.result()).state).toBe('final');
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-webhook-retried');

    const { delivery, attempts } = await webhookDelivery(customerId);
    expect(delivery.status).toBe('delivered');
    expect(attempts).toEqual([
      [1, 'retryable_error'],
      [2, 'delivered'],
    ]);
    // The receiver saw it twice under one key and answered 200 once; nothing else was retried.
    const hooks = hooksFor(customerId);
    expect(hooks).toHaveLength(2);
    expect(new Set(hooks.map((r) => r.headers['idempotency-key']))).toEqual(new Set([delivery.idempotency_key]));
    expect(await activityStepsOf(h.client, handle.workflowId)).toEqual(['openDraft', 'awaitFinanceAndNotify', 'issueApprovedAndNotify', 'deliverNotification']);
  });

  it('a webhook refused for good does not fail the close: the delivery is failed, no step retries it', async () => {
    const { customerId, handle } = await closeAwaitingApproval();
    h.webhook.failNext(1, 410, 'endpoint removed');
    await handle.signal(approveSignal, { by: FINANCE });
    const summary = await handle.result();
    expect(summary.state).toBe('final');
    expect(summary.invoiceNumber).not.toBeNull();
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-webhook-refused');

    const { delivery, attempts } = await webhookDelivery(customerId);
    expect([delivery.status, delivery.last_error]).toEqual(['failed', expect.stringMatching(/410/)]);
    expect(attempts).toEqual([[1, 'permanent_error']]);
    expect(hooksFor(customerId)).toHaveLength(1);
    // The e-mails went out as usual.
    const others = (await deliveriesOf(h.db, customerId)).filter((d) => d.id !== delivery.id);
    expect(others.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(await activityStepsOf(h.client, handle.workflowId)).toEqual(['openDraft', 'awaitFinanceAndNotify', 'issueApprovedAndNotify']);
  });

  it('a webhook that hangs: the phase stops waiting, the retry starts only after the late attempt ended', async () => {
    const { customerId, handle } = await closeAwaitingApproval();
    h.webhook.hang(true);
    try {
      await handle.signal(approveSignal, { by: FINANCE });
      // The phase ended without the webhook's answer; the close waits out the late attempt.
      await waitFor(() => waitsForLateDelivery(h.client, handle.workflowId), 60_000, 'the close waiting before the retry of its late delivery');
      expect((await handle.query(statusQuery)).state).toBe('final');
    } finally {
      h.webhook.hang(false);
    }
    expect((await handle.result()).state).toBe('final');
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-webhook-late');

    const { delivery, attempts } = await webhookDelivery(customerId);
    expect(delivery.status).toBe('delivered');
    // The hung attempt timed out and was recorded before the retry began: never two at once.
    expect(attempts).toEqual([
      [1, 'retryable_error'],
      [2, 'delivered'],
    ]);
    expect(await activityStepsOf(h.client, handle.workflowId)).toEqual(['openDraft', 'awaitFinanceAndNotify', 'issueApprovedAndNotify', 'deliverNotification']);
  }, 120_000);
});
