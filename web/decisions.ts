import type { DecisionOutcome } from '../contracts/close-messages';
import { lockedPeriodRefusalOf } from '../store/period-locks';
import { refusalCli, type Refusal } from '../billing/refusals';
import type { Client } from '@temporalio/client';
import { approveDraft, DecisionRefused, rejectDraft } from '../client/drafts';
import type { Db } from '../infra/db';
import type { ConsoleUser } from './users';

// A finance decision made in the console: the same Temporal updates as the CLI, decided under
// the logged-in user's approver name, and every attempt kept (refusals never reach the
// workflow's history, so they are written to approval_requests here, as the CLI does).

export interface ConsoleDecision {
  customerId: string;
  draftVersion: number;
  outcome: DecisionOutcome | 'refused';
  /** The refusal's text as recorded (the CLI's words), and its facts for the person. */
  detail: string | null;
  refusal: Refusal | null;
}

async function record(db: Db, user: ConsoleUser, d: ConsoleDecision, period: string, action: 'approve' | 'reject'): Promise<void> {
  if (d.outcome === 'refused') {
    await db('approval_requests').insert({
      customer_id: d.customerId,
      period,
      request: action,
      requested_by: user.displayName,
      draft_version: d.draftVersion,
      outcome: `refused (console): ${d.detail}`,
      received_at: new Date(),
    });
  }
  await db('console_actions').insert({
    user_id: user.id,
    action,
    customer_id: d.customerId,
    period,
    draft_version: d.draftVersion,
    outcome: d.outcome + (d.detail ? `: ${d.detail}` : ''),
  });
}

export async function decide(
  db: Db,
  client: Client,
  user: ConsoleUser,
  req: { period: string; customerId: string; draftVersion: number; action: 'approve' | 'reject'; reason?: string; bulk?: boolean },
): Promise<ConsoleDecision> {
  let result: ConsoleDecision;
  const locked = await lockedPeriodRefusalOf(db, req.period, req.action === 'approve' ? 'godkännandet' : 'avvisningen');
  if (locked) {
    result = { customerId: req.customerId, draftVersion: req.draftVersion, outcome: 'refused', detail: refusalCli(locked), refusal: locked };
    await record(db, user, result, req.period, req.action);
    return result;
  }
  try {
    const r =
      req.action === 'approve'
        ? await approveDraft(client, req.period, req.customerId, user.displayName, req.draftVersion, req.bulk ? { via: 'approve_all', includeFlagged: false } : undefined)
        : await rejectDraft(client, req.period, req.customerId, user.displayName, req.reason ?? '', req.draftVersion);
    result = { customerId: req.customerId, draftVersion: req.draftVersion, outcome: r.outcome, detail: null, refusal: null };
  } catch (err) {
    if (!(err instanceof DecisionRefused)) throw err;
    result = { customerId: req.customerId, draftVersion: req.draftVersion, outcome: 'refused', detail: err.message, refusal: err.refusal };
  }
  await record(db, user, result, req.period, req.action);
  return result;
}

/**
 * Approve several unflagged drafts, a few updates at a time (each waits for its workflow's
 * answer). Sent as approve-all, as `drafts approve --all` does: the workflow refuses a flagged one.
 */
export async function decideMany(db: Db, client: Client, user: ConsoleUser, period: string, drafts: { customerId: string; draftVersion: number }[]): Promise<ConsoleDecision[]> {
  const results: ConsoleDecision[] = [];
  let next = 0;
  const worker = async () => {
    while (next < drafts.length) {
      const d = drafts[next++];
      results.push(await decide(db, client, user, { period, customerId: d.customerId, draftVersion: d.draftVersion, action: 'approve', bulk: true }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, drafts.length) }, worker));
  return results;
}
