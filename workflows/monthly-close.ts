import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { customerClose } from './customer-close';
import {
  approveAllSignal,
  BILLING_PERIOD,
  childAtRestSignal,
  CUSTOMER_ID,
  progressQuery,
  type MonthlyCarriedState,
  type MonthlyCloseInput,
  type MonthlyProgress,
} from '../contracts/close-messages';
import { closeWorkflowId } from '../contracts/workflow-ids';
import { refuseUnendedPeriod } from './period-guard';

// Short timeouts: a worker lost mid-activity stalls the period only until the timeout. Listing
// a page of customers is one indexed query.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// Approve-all signals thousands of closes: long in all, but it heartbeats as it goes, so a lost
// worker is noticed within the heartbeat timeout and the retry resumes after the last page.
const bulk = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * The close of a whole period: page through the customers due, run one customerClose child
 * per customer with its deterministic id, at most `maxConcurrent` working at once (a child
 * frees its slot when it first comes to rest, e.g. awaiting approval), and continue as new
 * every `childrenPerRun` children so no run's history grows large. Completes when every
 * customer has come to rest.
 */
export async function monthlyClose(input: MonthlyCloseInput): Promise<MonthlyProgress> {
  refuseUnendedPeriod(input.period);
  const pageSize = input.pageSize ?? 200;
  const childrenPerRun = input.childrenPerRun ?? 500;
  const carried: MonthlyCarriedState = input.carried ?? {
    cursor: null,
    listingDone: false,
    queued: [],
    inFlight: [],
    started: 0,
    atRest: 0,
    alreadyRunning: 0,
    runs: 0,
    approveAllBy: [],
    approveAllFlagged: [],
    peakInFlight: 0,
  };
  const state = { ...carried, runs: carried.runs + 1 };
  const inFlight = new Set(state.inFlight);
  const queued = [...state.queued];
  const approveAllBy = [...state.approveAllBy];
  // Parallel to approveAllBy: whether each request includes flagged drafts.
  const approveAllFlagged = [...state.approveAllFlagged];
  let startedThisRun = 0;
  // Starts not yet confirmed. A slot is refilled as soon as a child comes to rest, without
  // waiting for the starts of the batch before (that made the slots refill in waves).
  const starting = new Set<Promise<void>>();
  let startFailure: unknown = null;

  const progress = (): MonthlyProgress => ({
    period: input.period,
    started: state.started,
    inFlight: inFlight.size,
    atRest: state.atRest,
    alreadyRunning: state.alreadyRunning,
    listingDone: state.listingDone,
    runs: state.runs,
    peakInFlight: state.peakInFlight,
  });
  setHandler(progressQuery, progress);
  setHandler(childAtRestSignal, ({ customerId }) => {
    if (inFlight.delete(customerId)) state.atRest += 1;
  });
  setHandler(approveAllSignal, ({ by, includeFlagged }) => {
    approveAllBy.push(by);
    approveAllFlagged.push(!!includeFlagged);
  });
  const approveAllNext = () => bulk.approveWaitingDrafts({ period: input.period, by: approveAllBy.shift()!, includeFlagged: approveAllFlagged.shift() ?? false });

  const startOne = async (customerId: string) => {
    // In flight before the start is confirmed: a quick child may report rest before that.
    inFlight.add(customerId);
    state.peakInFlight = Math.max(state.peakInFlight, inFlight.size);
    try {
      await startChild(customerClose, {
        workflowId: closeWorkflowId(input.period, customerId),
        args: [{ customerId, period: input.period, approvers: input.approvers, reminderIntervalMs: input.reminderIntervalMs, reportTo: workflowInfo().workflowId }],
        // Children outlive this run: it continues as new and they report back by workflow id.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: BILLING_PERIOD, value: input.period },
          { key: CUSTOMER_ID, value: customerId },
        ],
      });
    } catch (err) {
      // Someone (an operator's re-run) is already closing this customer: it is not ours to wait for.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      inFlight.delete(customerId);
      state.alreadyRunning += 1;
    }
  };

  for (;;) {
    while (approveAllBy.length > 0) {
      await approveAllNext();
    }
    if (queued.length === 0 && !state.listingDone) {
      const page = await db.listCustomersDue({ period: input.period, afterCustomerId: state.cursor, limit: pageSize });
      queued.push(...page);
      if (page.length > 0) state.cursor = page[page.length - 1];
      if (page.length < pageSize) state.listingDone = true;
    }
    const batch: string[] = [];
    while (queued.length > 0 && inFlight.size + batch.length < input.maxConcurrent && startedThisRun + batch.length < childrenPerRun) {
      batch.push(queued.shift()!);
    }
    // Counted before the starts are confirmed: a quick child may come to rest meanwhile, and
    // `progress` must never show more customers at rest than started.
    state.started += batch.length;
    startedThisRun += batch.length;
    for (const customerId of batch) {
      const start: Promise<void> = startOne(customerId)
        .catch((err) => void (startFailure ??= err))
        .finally(() => starting.delete(start));
      starting.add(start);
    }
    if (startFailure !== null) throw startFailure;

    if (state.listingDone && queued.length === 0 && inFlight.size === 0) break;
    if (startedThisRun >= childrenPerRun || workflowInfo().continueAsNewSuggested) {
      await Promise.all(starting);
      if (startFailure !== null) throw startFailure;
      await condition(allHandlersFinished);
      await continueAsNew<typeof monthlyClose>({
        ...input,
        carried: { ...state, queued, inFlight: [...inFlight], approveAllBy, approveAllFlagged },
      });
    }
    await condition(
      () =>
        startFailure !== null ||
        approveAllBy.length > 0 ||
        (inFlight.size < input.maxConcurrent && (queued.length > 0 || !state.listingDone)) ||
        (state.listingDone && queued.length === 0 && inFlight.size === 0),
    );
  }
  await Promise.all(starting); // none left: every child is at rest, so its start settled
  // Approve-all requests that came in while the last children settled.
  while (approveAllBy.length > 0) {
    await approveAllNext();
  }
  return progress();
}
