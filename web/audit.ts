import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { outcomeSv, requestSv } from '../billing/review-sv';

// The decision log of a period: every decision and decision request on invoice drafts and on
// credit notes, each once. A decision the workflow recorded is in `approvals` (or
// `credit_approvals`) and also in its request log; the log shows the decision and keeps from the
// requests only what is not one (refusals, duplicates, recomputes, a four-eyes first approval
// that a second has not settled yet).

export const AUDIT_PAGE_SIZE = 200;

export interface AuditRow {
  at: Date;
  customer_id: string;
  /** 'utkast' (an invoice draft) or 'kredit' (a credit note of an invoice). */
  subject: 'draft' | 'credit';
  /** The draft version, or the credited invoice's number. */
  ref: string | null;
  request: string;
  by: string | null;
  outcome: string;
  reason: string | null;
}

function draftRequests(db: Db, period: string): Knex.QueryBuilder {
  return db('approval_requests as r')
    .where('r.period', period)
    .whereNotExists(
      db('approvals as a')
        .join('drafts as d', 'd.id', 'a.draft_id')
        .whereRaw('a.customer_id = r.customer_id AND a.period = r.period AND d.version = r.draft_version AND a.decided_by = r.requested_by')
        .whereRaw("r.request IN ('approve', 'reject') AND r.outcome NOT LIKE 'refused%' AND r.outcome NOT LIKE 'duplicate%'"),
    )
    .select('r.received_at as at', 'r.customer_id', db.raw("'draft' as subject"), db.raw('r.draft_version::text as ref'), 'r.request', 'r.requested_by as by', 'r.outcome', db.raw('null::text as reason'));
}

/** The approval policy decides as 'policy' (workflows/draft-review.ts); a person reads it as "policyn". */
const POLICY_AS_BY = "CASE WHEN a.via = 'policy' THEN 'policyn' ELSE a.decided_by END as by";

function draftDecisions(db: Db, period: string): Knex.QueryBuilder {
  return db('approvals as a')
    .join('drafts as d', 'd.id', 'a.draft_id')
    .where('a.period', period)
    .select('a.decided_at as at', 'a.customer_id', db.raw("'draft' as subject"), db.raw('d.version::text as ref'), db.raw("'decision' as request"), db.raw(POLICY_AS_BY), db.raw("a.decision || ' (' || a.via || ')' as outcome"), 'a.reason');
}

function creditRequests(db: Db, period: string): Knex.QueryBuilder {
  return db('credit_approval_requests as r')
    .join('credit_requests as c', 'c.workflow_id', 'r.workflow_id')
    .join('invoices as i', 'i.id', 'c.invoice_id')
    .where('i.period', period)
    .whereNotExists(
      db('credit_approvals as a').whereRaw("a.credit_request_id = c.id AND a.decided_by = r.requested_by AND r.outcome NOT LIKE 'refused%' AND r.outcome NOT LIKE 'duplicate%'"),
    )
    .select('r.received_at as at', 'i.customer_id', db.raw("'credit' as subject"), db.raw('i.series || i.number as ref'), 'r.request', 'r.requested_by as by', 'r.outcome', db.raw('null::text as reason'));
}

function creditDecisions(db: Db, period: string): Knex.QueryBuilder {
  return db('credit_approvals as a')
    .join('credit_requests as c', 'c.id', 'a.credit_request_id')
    .join('invoices as i', 'i.id', 'c.invoice_id')
    .where('i.period', period)
    .select('a.decided_at as at', 'i.customer_id', db.raw("'credit' as subject"), db.raw('i.series || i.number as ref'), db.raw("'decision' as request"), db.raw(POLICY_AS_BY), db.raw("a.decision || ' (' || a.via || ')' as outcome"), 'a.reason');
}

function creditAsked(db: Db, period: string): Knex.QueryBuilder {
  return db('credit_requests as c')
    .join('invoices as i', 'i.id', 'c.invoice_id')
    .where('i.period', period)
    .select('c.created_at as at', 'i.customer_id', db.raw("'credit' as subject"), db.raw('i.series || i.number as ref'), db.raw("'credit_request' as request"), 'c.requested_by as by', 'c.status as outcome', 'c.reason');
}

/** One page of the period's log, newest first, narrowed by a search text (customer, person, outcome, reason). */
export async function auditLog(db: Db, period: string, q: string, page: number, size: number): Promise<{ rows: AuditRow[]; total: number }> {
  const all = db.unionAll([draftRequests(db, period), draftDecisions(db, period), creditRequests(db, period), creditDecisions(db, period), creditAsked(db, period)], true);
  const base = db.from(all.as('log'));
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    base.where((w) => w.whereILike('customer_id', like).orWhereILike('by', like).orWhereILike('outcome', like).orWhereILike('reason', like).orWhereILike('ref', like));
  }
  const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
  const rows = await base.clone().orderBy([{ column: 'at', order: 'desc' }, { column: 'customer_id' }]).limit(size).offset(page * size).select('*');
  return { rows, total: Number(n) };
}

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  return /[";\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The log as CSV for a spreadsheet (semicolons, as Swedish Excel expects); codes stay beside the Swedish text. */
export function auditCsv(rows: AuditRow[]): string {
  const head = ['tid', 'kund', 'avser', 'utkast_eller_faktura', 'vad', 'av', 'utfall', 'utfall_kod', 'motivering'];
  const lines = rows.map((r) =>
    [r.at, r.customer_id, r.subject === 'credit' ? 'kredit' : 'utkast', r.ref, requestSv(r.request), r.by, outcomeSv(r.outcome), r.outcome, r.reason].map(cell).join(';'),
  );
  return '\ufeff' + [head.join(';'), ...lines].join('\r\n') + '\r\n';
}
