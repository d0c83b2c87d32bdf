import type { Knex } from 'knex';

// The books (issue #21): the period lock with who, when and why, and the SIE 4I batches sent to
// bookkeeping. Each voucher names its source row (an invoice or credit note; payments add their
// own source), so nothing is exported twice, and its series number, gapless per series in the
// order exported.

export async function up(knex: Knex): Promise<void> {
  // The lock in force per period; every lock and unlock is also in period_lock_events.
  await knex.schema.createTable('period_locks', (t) => {
    t.text('period').primary();
    t.text('locked_by').notNullable();
    t.text('reason');
    t.timestamp('locked_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('period_lock_events', (t) => {
    t.bigIncrements('id');
    t.text('period').notNullable().index();
    t.text('action').notNullable(); // lock | unlock
    t.text('by').notNullable();
    t.text('reason');
    t.timestamp('at', { useTz: true }).notNullable();
  });
  await knex.raw(`CREATE TRIGGER period_lock_events_immutable BEFORE UPDATE OR DELETE ON period_lock_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change()`);

  await knex.schema.createTable('books_batches', (t) => {
    t.bigIncrements('id');
    /** #GEN of the file: the batch is written again with the same date. */
    t.date('generated_on').notNullable();
    /** The accounts and seller the file was written with, so a rewrite never reads today's config. */
    t.jsonb('settings').notNullable();
    t.integer('vouchers').notNullable();
    t.text('file_sha256').notNullable();
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('books_vouchers', (t) => {
    t.bigIncrements('id');
    t.bigInteger('batch_id').notNullable().references('books_batches.id');
    t.text('source').notNullable(); // invoice (also credit notes) | payment
    t.bigInteger('source_id').notNullable();
    t.text('series').notNullable();
    t.integer('number').notNullable();
    t.integer('position').notNullable(); // order inside the batch's file
    t.unique(['source', 'source_id']); // nothing is exported twice
    t.unique(['series', 'number']);
    t.index(['batch_id']);
  });
  await knex.raw(`CREATE TRIGGER books_vouchers_immutable BEFORE UPDATE OR DELETE ON books_vouchers
    FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  await knex.raw(`CREATE TRIGGER books_batches_immutable BEFORE UPDATE OR DELETE ON books_batches
    FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
  // The ledger reads a period's documents and their links.
  await knex.raw('CREATE INDEX IF NOT EXISTS invoices_period ON invoices (period)');
  await knex.raw('CREATE INDEX IF NOT EXISTS invoices_credit_of ON invoices (credit_of) WHERE credit_of IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS invoices_credit_of');
  await knex.raw('DROP INDEX IF EXISTS invoices_period');
  await knex.schema.dropTableIfExists('books_vouchers');
  await knex.schema.dropTableIfExists('books_batches');
  await knex.schema.dropTableIfExists('period_lock_events');
  await knex.schema.dropTableIfExists('period_locks');
}
