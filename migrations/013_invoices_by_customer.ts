import type { Knex } from 'knex';

// The ledger is read per customer (the customer page) and per page of customers (a partner's
// overview, the invoice list: customer_id = ANY(...)); the only index on customer_id covered
// original invoices, so those reads scanned every invoice and credit note ever issued.

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS invoices_customer_period ON invoices (customer_id, period)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS invoices_customer_period');
}
