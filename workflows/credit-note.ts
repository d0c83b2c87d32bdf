import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  setHandler,
  sleep,
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

/** How soon a re-issue held up by a close still completing the credited invoice looks again (doubling, up to the max). */
const REISSUE_RECHECK_FIRST_MS = 5_000;
const REISSUE_RECHECK_MAX_MS = 10 * 60_000;

export async function creditNote(input: CreditNoteInput): Promise<CreditStatus> {
  const status: CreditStatus = { state: 'drafting', invoiceNumber: input.invoiceNumber, creditNoteNumber: null, totalOre: null, reason: null, reissueWorkflowId: null };
  const review = new DraftReview(input.approvers, input.requestedBy);
  const answer = (outcome: ReviewOutcome): DecisionResult => ({
    outcome: outcome === 'refused' ? 'duplicate' : outcome,
    draftVersion: 1,
    state: status.state === 'rejected' ? 'rejected' : status.state === 'final' ? 'final' : 'awaiting_approval',
  });
  // Signals and updates as for an invoice draft; the credit note's state is the phase the rules see.
  setHandler(creditStatusQuery, () => status);
  handleFinanceDecisions(review, () => status.state, answer, {
    // The approval that settles it answers with what came of it: issued, or refused (e.g. another
    // credit note got there first), never "approved" for a credit that is then refused.
    settle: async () => {
      await condition(() => status.state === 'final' || status.state === 'refused');
      if (status.state === 'refused') throw ApplicationFailure.create({ type: Failure.CreditRefused, nonRetryable: true, message: `approved, but the credit note was not issued: ${status.reason}` });
    },
    refusal: () => (status.state === 'refused' ? `the credit note was refused: ${status.reason}` : null),
  });
  const flushRequestLog = async () => {
    if (review.hasRequestsToRecord) await db.recordCreditDecisionRequests({ workflowId: workflowInfo().workflowId, requests: review.takeRequests() });
  };

  /**
   * Start the close that drafts the corrected invoice. A close of the same id still running is
   * either still completing the credited invoice (e.g. retrying a delivery): the re-issue waits
   * until it ends, saying so in the status; or one that already drafts from the current data:
   * that is the re-issue. The credit ends only once its re-issue runs.
   */
  const startReissue = async (period: string, customerId: string, creditedNumber: string) => {
    const workflowId = closeWorkflowId(period, customerId);
    let waitMs = REISSUE_RECHECK_FIRST_MS;
    for (;;) {
      try {
        await startChild(customerClose, {
          workflowId,
          args: [{ customerId, period, approvers: input.approvers, reminderIntervalMs: input.reminderIntervalMs, reportTo: null }],
          // The corrected invoice goes through the normal close and its own approval, on its own.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: BILLING_PERIOD, value: period },
            { key: CUSTOMER_ID, value: customerId },
          ],
        });
        break;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const running = await db.closeInTheWayOfReissue({ workflowId, invoiceNumber: creditedNumber });
      if (running === 'drafting_anew') {
        log.info('a close of this customer and period already drafts from the current data: it is the re-issue', { workflowId });
        break;
      }
      if (running === 'completing_invoice') {
        status.reason = `the re-issue waits for ${workflowId}, still completing ${creditedNumber} (e.g. retrying a delivery); it starts when that close ends`;
        log.info('the re-issue waits for the close still completing the credited invoice', { workflowId, invoiceNumber: creditedNumber });
      }
      await sleep(running === 'completing_invoice' ? waitMs : 1000);
      waitMs = Math.min(waitMs * 2, REISSUE_RECHECK_MAX_MS);
    }
    status.reason = null;
    status.reissueWorkflowId = workflowId;
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
    // The re-issue does not wait for the credit note's deliveries (a receiver down for hours).
    await Promise.all([
      notice.notify(`invoice:${issued.invoiceId}`, 'invoice_final', ['customer_admin', 'partner', 'finance']),
      input.reissue ? startReissue(draft.period, draft.customerId, input.invoiceNumber) : Promise.resolve(),
    ]);
    return status;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : (err as Error).message;
    if (status.creditNoteNumber !== null) {
      // Issued: the credit note stands; what failed after it (the re-issue's start) is said as such.
      status.reason = `credit note ${status.creditNoteNumber} is issued, but the re-issue did not start: ${reason}`;
      throw ApplicationFailure.create({ type: Failure.CloseFailed, nonRetryable: true, message: status.reason, details: [failureInfo(Failure.CloseFailed, status.reason)] });
    }
    Object.assign(status, { state: 'refused', reason });
    await flushRequestLog();
    if (creditRequestId !== null) await db.recordCreditDecision({ creditRequestId, status: 'refused', by: null, reason, decidedAtMs: Date.now() });
    // The cause's remedy when it was a business failure (e.g. not approved), else the credit's own.
    const failure = findFailure(err) ?? failureInfo(Failure.CreditRefused, reason);
    throw ApplicationFailure.create({ type: Failure.CreditRefused, nonRetryable: true, message: `credit of ${input.invoiceNumber} refused: ${reason}`, details: [failure] });
  }
}
