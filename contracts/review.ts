// What the approval policy decided about a draft and what the review of it recorded: computed
// and stored by activities, acted on by the workflows' DraftReview (workflows/draft-review.ts).

/** How a decision reached the draft. */
export type Via = 'signal' | 'update' | 'approve_all' | 'policy';

/** The policy's verdict on a draft, computed in an activity (billing/guardrails.ts). */
export interface DraftVerdict {
  flags: string[];
  approvalsNeeded: number;
  /** Why the policy approves it; null when people must. */
  autoApprove: string | null;
  policyVersion: string | null;
  /** Escalate once after this long; null: never. */
  escalateAfterMs: number | null;
}

/** One request to decide a draft, as the review logged it (stored by the activities). */
export interface RequestRecord {
  request: 'approve' | 'reject' | 'recompute';
  requestedBy: string | null;
  draftVersion: number | null;
  outcome: string;
  receivedAtMs: number;
}
