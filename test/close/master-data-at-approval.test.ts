import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRunsOf } from '../../store/close-runs';
import { startCustomerClose } from '../../client/close';
import { approveDraft } from '../../client/drafts';
import { rerunCustomers } from '../../client/rerun';
import { periodStatus } from '../../client/status';
import { statusQuery } from '../../contracts/close-messages';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Issue 19, problem 3: master data re-imported between draft and approval. An invoice is issued
// only from the data the approved draft showed; otherwise the close fails as stale, issues
// nothing, and a re-run drafts from the current data (docs/master-data-at-approval.md).

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';
let h: CloseHarness;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
}, 120_000);
afterAll(async () => h?.close());

async function awaitingApproval(customerId: string) {
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  return handle;
}

/** The message the close failed with (WorkflowFailedError wraps it). */
const failureOf = (close: { result(): Promise<unknown> }) => close.result().then(() => 'no failure', (err) => String(err.cause?.message ?? err.message));

const invoicesOf = (customerId: string) => h.db('invoices').where({ customer_id: customerId }).orderBy('id').select('buyer', 'series', 'number');

describe('master data changed between draft and approval', () => {
  it('a new name, address, org and VAT number and e-mail: the approval issues nothing and says what changed; a re-run drafts from the new data', async () => {
    const customerId = await seedCustomer(h.db, { name: 'Gamla Namnet AB' });
    const close = await awaitingApproval(customerId);
    await h.db('customers').where({ customer_id: customerId }).update({
      name: 'Nya Namnet AB', street: 'Nygatan 2', org_number: '556000-0001', vat_number: 'SE556000000101', billing_email: 'ny@example.test',
    });
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    expect(await failureOf(close)).toMatch(/master data changed after draft 1 was made \(name changed, street changed, organisation number changed, VAT number changed, billing e-mail changed\)/);
    expect(await invoicesOf(customerId)).toEqual([]);
    expect(h.smtp.messages.some((m) => m.to.includes('ny@example.test'))).toBe(false);
    const status = (await periodStatus(await closeRunsOf(h.db, PERIOD), h.client, PERIOD)).customers.find((c) => c.customer_id === customerId)!;
    expect(status).toMatchObject({ state: 'failed', next_step: expect.stringContaining(`close rerun --period ${PERIOD} --customer ${customerId}`) });

    await rerunCustomers(h.client, h.settings, PERIOD, [customerId]);
    const rerun = h.client.workflow.getHandle(close.workflowId);
    await waitFor(async () => (await rerun.query(statusQuery)).state === 'awaiting_approval' && (await rerun.query(statusQuery)).draftVersion === 2);
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    expect((await rerun.result()).state).toBe('final');
    const [invoice] = await invoicesOf(customerId);
    expect([invoice.buyer.name, invoice.buyer.street, invoice.buyer.vatNumber, invoice.buyer.billingEmail]).toEqual(['Nya Namnet AB', 'Nygatan 2', 'SE556000000101', 'ny@example.test']);
  }, 180_000);

  it('a VAT number removed never reaches a final invoice: stale at approval, then "no VAT number" on the re-run', async () => {
    const customerId = await seedCustomer(h.db);
    const close = await awaitingApproval(customerId);
    await h.db('customers').where({ customer_id: customerId }).update({ vat_number: null });
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    expect(await failureOf(close)).toMatch(/\(VAT number removed\)/);
    await rerunCustomers(h.client, h.settings, PERIOD, [customerId]);
    expect(await failureOf(h.client.workflow.getHandle(close.workflowId))).toMatch(/no VAT number/);
    expect(await invoicesOf(customerId)).toEqual([]);
  }, 180_000);
});
