import type { Knex } from 'knex';

// Payments from the bank (issue #22): every payment of an imported camt.054 or BgMax file, once
// per bank reference whichever file brings it again; matched to an invoice by OCR, or unmatched
// until finance assigns it. Disputes stop reminders; each reminder is a row keyed by its
// invoice and number, so it is made once.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_imports', (t) => {
    t.bigIncrements('id');
    t.text('file_name').notNullable();
    t.text('file_sha256').notNullable();
    t.text('format').notNullable(); // camt.054.001.02 | camt.054.001.08 | bgmax
    t.text('message_id').notNullable();
    t.integer('payments').notNullable();
    t.integer('matched').notNullable();
    t.integer('unmatched').notNullable();
    t.integer('duplicates').notNullable();
    t.jsonb('ignored').notNullable(); // [{reference, amount_ore, reason}]: never stored as payments
    t.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('payments', (t) => {
    t.bigIncrements('id');
    t.text('reference').notNullable().unique(); // the bank's reference: the same payment twice is one row
    t.bigInteger('import_id').notNullable().references('payment_imports.id');
    t.bigInteger('amount_ore').notNullable();
    t.date('booking_date').notNullable();
    t.text('payer');
    t.text('ocr');
    t.bigInteger('invoice_id').references('invoices.id'); // null: unmatched
    t.text('customer_id').references('customers.customer_id');
    t.text('unmatched_reason'); // why it was not matched when it arrived
    t.text('assigned_by'); // finance, for a payment matched by hand
    t.timestamp('assigned_at', { useTz: true });
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['invoice_id']);
  });
  // Matched (by OCR or by hand) is for good: only an unmatched payment may be assigned.
  await knex.raw(`
    CREATE FUNCTION payments_assign_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.invoice_id IS NOT NULL OR NEW.amount_ore <> OLD.amount_ore OR NEW.reference <> OLD.reference THEN
        RAISE EXCEPTION 'payment % is recorded: only an unmatched payment can be assigned, once', OLD.reference;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER payments_assign_once BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_assign_once();
    CREATE TRIGGER payments_never_deleted BEFORE DELETE ON payments FOR EACH ROW EXECUTE FUNCTION refuse_change();
  `);

  await knex.schema.createTable('invoice_disputes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('invoice_id').notNullable().references('invoices.id');
    t.text('disputed_by').notNullable();
    t.text('reason').notNullable();
    t.timestamp('disputed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('resolved_by');
    t.timestamp('resolved_at', { useTz: true });
  });

  await knex.schema.createTable('payment_reminders', (t) => {
    t.bigInteger('invoice_id').notNullable().references('invoices.id');
    t.integer('reminder').notNullable(); // 1 or 2
    t.bigInteger('remaining_ore').notNullable();
    t.bigInteger('fee_ore').notNullable();
    t.text('pdf_sha256').notNullable().references('documents.sha256');
    t.jsonb('facts').notNullable(); // what the e-mail and the PDF say, as made the first time
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['invoice_id', 'reminder']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('payment_reminders');
  await knex.schema.dropTableIfExists('invoice_disputes');
  await knex.schema.dropTableIfExists('payments');
  await knex.raw('DROP FUNCTION IF EXISTS payments_assign_once()');
  await knex.schema.dropTableIfExists('payment_imports');
}
