import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import { parseRefusal, refusalCli, type Refusal } from '../billing/refusals';
import { approveSignal, approveUpdate, recomputeSignal, rejectUpdate, statusQuery, type CloseStatus, type DecisionResult } from '../contracts/close-messages';
import { closeWorkflowId } from '../contracts/workflow-ids';

/**
 * A refused decision: the workflow's validator said why (unknown approver, stale draft …).
 * `refusal` holds the facts (the console's Swedish); the message is the text as given.
 */
export class DecisionRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    message = refusalCli(refusal),
  ) {
    super(message);
  }
}

async function unwrap(call: Promise<DecisionResult>): Promise<DecisionResult> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const text = err.cause?.message ?? err.message;
      throw new DecisionRefused(parseRefusal(text), text);
    }
    if ((err as Error).name === 'WorkflowNotFoundError') throw new DecisionRefused({ code: 'no_close_running' });
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

/** How long a recompute waits for a rejection the close has accepted to show as recorded. */
const REJECTION_SHOWN_WITHIN_MS = 10_000;
/** How long one status query may take (no worker polling: give up waiting and send). */
const STATUS_QUERY_MS = 2_000;

/**
 * Ask a close to recompute its draft (the `recompute` signal). A close records `rejected` a step
 * after it accepts a rejection, and a recompute that arrives in between is refused ("nothing to
 * recompute"): so while the status query shows the rejection accepted but the state still
 * `awaiting_approval`, wait (briefly, by query) until it shows `rejected`, then send. The
 * workflow's commands stay as they were (docs/versioning.md). A close that does not answer the
 * query in time gets the signal anyway, refused or not as before. Throws WorkflowNotFoundError
 * when no close of the customer and period runs. Answers the refusal the close will record when
 * its last status already shows it cannot recompute (it is sent all the same, so the close's
 * request log has it); null when accepted or unknown.
 */
export async function requestRecompute(client: Client, period: string, customerId: string, by: string): Promise<Refusal | null> {
  const handle = client.workflow.getHandle(closeWorkflowId(period, customerId));
  const giveUpAt = Date.now() + REJECTION_SHOWN_WITHIN_MS;
  let status: CloseStatus | null = null;
  while (Date.now() < giveUpAt) {
    status = await client.withDeadline(Date.now() + STATUS_QUERY_MS, () => handle.query(statusQuery)).catch((err: Error) => {
      if (err.name === 'WorkflowNotFoundError') throw err;
      return null;
    });
    if (status?.state !== 'awaiting_approval' || status.decision !== 'rejected') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await handle.signal(recomputeSignal, { by });
  // As DraftReview.recompute decides: while rejected, or while the draft waits undecided.
  const refused = status !== null && status.state !== 'rejected' && !(status.state === 'awaiting_approval' && !status.decision);
  return refused ? { code: 'nothing_to_recompute', state: status!.state } : null;
}

export interface WaitingDraft {
  customerId: string;
  version: number;
  totalOre: number;
  flags: string[];
}

/** One page of the drafts of a period waiting for finance now, in customer order after `afterCustomerId`. */
export async function waitingDraftsPage(db: Db, period: string, afterCustomerId: string | null, limit: number): Promise<WaitingDraft[]> {
  const rows = await db('drafts as d')
    .join('close_runs as c', function () {
      this.on('c.customer_id', 'd.customer_id').andOn('c.period', 'd.period');
    })
    .leftJoin('draft_reviews as r', 'r.draft_id', 'd.id')
    // The workflow refuses a bulk approval by the flags of its verdict: the review's first version
    // when a credit note refreshed it since (store/review-refresh.ts).
    .leftJoin('draft_review_versions as v', function () {
      this.on('v.draft_id', 'd.id').andOnVal('v.version', 1);
    })
    .where({ 'd.period': period, 'd.status': 'awaiting_approval', 'c.state': 'awaiting_approval' })
    .modify((q) => {
      if (afterCustomerId !== null) q.where('d.customer_id', '>', afterCustomerId);
    })
    .orderBy('d.customer_id')
    .limit(limit)
    .select('d.customer_id', 'd.version', 'd.total_ore', 'r.flags', db.raw(`v.review -> 'flags' AS verdict_flags`));
  return rows.map((r: { customer_id: string; version: number; total_ore: number; flags: string[] | null; verdict_flags: string[] | null }) => ({
    customerId: r.customer_id,
    version: r.version,
    totalOre: r.total_ore,
    // Drafts of closes started before the finance review have no flags.
    flags: [...new Set([...(r.verdict_flags ?? []), ...(r.flags ?? [])])],
  }));
}

/** Drafts of a period waiting for finance now, with the version each approver sees and its flags. */
export async function waitingDrafts(db: Db, period: string): Promise<WaitingDraft[]> {
  const all: WaitingDraft[] = [];
  for (let page = await waitingDraftsPage(db, period, null, PAGE); ; page = await waitingDraftsPage(db, period, all[all.length - 1]!.customerId, PAGE)) {
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}

const PAGE = 500;
/** Signals in flight at once: each is one small server write, so many can go together. */
const SIGNAL_CONCURRENCY = 32;
/** Stop waiting for the closes to record their answers when none came for this long. */
const CONFIRM_QUIET_MS = 30_000;

export interface BulkDecision {
  customerId: string;
  /** null when no draft version is known (e.g. a refusal before the close answered). */
  draftVersion: number | null;
  /**
   * `skipped`: flagged, left for its own approval (detail says why). `signalled`: sent, but the
   * close had not recorded its answer when we stopped waiting (it will, see approval_requests).
   */
  outcome: DecisionResult['outcome'] | 'refused' | 'skipped' | 'signalled';
  detail: string | null;
}

export interface BulkOptions {
  /** Approve flagged drafts too (`--include-flagged`); otherwise they are skipped and reported. */
  includeFlagged?: boolean;
  /** Wait for each close's recorded answer (default); false: return once every signal is sent. */
  confirm?: boolean;
  /** Start after this customer (a retried activity resumes where its heartbeat said). */
  afterCustomerId?: string | null;
  /**
   * Answers (or, without confirm, signals sent) so far of those to approve, and the customer up
   * to which every draft is handled (null: none yet), where a retry may resume.
   */
  onProgress?: (done: number, total: number, handledThrough: string | null) => void;
  /** Called once every signal is sent: each approval is then in its close's history, durable. */
  onAllSent?: (sent: number) => void;
}

/**
 * Approve every draft of the period that waits now, page by page, each by an `approve` signal
 * with `via: approve_all` naming the version the database shows, so a draft recomputed meanwhile
 * is not approved unseen. Signals, a bounded number at a time, not updates: an update waits for
 * its workflow's answer, which made a bulk approval crawl. Each close decides and records every
 * request itself (refusals too, `refused (approve_all): …` in approval_requests); we then read
 * those answers back, so the result says per draft what happened. Flagged drafts are skipped
 * unless `includeFlagged` (the workflow refuses them too). Used by `drafts approve --all` and,
 * injected into the activities by the worker, by the monthly close's approve-all signal.
 */
export async function approveAllWaiting(db: Db, client: Client, period: string, by: string, opts: BulkOptions = {}): Promise<BulkDecision[]> {
  const confirm = opts.confirm ?? true;
  const request = { by, via: 'approve_all' as const, includeFlagged: !!opts.includeFlagged };
  // The closes record answers after this row: a row id, not a clock, so no skew between machines.
  const mark = {
    requests: Number((await db('approval_requests').max('id as id').first())?.id ?? 0),
    approvals: Number((await db('approvals').max('id as id').first())?.id ?? 0),
  };
  const results: BulkDecision[] = [];
  const sent: WaitingDraft[] = [];
  let total = 0;
  let after = opts.afterCustomerId ?? null;
  for (;;) {
    const page = await waitingDraftsPage(db, period, after, PAGE);
    const approve = page.filter((d) => opts.includeFlagged || d.flags.length === 0);
    total += approve.length;
    for (const d of page) {
      if (!approve.includes(d)) results.push({ customerId: d.customerId, draftVersion: d.version, outcome: 'skipped', detail: `flagged: ${d.flags.join(', ')}` });
    }
    await pool(approve, SIGNAL_CONCURRENCY, async (draft) => {
      try {
        await client.workflow.getHandle(closeWorkflowId(period, draft.customerId)).signal(approveSignal, { ...request, draftVersion: draft.version });
        sent.push(draft);
      } catch (err) {
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        // Never reached a workflow, so no close records it: we do (it closed meanwhile).
        const reason = refusalCli({ code: 'no_close_running' });
        await recordRefusal(db, { customerId: draft.customerId, period, request: 'approve', by, draftVersion: draft.version, reason });
        results.push({ customerId: draft.customerId, draftVersion: draft.version, outcome: 'refused', detail: reason });
      }
      if (!confirm) opts.onProgress?.(sent.length, total, after);
    });
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.customerId;
    if (!confirm) opts.onProgress?.(sent.length, total, after);
  }
  opts.onAllSent?.(sent.length);
  const notRunning = results.filter((r) => r.outcome === 'refused').length;
  if (confirm) results.push(...(await answersOf(db, period, by, mark, sent, (done) => opts.onProgress?.(notRunning + done, total, null))));
  else results.push(...sent.map((d) => ({ customerId: d.customerId, draftVersion: d.version, outcome: 'signalled' as const, detail: null })));
  results.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return results;
}

/**
 * What each close recorded for our signal: its approval_requests row after `mark`, or else its
 * approval by us (a close that decided before it began to wait records the decision only).
 */
async function answersOf(
  db: Db,
  period: string,
  by: string,
  mark: { requests: number; approvals: number },
  sent: WaitingDraft[],
  onProgress: (done: number) => void,
): Promise<BulkDecision[]> {
  const pending = new Map(sent.map((d) => [`${d.customerId}/${d.version}`, d]));
  const answers: BulkDecision[] = [];
  let lastAnswerAt = Date.now();
  while (pending.size > 0 && Date.now() - lastAnswerAt < CONFIRM_QUIET_MS) {
    const customers = [...new Set([...pending.values()].map((d) => d.customerId))];
    for (let i = 0; i < customers.length; i += PAGE) {
      const chunk = customers.slice(i, i + PAGE);
      const requests = (await db('approval_requests')
        .where('id', '>', mark.requests)
        .where({ period, request: 'approve', requested_by: by })
        .whereIn('customer_id', chunk)
        .where('outcome', 'like', '%(approve_all)%')
        .orderBy('id')
        .select('customer_id', 'draft_version', 'outcome')) as { customer_id: string; draft_version: number | null; outcome: string }[];
      const approvals = (await db('approvals as a')
        .join('drafts as d', 'd.id', 'a.draft_id')
        .where('a.id', '>', mark.approvals)
        .where({ 'a.period': period, 'a.decided_by': by, 'a.via': 'approve_all', 'a.decision': 'approved' })
        .whereIn('a.customer_id', chunk)
        .select('a.customer_id', 'd.version as draft_version')) as { customer_id: string; draft_version: number }[];
      for (const r of [...requests, ...approvals.map((a) => ({ ...a, outcome: 'approved (approve_all)' }))]) {
        const draft = pending.get(`${r.customer_id}/${r.draft_version}`);
        if (!draft) continue;
        pending.delete(`${r.customer_id}/${r.draft_version}`);
        answers.push({ customerId: draft.customerId, draftVersion: draft.version, ...outcomeOf(r.outcome) });
        lastAnswerAt = Date.now();
      }
    }
    onProgress(answers.length);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  for (const d of pending.values()) {
    answers.push({ customerId: d.customerId, draftVersion: d.version, outcome: 'signalled', detail: 'sent; the close has not recorded its answer yet (see drafts list)' });
  }
  return answers;
}

/** The close's record of a request (DraftReview.decide) as an outcome: "approved (approve_all)", "refused (approve_all): why" … */
function outcomeOf(recorded: string): Pick<BulkDecision, 'outcome' | 'detail'> {
  const refused = /^refused \(approve_all\): (.*)$/s.exec(recorded);
  if (refused) return { outcome: 'refused', detail: refused[1]! };
  if (recorded.startsWith('approved (')) return { outcome: 'approved', detail: null };
  if (/^approved \d+ of \d+ /.test(recorded)) return { outcome: 'needs_second', detail: recorded.replace(/ \(approve_all\)$/, '') };
  if (recorded.startsWith('duplicate')) return { outcome: 'duplicate', detail: null };
  return { outcome: 'signalled', detail: recorded };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
