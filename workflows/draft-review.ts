// The decisions on one draft: who may approve or reject it, when it is settled, and the record
// of every request. A plain deterministic class (no @temporalio imports, no clock: callers pass
// the time), so customerClose's handlers stay one line each and the rules are unit-tested
// without Temporal. Reusable for anything that waits for approval of a draft with a verdict
// (the credit-note workflow): it knows a draft's version and verdict, not what is drafted.

import type { DraftVerdict, RequestRecord, Via } from '../contracts/review';
import { samePerson } from '../billing/approvers';

/** The plainest verdict: one person decides, no flags, no policy, no escalation. */
export const ONE_APPROVER_VERDICT: DraftVerdict = { flags: [], approvalsNeeded: 1, autoApprove: null, policyVersion: null, escalateAfterMs: null };

export interface DecisionRequest {
  by: string;
  /** The draft version the approver saw; a stale one is refused. */
  draftVersion?: number;
  via?: 'signal' | 'update' | 'approve_all';
  /** Bulk approval of a flagged draft must say so (`drafts approve --all --include-flagged`). */
  includeFlagged?: boolean;
  reason?: string;
}

export interface Approval {
  by: string;
  via: Via;
  atMs: number;
}

export type Approved = { kind: 'approved'; approvals: Approval[]; reason: string | null };
export type Decision = Approved | { kind: 'rejected'; by: string; via: Via; reason: string; atMs: number };

export type ReviewOutcome = 'approved' | 'needs_second' | 'rejected' | 'duplicate' | 'refused';

/** Where the close stands, as the refusals name it. */
export type ReviewPhase = string;

export class DraftReview {
  private draftVersion: number | null = null;
  private verdict: DraftVerdict = ONE_APPROVER_VERDICT;
  private approvals: Approval[] = [];
  private decided: Decision | null = null;
  private recomputeBy: string | null = null;
  private readonly log: RequestRecord[] = [];

  /**
   * `requester`: who asked for what is decided (a credit note's requester). Segregation of
   * duties: the requester never approves it, so four eyes means two people other than them.
   */
  constructor(
    private readonly approvers: readonly string[],
    private readonly requester: string | null = null,
  ) {}

  /** A new draft version waits for a decision; earlier approvals do not carry over. */
  open(draftVersion: number, verdict: DraftVerdict): void {
    this.draftVersion = draftVersion;
    this.verdict = verdict;
    this.approvals = [];
    this.decided = null;
    this.recomputeBy = null;
  }

  get decision(): Decision | null {
    return this.decided;
  }

  get recomputeRequested(): string | null {
    return this.recomputeBy;
  }

  get hasRequestsToRecord(): boolean {
    return this.log.length > 0;
  }

  get currentVerdict(): DraftVerdict {
    return this.verdict;
  }

  /** The requests received since the last call, to be recorded. */
  takeRequests(): RequestRecord[] {
    return this.log.splice(0, this.log.length);
  }

  /** The policy approves the draft by itself (verdict.autoApprove), recorded as `policy`. */
  approveByPolicy(atMs: number): Approved {
    if (this.verdict.autoApprove === null) throw new Error('the verdict does not auto-approve this draft');
    const approved: Approved = { kind: 'approved', approvals: [{ by: 'policy', via: 'policy', atMs }], reason: this.verdict.autoApprove };
    this.decided = approved;
    return approved;
  }

  /** Why a request is refused, or null. `phase` is the close's state (e.g. 'awaiting_approval'). */
  refusal(kind: 'approve' | 'reject', req: DecisionRequest, phase: ReviewPhase): string | null {
    if (!this.approvers.includes(req.by)) return `${req.by} is not a configured finance approver`;
    if (kind === 'reject' && !req.reason?.trim()) return 'a rejection needs a reason';
    const settled = phase === 'finalising' || phase === 'final' || this.decided?.kind === 'approved';
    if (kind === 'approve' && settled) return null; // a repeated approval is a harmless duplicate
    if (phase !== 'awaiting_approval' || this.decided !== null) return `no draft awaits a decision (state: ${phase})`;
    if (req.draftVersion !== undefined && req.draftVersion !== this.draftVersion) {
      return `draft version ${req.draftVersion} is not the current one (${this.draftVersion}): look at the new draft first`;
    }
    if (kind === 'approve' && this.requester !== null && samePerson(req.by, this.requester)) {
      const others = this.verdict.approvalsNeeded > 1 ? `${this.verdict.approvalsNeeded} approvers other than ${this.requester}` : `an approver other than ${this.requester}`;
      return `${req.by} asked for this and may not approve it (segregation of duties): ${others} must`;
    }
    if (kind === 'approve' && this.approvals.some((a) => a.by === req.by)) {
      return `${req.by} has already approved draft version ${this.draftVersion}; four eyes: a second, different approver must approve it`;
    }
    if (kind === 'approve' && req.via === 'approve_all' && this.verdict.flags.length > 0 && !req.includeFlagged) {
      return `draft version ${this.draftVersion} is flagged (${this.verdict.flags.join(', ')}): approve it on its own or with --include-flagged`;
    }
    return null;
  }

  /** Apply an approve or reject request arriving by `via`; every request is logged. */
  decide(kind: 'approve' | 'reject', req: DecisionRequest, via: Via, phase: ReviewPhase, atMs: number): ReviewOutcome {
    const refused = this.refusal(kind, req, phase);
    let outcome: ReviewOutcome = 'duplicate';
    if (refused !== null) {
      outcome = 'refused';
    } else if (phase === 'awaiting_approval' && this.decided === null) {
      if (kind === 'reject') {
        this.decided = { kind: 'rejected', by: req.by, via, reason: req.reason!.trim(), atMs };
        outcome = 'rejected';
      } else {
        this.approvals.push({ by: req.by, via, atMs });
        if (this.approvals.length >= this.verdict.approvalsNeeded) {
          this.decided = { kind: 'approved', approvals: this.approvals.slice(), reason: null };
          outcome = 'approved';
        } else {
          outcome = 'needs_second';
        }
      }
    }
    const counted = outcome === 'needs_second' ? `approved ${this.approvals.length} of ${this.verdict.approvalsNeeded}` : outcome;
    this.log.push({
      request: kind,
      requestedBy: req.by,
      draftVersion: req.draftVersion ?? null,
      outcome: refused === null ? `${counted} (${via})` : `refused (${via}): ${refused}`,
      receivedAtMs: atMs,
    });
    return outcome;
  }

  /** A recompute is accepted while rejected, or while the draft waits undecided. */
  recompute(by: string | undefined, phase: ReviewPhase, atMs: number): boolean {
    const accepted = phase === 'rejected' || (phase === 'awaiting_approval' && this.decided === null);
    if (accepted) this.recomputeBy = by ?? 'unknown';
    this.log.push({
      request: 'recompute',
      requestedBy: by ?? null,
      draftVersion: this.draftVersion,
      outcome: accepted ? 'accepted' : `refused: nothing to recompute (state: ${phase})`,
      receivedAtMs: atMs,
    });
    return accepted;
  }
}
