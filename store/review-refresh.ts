import type { Knex } from 'knex';
import { explainDraft, parsePeriod, policyVerdict, STILL_WAITS_PREFIX, type ApprovalPolicy, type Explanation, type PolicyVerdict } from '../billing';
import { loadExplainInput } from './review-inputs';

// A draft's stored review names what it was compared with (billing/comparison-base.ts). A credit
// note or an invoice issued afterwards for an earlier period of the customer (a re-issue, or a
// late close of that period) can change that base while the draft waits for finance: the review
// is then computed again, by the same pure functions, and the version it replaces is kept.
//
// Eagerly, in the transaction that issues the document, rather than when the review is read:
// the queue reads 10 000 stored reviews in one query and must not work out each draft's base
// again, and a refresh written once says when it happened and after which document, the same
// to every reader (console, `drafts explain`, the reminder e-mails). It commits with the
// document or not at all, and the issue is idempotent (a retry finds the document issued and
// returns before this runs), so the refresh happens once per draft and document; the key
// (draft_id, replaced_after_id) of draft_review_versions holds that even if it ran twice.
//
// The workflow's verdict is not revisited: approvals needed, policy version, escalation and the
// auto-approval stay as the workflow acted on them (reviewDraft answers a retry with the first
// version's verdict). Flags and the waiting reason are recomputed, so finance reads them against
// the new base; a draft the policy would now approve still waits for a person, and says so.

/**
 * Serialises reviewing a customer's draft with issuing a document of that customer: otherwise a
 * review reading the base just before a credit note commits, and stored just after it, would be
 * missed by the refresh. Taken before any row lock of the issuing transaction (a review's insert
 * takes a key-share lock on the invoice it names).
 */
export async function lockComparisonBase(trx: Knex.Transaction, customerId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`comparison-base:${customerId}`]);
}

/** The draft_reviews columns of an explained draft and the policy's verdict on it. */
export function reviewColumns(explanation: Explanation, verdict: PolicyVerdict) {
  return {
    total_ore: explanation.total_ore,
    previous_total_ore: explanation.previous?.total_ore ?? null,
    change_ore: explanation.change_ore,
    change_bp: explanation.change_bp,
    flags: verdict.flags.map((f) => f.code),
    flag_details: JSON.stringify(verdict.flags),
    explanation: JSON.stringify({ ...explanation, flags: verdict.flags.map((f) => f.code) }),
    waits_because: verdict.waitsBecause,
  };
}

type Previous = Explanation['previous'];

/** The documents and amount a review compared with; explanations stored before #23 lack the lists. */
function baseKey(previous: Previous): string {
  if (!previous) return 'none';
  return JSON.stringify([previous.number, previous.period, previous.total_ore, previous.credit_notes ?? [], previous.replaces ?? null, !!previous.fully_credited]);
}

export interface RefreshedReview {
  draftId: number;
  customerId: string;
  period: string;
  version: number;
}

/**
 * Refreshes the stored review of each draft of the customer, for a period after `issued.period`,
 * that still waits for finance and whose comparison base the document `issued` (just inserted
 * in `trx`) changed. Call in the issuing transaction, after lockComparisonBase.
 */
export async function refreshWaitingReviews(
  trx: Knex.Transaction,
  issued: { id: number; customerId: string; period: string },
  policy: ApprovalPolicy,
  at: Date,
): Promise<RefreshedReview[]> {
  const waiting: Record<string, unknown>[] = await trx('draft_reviews as r')
    .join('drafts as d', 'd.id', 'r.draft_id')
    .where({ 'd.customer_id': issued.customerId, 'd.status': 'awaiting_approval' })
    .where('d.period', '>', issued.period)
    .whereNotExists(trx('invoices as i').whereRaw('i.draft_id = d.id'))
    .orderBy('r.draft_id')
    .select('r.*');
  const refreshed: RefreshedReview[] = [];
  for (const row of waiting) {
    const draftId = Number(row.draft_id);
    const period = String(row.period);
    const { input, previousInvoiceId } = await loadExplainInput(trx, draftId, parsePeriod(period));
    const explanation = explainDraft(input);
    const stored = row.explanation as Explanation;
    if (baseKey(stored.previous) === baseKey(explanation.previous) && Number(row.previous_invoice_id ?? 0) === (previousInvoiceId ?? 0)) continue;

    const version = Number(row.version);
    const kept = await trx('draft_review_versions')
      .insert({ draft_id: draftId, version, review: JSON.stringify(row), replaced_at: at, replaced_after_id: issued.id })
      .onConflict(['draft_id', 'replaced_after_id'])
      .ignore()
      .returning('version');
    if (kept.length === 0) continue;

    const verdict = policyVerdict(explanation, policy);
    const columns = reviewColumns(explanation, verdict);
    await trx('draft_reviews')
      .where({ draft_id: draftId, version })
      .update({
        ...columns,
        previous_invoice_id: previousInvoiceId,
        waits_because: verdict.waitsBecause ?? `${STILL_WAITS_PREFIX}${verdict.autoApprove}`,
        version: version + 1,
        refreshed_at: at,
        refreshed_after_id: issued.id,
      });
    refreshed.push({ draftId, customerId: issued.customerId, period, version: version + 1 });
  }
  return refreshed;
}
