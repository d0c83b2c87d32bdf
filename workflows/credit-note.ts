import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { db, delivery } from './activity-stubs';
import type { Audience, NotificationEvent } from '../activities/notifications';
import { creditStatusQuery, type CreditNoteInput, type CreditStatus } from '../contracts/credit-messages';
import { customerClose } from './customer-close';
import { approveSignal, approveUpdate, BILLING_PERIOD, CUSTOMER_ID, rejectSignal, rejectUpdate, type DecisionResult } from '../contracts/close-messages';
import { DraftReview, type ReviewOutcome } from './draft-review';
import { Failure, failureInfo, findFailure } from '../contracts/failures';
import { closeWorkflowId } from '../contracts/workflow-ids';

// One correction of one invoice (id credit-<number>-<request key>): draft credit note → finance
// approval → number from the credit note series → Kreditfaktura PDF and e-invoice → the same
// subscribers as the invoice → with --reissue, the normal close of the period drafts anew.
// A new workflow, so customerClose and its recorded histories stay as they are. Finance decides
// through DraftReview, the invoice drafts' rules (four eyes above the policy's limit, the same
// refusals), under the verdict stored with the request (never auto-approved).


export async function creditNote(input: CreditNoteInput): Promise<CreditStatus> {
  const status: CreditStatus = { state: 'drafting', invoiceNumber: input.invoiceNumber, creditNoteNumber: null, totalOre: null, reason: null, reissueWorkflowId: null };
  const review = new DraftReview(input.approvers);
  const answer = (outcome: ReviewOutcome): DecisionResult => ({
    outcome: outcome === 'refused' ? 'duplicate' : outcome,
    draftVersion: 1,
    state: status.state === 'rejected' ? 'rejected' : status.state === 'final' ? 'final' : 'awaiting_approval',
  });
  const refuseWith = (refused: string | null) => {
    if (refused) throw new Error(refused);
  };
  // Signals and updates as for an invoice draft; the credit note's state is the phase the rules see.
  setHandler(creditStatusQuery, () => status);
  setHandler(approveSignal, (req) => void review.decide('approve', req, 'signal', status.state, Date.now()));
  setHandler(rejectSignal, (req) => void review.decide('reject', req, 'signal', status.state, Date.now()));
  setHandler(approveUpdate, (req) => answer(review.decide('approve', req, 'update', status.state, Date.now())), { validator: (req) => refuseWith(review.refusal('approve', req, status.state)) });
  setHandler(rejectUpdate, (req) => answer(review.decide('reject', req, 'update', status.state, Date.now())), { validator: (req) => refuseWith(review.refusal('reject', req, status.state)) });
  const flushRequestLog = async () => {
    if (review.hasRequestsToRecord) await db.recordCreditDecisionRequests({ workflowId: workflowInfo().workflowId, requests: review.takeRequests() });
  };

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
    review.open(1, { flags: draft.approvalsNeeded > 1 ? ['four_eyes'] : [], approvalsNeeded: draft.approvalsNeeded, autoApprove: null, policyVersion: draft.policyVersion, escalateAfterMs: null });
    status.state = 'awaiting_approval';
    const notify = async (subjectKey: string, event: NotificationEvent, audience: Audience[]) => {
      const deliveries = await db.planNotifications({ subjectKey, event, customerId: draft.customerId, period: draft.period, audience });
      const results = await Promise.allSettled(deliveries.map((deliveryId) => delivery.deliverNotification({ deliveryId })));
      for (const r of results) {
        if (r.status === 'rejected' && isCancellation(r.reason)) throw r.reason;
        if (r.status === 'rejected') log.warn('notification refused', { subjectKey, event, error: String(r.reason) });
      }
    };
    await notify(`credit:${draft.creditRequestId}`, 'draft_ready', ['finance']);

    // Finance decides; every request is recorded as it comes; remind at the configured
    // interval, never decide for them.
    let reminders = 0;
    let nextReminderAt = Date.now() + input.reminderIntervalMs;
    while (review.decision === null) {
      const woke = await condition(() => review.decision !== null || review.hasRequestsToRecord, Math.max(1, nextReminderAt - Date.now()));
      await flushRequestLog();
      if (woke || review.decision !== null) continue;
      reminders += 1;
      await notify(`credit:${draft.creditRequestId}`, `draft_reminder:${reminders}`, ['finance']);
      nextReminderAt = Date.now() + input.reminderIntervalMs;
    }
    const decided = review.decision!;
    await db.recordCreditDecision({
      creditRequestId: draft.creditRequestId,
      status: decided.kind,
      by: decided.kind === 'approved' ? decided.approvals.map((a) => a.by).join(', ') : decided.by,
      reason: decided.kind === 'rejected' ? decided.reason : null,
      decidedAtMs: decided.kind === 'approved' ? decided.approvals[decided.approvals.length - 1].atMs : decided.atMs,
      approvals: decided.kind === 'approved' ? decided.approvals : [{ by: decided.by, via: decided.via, atMs: decided.atMs }],
      policyVersion: review.currentVerdict.policyVersion,
    });
    if (decided.kind === 'rejected') {
      await flushRequestLog();
      Object.assign(status, { state: 'rejected', reason: `rejected by ${decided.by}: ${decided.reason}` });
      return status;
    }

    status.state = 'finalising';
    const issued = await db.finaliseCreditNote({ creditRequestId: draft.creditRequestId });
    Object.assign(status, { creditNoteNumber: issued.number, totalOre: issued.totalOre });
    await flushRequestLog();
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
    await flushRequestLog();
    if (creditRequestId !== null) await db.recordCreditDecision({ creditRequestId, status: 'refused', by: null, reason, decidedAtMs: Date.now() });
    // The cause's remedy when it was a business failure (e.g. not approved), else the credit's own.
    const failure = findFailure(err) ?? failureInfo(Failure.CreditRefused, reason);
    throw ApplicationFailure.create({ type: Failure.CreditRefused, nonRetryable: true, message: `credit of ${input.invoiceNumber} refused: ${reason}`, details: [failure] });
  }
}
