import {
  ActivityFailure,
  ApplicationFailure,
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
import { creditStatusQuery, type CreditNoteInput, type CreditStatus } from '../contracts/credit-messages';
import { customerClose } from './customer-close';
import { BILLING_PERIOD, CUSTOMER_ID, type DecisionResult } from '../contracts/close-messages';
import { DraftReview, type ReviewOutcome } from './draft-review';
import { Failure, failureInfo, findFailure } from '../contracts/failures';
import { awaitFinanceDecision, handleFinanceDecisions } from './finance-decision';
import { closeWorkflowId } from '../contracts/workflow-ids';
import { notices } from './notices';

// One correction of one invoice (id credit-<number>-<request key>): draft credit note → finance
// approval → number from the credit note series → Kreditfaktura PDF and e-invoice → the same
// subscribers as the invoice → with --reissue, the normal close of the period drafts anew.
// Finance decides as for an invoice draft (finance-decision.ts: DraftReview's rules, four eyes
// above the policy's limit, the same refusals and reminders), under the verdict stored with the
// request (never auto-approved). Its steps are regular activities: a correction is rare, and
// each step is better seen on its own in the UI.

export async function creditNote(input: CreditNoteInput): Promise<CreditStatus> {
  const status: CreditStatus = { state: 'drafting', invoiceNumber: input.invoiceNumber, creditNoteNumber: null, totalOre: null, reason: null, reissueWorkflowId: null };
  const review = new DraftReview(input.approvers);
  const answer = (outcome: ReviewOutcome): DecisionResult => ({
    outcome: outcome === 'refused' ? 'duplicate' : outcome,
    draftVersion: 1,
    state: status.state === 'rejected' ? 'rejected' : status.state === 'final' ? 'final' : 'awaiting_approval',
  });
  // Signals and updates as for an invoice draft; the credit note's state is the phase the rules see.
  setHandler(creditStatusQuery, () => status);
  handleFinanceDecisions(review, () => status.state, answer);
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
    const notice = notices(db, delivery, { customerId: draft.customerId, period: draft.period });
    await notice.notify(`credit:${draft.creditRequestId}`, 'draft_ready', ['finance']);

    // Finance decides; every request is recorded as it comes; reminders meanwhile (no escalation).
    let reminders = 0;
    await awaitFinanceDecision(review, input.reminderIntervalMs, {
      woke: flushRequestLog,
      remind: () => notice.notify(`credit:${draft.creditRequestId}`, `draft_reminder:${++reminders}`, ['finance']),
      escalate: async () => undefined, // the verdict never escalates a credit note
    });
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
    await notice.notify(`invoice:${issued.invoiceId}`, 'invoice_final', ['customer_admin', 'partner', 'finance']);

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
