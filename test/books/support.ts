import { creditRequestReads } from '../../store/credits';
import { expect } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { decideCredit, requestCredit } from '../../client/credit';
import { approveDraft } from '../../client/drafts';
import type { CreditSelection } from '../../billing/credit';
import { creditStatusQuery } from '../../contracts/credit-messages';
import { statusQuery } from '../../contracts/close-messages';
import { closeWorkflowId } from '../../contracts/workflow-ids';
import type { CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Invoices and corrections as finance makes them, on the real worker: the books tests start
// from these.

export const FINANCE = 'Anna Ekonom';
/** How long a close may take to come to rest on a busy machine (the suite runs two files at once). */
export const SETTLE_MS = 120_000;
/** The worked example's invoice (billing-rules.md), and one portal user of it credited. */
export const WORKED_TOTAL_ORE = 358_800;
export const ONE_PORTAL_USER_ORE = -24_400;

/** A customer of the worked example with its invoice for `period` final. */
export async function invoicedCustomer(
  h: CloseHarness,
  period: string,
  overrides: Parameters<typeof seedCustomer>[1] = {},
  columns: Record<string, string> = {},
): Promise<{ customerId: string; number: string }> {
  const customerId = await seedCustomer(h.db, overrides);
  if (Object.keys(columns).length) await h.db('customers').where({ customer_id: customerId }).update(columns);
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, period);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', SETTLE_MS, 'draft awaiting approval');
  await approveDraft(h.client, period, customerId, FINANCE);
  const summary = await handle.result();
  return { customerId, number: summary.invoiceNumber! };
}

/**
 * A credit note approved by finance; with `reissue` the re-issue's close is left waiting for approval.
 * The reason names the harness's task queue: every test file numbers its invoices from F10001 and
 * a credit's workflow id (invoice number + request key) is unique in the whole namespace.
 */
export async function credit(h: CloseHarness, invoiceNumber: string, lines: CreditSelection, opts: { reissue?: boolean; reason?: string } = {}): Promise<string> {
  const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber, requestedBy: 'Olle Operatör', reason: opts.reason ?? `rättelse ${invoiceNumber} ${h.settings.taskQueue}`, lines, reissue: !!opts.reissue });
  const handle = h.client.workflow.getHandle(started.workflowId);
  let refused: string | null = null;
  await waitFor(
    async () => {
      const status = await handle.query(creditStatusQuery);
      if (status.state === 'refused') refused = status.reason ?? 'refused';
      return status.state === 'awaiting_approval' || refused !== null;
    },
    SETTLE_MS,
    `credit of ${invoiceNumber} awaiting approval`,
  );
  if (refused !== null) throw new Error(`credit of ${invoiceNumber} refused: ${refused}`);
  expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: FINANCE })).outcome).toBe('approved');
  const done = await handle.result();
  return done.creditNoteNumber!;
}

/** Waits for the re-issue's draft of a fully credited invoice, approves it, returns the new number. */
export async function approveReissue(h: CloseHarness, period: string, customerId: string, beforeApproving?: () => Promise<void>): Promise<string> {
  const handle = h.client.workflow.getHandle(closeWorkflowId(period, customerId));
  await waitFor(async () => (await handle.query(statusQuery).catch(() => null))?.state === 'awaiting_approval', SETTLE_MS, `re-issue draft of ${customerId}`);
  await beforeApproving?.();
  await approveDraft(h.client, period, customerId, FINANCE);
  return (await handle.result()).invoiceNumber!;
}
