import { describe, expect, it } from 'vitest';
import { DraftReview, ONE_APPROVER_VERDICT } from '../../workflows/draft-review';
import type { DraftVerdict } from '../../contracts/review';

// The decision rules of customerClose, without Temporal: workflows/draft-review.ts is a plain
// class the handlers delegate to.

const APPROVERS = ['Anna Ekonom', 'Bertil Controller'];
const AWAITING = 'awaiting_approval';
const FOUR_EYES: DraftVerdict = { flags: ['four_eyes'], approvalsNeeded: 2, autoApprove: null, policyVersion: 'p1', escalateAfterMs: 1000 };

function opened(verdict: DraftVerdict = ONE_APPROVER_VERDICT): DraftReview {
  const r = new DraftReview(APPROVERS);
  r.open(3, verdict);
  return r;
}

describe('DraftReview', () => {
  it('segregation of duties: the requester never approves; four eyes needs two others; the requester may still reject', () => {
    const r = new DraftReview([...APPROVERS, 'Cecilia Revisor'], 'Bertil Controller');
    r.open(1, FOUR_EYES);
    expect(r.refusal('approve', { by: 'Bertil Controller' }, AWAITING)).toBe('Bertil Controller asked for this and may not approve it (segregation of duties): 2 approvers other than Bertil Controller must');
    expect(r.decide('approve', { by: 'Anna Ekonom' }, 'update', AWAITING, 1)).toBe('needs_second');
    expect(r.decide('approve', { by: 'Bertil Controller' }, 'signal', AWAITING, 2)).toBe('refused');
    expect(r.decision).toBeNull();
    expect(r.decide('approve', { by: 'Cecilia Revisor' }, 'update', AWAITING, 3)).toBe('approved');
    expect(r.decision).toMatchObject({ kind: 'approved', approvals: [{ by: 'Anna Ekonom' }, { by: 'Cecilia Revisor' }] });
    const withdrawn = new DraftReview(APPROVERS, 'Bertil Controller');
    withdrawn.open(1, ONE_APPROVER_VERDICT);
    expect(withdrawn.decide('reject', { by: 'Bertil Controller', reason: 'fel faktura' }, 'update', AWAITING, 4)).toBe('rejected');
    // An invoice draft has no requester: nothing changes there.
    expect(opened().refusal('approve', { by: 'Bertil Controller' }, AWAITING)).toBeNull();
  });

  it('one approval settles an ordinary draft; a repeat is a duplicate', () => {
    const r = opened();
    expect(r.decide('approve', { by: 'Anna Ekonom', draftVersion: 3 }, 'update', AWAITING, 10)).toBe('approved');
    expect(r.decision).toEqual({ kind: 'approved', approvals: [{ by: 'Anna Ekonom', via: 'update', atMs: 10 }], reason: null });
    expect(r.refusal('approve', { by: 'Anna Ekonom' }, AWAITING)).toBeNull();
    expect(r.decide('approve', { by: 'Anna Ekonom' }, 'signal', AWAITING, 11)).toBe('duplicate');
    expect(r.takeRequests().map((q) => q.outcome)).toEqual(['approved (update)', 'duplicate (signal)']);
    expect(r.hasRequestsToRecord).toBe(false);
  });

  it('refuses unknown approvers, stale versions, reasonless rejections and decisions when nothing waits', () => {
    const r = opened();
    expect(r.refusal('approve', { by: 'Mallory' }, AWAITING)).toMatch(/Mallory is not a configured finance approver/);
    expect(r.refusal('approve', { by: 'Anna Ekonom', draftVersion: 2 }, AWAITING)).toMatch(/draft version 2 is not the current one \(3\)/);
    expect(r.refusal('reject', { by: 'Anna Ekonom', reason: ' ' }, AWAITING)).toBe('a rejection needs a reason');
    expect(r.refusal('reject', { by: 'Anna Ekonom', reason: 'x' }, 'running')).toMatch(/no draft awaits a decision \(state: running\)/);
    expect(r.decide('approve', { by: 'Mallory' }, 'signal', AWAITING, 1)).toBe('refused');
    expect(r.decision).toBeNull();
    expect(r.takeRequests()[0].outcome).toMatch(/^refused \(signal\): Mallory/);
  });

  it('four eyes: the first approval waits for a second, different person', () => {
    const r = opened(FOUR_EYES);
    expect(r.decide('approve', { by: 'Anna Ekonom' }, 'update', AWAITING, 1)).toBe('needs_second');
    expect(r.decision).toBeNull();
    // The same person again is refused, by update (validator) and by signal.
    expect(r.refusal('approve', { by: 'Anna Ekonom' }, AWAITING)).toMatch(/Anna Ekonom has already approved draft version 3; four eyes: a second, different approver/);
    expect(r.decide('approve', { by: 'Anna Ekonom' }, 'signal', AWAITING, 2)).toBe('refused');
    expect(r.decide('approve', { by: 'Bertil Controller' }, 'signal', AWAITING, 3)).toBe('approved');
    expect(r.decision).toEqual({
      kind: 'approved',
      reason: null,
      approvals: [
        { by: 'Anna Ekonom', via: 'update', atMs: 1 },
        { by: 'Bertil Controller', via: 'signal', atMs: 3 },
      ],
    });
    expect(r.takeRequests().map((q) => q.outcome)).toEqual([
      'approved 1 of 2 (update)',
      expect.stringMatching(/^refused \(signal\): Anna Ekonom has already approved/),
      'approved (signal)',
    ]);
  });

  it('a new draft version starts the approvals again', () => {
    const r = opened(FOUR_EYES);
    r.decide('approve', { by: 'Anna Ekonom' }, 'update', AWAITING, 1);
    expect(r.recompute('Anna Ekonom', AWAITING, 2)).toBe(true);
    r.open(4, FOUR_EYES);
    expect(r.decide('approve', { by: 'Anna Ekonom' }, 'update', AWAITING, 3)).toBe('needs_second');
  });

  it('approve-all leaves a flagged draft alone unless it includes flagged ones', () => {
    const r = opened({ ...ONE_APPROVER_VERDICT, flags: ['first_invoice'], policyVersion: 'p1' });
    expect(r.refusal('approve', { by: 'Anna Ekonom', via: 'approve_all' }, AWAITING)).toMatch(/flagged \(first_invoice\): approve it on its own or with --include-flagged/);
    expect(r.refusal('approve', { by: 'Anna Ekonom', via: 'update' }, AWAITING)).toBeNull();
    expect(r.decide('approve', { by: 'Anna Ekonom', via: 'approve_all', includeFlagged: true }, 'approve_all', AWAITING, 1)).toBe('approved');
    expect(r.decision).toMatchObject({ approvals: [{ via: 'approve_all' }] });
  });

  it('the policy approves by itself only when the verdict says so', () => {
    expect(() => opened().approveByPolicy(1)).toThrow(/does not auto-approve/);
    const r = opened({ ...ONE_APPROVER_VERDICT, autoApprove: '+2.1 % vs F10123', policyVersion: 'p1' });
    expect(r.approveByPolicy(5)).toEqual({ kind: 'approved', reason: '+2.1 % vs F10123', approvals: [{ by: 'policy', via: 'policy', atMs: 5 }] });
  });

  it('rejects once with the reason; recompute is accepted only while rejected or undecided', () => {
    const r = opened();
    expect(r.recompute('Anna Ekonom', 'running', 1)).toBe(false);
    expect(r.decide('reject', { by: 'Anna Ekonom', reason: ' p2 left ' }, 'update', AWAITING, 2)).toBe('rejected');
    expect(r.decision).toEqual({ kind: 'rejected', by: 'Anna Ekonom', via: 'update', reason: 'p2 left', atMs: 2 });
    expect(r.decide('approve', { by: 'Bertil Controller' }, 'signal', AWAITING, 3)).toBe('refused');
    expect(r.recompute('Anna Ekonom', 'rejected', 4)).toBe(true);
    expect(r.recomputeRequested).toBe('Anna Ekonom');
  });
});
