import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import { approveUpdate, rejectUpdate, type DecisionResult } from '../workflows/definitions';
import { closeWorkflowId } from '../workflows/ids';

/** A refused decision: the workflow's validator said why (unknown approver, stale draft …). */
export class DecisionRefused extends Error {}

async function unwrap(call: Promise<DecisionResult>): Promise<DecisionResult> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new DecisionRefused(err.cause?.message ?? err.message);
    if ((err as Error).name === 'WorkflowNotFoundError') {
      throw new DecisionRefused('no close of this customer and period is running: it may be final already or never started (see `close status`)');
    }
    throw err;
  }
}

/**
 * Approve one customer's draft as a workflow update: the answer says what happened. Approve-all
 * says so (`via`), so the decision records its real channel.
 */
export function approveDraft(
  client: Client,
  period: string,
  customerId: string,
  by: string,
  draftVersion?: number,
  bulk?: { via: 'approve_all'; includeFlagged: boolean },
): Promise<DecisionResult> {
  const handle = client.workflow.getHandle(closeWorkflowId(period, customerId));
  return unwrap(handle.executeUpdate(approveUpdate, { args: [{ by, draftVersion, via: bulk?.via ?? 'update', includeFlagged: bulk?.includeFlagged }] }));
}

export function rejectDraft(client: Client, period: string, customerId: string, by: string, reason: string, draftVersion?: number): Promise<DecisionResult> {
  const handle = client.workflow.getHandle(closeWorkflowId(period, customerId));
  return unwrap(handle.executeUpdate(rejectUpdate, { args: [{ by, reason, draftVersion }] }));
}

/** Drafts of a period waiting for finance now, with the version each approver sees and its flags. */
export async function waitingDrafts(db: Db, period: string): Promise<{ customerId: string; version: number; totalOre: number; flags: string[] }[]> {
  const rows = await db('drafts as d')
    .join('close_runs as c', function () {
      this.on('c.customer_id', 'd.customer_id').andOn('c.period', 'd.period');
    })
    .leftJoin('draft_reviews as r', 'r.draft_id', 'd.id')
    .where({ 'd.period': period, 'd.status': 'awaiting_approval', 'c.state': 'awaiting_approval' })
    .orderBy('d.customer_id')
    .select('d.customer_id', 'd.version', 'd.total_ore', 'r.flags');
  return rows.map((r: { customer_id: string; version: number; total_ore: number; flags: string[] | null }) => ({
    customerId: r.customer_id,
    version: r.version,
    totalOre: r.total_ore,
    // Drafts of closes started before the finance review have no flags.
    flags: r.flags ?? [],
  }));
}

const APPROVAL_CONCURRENCY = 8;

export interface BulkDecision {
  customerId: string;
  draftVersion: number;
  /** `skipped`: flagged, left for its own approval (detail says why). */
  outcome: DecisionResult['outcome'] | 'refused' | 'skipped';
  detail: string | null;
}

export interface BulkOptions {
  /** Approve flagged drafts too (`--include-flagged`); otherwise they are skipped and reported. */
  includeFlagged?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Approve every draft of the period that waits now, each as an update naming the version the
 * database shows, so a draft recomputed meanwhile is not approved unseen. Flagged drafts are
 * skipped unless `includeFlagged` (the workflow refuses them too). Used by `drafts approve --all`
 * and, injected into the activities by the worker, by the monthly close's approve-all signal.
 */
export async function approveAllWaiting(db: Db, client: Client, period: string, by: string, opts: BulkOptions = {}): Promise<BulkDecision[]> {
  const all = await waitingDrafts(db, period);
  const results: BulkDecision[] = [];
  const waiting = opts.includeFlagged ? all : all.filter((d) => d.flags.length === 0);
  for (const d of all) {
    if (!waiting.includes(d)) results.push({ customerId: d.customerId, draftVersion: d.version, outcome: 'skipped', detail: `flagged: ${d.flags.join(', ')}` });
  }
  const skipped = results.length;
  const bulk = { via: 'approve_all' as const, includeFlagged: !!opts.includeFlagged };
  // A few updates at a time: each waits for its workflow's answer, so a pool keeps it quick.
  let next = 0;
  const approveNext = async (): Promise<void> => {
    while (next < waiting.length) {
      const draft = waiting[next++];
      try {
        const r = await approveDraft(client, period, draft.customerId, by, draft.version, bulk);
        results.push({ customerId: draft.customerId, draftVersion: draft.version, outcome: r.outcome, detail: null });
      } catch (err) {
        if (!(err instanceof DecisionRefused)) throw err;
        await recordRefusal(db, { customerId: draft.customerId, period, request: 'approve', by, draftVersion: draft.version, reason: err.message });
        results.push({ customerId: draft.customerId, draftVersion: draft.version, outcome: 'refused', detail: err.message });
      }
      opts.onProgress?.(results.length - skipped, waiting.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(APPROVAL_CONCURRENCY, waiting.length) }, approveNext));
  results.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return results;
}

/**
 * A refused decision never reaches the workflow's history (an update's validator refused it, or
 * no close was running), so it is recorded here: every approval attempt is on record.
 */
export async function recordRefusal(
  db: Db,
  r: { customerId: string; period: string; request: 'approve' | 'reject'; by: string; draftVersion?: number | null; reason: string },
): Promise<void> {
  await db('approval_requests').insert({
    customer_id: r.customerId,
    period: r.period,
    request: r.request,
    requested_by: r.by,
    draft_version: r.draftVersion ?? null,
    outcome: `refused (cli): ${r.reason}`,
    received_at: new Date(),
  });
}
