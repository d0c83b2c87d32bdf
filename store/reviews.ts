import { explainDraft, flagDraft, parsePeriod, type ApprovalPolicy, type Explanation } from '../billing';
import type { Db } from '../infra/db';
import { loadExplainInput } from './review-inputs';
import { formatInvoiceNumber } from './invoices';
import type { ComparisonUpdate } from '../billing/review-sv';

// What finance reads about the drafts of a period (`drafts list`, `drafts explain`), in the JSON
// of interfaces.md "Finance review".

export type DraftListState = 'awaiting_approval' | 'auto_approved' | 'approved' | 'rejected' | 'final';

export interface DraftListEntry {
  customer_id: string;
  draft_version: number;
  total_ore: number;
  previous_total_ore: number | null;
  change_ore: number | null;
  change_pct: number | null;
  flags: string[];
  approvals_needed: number;
  approvals: { by: string; at: string; via: string }[];
  state: DraftListState;
  /** Not in the contract's minimum: why it waits or why the policy approved it, per flag. */
  reason: string | null;
  flag_details: { code: string; detail: string }[];
  /** The stored review's version: 1 until a credit note or re-issue refreshed it (docs/review.md). */
  review_version: number;
  /** When the comparison was last refreshed (ISO); null when never. */
  comparison_updated_at: string | null;
}

/** The newest draft of every customer of the period, one query for drafts and one for approvals. */
export async function listDrafts(db: Db, period: string, opts: { flagged?: boolean } = {}): Promise<{ period: string; drafts: DraftListEntry[] }> {
  const { rows } = await db.raw(
    `SELECT DISTINCT ON (d.customer_id)
            d.id, d.customer_id, d.version, d.total_ore, d.status, d.created_at,
            r.previous_total_ore, r.change_ore, r.change_bp, r.flags, r.flag_details, r.approvals_needed,
            r.auto_approve_reason, r.waits_because, r.version AS review_version, r.refreshed_at, i.id AS invoice_id
       FROM drafts d
       LEFT JOIN draft_reviews r ON r.draft_id = d.id
       LEFT JOIN invoices i ON i.draft_id = d.id
      WHERE d.period = ?
      ORDER BY d.customer_id, d.version DESC`,
    [period],
  );
  const approvals = await db('approvals').where({ period, decision: 'approved' }).orderBy('decided_at').select('draft_id', 'decided_by', 'decided_at', 'via');
  const byDraft = new Map<number, { by: string; at: string; via: string }[]>();
  for (const a of approvals) {
    const list = byDraft.get(Number(a.draft_id)) ?? [];
    list.push({ by: a.decided_by, at: (a.decided_at as Date).toISOString(), via: a.via });
    byDraft.set(Number(a.draft_id), list);
  }
  // A four-eyes draft's first approval is on record as a request until the second one settles it.
  const firsts = await db('approval_requests').where({ period, request: 'approve' }).where('outcome', 'like', 'approved 1 of %').select('customer_id', 'requested_by', 'received_at', 'outcome');
  const firstByCustomer = new Map<string, { by: string; at: Date; via: string }[]>();
  for (const f of firsts) {
    const list = firstByCustomer.get(f.customer_id) ?? [];
    list.push({ by: f.requested_by, at: f.received_at as Date, via: /\((\w+)\)$/.exec(f.outcome)?.[1] ?? 'update' });
    firstByCustomer.set(f.customer_id, list);
  }

  const drafts: DraftListEntry[] = [];
  for (const r of rows) {
    const flags: string[] = r.flags ?? [];
    if (opts.flagged && flags.length === 0) continue;
    let approved = byDraft.get(Number(r.id)) ?? [];
    if (approved.length === 0 && r.status === 'awaiting_approval') {
      approved = (firstByCustomer.get(r.customer_id) ?? []).filter((f) => f.at >= r.created_at).map((f) => ({ by: f.by, at: f.at.toISOString(), via: f.via }));
    }
    const byPolicy = approved.some((a) => a.via === 'policy');
    const state: DraftListState = byPolicy ? 'auto_approved' : r.invoice_id ? 'final' : r.status === 'approved' ? 'approved' : r.status === 'rejected' ? 'rejected' : 'awaiting_approval';
    drafts.push({
      customer_id: r.customer_id,
      draft_version: r.version,
      total_ore: Number(r.total_ore),
      previous_total_ore: r.previous_total_ore === null ? null : Number(r.previous_total_ore),
      change_ore: r.change_ore === null ? null : Number(r.change_ore),
      change_pct: r.change_bp === null ? null : r.change_bp / 100,
      flags,
      approvals_needed: r.approvals_needed ?? 1,
      approvals: approved,
      state,
      reason: r.auto_approve_reason ?? r.waits_because ?? null,
      flag_details: r.flag_details ?? [],
      // A draft made before the stored review is explained afresh: version 1, as `drafts explain` says.
      review_version: r.review_version ?? 1,
      comparison_updated_at: r.refreshed_at ? (r.refreshed_at as Date).toISOString() : null,
    });
  }
  return { period, drafts };
}

/** The newest draft's explanation with the versions of its stored review (docs/review.md). */
export type ExplainedDraft = Explanation & {
  flags: string[];
  /** 1 unless a credit note or re-issue refreshed the review while the draft waited. */
  review_version: number;
  /** Each refresh, oldest first, with what the draft was compared with before it. */
  comparison_updates: ComparisonUpdate[];
};

/**
 * The newest draft of a customer explained, as stored with it; a draft made before the finance
 * review is explained now, under the policy in force. Null when the customer has no draft.
 */
export async function explainLatestDraft(db: Db, period: string, customerId: string, policy: ApprovalPolicy): Promise<ExplainedDraft | null> {
  const draft = await db('drafts').where({ period, customer_id: customerId }).orderBy('version', 'desc').first('id');
  if (!draft) return null;
  const stored = await db('draft_reviews').where({ draft_id: draft.id }).first('explanation', 'version');
  if (stored) {
    return { ...(stored.explanation as Explanation & { flags: string[] }), review_version: stored.version, comparison_updates: await comparisonUpdates(db, draft.id) };
  }
  const { input } = await loadExplainInput(db, draft.id, parsePeriod(period));
  const explanation = explainDraft(input);
  return { ...explanation, flags: flagDraft(explanation, policy).map((f) => f.code), review_version: 1, comparison_updates: [] };
}

/** The refreshes of a draft's review, oldest first (store/review-refresh.ts). */
export async function comparisonUpdates(db: Db, draftId: number): Promise<ComparisonUpdate[]> {
  const rows = await reviewVersions(db, draftId);
  return rows.map((r) => ({
    version: r.version + 1,
    at: r.replaced_at.toISOString(),
    after: r.replaced_after,
    before: { previous: r.review.explanation.previous, change_ore: r.review.change_ore === null ? null : Number(r.review.change_ore), flags: r.review.flags },
  }));
}

/** Every earlier version of a draft's stored review, whole, oldest first: nothing a refresh replaced is lost. */
export async function reviewVersions(db: Db, draftId: number): Promise<
  { version: number; replaced_at: Date; replaced_after: ComparisonUpdate['after']; review: { explanation: Explanation & { flags: string[] }; change_ore: number | null; flags: string[]; [column: string]: unknown } }[]
> {
  const rows = await db('draft_review_versions as v')
    .join('invoices as i', 'i.id', 'v.replaced_after_id')
    .leftJoin('invoices as o', 'o.id', 'i.reissue_of')
    .where('v.draft_id', draftId)
    .orderBy('v.version')
    .select('v.version', 'v.review', 'v.replaced_at', 'i.kind', 'i.series', 'i.number', 'o.series as replaces_series', 'o.number as replaces_number');
  return rows.map((r: { version: number; review: never; replaced_at: Date; kind: 'credit_note' | 'invoice'; series: string; number: number; replaces_series: string | null; replaces_number: number | null }) => ({
    version: r.version,
    replaced_at: r.replaced_at,
    replaced_after: {
      number: formatInvoiceNumber(r.series, r.number),
      kind: r.kind,
      replaces: r.replaces_series === null || r.replaces_number === null ? null : formatInvoiceNumber(r.replaces_series, r.replaces_number),
    },
    review: r.review,
  }));
}
