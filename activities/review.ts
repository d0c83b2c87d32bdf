import { explainDraft, parsePeriod, policyVerdict } from '../billing';
import { loadExplainInput } from '../store/review-inputs';
import { lockComparisonBase, reviewColumns } from '../store/review-refresh';
import type { DraftVerdict } from '../contracts/review';
import type { ActivityDeps } from './deps';

export function reviewActivities({ db, config }: ActivityDeps) {
  return {
    /**
     * Explain a stored draft against the customer's previous final invoice, flag it and apply the
     * approval policy in force; stored with the draft version (what finance approves). Keyed by
     * the draft: a retry or re-run returns the verdict stored the first time, so a policy change
     * between attempts cannot change what the workflow acts on, nor can a refresh of the stored
     * review after a credit note (store/review-refresh.ts: the first version's verdict is kept).
     */
    async reviewDraft(input: { draftId: number }): Promise<DraftVerdict> {
      const draft = await db('drafts').where({ id: input.draftId }).first('customer_id', 'period');
      return db.transaction(async (trx) => {
        // A credit note issued meanwhile either is seen here or sees this review to refresh it.
        await lockComparisonBase(trx, draft.customer_id);
        const stored = await trx('draft_reviews').where({ draft_id: input.draftId }).first();
        if (stored) return firstVerdict(trx, stored);
        const { input: facts, previousInvoiceId } = await loadExplainInput(trx, input.draftId, parsePeriod(draft.period));
        const explanation = explainDraft(facts);
        const verdict = policyVerdict(explanation, config.approvalPolicy);
        const [row] = await trx('draft_reviews')
          .insert({
            draft_id: input.draftId,
            customer_id: draft.customer_id,
            period: draft.period,
            previous_invoice_id: previousInvoiceId,
            ...reviewColumns(explanation, verdict),
            approvals_needed: verdict.approvalsNeeded,
            auto_approve_reason: verdict.autoApprove,
            policy_version: verdict.policyVersion,
            escalate_after_ms: verdict.escalateAfterMs,
          })
          .returning('*');
        return verdictOf(row);
      });
    },
  };
}

type VerdictRow = { flags: string[]; approvals_needed: number; auto_approve_reason: string | null; policy_version: string; escalate_after_ms: number; version?: number };

/** The verdict of the review's first version: a refreshed review keeps the one before it. */
async function firstVerdict(trx: Parameters<typeof lockComparisonBase>[0], stored: VerdictRow & { draft_id: number }): Promise<DraftVerdict> {
  if (Number(stored.version ?? 1) === 1) return verdictOf(stored);
  const first = await trx('draft_review_versions').where({ draft_id: stored.draft_id, version: 1 }).first('review');
  return verdictOf(first.review as VerdictRow);
}

function verdictOf(row: VerdictRow): DraftVerdict {
  return {
    flags: row.flags,
    approvalsNeeded: row.approvals_needed,
    autoApprove: row.auto_approve_reason,
    policyVersion: row.policy_version,
    escalateAfterMs: Number(row.escalate_after_ms),
  };
}
