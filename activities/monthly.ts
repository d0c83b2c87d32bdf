import { parsePeriod } from '../billing';
import { closeWorkflowId } from '../workflows/ids';
import { approveSignal } from '../workflows/definitions';
import type { ActivityDeps } from './deps';

export function monthlyActivities({ db, temporal }: ActivityDeps) {
  return {
    /** One page of the customers whose monthly billing has started by the period's end. */
    async listCustomersDue(input: { period: string; afterCustomerId: string | null; limit: number }): Promise<string[]> {
      const period = parsePeriod(input.period);
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
     * Approve every draft of the period that is waiting now, as one person's decision: signal
     * each customer's workflow. Drafts that arrive later need their own approval.
     */
    async approveWaitingDrafts(input: { period: string; by: string }): Promise<number> {
      if (!temporal) throw new Error('approveWaitingDrafts needs a Temporal client in the worker');
      const waiting = await db('close_runs as c')
        .join('drafts as d', function () {
          this.on('d.customer_id', 'c.customer_id').andOn('d.period', 'c.period');
        })
        .where({ 'c.period': input.period, 'c.state': 'awaiting_approval', 'd.status': 'awaiting_approval' })
        .select('c.customer_id', 'c.workflow_id', 'd.version');
      let signalled = 0;
      for (const row of waiting) {
        try {
          await temporal.workflow
            .getHandle(row.workflow_id ?? closeWorkflowId(input.period, row.customer_id))
            .signal(approveSignal, { by: input.by, draftVersion: row.version, via: 'approve_all' });
          signalled += 1;
        } catch (err) {
          // A workflow that finished meanwhile has nothing left to approve.
          if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        }
      }
      return signalled;
    },
  };
}
