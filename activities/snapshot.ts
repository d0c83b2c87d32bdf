import { parsePeriod, snapshotHash } from '../billing';
import { foldBilledUsage } from '../store/rating';
import type { ActivityDeps } from './deps';

export interface SnapshotRef {
  snapshotId: number;
  contentHash: string;
  eventCount: number;
  contradictions: number;
}

export function snapshotActivities({ db }: ActivityDeps) {
  return {
    /** Fold the period's billed usage and store it; the same events and dates give the same snapshot row. */
    async snapshotUsage(input: { customerId: string; period: string }): Promise<SnapshotRef> {
      const { snapshot, contradictions, eventCount, maxSeq } = await foldBilledUsage(db, input.customerId, parsePeriod(input.period));
      const contentHash = snapshotHash(snapshot);

      return db.transaction(async (trx) => {
        if (contradictions.length > 0) {
          await trx('usage_contradictions')
            .insert(contradictions.map((c) => ({ customer_id: input.customerId, period: input.period, event_id: c.eventId, reason: c.reason })))
            .onConflict(['period', 'event_id'])
            .ignore();
        }
        const inserted = await trx('usage_snapshots')
          .insert({
            customer_id: input.customerId,
            period: input.period,
            content_hash: contentHash,
            snapshot: JSON.stringify(snapshot),
            event_count: eventCount,
            max_seq: maxSeq,
          })
          .onConflict(['customer_id', 'period', 'content_hash'])
          .ignore()
          .returning('id');
        const snapshotId =
          inserted[0]?.id ??
          (await trx('usage_snapshots').where({ customer_id: input.customerId, period: input.period, content_hash: contentHash }).first('id')).id;
        return { snapshotId, contentHash, eventCount, contradictions: contradictions.length };
      });
    },
  };
}
