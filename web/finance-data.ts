import { ARTICLE_INFO } from '../billing/articles';
import { previousPeriodId } from './periods';
import type { Article } from '../billing/types';
import type { ApprovalPolicy, ExplainedLine, Fact } from '../billing';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from '../store/invoices';
import { explainLatestDraft, listDrafts, type DraftListEntry } from '../store/reviews';
import { waitingDrafts } from '../client/drafts';
import { linksSv, type InvoiceStatus } from '../billing/ledger';
import { liveInvoices, loadLedger, periodArticleTotals } from '../store/ledger';

// What finance looks at, read from PostgreSQL: totals per article against the previous month,
// the review queue, one draft against the customer's previous final invoice, the decisions.
// The queue and the draft page read the stored review (store/reviews.ts): the queue item and
// the draft lines have the shapes of `drafts list` / `drafts explain` (interfaces.md).

export interface ArticleTotal {
  article: string;
  description: string;
  /** Issued in the period net of credit notes (the ledger, store/ledger.ts) plus the open drafts, excl. moms. */
  quantity: number;
  amount_ore: number;
  /** Of which the newest open draft of customers without a live invoice: not yet invoiced. */
  draft_quantity: number;
  draft_amount_ore: number;
  previous_quantity: number;
  previous_amount_ore: number;
  change_ore: number;
}

/** Per article, the newest open draft of each customer whose period has no live invoice (none, or one credited in full). */
async function openDraftsByArticle(db: Db, period: string): Promise<Map<string, { quantity: number; amountOre: number }>> {
  const { rows } = await db.raw(
    `SELECT x.article, sum(x.quantity)::bigint AS quantity, sum(x."amountOre")::bigint AS amount
       FROM drafts d CROSS JOIN LATERAL jsonb_to_recordset(d.rated->'lines') AS x(article text, quantity int, "amountOre" bigint)
      WHERE d.period = ? AND d.status IN ('awaiting_approval', 'approved')
        AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.draft_id = d.id)
        AND NOT EXISTS (SELECT 1 FROM drafts n WHERE n.customer_id = d.customer_id AND n.period = d.period AND n.version > d.version)
        AND NOT EXISTS (
          SELECT 1 FROM invoices i WHERE i.customer_id = d.customer_id AND i.period = d.period AND i.kind = 'invoice'
             AND NOT EXISTS (SELECT 1 FROM invoices r WHERE r.reissue_of = i.id)
             AND i.total_ore + COALESCE((SELECT sum(c.total_ore) FROM invoices c WHERE c.credit_of = i.id), 0) <> 0)
      GROUP BY x.article`,
    [period],
  );
  return new Map(rows.map((r: { article: string; quantity: number; amount: number }) => [r.article, { quantity: Number(r.quantity), amountOre: Number(r.amount) }]));
}

export async function articleTotals(db: Db, period: string): Promise<ArticleTotal[]> {
  const [now, drafts, before] = await Promise.all([periodArticleTotals(db, period), openDraftsByArticle(db, period), periodArticleTotals(db, previousPeriodId(period))]);
  const articles = Object.keys(ARTICLE_INFO).filter((a) => now.has(a) || drafts.has(a) || before.has(a));
  const none = { quantity: 0, amountOre: 0 };
  return articles.map((article) => {
    const n = now.get(article) ?? none;
    const d = drafts.get(article) ?? none;
    const b = before.get(article) ?? none;
    return {
      article,
      description: ARTICLE_INFO[article as Article].description,
      quantity: n.quantity + d.quantity,
      amount_ore: n.amountOre + d.amountOre,
      draft_quantity: d.quantity,
      draft_amount_ore: d.amountOre,
      previous_quantity: b.quantity,
      previous_amount_ore: b.amountOre,
      change_ore: n.amountOre + d.amountOre - b.amountOre,
    };
  });
}

export interface QueueItem {
  customer_id: string;
  customer_name: string;
  draft_version: number;
  total_ore: number;
  previous_total_ore: number | null;
  change_ore: number;
  change_pct: number | null;
  flags: string[];
  flag_details: { code: string; detail: string }[];
  approvals_needed: number;
  approvals: { by: string; at: string; via: string }[];
  /** Why it waits for a person (the stored verdict), when the review says. */
  reason: string | null;
}

export const QUEUE_PAGE_SIZE = 100;

/**
 * Drafts waiting for finance now (the set `drafts approve --all` works on), with their stored
 * review as `drafts list` shows it; what needs a person first: flagged drafts, then the largest
 * change against the previous final invoice (a first invoice counts its whole total).
 */
export async function reviewQueue(db: Db, period: string, page: number): Promise<{ items: QueueItem[]; total: number; flagged: number }> {
  const [waiting, listed] = await Promise.all([waitingDrafts(db, period), listDrafts(db, period)]);
  const reviewed = new Map(listed.drafts.map((d) => [d.customer_id, d]));
  const queue = waiting
    .map((w) => reviewed.get(w.customerId))
    .filter((d): d is DraftListEntry => d !== undefined && d.state === 'awaiting_approval')
    .map((d) => ({ ...d, change: d.change_ore ?? d.total_ore - (d.previous_total_ore ?? 0) }))
    .sort((a, b) => Number(b.flags.length > 0) - Number(a.flags.length > 0) || Math.abs(b.change) - Math.abs(a.change) || (a.customer_id < b.customer_id ? -1 : 1));
  const shown = queue.slice(page * QUEUE_PAGE_SIZE, (page + 1) * QUEUE_PAGE_SIZE);
  const names = new Map<string, string>(
    (await db('customers').whereIn('customer_id', shown.map((d) => d.customer_id)).select('customer_id', 'name')).map((c: { customer_id: string; name: string }) => [c.customer_id, c.name]),
  );
  return {
    total: queue.length,
    flagged: queue.filter((d) => d.flags.length > 0).length,
    items: shown.map((d) => ({
      customer_id: d.customer_id,
      customer_name: names.get(d.customer_id) ?? '',
      draft_version: d.draft_version,
      total_ore: d.total_ore,
      previous_total_ore: d.previous_total_ore,
      change_ore: d.change,
      change_pct: d.change_pct,
      flags: d.flags,
      flag_details: d.flag_details,
      approvals_needed: d.approvals_needed,
      approvals: d.approvals,
      reason: d.reason,
    })),
  };
}

export type DraftLine = ExplainedLine;

export interface DraftReview {
  customer: { customer_id: string; name: string; partner_id: string };
  period: string;
  state: string;
  reason: string | null;
  draft: { id: number; version: number; status: string; total_ore: number; net_ore: number; vat_ore: number; rounding_ore: number; pdf_sha256: string | null; created_at: Date } | null;
  /** The live invoice (not replaced, not credited in full); null while a re-issue's draft waits. */
  invoice: { number: string; total_ore: number; pdf_sha256: string | null; status: InvoiceStatus; links: string } | null;
  /** Every invoice and credit note of the customer's period, with status and links both ways (the ledger). */
  documents: { number: string; kind: 'invoice' | 'credit_note'; status: InvoiceStatus; links: string; total_ore: number; pdf_sha256: string | null }[];
  previous: { number: string; period: string; total_ore: number } | null;
  lines: DraftLine[];
  flags: { code: string; detail: string }[];
  facts: Fact[];
  /** The stored verdict: why it waits for a person, or why the policy approved it. */
  verdict: { waits_because: string | null; auto_approve_reason: string | null; approvals_needed: number } | null;
  /** Who has approved the newest draft version so far (a four-eyes draft's first approver). */
  approved_by: string[];
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

/** One customer's newest draft of the period explained as stored with it (`drafts explain`). */
export async function draftReview(db: Db, period: string, customerId: string, policy: ApprovalPolicy): Promise<DraftReview | null> {
  const customer = await db('customers').where({ customer_id: customerId }).first('customer_id', 'name', 'partner_id');
  if (!customer) return null;
  const run = await db('close_runs').where({ customer_id: customerId, period }).first();
  const draft = await db('drafts').where({ customer_id: customerId, period }).orderBy('version', 'desc').first();
  const ledger = await loadLedger(db, { period, customerId });
  const pdfs = new Map<number, string>(
    (await db('invoice_documents').whereIn('invoice_id', ledger.map((e) => e.id)).select('invoice_id', 'pdf_sha256')).map((r: { invoice_id: number; pdf_sha256: string }) => [r.invoice_id, r.pdf_sha256]),
  );
  const live = liveInvoices(ledger).get(customerId);
  const issued = live && live.status !== 'credited' ? live : null;
  const explanation = await explainLatestDraft(db, period, customerId, policy);
  // The verdict and flag details stored beside the explanation (none for drafts made before #10).
  const stored = draft ? await db('draft_reviews').where({ draft_id: draft.id }).first('flag_details', 'waits_because', 'auto_approve_reason', 'approvals_needed') : undefined;
  const log = await decisions(db, period, customerId, 200);
  // A first approval of two is an `approved 1 of 2` request until the second settles it.
  const approvedBy = draft
    ? [...new Set(log.filter((d) => d.draft_version === draft.version && d.by && (/^approved \d+ of \d+/.test(d.outcome) || (d.request === 'decision' && d.outcome.startsWith('approved')))).map((d) => d.by!))]
    : [];
  return {
    customer,
    period,
    state: run?.state ?? 'not_started',
    reason: run?.reason ?? null,
    draft: draft
      ? { id: draft.id, version: draft.version, status: draft.status, total_ore: draft.total_ore, net_ore: draft.net_ore, vat_ore: draft.vat_ore, rounding_ore: draft.rounding_ore, pdf_sha256: draft.pdf_sha256, created_at: draft.created_at }
      : null,
    invoice: issued ? { number: issued.number, total_ore: issued.totalOre, pdf_sha256: pdfs.get(issued.id) ?? null, status: issued.status, links: linksSv(issued) } : null,
    documents: ledger.map((e) => ({ number: e.number, kind: e.kind, status: e.status, links: linksSv(e), total_ore: e.totalOre, pdf_sha256: pdfs.get(e.id) ?? null })),
    previous: explanation?.previous ?? null,
    lines: explanation?.lines ?? [],
    flags: stored ? stored.flag_details : (explanation?.flags ?? []).map((code) => ({ code, detail: '' })),
    facts: explanation?.facts ?? [],
    verdict: stored ? { waits_because: stored.waits_because, auto_approve_reason: stored.auto_approve_reason, approvals_needed: stored.approvals_needed } : null,
    approved_by: approvedBy.reverse(),
    decisions: log,
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
