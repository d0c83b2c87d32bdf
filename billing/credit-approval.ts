// The approval policy applied to a credit note. Its decisions are taken by DraftReview, the same
// rules as an invoice draft's (approvers, four eyes, refusals, the request log); this only says
// what the policy asks of a credit note. Pure: the activity that drafts the credit note computes
// it once and stores it with the request, so the workflow acts on what was stored.

import type { ApprovalPolicy } from './guardrails';
import type { DraftVerdict } from '../contracts/review';
import { approversBesides } from './approvers';

/**
 * Four eyes when the credited amount (incl. moms) is above the policy's limit. Never approved by
 * the policy: a correction always needs a person. No escalation (credits remind, as before).
 */
export function creditVerdict(totalOre: number, policy: Pick<ApprovalPolicy, 'version' | 'fourEyesAboveOre'>): DraftVerdict {
  const fourEyes = Math.abs(totalOre) > policy.fourEyesAboveOre;
  return { flags: fourEyes ? ['four_eyes'] : [], approvalsNeeded: fourEyes ? 2 : 1, autoApprove: null, policyVersion: policy.version, escalateAfterMs: null };
}

/** A credit that the configured approvers could never approve: who asked, how many must approve, who could. */
export interface UnapprovableCredit {
  requester: string;
  approvalsNeeded: number;
  /** The configured approvers other than the requester (fewer than approvalsNeeded). */
  others: string[];
}

/**
 * Null when enough configured approvers besides the requester exist for `verdict`; otherwise what
 * is missing. Such a credit would wait for ever: DraftReview never lets the requester approve it.
 */
export function unapprovableCredit(verdict: Pick<DraftVerdict, 'approvalsNeeded'>, approvers: readonly string[], requester: string): UnapprovableCredit | null {
  const others = approversBesides(approvers, requester);
  return others.length >= verdict.approvalsNeeded ? null : { requester, approvalsNeeded: verdict.approvalsNeeded, others };
}
