import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  ActivityFailure,
} from '@temporalio/workflow';
import { db, delivery, localDb, localDelivery, localPhase } from './activity-stubs';
import type { AwaitFinanceInput, InvoiceToIssue, IssueApprovedInput, IssuedInvoice, LeftToSend } from '../activities/close-phases';
import type { Decision as DecisionRecord } from '../activities/decisions';
import type { Audience, NotificationEvent } from '../activities/notifications';
import {
  approveSignal,
  approveUpdate,
  childAtRestSignal,
  CLOSE_STATE,
  rejectSignal,
  rejectUpdate,
  recomputeSignal,
  statusQuery,
  type CloseState,
  type CloseStatus,
  type CloseSummary,
  type CustomerCloseInput,
  type DecisionResult,
} from '../contracts/close-messages';
import { LATE_DELIVERY_GRACE_MS } from '../contracts/close-steps';
import { DraftReview, LEGACY_VERDICT, type Decision, type ReviewOutcome } from './draft-review';
import type { DraftVerdict } from '../contracts/review';
import { Failure, failureInfo, findFailure, withRemedy, type FailureType } from '../contracts/failures';
import { refuseUnendedPeriod } from './period-guard';

// Every side effect is an activity (stubs and their timeouts in activity-stubs.ts); a
// non-retryable failure (bad master data, missing price) ends the close as `failed` with the reason.

/** Added 2026-12 (issue #10): explain and flag each draft, decide by policy, four eyes, escalation. */
export const FINANCE_REVIEW_PATCH = 'finance-review';

/**
 * Added 2026-12 (issue #13): the steps run as local activities, so each phase (running ->
 * awaiting_approval, approved -> final and notified) costs about one workflow task instead of a
 * server round trip per step; consecutive steps are merged into a few larger ones
 * (activities/close-phases.ts), since each local activity still costs an activation and a
 * marker. Decided once at the start: a close begun on regular activities keeps them when it is
 * replayed.
 */
export const LOCAL_STEPS_PATCH = 'local-steps';

/**
 * Added 2026-12 (issue #13): on local steps, the two phases that end in notifications
 * (awaitFinanceAndNotify, issueApprovedAndNotify) also make one attempt at each of their
 * deliveries, so a close whose receivers answer costs no activation or marker per delivery; only
 * a delivery that failed retryably gets its own step. Only meaningful on local steps, decided
 * once at the start: a close begun before keeps its one step per delivery when it is replayed.
 */
export const PHASE_DELIVERIES_PATCH = 'phase-deliveries';

/**
 * Added 2026-12 (issue #13): a child of the monthly close on phase deliveries tells its parent
 * that it came to rest (awaiting approval, or final when approved by policy) from inside the
 * phase step, by a client signal, instead of by a signal-external command. The command's
 * completion is an event of its own that wakes the close for one more workflow task, for
 * nothing; the step's signal costs the parent the same and the close nothing. A step run again
 * signals again: the parent counts a customer at rest once. Other rests (nothing to bill, failed,
 * rejected) still signal by command. Decided once, only for closes that report to a parent.
 */
export const REST_BY_STEP_PATCH = 'rest-by-step';

export async function customerClose(input: CustomerCloseInput): Promise<CloseSummary> {
  const { customerId, period } = input;
  const localSteps = patched(LOCAL_STEPS_PATCH);
  const phaseDeliveries = localSteps && patched(PHASE_DELIVERIES_PATCH);
  const restByStep = phaseDeliveries && !!input.reportTo && patched(REST_BY_STEP_PATCH);
  const steps = localSteps ? localDb : db;
  const sender = localSteps ? localDelivery : delivery;
  refuseUnendedPeriod(period);
  const { workflowId, runId } = workflowInfo();
  const status: CloseStatus = {
    customerId,
    period,
    state: 'running',
    draftId: null,
    draftVersion: null,
    totalOre: null,
    invoiceNumber: null,
    reason: null,
    remindersSent: 0,
  };
  let draftVersions = 0;
  let reportedRest = false;
  // With local steps the at-rest signal is not awaited where it is sent (that would end the
  // workflow task mid-phase); the close awaits it before it returns.
  let restSignal: Promise<void> = Promise.resolve();
  // Local steps may run again after a lost workflow task: these keys make the records that have
  // no natural key land once. One count per table, so a re-run whose request batch grew (a
  // signal that arrived meanwhile) still gives each state change the key it had.
  const keyCount = { state: 0, request: 0 };
  const nextKey = (of: 'state' | 'request') => (localSteps ? `${runId}/${++keyCount[of]}` : undefined);
  // The decisions live in a plain class; the handlers only pass the request, its channel and the time.
  const review = new DraftReview(input.approvers);
  // An update's answer leaves with the workflow task that ran its handler. With local steps that
  // task would go on to issue and notify first, so the close lets it end before those steps.
  let updateToAnswer = false;
  const answer = (outcome: ReviewOutcome): DecisionResult => {
    updateToAnswer = localSteps;
    return { outcome: outcome === 'refused' ? 'duplicate' : outcome, draftVersion: status.draftVersion, state: status.state };
  };
  const refuseWith = (refused: string | null) => {
    if (refused) throw new Error(refused);
  };

  setHandler(statusQuery, () => status);
  setHandler(approveSignal, (req) => void review.decide('approve', req, req.via === 'approve_all' ? 'approve_all' : 'signal', status.state, Date.now()));
  setHandler(rejectSignal, (req) => void review.decide('reject', req, 'signal', status.state, Date.now()));
  setHandler(approveUpdate, (req) => answer(review.decide('approve', req, req.via === 'approve_all' ? 'approve_all' : 'update', status.state, Date.now())), {
    validator: (req) => refuseWith(review.refusal('approve', req, status.state)),
  });
  setHandler(rejectUpdate, (req) => answer(review.decide('reject', req, 'update', status.state, Date.now())), {
    validator: (req) => refuseWith(review.refusal('reject', req, status.state)),
  });
  setHandler(recomputeSignal, (req) => void review.recompute(req.by, status.state, Date.now()));

  // --- helpers ----------------------------------------------------------------------------
  const takeRequestLog = () => review.takeRequests().map((r) => ({ customerId, period, ...r, requestKey: nextKey('request') }));
  const flushRequestLog = async () => {
    if (!review.hasRequestsToRecord) return;
    await steps.recordDecisionRequests(takeRequestLog());
  };
  /** The state as the workflow shows it (query, search attribute); the record is a step's. */
  const showState = (state: CloseState, reason: string | null = null) => {
    status.state = state;
    status.reason = reason;
    upsertSearchAttributes([{ key: CLOSE_STATE, value: state }]);
  };
  const setState = async (state: CloseState, extra: { reason?: string | null; failureType?: FailureType; invoiceId?: number | null } = {}) => {
    showState(state, extra.reason ?? null);
    await steps.recordCloseState({
      customerId,
      period,
      workflowId,
      state,
      reason: extra.reason ?? null,
      failureType: extra.failureType ?? null,
      invoiceId: extra.invoiceId ?? null,
      stepKey: nextKey('state'),
    });
    await reportAtRest(state);
  };
  /** The monthly close hears once that this close came to rest. */
  const reportAtRest = async (state: CloseState) => {
    if (state !== 'running' && !reportedRest && input.reportTo) {
      reportedRest = true;
      const sent = getExternalWorkflowHandle(input.reportTo)
        .signal(childAtRestSignal, { customerId, state })
        .catch((err) => log.info('monthly close no longer listening', { reportTo: input.reportTo, error: String(err) }));
      if (localSteps) restSignal = sent;
      else await sent;
    }
  };
  const notify = async (subjectKey: string, event: NotificationEvent, audience: Audience[]) => {
    await deliver(subjectKey, event, await steps.planNotifications({ subjectKey, event, customerId, period, audience }));
  };
  /** One step per delivery, so each retries on its own. */
  const deliver = async (subjectKey: string, event: NotificationEvent, deliveries: number[]) => {
    const results = await Promise.allSettled(deliveries.map((deliveryId) => sender.deliverNotification({ deliveryId })));
    for (const r of results) {
      if (r.status === 'rejected') {
        if (isCancellation(r.reason)) throw r.reason;
        // Refused for good: recorded as a failed delivery, visible to operators; the close goes on.
        log.warn('notification refused', { subjectKey, event, error: String(r.reason) });
      }
    }
  };
  /** What a phase left to send: refusals are logged as deliver logs them; the rest get a step each. */
  const deliverLeft = async (subjectKey: string, event: NotificationEvent, left: LeftToSend) => {
    for (const error of left.refused) log.warn('notification refused', { subjectKey, event, error });
    // A late attempt may still be sending: let it end before its retry starts (close-steps.ts).
    if (left.late.length > 0) await sleep(LATE_DELIVERY_GRACE_MS);
    await deliver(subjectKey, event, [...left.retry, ...left.late]);
  };
  /** Before PHASE_DELIVERIES_PATCH a phase only plans its deliveries: every one is left to send. */
  const everyDelivery = (deliveries: number[]): LeftToSend => ({ retry: deliveries, late: [], refused: [] });
  /** Every approval (two for four eyes) or the rejection, with the policy version it was made under. */
  const decisionRecords = (draftId: number, d: Decision): DecisionRecord[] => {
    const rows = d.kind === 'approved' ? d.approvals.map((a) => ({ ...a, reason: d.reason })) : [{ by: d.by, via: d.via, atMs: d.atMs, reason: d.reason }];
    return rows.map((row) => ({
      draftId,
      customerId,
      period,
      decision: d.kind,
      by: row.by,
      reason: row.reason,
      via: row.via,
      decidedAtMs: row.atMs,
      ...(review.currentVerdict.policyVersion !== null ? { policyVersion: review.currentVerdict.policyVersion } : {}),
    }));
  };
  const recordDecision = async (draftId: number, d: Decision) => {
    for (const record of decisionRecords(draftId, d)) await steps.recordDecision(record);
  };
  /** Wait for finance; remind at the configured interval and escalate once, never decide for them. */
  const waitForDecision = async (draftId: number, verdict: DraftVerdict) => {
    const waitingSince = Date.now();
    let nextReminderAt = waitingSince + input.reminderIntervalMs;
    let escalateAt = verdict.escalateAfterMs === null ? null : waitingSince + verdict.escalateAfterMs;
    const undecided = () => review.decision === null && review.recomputeRequested === null;
    while (undecided()) {
      const wakeAt = escalateAt === null ? nextReminderAt : Math.min(nextReminderAt, escalateAt);
      const woke = await condition(() => !undecided() || review.hasRequestsToRecord, Math.max(1, wakeAt - Date.now()));
      if (updateToAnswer) {
        updateToAnswer = false;
        await sleep(1); // ends this workflow task, and the update's answer with it
      }
      // On local steps an approval's requests are recorded by the step that issues the invoice.
      if (!(localSteps && review.decision?.kind === 'approved')) await flushRequestLog();
      if (woke || !undecided()) continue;
      // The timer ran out: it was set for whichever came first.
      if (escalateAt !== null && escalateAt <= nextReminderAt) {
        escalateAt = null; // once
        await notify(`draft:${draftId}`, 'draft_escalation', ['finance_escalation']);
      } else {
        status.remindersSent += 1;
        await notify(`draft:${draftId}`, `draft_reminder:${status.remindersSent}`, ['finance']);
        nextReminderAt = Date.now() + input.reminderIntervalMs;
      }
    }
  };
  /** A rejected draft waits for finance to ask for a recompute; requests meanwhile are recorded. */
  const waitForRecompute = async () => {
    await condition(() => review.recomputeRequested !== null || review.hasRequestsToRecord);
    while (review.recomputeRequested === null) {
      await flushRequestLog();
      await condition(() => review.recomputeRequested !== null || review.hasRequestsToRecord);
    }
    await flushRequestLog();
  };
  const summary = async (): Promise<CloseSummary> => {
    await restSignal;
    return {
      customerId,
      period,
      state: status.state === 'finalising' ? 'running' : status.state,
      invoiceNumber: status.invoiceNumber,
      totalOre: status.totalOre,
      reason: status.reason,
      draftVersions,
    };
  };

  // --- the close on local steps: the steps merged into a few (activities/close-phases.ts) ---
  // The state each step records is shown (status, search attribute) before the step runs, and
  // the monthly close hears of a rest after it, as setState does.
  // The two phases that end in notifications, with their deliveries left to send: attempted
  // once inside the phase (PHASE_DELIVERIES_PATCH), or all of them (closes begun before).
  // Under REST_BY_STEP_PATCH the phase that first brings the close to rest also tells the parent;
  // reportAtRest then has nothing left to do. Set once the step succeeded: a close that fails
  // in it still reports its failure by command.
  const reportingRest = async <T>(step: (report: { reportRestTo?: string }) => Promise<T>): Promise<T> => {
    const report = restByStep && !reportedRest && input.reportTo ? { reportRestTo: input.reportTo } : {};
    const result = await step(report);
    if (report.reportRestTo !== undefined) reportedRest = true;
    return result;
  };
  const awaitFinance = async (phase: AwaitFinanceInput): Promise<LeftToSend> =>
    phaseDeliveries
      ? reportingRest((report) => localPhase.awaitFinanceAndNotify({ ...phase, ...report }))
      : everyDelivery(await localPhase.awaitFinance(phase));
  const issueApproved = async (phase: IssueApprovedInput): Promise<IssuedInvoice & { left: LeftToSend }> => {
    if (phaseDeliveries) return reportingRest((report) => localPhase.issueApprovedAndNotify({ ...phase, ...report }));
    const done = await localPhase.issueApproved(phase);
    return { ...done, left: everyDelivery(done.deliveries) };
  };
  /** Issue the approved draft, or complete the invoice issued before (a re-run). */
  const issueOnLocalSteps = async (invoice: { approval: Extract<Decision, { kind: 'approved' }> } | { issuedBefore: number }): Promise<CloseSummary> => {
    const approval = 'approval' in invoice ? invoice.approval : null;
    const issue: InvoiceToIssue =
      'approval' in invoice ? { draftId: status.draftId!, approvedBy: invoice.approval.approvals.map((a) => a.by).join(' + ') } : { invoiceId: invoice.issuedBefore };
    if (approval) status.state = 'finalising';
    const done = await issueApproved({
      customerId,
      period,
      workflowId,
      requests: takeRequestLog(),
      decisions: approval ? decisionRecords(status.draftId!, approval) : [],
      issue,
      finalKey: nextKey('state'),
    });
    if (done.issued) Object.assign(status, { invoiceNumber: done.issued.number, totalOre: done.issued.totalOre });
    showState('final');
    await reportAtRest('final');
    await deliverLeft(`invoice:${done.invoiceId}`, 'invoice_final', done.left);
    await flushRequestLog();
    return summary();
  };
  const closeOnLocalSteps = async (): Promise<CloseSummary> => {
    showState('running');
    const opened = await localPhase.openDraft({ customerId, period, workflowId, first: true, runningKey: nextKey('state'), runKey: `${runId}/1` });
    if (opened.kind === 'issued') {
      // A re-run after the invoice was issued only completes what may be missing (PDF, notices).
      status.invoiceNumber = opened.number;
      return issueOnLocalSteps({ issuedBefore: opened.invoiceId });
    }
    for (;;) {
      draftVersions += 1;
      const draft = draftVersions === 1 ? opened : await localPhase.openDraft({ customerId, period, workflowId, first: false, runKey: `${runId}/${draftVersions}` });
      if (draft.kind === 'issued') throw new Error(`${customerId} ${period}: only the first draft looks for an issued invoice`);
      if (draft.kind === 'nothing_to_bill') {
        await setState('nothing_to_bill', { reason: draft.reason });
        await flushRequestLog();
        return summary();
      }
      Object.assign(status, { draftId: draft.draftId, draftVersion: draft.version, totalOre: draft.totalOre });
      review.open(draft.version, draft.verdict);
      if (draft.verdict.autoApprove !== null) return issueOnLocalSteps({ approval: review.approveByPolicy(Date.now()) });
      showState('awaiting_approval');
      const left = await awaitFinance({ customerId, period, workflowId, draftId: draft.draftId, stepKey: nextKey('state') });
      await reportAtRest('awaiting_approval');
      await deliverLeft(`draft:${draft.draftId}`, 'draft_ready', left);
      await waitForDecision(draft.draftId, draft.verdict);

      const decided = review.decision;
      if (decided === null) continue; // recompute asked while the draft waited
      if (decided.kind === 'approved') return issueOnLocalSteps({ approval: decided });
      await recordDecision(draft.draftId, decided);
      await setState('rejected', { reason: `rejected by ${decided.by}: ${decided.reason}` });
      await waitForRecompute();
    }
  };

  // --- the close ----------------------------------------------------------------------------
  try {
    if (localSteps) return await closeOnLocalSteps();
    await setState('running');
    const alreadyIssued = await steps.findIssuedInvoice({ customerId, period });
    let invoiceId: number;
    if (alreadyIssued) {
      // A re-run after the invoice was issued only completes what may be missing (PDF, notices).
      invoiceId = alreadyIssued.invoiceId;
      status.invoiceNumber = alreadyIssued.number;
    } else {
      let approval: Extract<Decision, { kind: 'approved' }>;
      for (;;) {
        draftVersions += 1;
        const snapshot = await steps.snapshotUsage({ customerId, period });
        const draft = await steps.createDraft({ customerId, period, snapshotId: snapshot.snapshotId, runKey: `${runId}/${draftVersions}` });
        if (draft.kind === 'nothing_to_bill') {
          await setState('nothing_to_bill', { reason: draft.reason });
          await flushRequestLog();
          return summary();
        }
        await steps.renderDraftPdf({ draftId: draft.draftId });
        // The verdict comes from an activity (config read and rules applied there), never from here.
        const verdict = patched(FINANCE_REVIEW_PATCH) ? await steps.reviewDraft({ draftId: draft.draftId }) : LEGACY_VERDICT;
        Object.assign(status, { draftId: draft.draftId, draftVersion: draft.version, totalOre: draft.totalOre });
        review.open(draft.version, verdict);
        if (verdict.autoApprove !== null) {
          approval = review.approveByPolicy(Date.now());
          await recordDecision(draft.draftId, approval);
          break;
        }
        await setState('awaiting_approval');
        await notify(`draft:${draft.draftId}`, 'draft_ready', ['finance']);
        await waitForDecision(draft.draftId, verdict);

        const decided = review.decision;
        if (decided === null) continue; // recompute asked while the draft waited
        await recordDecision(draft.draftId, decided);
        if (decided.kind === 'approved') {
          approval = decided;
          break;
        }
        await setState('rejected', { reason: `rejected by ${decided.by}: ${decided.reason}` });
        await waitForRecompute();
      }

      status.state = 'finalising';
      const issued = await steps.finaliseInvoice({ draftId: status.draftId!, approvedBy: approval.approvals.map((a) => a.by).join(' + ') });
      invoiceId = issued.invoiceId;
      status.invoiceNumber = issued.number;
      status.totalOre = issued.totalOre;
    }
    await steps.renderInvoicePdf({ invoiceId });
    await setState('final', { invoiceId });
    await notify(`invoice:${invoiceId}`, 'invoice_final', ['customer_admin', 'partner', 'finance']);
    await flushRequestLog();
    return summary();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : (err as Error).message;
    // The business failure's type and remedy (workflows/failures.ts); anything else is a failed close to re-run.
    const failure = findFailure(err) ?? failureInfo(Failure.CloseFailed, reason, { period, customerId });
    try {
      await setState('failed', { reason: failure.reason, failureType: failure.type });
      await flushRequestLog();
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
