import { SnapshotBuilder, type Period } from '../billing';
import type { EventContradiction, UsageEvent, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';

export interface FoldedUsage {
  snapshot: UsageSnapshot;
  contradictions: EventContradiction[];
  eventCount: number;
  maxSeq: number;
}

/**
 * Fold a customer's events up to the period's end, in occurred_at order (arrival order breaks
 * ties), into what was active during the period. Rows are streamed, so memory grows with the
 * number of entities, not events. The draft and the preview both come through here.
 */
export async function foldUsage(db: Db, customerId: string, period: Period): Promise<FoldedUsage> {
  const builder = new SnapshotBuilder(customerId, period);
  let eventCount = 0;
  let maxSeq = 0;
  const stream = db('usage_events')
    .where('customer_id', customerId)
    .andWhere('occurred_at', '<', new Date(period.endMs))
    .orderBy([{ column: 'occurred_at' }, { column: 'seq' }])
    .select('seq', 'event_id', 'occurred_at', 'subject_type', 'subject_id', 'action', 'role')
    // Fetch in large batches: the default of 100 rows a round trip made the fold network-bound.
    .stream({ batchSize: 5000, highWaterMark: 5000 });
  for await (const row of stream) {
    const event: UsageEvent = {
      eventId: row.event_id,
      customerId,
      occurredAtMs: (row.occurred_at as Date).getTime(),
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      action: row.action,
      role: row.role,
      arrivalSeq: row.seq,
    };
    builder.add(event);
    eventCount += 1;
    if (row.seq > maxSeq) maxSeq = row.seq;
  }
  return { ...builder.result(), eventCount, maxSeq };
}
