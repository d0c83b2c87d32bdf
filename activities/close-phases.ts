import { ApplicationFailure } from '@temporalio/common';
import { PHASE_ATTEMPT_WAIT_MS } from '../contracts/close-steps';
import { childAtRestSignal } from '../contracts/close-messages';
import type { DraftVerdict } from '../contracts/review';
import { closeStateActivities } from './close-state';
import { decisionActivities, type Decision, type DecisionRequestRecord } from './decisions';
import type { ActivityDeps } from './deps';
import { documentActivities } from './documents';
import { draftActivities } from './drafts';
import { finaliseActivities, type IssuedRef } from './finalise';
import { notificationActivities } from './notifications';
import { reviewActivities } from './review';
import { snapshotActivities } from './snapshot';

// customerClose runs its steps as local activities, each costing one workflow activation and one
// marker, so consecutive steps run as one larger step here. Each is the finer steps called in
// order, each already idempotent (natural keys, run keys, step keys): a retry, or a re-run after
// a killed worker, repeats the finished ones as no-ops and goes on where the last attempt stopped.

export type OpenedDraft =
  | { kind: 'issued'; invoiceId: number; number: string }
  | { kind: 'nothing_to_bill'; reason: string }
  | { kind: 'draft'; draftId: number; version: number; totalOre: number; verdict: DraftVerdict };

export interface OpenDraftInput {
  customerId: string;
  period: string;
  workflowId: string;
  /** The close's first draft also records `running` and looks for an invoice issued before; a recompute does neither. */
  first: boolean;
  /** Step key of the `running` record (see CloseStateChange.stepKey). */
  runningKey?: string;
  /** Names this draft version (createDraft). */
  runKey: string;
}

/** The invoice to complete: the approved draft to issue, or one issued before (a re-run). */
export type InvoiceToIssue = { draftId: number; approvedBy: string } | { invoiceId: number };

/**
 * The monthly close to tell, by workflow id, once the phase's state is recorded: a signal from
 * the step costs the close no workflow task, where a signal command's completion would wake it
 * for one more.
 */
export interface RestReport {
  reportRestTo?: string;
}

export interface AwaitFinanceInput extends RestReport {
  customerId: string;
  period: string;
  workflowId: string;
  draftId: number;
  /** Step key of the `awaiting_approval` record. */
  stepKey?: string;
}

export interface IssueApprovedInput extends RestReport {
  customerId: string;
  period: string;
  workflowId: string;
  /** The decision requests not yet on record, with their keys. */
  requests: DecisionRequestRecord[];
  /** The approval rows (two for four eyes); none for an invoice issued before. */
  decisions: Decision[];
  issue: InvoiceToIssue;
  /** Step key of the `final` record. */
  finalKey?: string;
}

export interface IssuedInvoice {
  invoiceId: number;
  /** Set when this step issued the invoice (not for one issued before). */
  issued: IssuedRef | null;
  /** The invoice_final deliveries this run planned (none already sent). */
  deliveries: number[];
}

/** What a phase's own delivery attempts left for the workflow. */
export interface LeftToSend {
  /** Failed retryably: the workflow retries each as its own step. */
  retry: number[];
  /** Still sending when the phase stopped waiting: retried like `retry`, after a grace (see close-steps.ts). */
  late: number[];
  /** Refused for good, already recorded as failed: the reasons, for the workflow's log. */
  refused: string[];
}

export function closePhaseActivities(deps: ActivityDeps) {
  const states = closeStateActivities(deps);
  const snapshots = snapshotActivities(deps);
  const drafts = draftActivities(deps);
  const documents = documentActivities(deps);
  const reviews = reviewActivities(deps);
  const decisions = decisionActivities(deps);
  const finalise = finaliseActivities(deps);
  const notifications = notificationActivities(deps);

  /**
   * One attempt at each delivery, all at once, each through deliverNotification (it records
   * every attempt and sends nothing already delivered). An attempt still running after
   * PHASE_ATTEMPT_WAIT_MS is left running and reported `late`, so a hanging receiver cannot hold
   * the phase near its timeout; a late success is fine, the retry then finds it delivered.
   * Never throws: what an attempt did is on record, and the workflow decides what comes next.
   */
  async function attemptEach(deliveries: number[]): Promise<LeftToSend> {
    const left: LeftToSend = { retry: [], late: [], refused: [] };
    const late = Symbol('late');
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), PHASE_ATTEMPT_WAIT_MS)));
    try {
      const outcomes = await Promise.allSettled(
        deliveries.map((deliveryId) => Promise.race([notifications.deliverNotification({ deliveryId }), waited])),
      );
      outcomes.forEach((o, i) => {
        const deliveryId = deliveries[i]!;
        if (o.status === 'fulfilled') {
          if (o.value === late) left.late.push(deliveryId);
        } else if (o.reason instanceof ApplicationFailure && o.reason.nonRetryable) {
          left.refused.push(o.reason.message); // DeliveryRefused: Temporal would not retry it either
        } else {
          left.retry.push(deliveryId);
        }
      });
    } finally {
      clearTimeout(timer);
    }
    return left;
  }

  /**
   * Tell the monthly close that this customer came to rest. A parent that has ended or cannot
   * be found is no news, as for the workflow's own signal command; any other failure fails the
   * step, which is retried as a whole (idempotent).
   */
  async function reportRest(input: RestReport & { customerId: string }, state: 'awaiting_approval' | 'final'): Promise<void> {
    if (input.reportRestTo === undefined) return;
    // A wiring fault, not a passing one: fail the close with the reason rather than retry forever.
    if (!deps.temporal) throw ApplicationFailure.nonRetryable('cannot tell the monthly close of a rest: the worker built its activities without a Temporal client');
    try {
      await deps.temporal.workflow.getHandle(input.reportRestTo).signal(childAtRestSignal, { customerId: input.customerId, state });
    } catch (err) {
      if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
    }
  }

  /** awaiting_approval + planNotifications(draft_ready); returns the deliveries to send. */
  async function recordAwaitingFinance(input: AwaitFinanceInput): Promise<number[]> {
    const { customerId, period } = input;
    await states.recordCloseState({ customerId, period, workflowId: input.workflowId, state: 'awaiting_approval', stepKey: input.stepKey });
    return notifications.planNotifications({ subjectKey: `draft:${input.draftId}`, event: 'draft_ready', customerId, period, audience: ['finance'] });
  }

  /** recordDecisionRequests + recordDecision rows + finaliseInvoice + renderInvoicePdf + final + planNotifications(invoice_final). */
  async function issueAndPlan(input: IssueApprovedInput): Promise<IssuedInvoice> {
    const { customerId, period } = input;
    await decisions.recordDecisionRequests(input.requests);
    for (const d of input.decisions) await decisions.recordDecision(d);
    const issued = 'draftId' in input.issue ? await finalise.finaliseInvoice(input.issue) : null;
    const invoiceId = issued?.invoiceId ?? (input.issue as { invoiceId: number }).invoiceId;
    await documents.renderInvoicePdf({ invoiceId });
    await states.recordCloseState({ customerId, period, workflowId: input.workflowId, state: 'final', invoiceId, stepKey: input.finalKey });
    const deliveries = await notifications.planNotifications({
      subjectKey: `invoice:${invoiceId}`,
      event: 'invoice_final',
      customerId,
      period,
      audience: ['customer_admin', 'partner', 'finance'],
    });
    return { invoiceId, issued, deliveries };
  }

  // A re-run of a phase (retry, or a killed worker's task run again) repeats the finished pieces
  // as no-ops: planNotifications returns only deliveries still pending, and deliverNotification
  // answers already_delivered for one delivered meanwhile, so nothing recorded as sent is sent
  // again; one sent but not yet recorded when the worker died goes out again under the same
  // idempotency key.
  return {
    /** running + findIssuedInvoice (first draft only), then snapshotUsage + createDraft + renderDraftPdf + reviewDraft. */
    async openDraft(input: OpenDraftInput): Promise<OpenedDraft> {
      const { customerId, period } = input;
      if (input.first) {
        await states.recordCloseState({ customerId, period, workflowId: input.workflowId, state: 'running', stepKey: input.runningKey });
        const issued = await states.findIssuedInvoice({ customerId, period });
        if (issued) return { kind: 'issued', ...issued };
      }
      const snapshot = await snapshots.snapshotUsage({ customerId, period });
      const draft = await drafts.createDraft({ customerId, period, snapshotId: snapshot.snapshotId, runKey: input.runKey });
      if (draft.kind === 'nothing_to_bill') return draft;
      await documents.renderDraftPdf({ draftId: draft.draftId });
      const verdict = await reviews.reviewDraft({ draftId: draft.draftId });
      return { kind: 'draft', draftId: draft.draftId, version: draft.version, totalOre: draft.totalOre, verdict };
    },

    /** awaiting_approval, then one attempt of each draft_ready delivery. */
    async awaitFinanceAndNotify(input: AwaitFinanceInput): Promise<LeftToSend> {
      const deliveries = await recordAwaitingFinance(input);
      await reportRest(input, 'awaiting_approval');
      return attemptEach(deliveries);
    },

    /** Issue (or complete) the invoice, final, then one attempt of each invoice_final delivery. */
    async issueApprovedAndNotify(input: IssueApprovedInput): Promise<IssuedInvoice & { left: LeftToSend }> {
      const done = await issueAndPlan(input);
      await reportRest(input, 'final');
      return { ...done, left: await attemptEach(done.deliveries) };
    },
  };
}
