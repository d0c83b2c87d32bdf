import { stockholmDate, type Period } from '../billing';
import type { ComparedLine, ExplainInput, LateEvent, PreviousInvoice } from '../billing/explain';
import type { RatedInvoice, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';

// What explaining a draft needs from the database; billing/explain.ts compares it.

/** Late events listed per draft at most; the flag counts them all the same. */
const LATE_EVENTS_LISTED = 200;

/**
 * The customer's newest final invoice of an earlier period, with credit notes against it netted
 * in (their amounts are negative), and the usage snapshot it billed.
 */
export async function loadPreviousInvoice(db: Db, customerId: string, period: string): Promise<(PreviousInvoice & { id: number; maxSeq: number | null }) | null> {
  const row = await db('invoices')
    .where({ customer_id: customerId, kind: 'invoice' })
    .where('period', '<', period)
    .orderBy('period', 'desc')
    .first('id', 'series', 'number', 'period', 'total_ore', 'draft_id');
  if (!row) return null;
  const credits = await db('invoices').where({ credit_of: row.id, kind: 'credit_note' }).select('id', 'total_ore');
  const lineRows = await db('invoice_lines')
    .whereIn('invoice_id', [row.id, ...credits.map((c: { id: number }) => c.id)])
    .orderBy([{ column: 'invoice_id' }, { column: 'position' }])
    .select('article', 'description', 'quantity', 'amount_ore');
  const lines: ComparedLine[] = lineRows.map((l: { article: ComparedLine['article']; description: string; quantity: number; amount_ore: number }) => ({
    article: l.article,
    description: l.description,
    // A credited line takes its quantity back, whichever sign the credit note prints it with.
    quantity: l.amount_ore < 0 ? -Math.abs(l.quantity) : l.quantity,
    amountOre: l.amount_ore,
  }));
  const snap = row.draft_id
    ? await db('drafts as d').join('usage_snapshots as s', 's.id', 'd.snapshot_id').where('d.id', row.draft_id).first('s.snapshot', 's.max_seq')
    : null;
  return {
    id: row.id,
    number: formatInvoiceNumber(row.series, row.number),
    period: row.period,
    totalOre: Number(row.total_ore) + credits.reduce((s: number, c: { total_ore: number }) => s + Number(c.total_ore), 0),
    lines,
    snapshot: (snap?.snapshot as UsageSnapshot | undefined) ?? null,
    maxSeq: snap ? Number(snap.max_seq) : null,
  };
}

/** Everything explainDraft needs for one stored draft. */
export async function loadExplainInput(db: Db, draftId: number, period: Period): Promise<{ input: ExplainInput; previousInvoiceId: number | null }> {
  const draft = await db('drafts as d').join('usage_snapshots as s', 's.id', 'd.snapshot_id').where('d.id', draftId).first('d.customer_id', 'd.rated', 's.snapshot');
  const rated = draft.rated as RatedInvoice;
  const customerId: string = draft.customer_id;
  const previous = await loadPreviousInvoice(db, customerId, period.id);

  // Contradictions of events in this period (earlier ones were reported with their own month).
  const contradictions = await db('usage_contradictions as c')
    .join('usage_events as e', 'e.event_id', 'c.event_id')
    .where({ 'c.customer_id': customerId, 'c.period': period.id })
    .where('e.occurred_at', '>=', new Date(period.startMs))
    .orderBy('e.seq')
    .select('c.event_id as eventId', 'c.reason');

  // Events for an earlier month that arrived after the previous invoice's usage was taken.
  let lateEvents: LateEvent[] = [];
  if (previous?.maxSeq != null) {
    const rows = await db('usage_events')
      .where({ customer_id: customerId })
      .where('seq', '>', previous.maxSeq)
      .where('occurred_at', '<', new Date(period.startMs))
      .orderBy('seq')
      .limit(LATE_EVENTS_LISTED)
      .select('event_id', 'subject_type', 'subject_id', 'occurred_at');
    lateEvents = rows.map((r: { event_id: string; subject_type: string; subject_id: string; occurred_at: Date }) => ({
      eventId: r.event_id,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      occurredOn: stockholmDate(r.occurred_at.getTime()),
    }));
  }

  return {
    input: {
      customerId,
      period: period.id,
      lines: rated.lines.map((l) => ({ article: l.article, description: l.description, quantity: l.quantity, amountOre: l.amountOre })),
      totalOre: rated.totalOre,
      snapshot: draft.snapshot as UsageSnapshot,
      previous,
      contradictions,
      lateEvents,
    },
    previousInvoiceId: previous?.id ?? null,
  };
}
