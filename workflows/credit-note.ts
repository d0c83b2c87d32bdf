import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { Audience, NotificationEvent } from '../activities/notifications';
import { CreditApproval } from './credit-approval';
import { creditStatusQuery, type CreditNoteInput, type CreditStatus } from './credit-definitions';
import { customerClose } from './customer-close';
import { approveSignal, approveUpdate, BILLING_PERIOD, CUSTOMER_ID, rejectSignal, rejectUpdate } from './definitions';
import { Failure } from './failures';
import { closeWorkflowId } from './ids';

// One correction of one invoice (id credit-<number>-<request key>): draft credit note → finance
// approval → number from the credit note series → Kreditfaktura PDF and e-invoice → the same
// subscribers as the invoice → with --reissue, the normal close of the period drafts anew.
// A new workflow, so customerClose and its recorded histories stay as they are.

const db = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function creditNote(input: CreditNoteInput): Promise<CreditStatus> {
  const status: CreditStatus = { state: 'drafting', invoiceNumber: input.invoiceNumber, creditNoteNumber: null, totalOre: null, reason: null, reissueWorkflowId: null };
  const approval = new CreditApproval(input.approvers);
  const refuseWith = (refused: string | null) => {
    if (refused) throw new Error(refused);
  };
  setHandler(creditStatusQuery, () => status);
  setHandler(approveSignal, (req) => void approval.decide('approve', req, 'signal', Date.now()));
  setHandler(rejectSignal, (req) => void approval.decide('reject', req, 'signal', Date.now()));
  setHandler(approveUpdate, (req) => approval.decide('approve', req, 'update', Date.now()), { validator: (req) => refuseWith(approval.refusal('approve', req)) });
  setHandler(rejectUpdate, (req) => approval.decide('reject', req, 'update', Date.now()), { validator: (req) => refuseWith(approval.refusal('reject', req)) });

  let creditRequestId: number | null = null;
  try {
    const draft = await db.draftCreditNote({
      invoiceNumber: input.invoiceNumber,
      requestKey: input.requestKey,
      requestedBy: input.requestedBy,
      reason: input.reason,
      lines: input.lines,
      reissue: input.reissue,
      workflowId: workflowInfo().workflowId,
    });
    creditRequestId = draft.creditRequestId;
    status.totalOre = draft.totalOre;
    status.state = 'awaiting_approval';
    approval.open = true;
    const notify = async (subjectKey: string, event: NotificationEvent, audience: Audience[]) => {
      const deliveries = await db.planNotifications({ subjectKey, event, customerId: draft.customerId, period: draft.period, audience });
      const results = await Promise.allSettled(deliveries.map((deliveryId) => delivery.deliverNotification({ deliveryId })));
      for (const r of results) {
        if (r.status === 'rejected' && isCancellation(r.reason)) throw r.reason;
        if (r.status === 'rejected') log.warn('notification refused', { subjectKey, event, error: String(r.reason) });
      }
    };
    await notify(`credit:${draft.creditRequestId}`, 'draft_ready', ['finance']);

    // Finance decides; remind at the configured interval, never decide for them.
    let reminders = 0;
    while (!(await condition(() => approval.decision !== null, input.reminderIntervalMs))) {
      reminders += 1;
      await notify(`credit:${draft.creditRequestId}`, `draft_reminder:${reminders}`, ['finance']);
    }
    const decided = approval.decision!;
    await db.recordCreditDecision({
      creditRequestId: draft.creditRequestId,
      status: decided.kind,
      by: decided.by,
      reason: decided.kind === 'rejected' ? decided.reason : null,
      decidedAtMs: decided.atMs,
    });
    if (decided.kind === 'rejected') {
      Object.assign(status, { state: 'rejected', reason: `rejected by ${decided.by}: ${decided.reason}` });
      return status;
    }

    status.state = 'finalising';
    const issued = await db.finaliseCreditNote({ creditRequestId: draft.creditRequestId });
    Object.assign(status, { creditNoteNumber: issued.number, totalOre: issued.totalOre });
    await db.renderInvoicePdf({ invoiceId: issued.invoiceId });
    status.state = 'final';
    await notify(`invoice:${issued.invoiceId}`, 'invoice_final', ['customer_admin', 'partner', 'finance']);

    if (input.reissue) {
      const workflowId = closeWorkflowId(draft.period, draft.customerId);
      status.reissueWorkflowId = workflowId;
      try {
        await startChild(customerClose, {
          workflowId,
          args: [{ customerId: draft.customerId, period: draft.period, approvers: input.approvers, reminderIntervalMs: input.reminderIntervalMs, reportTo: null }],
          // The corrected invoice goes through the normal close and its own approval, on its own.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: BILLING_PERIOD, value: draft.period },
            { key: CUSTOMER_ID, value: draft.customerId },
          ],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        log.info('a close of this customer and period is already running; it drafts from the current data', { workflowId });
      }
    }
    return status;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : (err as Error).message;
    Object.assign(status, { state: 'refused', reason });
    if (creditRequestId !== null) await db.recordCreditDecision({ creditRequestId, status: 'refused', by: null, reason, decidedAtMs: Date.now() });
    throw ApplicationFailure.nonRetryable(`credit of ${input.invoiceNumber} refused: ${reason}`, Failure.CreditRefused);
  }
}
