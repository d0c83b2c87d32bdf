import { SnapshotBuilder, type Period } from '../billing';
import type { EventContradiction, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';

export interface FoldedUsage {
  snapshot: UsageSnapshot;
  contradictions: EventContradiction[];
  eventCount: number;
  maxSeq: number;
}

/**
 * Fold a customer's events up to the period's end, in occurred_at order (arrival order breaks
 * ties), into what was active during the period (from `countedFrom` when billing starts mid-month). Rows are streamed, so memory grows with the
 * number of entities, not events. The draft and the preview both come through here.
 */
export async function foldUsage(db: Db, customerId: string, period: Period, countedFrom: string | null = null): Promise<FoldedUsage> {
  return (await foldUsageMany(db, period, new Map([[customerId, countedFrom]]))).get(customerId)!;
}

/**
 * The fold for one or many customers of one period in one pass (a page of a partner's overview):
 * one cursor over their events in customer, occurred_at, seq order, each into its own builder.
 * `countedFrom` per customer as foldUsage takes it.
 */
export async function foldUsageMany(db: Db, period: Period, countedFrom: Map<string, string | null>): Promise<Map<string, FoldedUsage>> {
  const builders = new Map([...countedFrom].map(([customerId, from]) => [customerId, { builder: new SnapshotBuilder(customerId, period, from), eventCount: 0, maxSeq: 0 }]));
  if (builders.size > 0) {
    // A server-side cursor in a transaction of its own, fetched 5,000 rows at a time. Not knex's
    // .stream(): knex 3.3 releases a streaming connection twice, so another caller can be handed a
    // connection still in use (it broke invoice numbering under load in the benchmark).
    await db.transaction(async (trx) => {
      await trx.raw(
        `DECLARE usage_fold_many NO SCROLL CURSOR FOR
           SELECT customer_id, seq, event_id, occurred_at, subject_type, subject_id, action, role
             FROM usage_events WHERE customer_id = ANY(?) AND occurred_at < ? ORDER BY customer_id, occurred_at, seq`,
        [[...builders.keys()], new Date(period.endMs)],
      );
      for (;;) {
        const { rows } = await trx.raw('FETCH 5000 FROM usage_fold_many');
        if (rows.length === 0) break;
        for (const row of rows) {
          const b = builders.get(row.customer_id)!;
          b.builder.add({
            eventId: row.event_id,
            customerId: row.customer_id,
            occurredAtMs: (row.occurred_at as Date).getTime(),
            subjectType: row.subject_type,
            subjectId: row.subject_id,
            action: row.action,
            role: row.role,
            arrivalSeq: row.seq,
          });
          b.eventCount += 1;
          if (row.seq > b.maxSeq) b.maxSeq = row.seq;
        }
      }
    });
  }
  return new Map([...builders].map(([customerId, b]) => [customerId, { ...b.builder.result(), eventCount: b.eventCount, maxSeq: b.maxSeq }]));
}
