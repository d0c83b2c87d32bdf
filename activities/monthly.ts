import { Context } from '@temporalio/activity';
import { parsePeriod } from '../billing';
import type { ActivityDeps } from './deps';
import { assertPeriodOpen } from '../store/period-locks';
import { refusingLockedPeriod } from './period-lock-guard';

export function monthlyActivities({ db, approver }: ActivityDeps) {
  return {
    /** One page of the customers whose monthly billing has started by the period's end. */
    async listCustomersDue(input: { period: string; afterCustomerId: string | null; limit: number }): Promise<string[]> {
      const period = parsePeriod(input.period);
      // A monthly close of a locked period (the Schedule's, or any client's) ends at its first page.
      await refusingLockedPeriod({ period: input.period }, () => assertPeriodOpen(db, input.period, 'månadsavslutet'));
      const rows = await db('customers')
        .where('monthly_billing_from', '<=', period.lastDay)
        .modify((q) => {
          if (input.afterCustomerId !== null) q.where('customer_id', '>', input.afterCustomerId);
        })
        .orderBy('customer_id')
        .limit(input.limit)
        .select('customer_id');
      return rows.map((r: { customer_id: string }) => r.customer_id);
    },

    /**
     * Approve-all for the monthly close: the drafts waiting now; later ones need their own
     * approval. Heartbeats the customer up to which every draft is signalled, so a retry after a
     * lost worker goes on from there instead of starting over (a repeat would be a duplicate).
     */
    async approveWaitingDrafts(input: { period: string; by: string; includeFlagged?: boolean }): Promise<number> {
      if (!approver) throw new Error('approveWaitingDrafts needs a DraftApprover in the worker');
      const ctx = Context.current();
      const resumeAfter = (ctx.info.heartbeatDetails as { lastCustomerId?: string } | undefined)?.lastCustomerId ?? null;
      ctx.heartbeat({ lastCustomerId: resumeAfter });
      return approver.approveWaiting(input.period, input.by, !!input.includeFlagged, resumeAfter, (handledThrough) =>
        ctx.heartbeat({ lastCustomerId: handledThrough ?? resumeAfter }),
      );
    },
  };
}
