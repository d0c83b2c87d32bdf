// One customer's close as a plain in-process loop, without Temporal: the same activity calls in
// the same order as customerClose (contracts/close-steps.ts), so the bench can price durability
// and test/close/step-order.test.ts can hold the order to a real close's history. The bench's
// reports are in bench/close.ts.
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../activities';
import type { LeftToSend } from '../activities/close-phases';
import { LATE_DELIVERY_GRACE_MS } from '../contracts/close-steps';
import { closeWorkflowId } from '../contracts/workflow-ids';
import { now, progress, type Semaphore } from './support';

export const FINANCE_APPROVER = 'Anna Ekonom';

export type Timings = Map<string, number[]>;

export interface PlainCounters {
  retries: number;
  /** Why calls were retried and why closes failed: normalised message -> count. */
  retryReasons: Map<string, number>;
  failReasons: Map<string, number>;
}

/** A short, countable key for an error: pg errors as "<start of the SQL> … <what PostgreSQL said> [code]". */
const reasonKey = (err: unknown) => {
  const e = err as Error & { code?: string };
  const message = String(e?.message ?? err);
  const cut = message.lastIndexOf(' - ');
  const text = cut > 0 ? `${message.slice(0, Math.min(cut, 50))} … ${message.slice(cut + 3)}` : message;
  return `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${text.replace(/\d+/g, '#').slice(0, 220)}`;
};
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * One customer's close as the workflow does it, step by step, with the same activity
 * functions and the same records (close_runs, decisions, deliveries), approving at once. The
 * order is APPROVED_CLOSE_STEPS; test/close/step-order.test.ts holds it to a real close's history.
 */
export async function closeOne(acts: Activities, period: string, customerId: string, timings: Timings, counters: PlainCounters, slots: Semaphore): Promise<string> {
  const call = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const t = now();
      try {
        // Like the worker's activity slots: at most so many activity calls run at once.
        return await slots.use(fn);
      } catch (err) {
        // Retry what Temporal would retry (not the non-retryable failures that need a person).
        if ((err instanceof ApplicationFailure && err.nonRetryable) || attempt >= 5) throw err;
        counters.retries += 1;
        const key = `${name}: ${reasonKey(err)}`;
        if (!counters.retryReasons.has(key)) progress(`  first retry of its kind: ${name}: ${String((err as Error)?.stack ?? err).slice(0, 600)}`);
        bump(counters.retryReasons, key);
        await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
      } finally {
        const list = timings.get(name) ?? [];
        list.push(now() - t);
        timings.set(name, list);
      }
    }
  };
  const workflowId = closeWorkflowId(period, customerId);
  const deliver = async (deliveries: number[]) => {
    await Promise.allSettled(deliveries.map((deliveryId) => call('deliverNotification', () => acts.deliverNotification({ deliveryId }))));
  };
  /** What a phase's own attempts left, as the workflow sends it (a late attempt ends before its retry). */
  const deliverLeft = async (left: LeftToSend) => {
    if (left.late.length > 0) await new Promise((r) => setTimeout(r, LATE_DELIVERY_GRACE_MS));
    await deliver([...left.retry, ...left.late]);
  };
  // The same keys a close's steps carry, so a retried step records nothing twice.
  const key = (n: number) => `plain-${customerId}/${n}`;
  try {
    const draft = await call('openDraft', () => acts.openDraft({ customerId, period, workflowId, first: true, runningKey: key(1), runKey: key(1) }));
    if (draft.kind === 'issued') throw new Error(`${customerId} ${period} already has invoice ${draft.number}`);
    if (draft.kind === 'nothing_to_bill') {
      await call('recordCloseState', () => acts.recordCloseState({ customerId, period, workflowId, state: 'nothing_to_bill', reason: draft.reason, stepKey: key(2) }));
      return 'nothing_to_bill';
    }
    await deliverLeft(await call('awaitFinanceAndNotify', () => acts.awaitFinanceAndNotify({ customerId, period, workflowId, draftId: draft.draftId, stepKey: key(2) })));
    const decidedAtMs = Date.now();
    const issued = await call('issueApprovedAndNotify', () =>
      acts.issueApprovedAndNotify({
        customerId,
        period,
        workflowId,
        requests: [
          { customerId, period, request: 'approve', requestedBy: FINANCE_APPROVER, draftVersion: draft.version, outcome: 'approved (update)', receivedAtMs: decidedAtMs, requestKey: key(1) },
        ],
        decisions: [{ draftId: draft.draftId, customerId, period, decision: 'approved', by: FINANCE_APPROVER, reason: null, via: 'update', decidedAtMs }],
        issue: { draftId: draft.draftId, approvedBy: FINANCE_APPROVER },
        finalKey: key(3),
      }),
    );
    await deliverLeft(issued.left);
    return 'final';
  } catch (err) {
    const reason = (err as Error).message;
    bump(counters.failReasons, reasonKey(err));
    await call('recordCloseState', () => acts.recordCloseState({ customerId, period, workflowId, state: 'failed', reason }));
    return 'failed';
  }
}
