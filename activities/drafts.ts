import { CoverageMismatch, parsePeriod, RatingError } from '../billing';
import type { RatedInvoice, UsageSnapshot } from '../billing/types';
import { masterDataProblems } from '../store/customers';
import { rateCustomer, UnknownCustomer } from '../store/rating';
import type { ActivityDeps } from './deps';
import { businessFailure, Failure } from '../workflows/failures';
import { refuseIfLocked } from '../store/period-locks';
import { refusingLockedPeriod } from './period-lock-guard';

export type DraftOutcome =
  | { kind: 'nothing_to_bill'; reason: string }
  | { kind: 'draft'; draftId: number; version: number; totalOre: number; netOre: number };

export function draftActivities({ db }: ActivityDeps) {
  return {
    /**
     * Rate a stored snapshot and store the result as the next draft version. `runKey` names the
     * workflow step, so a retried activity returns the draft it already made instead of another.
     */
    async createDraft(input: { customerId: string; period: string; snapshotId: number; runKey: string }): Promise<DraftOutcome> {
      const existing = await db('drafts').where({ workflow_run_key: input.runKey }).first();
      if (existing) return draftOutcome(existing);

      const period = parsePeriod(input.period);
      const snapshotRow = await db('usage_snapshots').where({ id: input.snapshotId }).first('snapshot');
      const snapshot = snapshotRow.snapshot as UsageSnapshot;

      let rated: Awaited<ReturnType<typeof rateCustomer>>;
      try {
        rated = await rateCustomer(db, input.customerId, period, snapshot);
      } catch (err) {
        // The remedy (workflows/failures.ts) names this close, so the failure says how to re-run it.
        const close = { period: input.period, customerId: input.customerId };
        if (err instanceof UnknownCustomer) throw businessFailure(Failure.UnknownCustomer, err.message, close);
        if (err instanceof CoverageMismatch) throw businessFailure(Failure.SnapshotOutdated, err.message, close);
        if (err instanceof RatingError) throw businessFailure(Failure.MissingPrice, err.message, close);
        throw err;
      }
      const { customer, outcome } = rated;
      if (outcome.kind === 'nothing_to_bill') return outcome;

      const problems = masterDataProblems(customer);
      if (problems.length > 0) {
        throw businessFailure(Failure.BadMasterData, `customer ${customer.customerId} cannot be invoiced: ${problems.join(', ')}`, {
          period: input.period,
          customerId: customer.customerId,
        });
      }

      const invoice: RatedInvoice = outcome.invoice;
      return refusingLockedPeriod({ period: input.period, customerId: input.customerId }, () => db.transaction(async (trx) => {
        await refuseIfLocked(trx, input.period, `${input.customerId}: ett nytt utkast`);
        // Serialise draft versions of one customer and period.
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`draft:${input.customerId}:${input.period}`]);
        const again = await trx('drafts').where({ workflow_run_key: input.runKey }).first();
        if (again) return draftOutcome(again);
        const { max } = (await trx('drafts').where({ customer_id: input.customerId, period: input.period }).max('version as max').first()) ?? { max: 0 };
        await trx('drafts')
          .where({ customer_id: input.customerId, period: input.period, status: 'awaiting_approval' })
          .update({ status: 'superseded' });
        const [row] = await trx('drafts')
          .insert({
            customer_id: input.customerId,
            period: input.period,
            version: (max ?? 0) + 1,
            snapshot_id: input.snapshotId,
            status: 'awaiting_approval',
            rated: JSON.stringify(invoice),
            buyer: JSON.stringify(customer),
            net_ore: invoice.netOre,
            vat_ore: invoice.vatOre,
            rounding_ore: invoice.roundingOre,
            total_ore: invoice.totalOre,
            workflow_run_key: input.runKey,
          })
          .returning('*');
        return draftOutcome(row);
      }));
    },
  };
}

function draftOutcome(row: { id: number; version: number; total_ore: number; net_ore: number }): DraftOutcome {
  return { kind: 'draft', draftId: row.id, version: row.version, totalOre: row.total_ore, netOre: row.net_ore };
}
