// Finance's decision on a credit note, as a plain deterministic class (no Temporal imports):
// the one place that says who may approve and when. The approval policy / four-eyes review of
// issue #10 can replace it behind the same two methods.

import type { ApproveRequest, DecisionResult, RejectRequest } from './definitions';

export type Via = 'signal' | 'update';
export type CreditDecision = { kind: 'approved'; by: string; via: Via; atMs: number } | { kind: 'rejected'; by: string; reason: string; via: Via; atMs: number };

export class CreditApproval {
  decision: CreditDecision | null = null;
  /** True once the draft credit note exists and waits for finance. */
  open = false;

  constructor(private readonly approvers: string[]) {}

  /** Why this request is refused, or null. A repeated approval is a harmless duplicate. */
  refusal(kind: 'approve' | 'reject', req: ApproveRequest | RejectRequest): string | null {
    if (!this.approvers.includes(req.by)) return `${req.by} is not a configured finance approver`;
    if (kind === 'reject' && !(req as RejectRequest).reason?.trim()) return 'a rejection needs a reason';
    if (kind === 'approve' && this.decision?.kind === 'approved') return null;
    if (!this.open || this.decision !== null) return `no credit note awaits a decision (${this.decision ? this.decision.kind : 'not drafted yet'})`;
    return null;
  }

  decide(kind: 'approve' | 'reject', req: ApproveRequest | RejectRequest, via: Via, atMs: number): DecisionResult {
    const state = () => (this.decision?.kind === 'rejected' ? 'rejected' : this.decision ? 'final' : 'awaiting_approval');
    if (this.refusal(kind, req) !== null || this.decision !== null) return { outcome: 'duplicate', draftVersion: 1, state: state() };
    this.decision =
      kind === 'approve' ? { kind: 'approved', by: req.by, via, atMs } : { kind: 'rejected', by: req.by, reason: (req as RejectRequest).reason.trim(), via, atMs };
    return { outcome: kind === 'approve' ? 'approved' : 'rejected', draftVersion: 1, state: state() };
  }
}
