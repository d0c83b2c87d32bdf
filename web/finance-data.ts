import { ARTICLE_INFO } from '../billing/articles';
import { previousPeriodId } from './periods';
import type { Article, RatedInvoice } from '../billing/types';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from '../store/invoices';

// What finance looks at, read from PostgreSQL: totals per article against the previous month,
// the review queue, one draft against the customer's previous final invoice, the decisions.
// The queue item and the draft lines have the shapes of `drafts list` / `drafts explain`
// (interfaces.md, Finance review): flags, approvals and facts are filled by that work (#10).

export interface ArticleTotal {
  article: string;
  description: string;
  quantity: number;
  amount_ore: number;
  previous_quantity: number;
  previous_amount_ore: number;
  change_ore: number;
}

/** Per article, the period's bill: final invoices plus the newest open draft of customers without one. */
async function billedByArticle(db: Db, period: string): Promise<Map<string, { quantity: number; amount: number }>> {
  const { rows } = await db.raw(
    `SELECT article, sum(quantity)::bigint AS quantity, sum(amount_ore)::bigint AS amount FROM (
       SELECT l.article, l.quantity, l.amount_ore
         FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
        WHERE i.period = ? AND i.kind = 'invoice'
       UNION ALL
       SELECT x.article, x.quantity, x."amountOre"
         FROM drafts d CROSS JOIN LATERAL jsonb_to_recordset(d.rated->'lines') AS x(article text, quantity int, "amountOre" bigint)
        WHERE d.period = ? AND d.status IN ('awaiting_approval', 'approved')
          AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = d.customer_id AND i.period = d.period AND i.kind = 'invoice')
          AND NOT EXISTS (SELECT 1 FROM drafts n WHERE n.customer_id = d.customer_id AND n.period = d.period AND n.version > d.version)
     ) bill GROUP BY article`,
    [period, period],
  );
  return new Map(rows.map((r: { article: string; quantity: number; amount: number }) => [r.article, { quantity: Number(r.quantity), amount: Number(r.amount) }]));
}

export async function articleTotals(db: Db, period: string): Promise<ArticleTotal[]> {
  const [now, before] = await Promise.all([billedByArticle(db, period), billedByArticle(db, previousPeriodId(period))]);
  const articles = Object.keys(ARTICLE_INFO).filter((a) => now.has(a) || before.has(a));
  return articles.map((article) => {
    const n = now.get(article) ?? { quantity: 0, amount: 0 };
    const b = before.get(article) ?? { quantity: 0, amount: 0 };
    return {
      article,
      description: ARTICLE_INFO[article as Article].description,
      quantity: n.quantity,
      amount_ore: n.amount,
      previous_quantity: b.quantity,
      previous_amount_ore: b.amount,
      change_ore: n.amount - b.amount,
    };
  });
}

export interface QueueItem {
  customer_id: string;
  customer_name: string;
  draft_version: number;
  total_ore: number;
  previous_total_ore: number | null;
  previous_number: string | null;
  change_ore: number;
  change_pct: number | null;
  flags: string[];
  approvals_needed: number;
  approvals: { by: string; at: string; via: string }[];
  state: 'awaiting_approval' | 'auto_approved' | 'approved' | 'rejected' | 'final';
}

export const QUEUE_PAGE_SIZE = 100;

/** Drafts waiting for finance now, largest change against the previous final invoice first. */
export async function reviewQueue(db: Db, period: string, page: number): Promise<{ items: QueueItem[]; total: number }> {
  const base = db('drafts as d')
    .join('close_runs as r', function () {
      this.on('r.customer_id', 'd.customer_id').andOn('r.period', 'd.period');
    })
    .where({ 'd.period': period, 'd.status': 'awaiting_approval', 'r.state': 'awaiting_approval' });
  const [{ count }] = await base.clone().count<{ count: string }[]>('* as count');
  const rows = await base
    .clone()
    .join('customers as c', 'c.customer_id', 'd.customer_id')
    .joinRaw(
      `LEFT JOIN LATERAL (SELECT i.total_ore, i.series, i.number FROM invoices i
         WHERE i.customer_id = d.customer_id AND i.kind = 'invoice' AND i.period < d.period
         ORDER BY i.period DESC LIMIT 1) prev ON true`,
    )
    // A first invoice counts its whole total as the change.
    .orderByRaw('abs(d.total_ore - coalesce(prev.total_ore, 0)) DESC, d.customer_id')
    .limit(QUEUE_PAGE_SIZE)
    .offset(page * QUEUE_PAGE_SIZE)
    .select('d.customer_id', 'c.name', 'd.version', 'd.total_ore', 'prev.total_ore as previous_total_ore', 'prev.series', 'prev.number');
  return {
    total: Number(count),
    items: rows.map((r) => {
      const previous = r.previous_total_ore === null ? null : Number(r.previous_total_ore);
      const change = r.total_ore - (previous ?? 0);
      return {
        customer_id: r.customer_id,
        customer_name: r.name,
        draft_version: r.version,
        total_ore: r.total_ore,
        previous_total_ore: previous,
        previous_number: r.series === null ? null : formatInvoiceNumber(r.series, r.number),
        change_ore: change,
        change_pct: previous ? (change / previous) * 100 : null,
        flags: [],
        approvals_needed: 1,
        approvals: [],
        state: 'awaiting_approval',
      };
    }),
  };
}

export interface DraftLine {
  article: string;
  description: string;
  previous_quantity: number;
  quantity: number;
  previous_amount_ore: number;
  amount_ore: number;
  change_ore: number;
}

export interface DraftReview {
  customer: { customer_id: string; name: string; partner_id: string };
  period: string;
  state: string;
  reason: string | null;
  draft: { id: number; version: number; status: string; total_ore: number; net_ore: number; vat_ore: number; rounding_ore: number; pdf_sha256: string | null; created_at: Date } | null;
  invoice: { number: string; total_ore: number; pdf_sha256: string | null } | null;
  previous: { number: string; period: string; total_ore: number } | null;
  lines: DraftLine[];
  flags: string[];
  facts: { kind: string; subject_type: string; subject_id: string; detail: string }[];
  decisions: DecisionRow[];
}

export interface DecisionRow {
  customer_id: string;
  at: Date;
  request: string; // approve | reject | recompute (requests) or decision (approvals)
  by: string | null;
  draft_version: number | null;
  outcome: string;
  reason: string | null;
}

/** One customer's newest draft of the period against its previous final invoice, line by line. */
export async function draftReview(db: Db, period: string, customerId: string): Promise<DraftReview | null> {
  const customer = await db('customers').where({ customer_id: customerId }).first('customer_id', 'name', 'partner_id');
  if (!customer) return null;
  const run = await db('close_runs').where({ customer_id: customerId, period }).first();
  const draft = await db('drafts').where({ customer_id: customerId, period }).orderBy('version', 'desc').first();
  const issued = await db('invoices as i')
    .leftJoin('invoice_documents as d', 'd.invoice_id', 'i.id')
    .where({ 'i.customer_id': customerId, 'i.period': period, 'i.kind': 'invoice' })
    .first('i.series', 'i.number', 'i.total_ore', 'd.pdf_sha256');
  const prev = await db('invoices')
    .where({ customer_id: customerId, kind: 'invoice' })
    .where('period', '<', period)
    .orderBy('period', 'desc')
    .first('id', 'series', 'number', 'period', 'total_ore');
  const prevLines: { article: string; description: string; quantity: number; amount_ore: number }[] = prev
    ? await db('invoice_lines').where({ invoice_id: prev.id }).select('article', 'description', 'quantity', 'amount_ore')
    : [];
  const rated = (draft?.rated as RatedInvoice | undefined)?.lines ?? [];
  const articles = [...new Set([...rated.map((l) => l.article), ...prevLines.map((l) => l.article)])];
  const lines = articles.map((article): DraftLine => {
    const now = rated.filter((l) => l.article === article);
    const before = prevLines.filter((l) => l.article === article);
    const amount = now.reduce((s, l) => s + l.amountOre, 0);
    const previousAmount = before.reduce((s, l) => s + Number(l.amount_ore), 0);
    return {
      article,
      description: now[0]?.description ?? before[0]?.description ?? article,
      previous_quantity: before.reduce((s, l) => s + l.quantity, 0),
      quantity: now.reduce((s, l) => s + l.quantity, 0),
      previous_amount_ore: previousAmount,
      amount_ore: amount,
      change_ore: amount - previousAmount,
    };
  });
  return {
    customer,
    period,
    state: run?.state ?? 'not_started',
    reason: run?.reason ?? null,
    draft: draft
      ? { id: draft.id, version: draft.version, status: draft.status, total_ore: draft.total_ore, net_ore: draft.net_ore, vat_ore: draft.vat_ore, rounding_ore: draft.rounding_ore, pdf_sha256: draft.pdf_sha256, created_at: draft.created_at }
      : null,
    invoice: issued ? { number: formatInvoiceNumber(issued.series, issued.number), total_ore: issued.total_ore, pdf_sha256: issued.pdf_sha256 ?? null } : null,
    previous: prev ? { number: formatInvoiceNumber(prev.series, prev.number), period: prev.period, total_ore: prev.total_ore } : null,
    lines,
    flags: [],
    facts: [],
    decisions: await decisions(db, period, customerId, 200),
  };
}

/** Every decision and decision request (also refused ones) of a period, newest first. */
export async function decisions(db: Db, period: string, customerId: string | null, limit: number): Promise<DecisionRow[]> {
  const requests = db('approval_requests')
    .where({ period })
    .modify((q) => (customerId ? q.where({ customer_id: customerId }) : q))
    .select('customer_id', 'received_at as at', 'request', 'requested_by as by', 'draft_version', 'outcome', db.raw('null as reason'));
  const decided = db('approvals as a')
    .join('drafts as d', 'd.id', 'a.draft_id')
    .where({ 'a.period': period })
    .modify((q) => (customerId ? q.where({ 'a.customer_id': customerId }) : q))
    .select('a.customer_id', 'a.decided_at as at', db.raw("'decision' as request"), 'a.decided_by as by', 'd.version as draft_version', db.raw("a.decision || ' (' || a.via || ')' as outcome"), 'a.reason');
  return db.unionAll([requests, decided], true).orderBy('at', 'desc').limit(limit);
}
