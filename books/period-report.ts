import { parsePeriod } from '../billing';
import { ledgerTotals, type LedgerTotals } from '../billing/ledger';
import { billingCoverage } from '../billing/rating';
import type { Db } from '../infra/db';
import { isoDate } from '../store/customers';
import { liveInvoices, loadLedgerDocuments, periodTotals } from '../store/ledger';
import { buildLedger } from '../billing/ledger';
import { findPeriodLock, type PeriodLock } from '../store/period-locks';
import { FAILURES, isFailureType, withRemedy } from '../contracts/failures';

// `month-close period report` (issue #21): every customer with monthly billing in force in the
// period, in exactly one bucket with the reason, the period's money from the ledger and what of
// it is in the books. "Complete" when no customer is failed or open.

export type Bucket = 'invoiced' | 'nothing_to_bill' | 'not_due' | 'failed' | 'open';
export const BUCKETS: Bucket[] = ['invoiced', 'nothing_to_bill', 'not_due', 'failed', 'open'];

export interface ReportCustomer {
  customer_id: string;
  name: string;
  bucket: Bucket;
  /** Invoiced: the live invoice (the re-issue when there is one). */
  invoice_number: string | null;
  /** Invoiced: its total after credit notes, incl. moms. */
  total_ore: number | null;
  reason: string | null;
  /** The close's state as recorded (close_runs), or null when no close has run. */
  close_state: string | null;
  /** Failed: the failure's type and the close's own reason, for a Swedish text; not in the JSON. */
  failure: { type: string | null; reason: string | null } | null;
}

export interface PeriodReport {
  period: string;
  complete: boolean;
  locked: boolean;
  lock: { by: string; at: string; reason: string | null } | null;
  counts: Record<Bucket, number>;
  customers: ReportCustomer[];
  totals: LedgerTotals;
  /** The same totals of what has been exported to the books (SIE), and how many documents are not yet. */
  exported: LedgerTotals & { documents: number; not_exported: number };
}

/** Swedish names of the buckets, for the CLI's text and the console. */
export const BUCKET_SV: Record<Bucket, string> = {
  invoiced: 'Fakturerad',
  nothing_to_bill: 'Inget att fakturera',
  not_due: 'Ej aktuell',
  failed: 'Misslyckad',
  open: 'Öppen',
};

interface CustomerRow {
  customer_id: string;
  name: string;
  monthly_billing_from: string;
  prepaid_through: string | null;
}
interface RunRow {
  customer_id: string;
  state: string;
  reason: string | null;
  failure_type: string | null;
}

export async function periodReport(db: Db, periodText: string): Promise<PeriodReport> {
  const period = parsePeriod(periodText);
  // One after another: inside `period lock` they share the transaction's one connection.
  const [customers, runs, documents, totals, lock, exportedIds] = await inOrder([
    // In force: billing started by the period's end; plus anyone the period has a close or an invoice for.
    () => db('customers')
      .where('monthly_billing_from', '<=', period.lastDay)
      .orWhereIn('customer_id', db('close_runs').where({ period: period.id }).select('customer_id'))
      .orWhereIn('customer_id', db('invoices').where({ period: period.id }).select('customer_id'))
      .orderBy('customer_id')
      .select('customer_id', 'name', 'monthly_billing_from', 'prepaid_through') as Promise<CustomerRow[]>,
    () => db('close_runs').where({ period: period.id }).select('customer_id', 'state', 'reason', 'failure_type') as Promise<RunRow[]>,
    () => loadLedgerDocuments(db, { period: period.id }),
    () => periodTotals(db, period.id),
    () => findPeriodLock(db, period.id),
    () => db('books_vouchers as v').join('invoices as i', 'i.id', 'v.source_id').where({ 'v.source': 'invoice', 'i.period': period.id }).pluck('i.id') as Promise<number[]>,
  ]);
  const runOf = new Map(runs.map((r) => [r.customer_id, r]));
  const ledger = buildLedger(documents);
  const live = liveInvoices(ledger);

  const report: ReportCustomer[] = customers.map((c) => {
    const base = { customer_id: c.customer_id, name: c.name, invoice_number: null, total_ore: null, close_state: runOf.get(c.customer_id)?.state ?? null, failure: null };
    const run = runOf.get(c.customer_id);
    if (run && (run.state === 'running' || run.state === 'awaiting_approval' || run.state === 'rejected')) {
      const reason = run.state === 'running' ? 'avslutet pågår' : run.state === 'awaiting_approval' ? 'utkastet väntar på godkännande' : `utkastet är avvisat${run.reason ? ` (${run.reason})` : ''}; räkna om det eller avvisa igen`;
      return { ...base, bucket: 'open', reason };
    }
    if (run?.state === 'failed') {
      const remedy = isFailureType(run.failure_type) ? FAILURES[run.failure_type].remedy({ period: period.id, customerId: c.customer_id }) : null;
      return { ...base, bucket: 'failed', reason: withRemedy(run.reason ?? 'ingen orsak sparad', remedy), failure: { type: run.failure_type, reason: run.reason } };
    }
    const invoice = live.get(c.customer_id);
    if (invoice) {
      const reason =
        invoice.status === 'credited'
          ? `${invoice.number} krediterad i sin helhet av ${invoice.creditedBy.join(', ')}`
          : invoice.creditedBy.length
            ? `krediterad av ${invoice.creditedBy.join(', ')}`
            : invoice.replaces
              ? `ersätter ${invoice.replaces}`
              : null;
      return { ...base, bucket: 'invoiced', invoice_number: invoice.number, total_ore: invoice.netTotalOre, reason };
    }
    const coverage = coverageOf(c, period);
    if (coverage) return { ...base, bucket: 'not_due', reason: coverage };
    if (run?.state === 'nothing_to_bill') return { ...base, bucket: 'nothing_to_bill', reason: run.reason };
    return { ...base, bucket: 'open', reason: run ? `avslutet står som ${run.state} utan faktura` : 'inget avslut har körts för kunden' };
  });

  const counts = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>;
  for (const c of report) counts[c.bucket] += 1;
  const exported = new Set(exportedIds);
  const inBooks = documents.filter((d) => exported.has(d.id));
  return {
    period: period.id,
    complete: counts.failed === 0 && counts.open === 0,
    locked: lock !== null,
    lock: lockJson(lock),
    counts,
    customers: report,
    totals,
    exported: { ...ledgerTotals(inBooks), documents: inBooks.length, not_exported: documents.length - inBooks.length },
  };
}

async function inOrder<T extends unknown[]>(steps: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const out: unknown[] = [];
  for (const step of steps as (() => Promise<unknown>)[]) out.push(await step());
  return out as T;
}

/** Why the period is not billed under the customer's terms (billing starts later, prepaid), or null. */
function coverageOf(c: CustomerRow, period: ReturnType<typeof parsePeriod>): string | null {
  try {
    const days = billingCoverage(
      { customerId: c.customer_id, monthlyBillingFrom: isoDate(c.monthly_billing_from)!, prepaidThrough: isoDate(c.prepaid_through), vatTreatment: 'domestic' },
      period,
    );
    return days.kind === 'none' ? days.reason : null;
  } catch {
    return null; // bad terms: the close fails with the reason, and the report shows that
  }
}

function lockJson(lock: PeriodLock | null): PeriodReport['lock'] {
  return lock ? { by: lock.lockedBy, at: lock.lockedAt.toISOString(), reason: lock.reason } : null;
}

/** What keeps the period from being complete, for a refused lock: "2 misslyckade (C1, C2), 1 öppen (C3)". */
export function openSummary(report: PeriodReport, max = 10): string {
  const part = (bucket: Bucket, word: string) => {
    const ids = report.customers.filter((c) => c.bucket === bucket).map((c) => c.customer_id);
    return ids.length ? `${ids.length} ${word} (${ids.slice(0, max).join(', ')}${ids.length > max ? ` och ${ids.length - max} till` : ''})` : null;
  };
  return [part('failed', 'misslyckade'), part('open', 'öppna')].filter(Boolean).join(', ');
}

/** The JSON of the spec (books-and-payments.md), with the added fields beside. */
export function periodReportJson(r: PeriodReport) {
  return {
    period: r.period,
    complete: r.complete,
    locked: r.locked,
    lock: r.lock,
    counts: r.counts,
    customers: r.customers.map((c) => ({ customer_id: c.customer_id, bucket: c.bucket, invoice_number: c.invoice_number, total_ore: c.total_ore, reason: c.reason, name: c.name, close_state: c.close_state })),
    totals: r.totals,
    exported: r.exported,
  };
}
