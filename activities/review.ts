import { explainDraft, parsePeriod, policyVerdict } from '../billing';
import { loadExplainInput } from '../store/review-inputs';
import type { DraftVerdict } from '../contracts/review';
import type { ActivityDeps } from './deps';

export function reviewActivities({ db, config }: ActivityDeps) {
  return {
    /**
     * Explain a stored draft against the customer's previous final invoice, flag it and apply the
     * approval policy in force; stored with the draft version (what finance approves). Keyed by
     * the draft: a retry or re-run returns the verdict stored the first time, so a policy change
     * between attempts cannot change what the workflow acts on.
     */
    async reviewDraft(input: { draftId: number }): Promise<DraftVerdict> {
      const stored = await db('draft_reviews').where({ draft_id: input.draftId }).first();
      if (stored) return verdictOf(stored);
      const draft = await db('drafts').where({ id: input.draftId }).first('customer_id', 'period');
      const { input: facts, previousInvoiceId } = await loadExplainInput(db, input.draftId, parsePeriod(draft.period));
      const explanation = explainDraft(facts);
      const verdict = policyVerdict(explanation, config.approvalPolicy);
      await db('draft_reviews')
        .insert({
          draft_id: input.draftId,
          customer_id: draft.customer_id,
          period: draft.period,
          previous_invoice_id: previousInvoiceId,
          total_ore: explanation.total_ore,
          previous_total_ore: explanation.previous?.total_ore ?? null,
          change_ore: explanation.change_ore,
          change_bp: explanation.change_bp,
          flags: verdict.flags.map((f) => f.code),
          flag_details: JSON.stringify(verdict.flags),
          explanation: JSON.stringify({ ...explanation, flags: verdict.flags.map((f) => f.code) }),
          approvals_needed: verdict.approvalsNeeded,
          auto_approve_reason: verdict.autoApprove,
          waits_because: verdict.waitsBecause,
          policy_version: verdict.policyVersion,
          escalate_after_ms: verdict.escalateAfterMs,
        })
        .onConflict('draft_id')
        .ignore();
      return verdictOf(await db('draft_reviews').where({ draft_id: input.draftId }).first());
    },
  };
}

function verdictOf(row: { flags: string[]; approvals_needed: number; auto_approve_reason: string | null; policy_version: string; escalate_after_ms: number }): DraftVerdict {
  return {
    flags: row.flags,
    approvalsNeeded: row.approvals_needed,
    autoApprove: row.auto_approve_reason,
    policyVersion: row.policy_version,
    escalateAfterMs: Number(row.escalate_after_ms),
  };
}
