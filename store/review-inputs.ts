import { comparisonBase, stockholmDate, type BaseDocument, type Period } from '../billing';
import type { ComparedLine, ExplainInput, LateEvent, PreviousInvoice } from '../billing/explain';
import type { RatedInvoice, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';

// What explaining a draft needs from the database; billing/explain.ts compares it.

/** Late events listed per draft at most; the flag counts them all the same. */
const LATE_EVENTS_LISTED = 200;

/**
 * What a draft of `period` is compared with (billing/comparison-base.ts): the newest earlier
 * period the customer was invoiced for, its live invoice net of its credit notes (a credit note
 * and a re-issue carry their invoice's period), and the usage snapshot that invoice billed.
 */
export async function loadPreviousInvoice(db: Db, customerId: string, period: string): Promise<(PreviousInvoice & { id: number; maxSeq: number | null }) | null> {
  const latest = await db('invoices').where({ customer_id: customerId, kind: 'invoice' }).where('period', '<', period).max('period as period').first();
  if (!latest?.period) return null;
  const rows: { id: number; kind: BaseDocument['kind']; series: string; number: number; period: string; total_ore: number; credit_of: number | null; reissue_of: number | null; draft_id: number | null }[] =
    await db('invoices')
      .where({ customer_id: customerId, period: latest.period })
      .orderBy('id')
      .select('id', 'kind', 'series', 'number', 'period', 'total_ore', 'credit_of', 'reissue_of', 'draft_id');
  const lineRows: { invoice_id: number; article: ComparedLine['article']; description: string; quantity: number; amount_ore: number }[] = await db('invoice_lines')
    .whereIn('invoice_id', rows.map((r) => r.id))
    .orderBy([{ column: 'invoice_id' }, { column: 'position' }])
    .select('invoice_id', 'article', 'description', 'quantity', 'amount_ore');
  const base = comparisonBase(
    rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      number: formatInvoiceNumber(r.series, r.number),
      period: r.period,
      totalOre: Number(r.total_ore),
      creditOf: r.credit_of,
      reissueOf: r.reissue_of,
      lines: lineRows.filter((l) => l.invoice_id === r.id).map((l) => ({ article: l.article, description: l.description, quantity: Number(l.quantity), amountOre: Number(l.amount_ore) })),
    })),
  );
  if (!base) return null;
  const draftId = rows.find((r) => r.id === base.invoiceId)?.draft_id;
  const snap = draftId
    ? await db('drafts as d').join('usage_snapshots as s', 's.id', 'd.snapshot_id').where('d.id', draftId).first('s.snapshot', 's.max_seq')
    : null;
  const { invoiceId, ...previous } = base;
  return {
    ...previous,
    id: invoiceId,
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
