import type { Db } from '../infra/db';
import { shown } from '../infra/shown';

/** Thrown when a command names customers that are not in the database. */
export class UnknownCustomers extends Error {}

/**
 * Refuse customer ids that are not imported, before anything is started or signalled: a close
 * of a customer that does not exist could never record a state, so it would only hang.
 */
export async function requireCustomers(db: Db, customerIds: readonly string[]): Promise<void> {
  if (customerIds.length === 0) return;
  const known = new Set<string>(await db('customers').whereIn('customer_id', [...new Set(customerIds)]).pluck('customer_id'));
  const unknown = customerIds.filter((id) => !known.has(id));
  if (unknown.length === 0) return;
  const listed = unknown.slice(0, 5).map((id) => shown(id)).join(', ');
  const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : '';
  throw new UnknownCustomers(
    `--customer: no such customer ${listed}${more}; see the customers with 'month-close close status --period YYYY-MM' or import them with 'month-close customers import FILE'`,
  );
}
