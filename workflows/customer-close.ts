import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InvoiceToIssue, RestReport } from '../activities/close-phases';
import { localDb, localDelivery, localPhase } from './activity-stubs';
import { CloseRun, decisionRecords } from './close-run';
import { childAtRestSignal, CLOSE_STATE, recomputeSignal, statusQuery, type CloseState, type CloseSummary, type CustomerCloseInput } from '../contracts/close-messages';
import { DraftReview, type Approved } from './draft-review';
import { Failure, failureInfo, findFailure, withRemedy, type FailureType } from '../contracts/failures';
import { awaitFinanceDecision, handleFinanceDecisions } from './finance-decision';
import { notices } from './notices';
import { refuseUnendedPeriod } from './period-guard';

/**
 * One customer's close of one period (id close-<period>-<customer>): draft → finance decides
 * (or the policy approves) → the invoice issued, rendered and sent; a rejected draft waits for
 * corrected data and a recompute. Each phase is a few local steps (activities/close-phases.ts),
 * each idempotent, so a phase run again after a lost workflow task records and sends nothing
 * twice. A business failure (bad master data, missing price) ends the close as `failed` with the
 * reason and its remedy.
 */
export async function customerClose(input: CustomerCloseInput): Promise<CloseSummary> {
  const { customerId, period } = input;
  refuseUnendedPeriod(period);
  const { workflowId, runId } = workflowInfo();
  const run = new CloseRun(input, runId);
  const review = new DraftReview(input.approvers);
  const notice = notices(localDb, localDelivery, { customerId, period });
  // The at-rest signal by command is not awaited where it is sent (that would end the workflow
  // task mid-phase); the close awaits it before it returns.
  let restSignal: Promise<void> = Promise.resolve();

  // A query, not a command: adding the decision changes no history (docs/versioning.md).
  setHandler(statusQuery, () => ({ ...run.status, decision: review.decision?.kind ?? null }));
  handleFinanceDecisions(review, () => run.status.state, (outcome) => run.answer(outcome));
  setHandler(recomputeSignal, (req) => void review.recompute(req.by, run.status.state, Date.now()));

  /** The state as the workflow shows it (query, search attribute); a step records it. */
  const show = (state: CloseState, reason: string | null = null) => {
    run.show(state, reason);
    upsertSearchAttributes([{ key: CLOSE_STATE, value: state }]);
  };
  /** The monthly close hears once that this close came to rest, unless a phase step told it. */
  const signalRest = (state: CloseState) => {
    const parent = run.restToSignal(state);
    if (parent === null) return;
    restSignal = getExternalWorkflowHandle(parent)
      .signal(childAtRestSignal, { customerId, state })
      .catch((err) => log.info('monthly close no longer listening', { reportTo: parent, error: String(err) }));
  };
  /** A state no phase records (nothing to bill, rejected, failed): its own step. */
  const record = async (state: CloseState, extra: { reason?: string | null; failureType?: FailureType } = {}) => {
    show(state, extra.reason ?? null);
    const { reason = null, failureType = null } = extra;
    await localDb.recordCloseState({ customerId, period, workflowId, state, reason, failureType, invoiceId: null, stepKey: run.nextKey('state') });
    signalRest(state);
  };
  const recordRequests = async () => {
    if (review.hasRequestsToRecord) await localDb.recordDecisionRequests(run.keyRequests(review.takeRequests()));
  };
  /** A phase that may bring the close to rest tells the monthly close itself, while it has not heard. */
  const reportingRest = async <T>(step: (report: RestReport) => Promise<T>): Promise<T> => {
    const report = run.restReportForStep();
    const result = await step(report);
    run.stepSucceeded(report);
    return result;
  };
  const finished = async (): Promise<CloseSummary> => {
    await restSignal;
    return run.summary();
  };

  /** Issue the approved draft, or complete an invoice issued before (a re-run): final, then notified. */
  const issue = async (invoice: { approval: Approved } | { issuedBefore: number }): Promise<CloseSummary> => {
    const approval = 'approval' in invoice ? invoice.approval : null;
    const toIssue: InvoiceToIssue = approval ? { draftId: run.status.draftId!, approvedBy: approval.approvals.map((a) => a.by).join(' + ') } : { invoiceId: (invoice as { issuedBefore: number }).issuedBefore };
    if (approval) run.finalising();
    // The approval's requests are recorded by this step, with the approval.
    const decisions = approval ? decisionRecords({ customerId, period, draftId: run.status.draftId! }, approval, review.currentVerdict.policyVersion) : [];
    const phase = { customerId, period, workflowId, requests: run.keyRequests(review.takeRequests()), decisions, issue: toIssue, finalKey: run.nextKey('state') };
    const done = await reportingRest((report) => localPhase.issueApprovedAndNotify({ ...phase, ...report }));
    if (done.issued) run.invoiceIssued(done.issued);
    show('final');
    signalRest('final');
    await notice.deliverLeft(`invoice:${done.invoiceId}`, 'invoice_final', done.left);
    await recordRequests();
    return finished();
  };

  /** Finance decides; every request is recorded as it comes; reminders and one escalation meanwhile. */
  const awaitDecision = (draftId: number) =>
    awaitFinanceDecision(review, input.reminderIntervalMs, {
      woke: async () => {
        // An update's answer leaves with the workflow task that ran its handler: end it before
        // issuing keeps the task busy with local steps.
        if (run.takeAnswerPending()) await sleep(1);
        if (review.decision?.kind !== 'approved') await recordRequests();
      },
      remind: () => notice.notify(`draft:${draftId}`, `draft_reminder:${run.reminded()}`, ['finance']),
      escalate: () => notice.notify(`draft:${draftId}`, 'draft_escalation', ['finance_escalation']),
    });

  /** A rejected draft waits for corrected data and a recompute; requests meanwhile are recorded. */
  const awaitRecompute = async () => {
    const asked = () => review.recomputeRequested !== null || review.hasRequestsToRecord;
    await condition(asked);
    while (review.recomputeRequested === null) {
      await recordRequests();
      await condition(asked);
    }
    await recordRequests();
  };

  try {
    show('running');
    const opened = await localPhase.openDraft({ customerId, period, workflowId, first: true, runningKey: run.nextKey('state'), runKey: run.draftKey(1) });
    if (opened.kind === 'issued') {
      run.invoiceIssued({ number: opened.number });
      return await issue({ issuedBefore: opened.invoiceId });
    }
    for (;;) {
      const version = run.nextDraftVersion();
      const draft = version === 1 ? opened : await localPhase.openDraft({ customerId, period, workflowId, first: false, runKey: run.draftKey(version) });
      if (draft.kind === 'issued') throw new Error(`${customerId} ${period}: only the first draft looks for an issued invoice`);
      if (draft.kind === 'nothing_to_bill') {
        await record('nothing_to_bill', { reason: draft.reason });
        await recordRequests();
        return await finished();
      }
      run.draftOpened(draft);
      review.open(draft.version, draft.verdict);
      if (draft.verdict.autoApprove !== null) return await issue({ approval: review.approveByPolicy(Date.now()) });

      show('awaiting_approval');
      const awaiting = { customerId, period, workflowId, draftId: draft.draftId, stepKey: run.nextKey('state') };
      const left = await reportingRest((report) => localPhase.awaitFinanceAndNotify({ ...awaiting, ...report }));
      signalRest('awaiting_approval');
      await notice.deliverLeft(`draft:${draft.draftId}`, 'draft_ready', left);
      await awaitDecision(draft.draftId);

      const decided = review.decision;
      if (decided === null) continue; // a recompute was asked for while the draft waited
      if (decided.kind === 'approved') return await issue({ approval: decided });
      for (const row of decisionRecords({ customerId, period, draftId: draft.draftId }, decided, review.currentVerdict.policyVersion)) await localDb.recordDecision(row);
      await record('rejected', { reason: `rejected by ${decided.by}: ${decided.reason}` });
      await awaitRecompute();
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : (err as Error).message;
    // The business failure's type and remedy (workflows/failures.ts); anything else is a failed close to re-run.
    const failure = findFailure(err) ?? failureInfo(Failure.CloseFailed, reason, { period, customerId });
    try {
      await record('failed', { reason: failure.reason, failureType: failure.type });
      await recordRequests();
    } catch (recordErr) {
      // e.g. a customer that does not exist has no row to record a state on: end with the reason anyway.
      if (isCancellation(recordErr)) throw recordErr;
      log.warn('could not record the failed state', { customerId, period, error: String(recordErr) });
    }
    await restSignal;
    throw ApplicationFailure.create({
      type: Failure.CloseFailed,
      nonRetryable: true,
      message: `close of ${customerId} ${period} failed: ${withRemedy(failure.reason, failure.remedy)}`,
      details: [failure],
    });
  }
}
