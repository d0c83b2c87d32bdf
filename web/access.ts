import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import type { ConsoleRole } from './users';

// Who may see what. Areas are per role (another role's area answers 403); customers are per
// scope: a customer outside the user's scope does not exist for it (404), also by URL.

export type Area = 'finance' | 'operator' | 'customers';

export function mayEnter(role: ConsoleRole, area: Area): boolean {
  if (area === 'finance') return role.kind === 'finance';
  if (area === 'operator') return role.kind === 'operator';
  return role.kind !== 'operator'; // finance sees every customer; partners and admins their own
}

/** Restrict a query over `customers as c` to the customers the role may see. */
export function scopeCustomers(query: Knex.QueryBuilder, role: ConsoleRole): Knex.QueryBuilder {
  if (role.kind === 'partner') return query.where('c.partner_id', role.partnerId);
  if (role.kind === 'customer_admin') return query.where('c.customer_id', role.customerId);
  if (role.kind === 'finance') return query;
  return query.whereRaw('false');
}

export async function canSeeCustomer(db: Db, role: ConsoleRole, customerId: string): Promise<boolean> {
  return !!(await scopeCustomers(db('customers as c').where('c.customer_id', customerId), role).first('c.customer_id'));
}

/**
 * A stored PDF is visible when it belongs to something the user may see: finance sees draft
 * and final PDFs of every customer, partners and customer admins the final invoices of their
 * own customers only (drafts are finance's until approved).
 */
export async function canSeeDocument(db: Db, role: ConsoleRole, sha256: string): Promise<boolean> {
  if (role.kind === 'operator') return false;
  const invoiceDoc = scopeCustomers(
    db('invoice_documents as d').join('invoices as i', 'i.id', 'd.invoice_id').join('customers as c', 'c.customer_id', 'i.customer_id').where('d.pdf_sha256', sha256),
    role,
  );
  if (await invoiceDoc.first('d.invoice_id')) return true;
  if (role.kind !== 'finance') return false;
  return !!(await db('drafts').where({ pdf_sha256: sha256 }).first('id'));
}
