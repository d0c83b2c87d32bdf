// What a close left in the database, asked the way the tests talk about it: the invoices of a
// customer, its deliveries, the decision requests finance sent. One place knows the tables, so a
// test reads as the behaviour it checks and a schema change is fixed here.
import type { Db } from '../../infra/db';

/** Rows of one customer, or of one customer in one period. */
function ofCustomer(db: Db, table: string, customerId: string, period?: string) {
  return db(table).where({ customer_id: customerId, ...(period ? { period } : {}) });
}

/** The customer's issued invoices (credit notes too), in number order. */
export function invoicesOf(db: Db, customerId: string, period?: string) {
  return ofCustomer(db, 'invoices', customerId, period).orderBy(['series', 'number']);
}

/** Every invoice of the period, in number order. */
export function invoicesIn(db: Db, period: string) {
  return db('invoices').where({ period }).orderBy(['series', 'number']);
}

export function invoiceLinesOf(db: Db, invoiceId: number) {
  return db('invoice_lines').where({ invoice_id: invoiceId }).orderBy('position');
}

/** The invoice's stored PDF (its SHA-256), once it is rendered. */
export function invoiceDocumentOf(db: Db, invoiceId: number) {
  return db('invoice_documents').where({ invoice_id: invoiceId }).first();
}

/** The customer's draft versions, oldest first. */
export function draftsOf(db: Db, customerId: string, period?: string) {
  return ofCustomer(db, 'drafts', customerId, period).orderBy(['period', 'version']);
}

/** What the approval policy and the explanation said of each draft version. */
export function reviewsOf(db: Db, customerId: string, period?: string) {
  return ofCustomer(db, 'draft_reviews', customerId, period).orderBy('draft_id');
}

/** The close's recorded state (`state`, `reason`, `failure_type`, …) of one customer and period. */
export function closeRunOf(db: Db, customerId: string, period: string) {
  return ofCustomer(db, 'close_runs', customerId, period).first();
}

/** The closes of the period, optionally only those in one state. */
export function closeRunsIn(db: Db, period: string, state?: string) {
  return db('close_runs').where({ period, ...(state ? { state } : {}) }).orderBy('customer_id');
}

/** Every state change a customer's closes recorded, in order. */
export function closeRunEventsOf(db: Db, customerId: string) {
  return ofCustomer(db, 'close_run_events', customerId).orderBy('id');
}

/** The customer's planned deliveries (one per subject, subscriber and event), in plan order. */
export function deliveriesOf(db: Db, customerId: string, only: { period?: string; event?: string; status?: string } = {}) {
  return db('notification_deliveries').where({ customer_id: customerId, ...only }).orderBy('id');
}

/** Every approve/reject/recompute request that reached the customer's closes, refusals too. */
export function requestsOf(db: Db, customerId: string, period?: string) {
  return ofCustomer(db, 'approval_requests', customerId, period).orderBy('id');
}

/** The approvals given (two for four eyes), in the order they were given. */
export function approvalsOf(db: Db, customerId: string, period?: string) {
  return ofCustomer(db, 'approvals', customerId, period).orderBy('id');
}

export function approvalsIn(db: Db, period: string) {
  return db('approvals').where({ period }).orderBy('id');
}

export function customerOf(db: Db, customerId: string) {
  return db('customers').where({ customer_id: customerId }).first();
}
