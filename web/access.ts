import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import type { ConsoleRole } from './users';

// Who may see what. Areas are per role (another role's area answers 403); customers and
// invoices are per scope: what is outside the user's scope does not exist for it (404), also by
// URL. A partner's scope over invoices is the partner named on each invoice at issue.

export type Area = 'finance' | 'operator' | 'customers';

export function mayEnter(role: ConsoleRole, area: Area): boolean {
  if (area === 'finance') return role.kind === 'finance';
  if (area === 'operator') return role.kind === 'operator';
  return role.kind !== 'operator'; // finance sees every customer; partners and admins their own
}

/**
 * Restrict a query over `invoices as i` to the invoices the role may see. A partner sees the
 * invoices that name it (the buyer's partner at issue, as the invoice and its PDF say), not
 * those of whoever is the customer's partner today: a customer that changes partner leaves its
 * earlier invoices with the earlier partner.
 */
export function scopeInvoices(query: Knex.QueryBuilder, role: ConsoleRole): Knex.QueryBuilder {
  if (role.kind === 'partner') return query.whereRaw(`i.buyer->>'partnerId' = ?`, [role.partnerId]);
  if (role.kind === 'customer_admin') return query.where('i.customer_id', role.customerId);
  if (role.kind === 'finance') return query;
  return query.whereRaw('false');
}

/** Restrict a query over `customers as c` to the customers the role bills now (its current partner). */
export function scopeCurrentCustomers(query: Knex.QueryBuilder, role: ConsoleRole): Knex.QueryBuilder {
  if (role.kind === 'partner') return query.where('c.partner_id', role.partnerId);
  if (role.kind === 'customer_admin') return query.where('c.customer_id', role.customerId);
  if (role.kind === 'finance') return query;
  return query.whereRaw('false');
}

/**
 * Restrict a query over `customers as c` to the customers the role has a page for: those it
 * bills now and, for a partner, earlier customers with invoices that name it.
 */
export function scopeCustomers(query: Knex.QueryBuilder, role: ConsoleRole): Knex.QueryBuilder {
  if (role.kind !== 'partner') return scopeCurrentCustomers(query, role);
  // Not correlated: the invoices that name the partner are read once, by their index.
  return query.where((q) =>
    q.where('c.partner_id', role.partnerId).orWhereIn('c.customer_id', (sub) => sub.from('invoices').whereRaw(`buyer->>'partnerId' = ?`, [role.partnerId]).select('customer_id')),
  );
}

/**
 * What the role may see of a customer: `current` (what is billed now and its invoices),
 * `former` (a partner's earlier customer: only the invoices that name it), or null (404).
 */
export async function customerAccess(db: Db, role: ConsoleRole, customerId: string): Promise<'current' | 'former' | null> {
  if (await scopeCurrentCustomers(db('customers as c').where('c.customer_id', customerId), role).first('c.customer_id')) return 'current';
  if (await scopeCustomers(db('customers as c').where('c.customer_id', customerId), role).first('c.customer_id')) return 'former';
  return null;
}

/**
 * A stored PDF is visible when it belongs to something the user may see: finance sees draft
 * and final PDFs of every customer, partners the invoices that name them, customer admins their
 * own customer's (drafts are finance's until approved).
 */
export async function canSeeDocument(db: Db, role: ConsoleRole, sha256: string): Promise<boolean> {
  if (role.kind === 'operator') return false;
  const invoiceDoc = scopeInvoices(db('invoice_documents as d').join('invoices as i', 'i.id', 'd.invoice_id').where('d.pdf_sha256', sha256), role);
  if (await invoiceDoc.first('d.invoice_id')) return true;
  if (role.kind !== 'finance') return false;
  return !!(await db('drafts').where({ pdf_sha256: sha256 }).first('id'));
}
