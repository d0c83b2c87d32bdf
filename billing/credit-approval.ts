// The approval policy applied to a credit note. Its decisions are taken by DraftReview, the same
// rules as an invoice draft's (approvers, four eyes, refusals, the request log); this only says
// what the policy asks of a credit note. Pure: the activity that drafts the credit note computes
// it once and stores it with the request, so the workflow acts on what was stored.

import type { ApprovalPolicy } from './guardrails';
import type { DraftVerdict } from '../contracts/review';

/**
 * Four eyes when the credited amount (incl. moms) is above the policy's limit. Never approved by
 * the policy: a correction always needs a person. No escalation (credits remind, as before).
 */
export function creditVerdict(totalOre: number, policy: Pick<ApprovalPolicy, 'version' | 'fourEyesAboveOre'>): DraftVerdict {
  const fourEyes = Math.abs(totalOre) > policy.fourEyesAboveOre;
  return { flags: fourEyes ? ['four_eyes'] : [], approvalsNeeded: fourEyes ? 2 : 1, autoApprove: null, policyVersion: policy.version, escalateAfterMs: null };
}
