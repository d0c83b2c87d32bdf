import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ActivityFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DecisionRequestRecord } from '../activities/decisions';
import type { Audience, NotificationEvent } from '../activities/notifications';
import {
  approveSignal,
  approveUpdate,
  childAtRestSignal,
  CLOSE_FAILED,
  CLOSE_STATE,
  rejectSignal,
  rejectUpdate,
  recomputeSignal,
  statusQuery,
  type ApproveRequest,
  type CloseState,
  type CloseStatus,
  type CloseSummary,
  type CustomerCloseInput,
  type DecisionResult,
  type RejectRequest,
} from './definitions';

// Every side effect is an activity. Database steps retry until the database is back; a
// non-retryable failure (bad master data, missing price) needs a person and ends the close
// as `failed` with the reason.
// Timeouts are short on purpose: these steps take well under a second, and a worker that dies
// mid-activity is only noticed when its attempt times out.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

type Pending =
  | { kind: 'approved'; by: string; via: 'signal' | 'update' | 'approve_all'; atMs: number }
  | { kind: 'rejected'; by: string; reason: string; atMs: number };

export async function customerClose(input: CustomerCloseInput): Promise<CloseSummary> {
  const { customerId, period } = input;
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
  let decision: Pending | null = null;
  let recomputeBy: string | null = null;
  let draftVersions = 0;
  let reportedRest = false;
  const requestLog: DecisionRequestRecord[] = [];

  // --- finance interaction ---------------------------------------------------------------
  const refusal = (kind: 'approve' | 'reject', req: ApproveRequest | RejectRequest): string | null => {
    if (!input.approvers.includes(req.by)) return `${req.by} is not a configured finance approver`;
    if (kind === 'reject' && !(req as RejectRequest).reason?.trim()) return 'a rejection needs a reason';
    const settled = status.state === 'finalising' || status.state === 'final' || (decision !== null && decision.kind === 'approved');
    if (kind === 'approve' && settled) return null; // a repeated approval is a harmless duplicate
    if (status.state !== 'awaiting_approval' || decision !== null) return `no draft awaits a decision (state: ${status.state})`;
    if (req.draftVersion !== undefined && req.draftVersion !== status.draftVersion) {
      return `draft version ${req.draftVersion} is not the current one (${status.draftVersion}): look at the new draft first`;
    }
    return null;
  };
  const decide = (kind: 'approve' | 'reject', req: ApproveRequest | RejectRequest, via: 'signal' | 'update' | 'approve_all'): DecisionResult => {
    const refused = refusal(kind, req);
    let outcome: DecisionResult['outcome'] | 'refused' = 'duplicate';
    if (refused === null && status.state === 'awaiting_approval' && decision === null) {
      decision =
        kind === 'approve'
          ? { kind: 'approved', by: req.by, via, atMs: Date.now() }
          : { kind: 'rejected', by: req.by, reason: (req as RejectRequest).reason.trim(), atMs: Date.now() };
      outcome = kind === 'approve' ? 'approved' : 'rejected';
    } else if (refused !== null) {
      outcome = 'refused';
    }
    requestLog.push({
      customerId,
      period,
      request: kind,
      requestedBy: req.by,
      draftVersion: req.draftVersion ?? null,
      outcome: refused === null ? `${outcome} (${via})` : `refused (${via}): ${refused}`,
      receivedAtMs: Date.now(),
    });
    return { outcome: outcome === 'refused' ? 'duplicate' : outcome, draftVersion: status.draftVersion, state: status.state };
  };

  setHandler(statusQuery, () => status);
  setHandler(approveSignal, (req) => void decide('approve', req, req.via === 'approve_all' ? 'approve_all' : 'signal'));
  setHandler(rejectSignal, (req) => void decide('reject', req, 'signal'));
  setHandler(approveUpdate, (req) => decide('approve', req, 'update'), {
    validator: (req) => {
      const refused = refusal('approve', req);
      if (refused) throw new Error(refused);
    },
  });
  setHandler(rejectUpdate, (req) => decide('reject', req, 'update'), {
    validator: (req) => {
      const refused = refusal('reject', req);
      if (refused) throw new Error(refused);
    },
  });
  setHandler(recomputeSignal, (req) => {
    const accepted = status.state === 'rejected' || (status.state === 'awaiting_approval' && decision === null);
    if (accepted) recomputeBy = req.by ?? 'unknown';
    requestLog.push({
      customerId,
      period,
      request: 'recompute',
      requestedBy: req.by ?? null,
      draftVersion: status.draftVersion,
      outcome: accepted ? 'accepted' : `refused: nothing to recompute (state: ${status.state})`,
      receivedAtMs: Date.now(),
    });
  });

  // --- helpers ----------------------------------------------------------------------------
  const flushRequestLog = async () => {
    if (requestLog.length === 0) return;
    const batch = requestLog.splice(0, requestLog.length);
    await db.recordDecisionRequests(batch);
  };
  const setState = async (state: CloseState, extra: { reason?: string | null; invoiceId?: number | null } = {}) => {
    status.state = state;
    status.reason = extra.reason ?? null;
    upsertSearchAttributes([{ key: CLOSE_STATE, value: state }]);
    await db.recordCloseState({ customerId, period, workflowId, state, reason: extra.reason ?? null, invoiceId: extra.invoiceId ?? null });
    if (state !== 'running' && !reportedRest && input.reportTo) {
      reportedRest = true;
      try {
        await getExternalWorkflowHandle(input.reportTo).signal(childAtRestSignal, { customerId, state });
      } catch (err) {
        log.info('monthly close no longer listening', { reportTo: input.reportTo, error: String(err) });
      }
    }
  };
  const notify = async (subjectKey: string, event: NotificationEvent, audience: Audience[]) => {
    const deliveries = await db.planNotifications({ subjectKey, event, customerId, period, audience });
    const results = await Promise.allSettled(deliveries.map((deliveryId) => delivery.deliverNotification({ deliveryId })));
    for (const r of results) {
      if (r.status === 'rejected') {
        if (isCancellation(r.reason)) throw r.reason;
        // Refused for good: recorded as a failed delivery, visible to operators; the close goes on.
        log.warn('notification refused', { subjectKey, event, error: String(r.reason) });
      }
    }
  };
  const summary = (): CloseSummary => ({
    customerId,
    period,
    state: status.state === 'finalising' ? 'running' : status.state,
    invoiceNumber: status.invoiceNumber,
    totalOre: status.totalOre,
    reason: status.reason,
    draftVersions,
  });

  // --- the close ----------------------------------------------------------------------------
  try {
    await setState('running');
    const alreadyIssued = await db.findIssuedInvoice({ customerId, period });
    let invoiceId: number;
    if (alreadyIssued) {
      // A re-run after the invoice was issued only completes what may be missing (PDF, notices).
      invoiceId = alreadyIssued.invoiceId;
      status.invoiceNumber = alreadyIssued.number;
    } else {
      let approval: Extract<Pending, { kind: 'approved' }>;
      for (;;) {
        draftVersions += 1;
        const snapshot = await db.snapshotUsage({ customerId, period });
        const draft = await db.createDraft({ customerId, period, snapshotId: snapshot.snapshotId, runKey: `${runId}/${draftVersions}` });
        if (draft.kind === 'nothing_to_bill') {
          await setState('nothing_to_bill', { reason: draft.reason });
          await flushRequestLog();
          return summary();
        }
        await db.renderDraftPdf({ draftId: draft.draftId });
        Object.assign(status, { draftId: draft.draftId, draftVersion: draft.version, totalOre: draft.totalOre });
        decision = null;
        recomputeBy = null;
        await setState('awaiting_approval');
        await notify(`draft:${draft.draftId}`, 'draft_ready', ['finance']);

        // Wait for finance; remind at the configured interval, never decide for them.
        let nextReminderAt = Date.now() + input.reminderIntervalMs;
        while (decision === null && recomputeBy === null) {
          const woke = await condition(() => decision !== null || recomputeBy !== null || requestLog.length > 0, Math.max(1, nextReminderAt - Date.now()));
          await flushRequestLog();
          if (!woke && decision === null && recomputeBy === null) {
            status.remindersSent += 1;
            await notify(`draft:${draft.draftId}`, `draft_reminder:${status.remindersSent}`, ['finance']);
            nextReminderAt = Date.now() + input.reminderIntervalMs;
          }
        }
        const decided = decision as Pending | null;
        if (decided === null) continue; // recompute asked while the draft waited
        await db.recordDecision({
          draftId: draft.draftId,
          customerId,
          period,
          decision: decided.kind,
          by: decided.by,
          reason: decided.kind === 'rejected' ? decided.reason : null,
          via: decided.kind === 'approved' ? decided.via : 'signal',
          decidedAtMs: decided.atMs,
        });
        if (decided.kind === 'approved') {
          approval = decided;
          break;
        }
        await setState('rejected', { reason: `rejected by ${decided.by}: ${decided.reason}` });
        await condition(() => recomputeBy !== null || requestLog.length > 0);
        while (recomputeBy === null) {
          await flushRequestLog();
          await condition(() => recomputeBy !== null || requestLog.length > 0);
        }
        await flushRequestLog();
      }

      status.state = 'finalising';
      const issued = await db.finaliseInvoice({ draftId: status.draftId!, approvedBy: approval.by });
      invoiceId = issued.invoiceId;
      status.invoiceNumber = issued.number;
      status.totalOre = issued.totalOre;
    }
    await db.renderInvoicePdf({ invoiceId });
    await setState('final', { invoiceId });
    await notify(`invoice:${invoiceId}`, 'invoice_final', ['customer_admin', 'partner', 'finance']);
    await flushRequestLog();
    return summary();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : (err as Error).message;
    await setState('failed', { reason });
    await flushRequestLog();
    throw ApplicationFailure.nonRetryable(`close of ${customerId} ${period} failed: ${reason}`, CLOSE_FAILED);
  }
}
