import { ARTICLE_INFO } from '../billing/articles';
import { reasonSv, type ComparisonUpdate } from '../billing/review-sv';
import { failureTextSv, nothingToBillSv } from './close-reasons-sv';
import { previousPeriodId } from './periods';
import type { Article } from '../billing/types';
import type { ApprovalPolicy, ExplainedLine, Explanation, Fact } from '../billing';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from '../store/invoices';
import { explainLatestDraft } from '../store/reviews';
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
  partner_id: string;
  partner_name: string | null;
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
  /** The last refresh of the comparison while the draft waited (docs/review.md); null when never. */
  comparison_update: { at: string; after: ComparisonUpdate['after'] } | null;
}

export const QUEUE_PAGE_SIZE = 100;

/** What the queue is narrowed to: a flag (a code, 'none' or 'any'), a partner, a search text. */
export interface QueueFilter {
  flag?: string | null;
  partner?: string | null;
  q?: string | null;
}

export interface QueueSummary {
  /** Drafts that match the filter, flagged ones and what they bill together (incl. moms). */
  total: number;
  flagged: number;
  total_ore: number;
  unflagged_ore: number;
}

/** The waiting drafts of a period (the set `drafts approve --all` works on), narrowed by the filter. */
function waitingQuery(db: Db, period: string, f: QueueFilter) {
  const q = db('drafts as d')
    .join('close_runs as cr', function () {
      this.on('cr.customer_id', 'd.customer_id').andOn('cr.period', 'd.period');
    })
    .join('customers as c', 'c.customer_id', 'd.customer_id')
    .leftJoin('partners as p', 'p.partner_id', 'c.partner_id')
    .leftJoin('draft_reviews as r', 'r.draft_id', 'd.id')
    .where({ 'd.period': period, 'd.status': 'awaiting_approval', 'cr.state': 'awaiting_approval' });
  if (f.flag === 'none') q.whereRaw("cardinality(coalesce(r.flags, '{}')) = 0");
  else if (f.flag === 'any') q.whereRaw("cardinality(coalesce(r.flags, '{}')) > 0");
  else if (f.flag) q.whereRaw('r.flags @> ARRAY[?]::text[]', [f.flag]);
  if (f.partner) q.where('c.partner_id', f.partner);
  const text = f.q?.trim();
  if (text) {
    const like = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q.where((w) => w.whereILike('d.customer_id', like).orWhereILike('c.name', like));
  }
  return q;
}

const CHANGE = 'coalesce(r.change_ore, d.total_ore - coalesce(r.previous_total_ore, 0))';
const FLAGGED = "cardinality(coalesce(r.flags, '{}')) > 0";

/**
 * Drafts waiting for finance now, with their stored review as `drafts list` shows it; what needs
 * a person first: flagged drafts, then the largest change against the previous final invoice
 * (a first invoice counts its whole total). One page and the summary, each one query, so the
 * queue of 10,000 drafts costs what a page of 100 does.
 */
export async function reviewQueue(db: Db, period: string, page: number, filter: QueueFilter = {}): Promise<{ items: QueueItem[]; partners: QueuePartner[] } & QueueSummary> {
  // One pass per partner over the drafts matching the flag and search: the partner filter's
  // choices with their counts, and (summed) the totals, without a third scan of the queue.
  const [groups, rows] = await Promise.all([
    waitingQuery(db, period, { ...filter, partner: null })
      .groupBy('c.partner_id', 'p.name')
      .orderBy('p.name')
      .select(
        'c.partner_id',
        'p.name',
        db.raw('count(*)::int AS total'),
        db.raw(`count(*) FILTER (WHERE ${FLAGGED})::int AS flagged`),
        db.raw('coalesce(sum(d.total_ore), 0)::bigint AS total_ore'),
        db.raw(`coalesce(sum(d.total_ore) FILTER (WHERE NOT ${FLAGGED}), 0)::bigint AS unflagged_ore`),
      ),
    waitingQuery(db, period, filter)
      .leftJoin('invoices as ra', 'ra.id', 'r.refreshed_after_id')
      .leftJoin('invoices as ro', 'ro.id', 'ra.reissue_of')
      .orderByRaw(`(${FLAGGED}) DESC, abs(${CHANGE}) DESC, d.customer_id`)
      .limit(QUEUE_PAGE_SIZE)
      .offset(page * QUEUE_PAGE_SIZE)
      .select(
        'd.customer_id', 'd.version', 'd.total_ore', 'd.created_at', 'c.name', 'c.partner_id', 'p.name as partner_name',
        'r.previous_total_ore', 'r.change_bp', 'r.flags', 'r.flag_details', 'r.approvals_needed', 'r.auto_approve_reason', 'r.waits_because',
        'r.refreshed_at', 'ra.kind as refreshed_kind', 'ra.series as refreshed_series', 'ra.number as refreshed_number', 'ro.series as replaces_series', 'ro.number as replaces_number',
        db.raw(`${CHANGE}::bigint AS change`),
      ),
  ]);
  const counted = groups.filter((g: { partner_id: string }) => !filter.partner || g.partner_id === filter.partner);
  const summary = counted.reduce(
    (acc: QueueSummary, g: Record<string, unknown>) => ({
      total: acc.total + Number(g.total),
      flagged: acc.flagged + Number(g.flagged),
      total_ore: acc.total_ore + Number(g.total_ore),
      unflagged_ore: acc.unflagged_ore + Number(g.unflagged_ore),
    }),
    { total: 0, flagged: 0, total_ore: 0, unflagged_ore: 0 },
  );
  // A four-eyes draft's first approval is on record as a request until the second one settles it.
  const firsts = rows.length
    ? await db('approval_requests')
        .where({ period, request: 'approve' })
        .whereIn('customer_id', rows.map((r: { customer_id: string }) => r.customer_id))
        .where('outcome', 'like', 'approved 1 of %')
        .select('customer_id', 'requested_by', 'received_at', 'draft_version', 'outcome')
    : [];
  return {
    ...summary,
    partners: groups.map((g: { partner_id: string; name: string | null; total: number }) => ({ partner_id: g.partner_id, name: g.name, n: Number(g.total) })),
    items: rows.map(
      (d: Record<string, any>): QueueItem => ({
        customer_id: d.customer_id,
        customer_name: d.name,
        partner_id: d.partner_id,
        partner_name: d.partner_name,
        draft_version: d.version,
        total_ore: Number(d.total_ore),
        previous_total_ore: d.previous_total_ore === null ? null : Number(d.previous_total_ore),
        change_ore: Number(d.change),
        change_pct: d.change_bp === null || d.change_bp === undefined ? null : d.change_bp / 100,
        flags: d.flags ?? [],
        flag_details: d.flag_details ?? [],
        approvals_needed: d.approvals_needed ?? 1,
        approvals: firsts
          .filter((f: Record<string, any>) => f.customer_id === d.customer_id && (f.draft_version === null || f.draft_version === d.version) && f.received_at >= d.created_at)
          .map((f: Record<string, any>) => ({ by: f.requested_by, at: (f.received_at as Date).toISOString(), via: /\((\w+)\)$/.exec(f.outcome)?.[1] ?? 'update' })),
        reason: d.auto_approve_reason ?? d.waits_because ?? null,
        comparison_update: d.refreshed_at
          ? {
              at: (d.refreshed_at as Date).toISOString(),
              after: {
                number: formatInvoiceNumber(d.refreshed_series, Number(d.refreshed_number)),
                kind: d.refreshed_kind,
                replaces: d.replaces_series === null ? null : formatInvoiceNumber(d.replaces_series, Number(d.replaces_number)),
              },
            }
          : null,
      }),
    ),
  };
}

/** A partner with drafts waiting (that match the flag and search), for the queue's filter. */
export interface QueuePartner {
  partner_id: string;
  name: string | null;
  n: number;
}

export type DraftLine = ExplainedLine;

export interface DraftReview {
  customer: { customer_id: string; name: string; partner_id: string };
  period: string;
  state: string;
  /** Why the close stands where it does, in Swedish (a failure, nothing to bill, the waiting reason). */
  reason: string | null;
  draft: { id: number; version: number; status: string; total_ore: number; net_ore: number; vat_ore: number; rounding_ore: number; pdf_sha256: string | null; created_at: Date } | null;
  /** The live invoice (not replaced, not credited in full); null while a re-issue's draft waits. */
  invoice: { number: string; total_ore: number; net_total_ore: number; pdf_sha256: string | null; status: InvoiceStatus; links: string } | null;
  /** Every invoice and credit note of the customer's period, with status and links both ways (the ledger). */
  documents: { number: string; kind: 'invoice' | 'credit_note'; status: InvoiceStatus; links: string; total_ore: number; net_total_ore: number | null; pdf_sha256: string | null }[];
  previous: Explanation['previous'];
  /** Refreshes of the stored review after a credit note or re-issue changed the base, oldest first. */
  comparison_updates: ComparisonUpdate[];
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
  // The console's own record of a first approval counts at once: the workflow writes its request
  // log a moment later, and "0 av 2" right after approving reads as if nothing happened.
  const fromConsole = draft
    ? await db('console_actions as a')
        .join('console_users as u', 'u.id', 'a.user_id')
        .where({ 'a.period': period, 'a.customer_id': customerId, 'a.draft_version': draft.version, 'a.action': 'approve' })
        .whereIn('a.outcome', ['needs_second', 'approved'])
        .orderBy('a.acted_at', 'desc')
        .pluck('u.display_name')
    : [];
  const approvedBy = draft
    ? [
        ...new Set([
          ...fromConsole,
          ...log.filter((d) => d.draft_version === draft.version && d.by && (/^approved \d+ of \d+/.test(d.outcome) || (d.request === 'decision' && d.outcome.startsWith('approved')))).map((d) => d.by!),
        ]),
      ]
    : [];
  return {
    customer,
    period,
    state: run?.state ?? 'not_started',
    reason: !run?.reason ? null : run.state === 'failed' ? failureTextSv(run.failure_type, run.reason) : run.state === 'nothing_to_bill' ? nothingToBillSv(run.reason) : reasonSv(run.reason),
    draft: draft
      ? { id: draft.id, version: draft.version, status: draft.status, total_ore: draft.total_ore, net_ore: draft.net_ore, vat_ore: draft.vat_ore, rounding_ore: draft.rounding_ore, pdf_sha256: draft.pdf_sha256, created_at: draft.created_at }
      : null,
    invoice: issued ? { number: issued.number, total_ore: issued.totalOre, net_total_ore: issued.netTotalOre, pdf_sha256: pdfs.get(issued.id) ?? null, status: issued.status, links: linksSv(issued) } : null,
    documents: ledger.map((e) => ({ number: e.number, kind: e.kind, status: e.status, links: linksSv(e), total_ore: e.totalOre, net_total_ore: e.kind === 'invoice' ? e.netTotalOre : null, pdf_sha256: pdfs.get(e.id) ?? null })),
    previous: explanation?.previous ?? null,
    comparison_updates: explanation?.comparison_updates ?? [],
    lines: explanation?.lines ?? [],
    flags: stored ? stored.flag_details : (explanation?.flags ?? []).map((code) => ({ code, detail: '' })),
    facts: explanation?.facts ?? [],
    verdict: stored ? { waits_because: stored.waits_because, auto_approve_reason: stored.auto_approve_reason, approvals_needed: stored.approvals_needed } : null,
    approved_by: approvedBy.reverse(),
    decisions: log,
  };
}

/** The approval policy decides as 'policy' (workflows/draft-review.ts); a person reads it as "policyn". */
const POLICY_AS_BY = "CASE WHEN a.via = 'policy' THEN 'policyn' ELSE a.decided_by END as by";

/** Every decision and decision request (also refused ones) of a period, newest first. */
export async function decisions(db: Db, period: string, customerId: string | null, limit: number): Promise<DecisionRow[]> {
  // A decision the workflow recorded is also in its request log: shown once, as the decision.
  const requests = db('approval_requests as r')
    .where({ 'r.period': period })
    .modify((q) => (customerId ? q.where({ 'r.customer_id': customerId }) : q))
    .whereNotExists(
      db('approvals as a')
        .join('drafts as d', 'd.id', 'a.draft_id')
        .whereRaw('a.customer_id = r.customer_id AND a.period = r.period AND d.version = r.draft_version AND a.decided_by = r.requested_by')
        .whereRaw("r.request IN ('approve', 'reject') AND r.outcome NOT LIKE 'refused%' AND r.outcome NOT LIKE 'duplicate%'"),
    )
    .select('r.customer_id', 'r.received_at as at', 'r.request', 'r.requested_by as by', 'r.draft_version', 'r.outcome', db.raw('null as reason'));
  const decided = db('approvals as a')
    .join('drafts as d', 'd.id', 'a.draft_id')
    .where({ 'a.period': period })
    .modify((q) => (customerId ? q.where({ 'a.customer_id': customerId }) : q))
    .select('a.customer_id', 'a.decided_at as at', db.raw("'decision' as request"), db.raw(POLICY_AS_BY), 'd.version as draft_version', db.raw("a.decision || ' (' || a.via || ')' as outcome"), 'a.reason');
  return db.unionAll([requests, decided], true).orderBy('at', 'desc').limit(limit);
}
