import type { ActivityDeps } from './deps';
import { refuseIfLocked } from '../store/period-locks';
import { refusingLockedPeriod } from './period-lock-guard';

export interface Decision {
  draftId: number;
  customerId: string;
  period: string;
  decision: 'approved' | 'rejected';
  by: string;
  reason: string | null;
  via: 'signal' | 'update' | 'approve_all' | 'policy';
  decidedAtMs: number;
  /** The approval policy the decision was made under; absent for closes started before it existed. */
  policyVersion?: string;
}

export interface DecisionRequestRecord {
  customerId: string;
  period: string;
  request: 'approve' | 'reject' | 'recompute';
  requestedBy: string | null;
  draftVersion: number | null;
  outcome: string;
  receivedAtMs: number;
  /** Set by a close whose steps may run twice (local activities): the second run records nothing. */
  requestKey?: string;
}

export function decisionActivities({ db }: ActivityDeps) {
  return {
    /** Who decided a draft, when and how: once per person (four eyes records two); a retry changes nothing. */
    async recordDecision(d: Decision): Promise<void> {
      await refusingLockedPeriod({ period: d.period, customerId: d.customerId }, () => db.transaction(async (trx) => {
        // An approval of a locked period's draft is refused; a rejection approves nothing.
        if (d.decision === 'approved') await refuseIfLocked(trx, d.period, `${d.customerId}: godkännandet`);
        const inserted = await trx('approvals')
          .insert({
            draft_id: d.draftId,
            customer_id: d.customerId,
            period: d.period,
            decision: d.decision,
            decided_by: d.by,
            reason: d.reason,
            via: d.via,
            decided_at: new Date(d.decidedAtMs),
            policy_version: d.policyVersion ?? null,
          })
          .onConflict(['draft_id', 'decided_by'])
          .ignore()
          .returning('id');
        if (inserted.length > 0) await trx('drafts').where({ id: d.draftId }).update({ status: d.decision });
      }));
    },

    /** Every approve / reject / recompute that reached the workflow, also duplicates and refusals; once per key. */
    async recordDecisionRequests(requests: DecisionRequestRecord[]): Promise<void> {
      if (requests.length === 0) return;
      await db('approval_requests').insert(
        requests.map((r) => ({
          customer_id: r.customerId,
          period: r.period,
          request: r.request,
          requested_by: r.requestedBy,
          draft_version: r.draftVersion,
          outcome: r.outcome,
          received_at: new Date(r.receivedAtMs),
          request_key: r.requestKey ?? null,
        })),
      )
        .onConflict('request_key')
        .ignore();
    },
  };
}
