import type { Knex } from 'knex';

// Corrections and e-invoices.
// - The Peppol e-invoice of each final invoice and credit note, stored beside its PDF.
// - Credit requests: one row per correction asked for (keyed so the same request twice is one).
// - Re-issue: "one invoice per customer and period" becomes "one LIVE invoice": a new invoice
//   for a period that has one must name it in `reissue_of`, each invoice is re-issued at most
//   once, and the database refuses the re-issue unless credit notes cancel the old one in full.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invoice_xml_documents', (t) => {
    t.bigInteger('invoice_id').primary().references('invoices.id');
    t.text('xml_sha256').notNullable().references('documents.sha256');
    t.text('document_type').notNullable(); // Invoice | CreditNote
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`CREATE TRIGGER invoice_xml_documents_immutable BEFORE UPDATE OR DELETE ON invoice_xml_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change()`);

  // Adding columns is DDL: the row triggers that keep issued invoices immutable do not fire.
  await knex.schema.alterTable('invoices', (t) => {
    t.bigInteger('reissue_of').references('invoices.id'); // the fully credited invoice this one replaces
    t.text('credit_reason'); // credit notes: why, printed on the kreditfaktura
  });
  await knex.raw(`
    DROP INDEX invoices_one_per_customer_period;
    CREATE UNIQUE INDEX invoices_one_original_per_customer_period ON invoices (customer_id, period)
      WHERE kind = 'invoice' AND reissue_of IS NULL;
    CREATE UNIQUE INDEX invoices_reissued_once ON invoices (reissue_of) WHERE reissue_of IS NOT NULL;

    CREATE FUNCTION refuse_reissue_of_live_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      old_invoice invoices%ROWTYPE;
      credited_net bigint;
      credited_total bigint;
    BEGIN
      SELECT * INTO old_invoice FROM invoices WHERE id = NEW.reissue_of FOR UPDATE;
      IF NEW.kind <> 'invoice' OR old_invoice.kind <> 'invoice'
         OR old_invoice.customer_id <> NEW.customer_id OR old_invoice.period <> NEW.period THEN
        RAISE EXCEPTION 'a re-issue replaces an invoice of the same customer and period';
      END IF;
      SELECT COALESCE(SUM(net_ore), 0), COALESCE(SUM(total_ore), 0) INTO credited_net, credited_total
        FROM invoices WHERE credit_of = old_invoice.id AND kind = 'credit_note';
      IF credited_net + old_invoice.net_ore <> 0 OR credited_total + old_invoice.total_ore <> 0 THEN
        RAISE EXCEPTION 'invoice % is still live: credit it in full before re-issuing', old_invoice.series || old_invoice.number;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER invoices_reissue_needs_full_credit BEFORE INSERT ON invoices
      FOR EACH ROW WHEN (NEW.reissue_of IS NOT NULL) EXECUTE FUNCTION refuse_reissue_of_live_invoice();
  `);

  await knex.schema.createTable('credit_requests', (t) => {
    t.bigIncrements('id');
    t.text('request_key').notNullable().unique(); // the same request twice is one row
    t.text('workflow_id').notNullable();
    t.bigInteger('invoice_id').notNullable().references('invoices.id');
    t.text('requested_by').notNullable();
    t.text('reason').notNullable();
    t.jsonb('lines'); // [{article, quantity}], null: everything not yet credited
    t.boolean('reissue').notNullable().defaultTo(false);
    t.jsonb('rated').notNullable(); // the draft credit note (negative amounts) as approved
    t.text('status').notNullable(); // awaiting_approval | approved | rejected | final | refused
    t.text('decided_by');
    t.text('decision_reason');
    t.timestamp('decided_at', { useTz: true });
    t.bigInteger('credit_note_id').references('invoices.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('credit_requests');
  await knex.raw(`
    DROP TRIGGER IF EXISTS invoices_reissue_needs_full_credit ON invoices;
    DROP FUNCTION IF EXISTS refuse_reissue_of_live_invoice();
    DROP INDEX IF EXISTS invoices_reissued_once;
    DROP INDEX IF EXISTS invoices_one_original_per_customer_period;
    CREATE UNIQUE INDEX invoices_one_per_customer_period ON invoices (customer_id, period) WHERE kind = 'invoice';
  `);
  await knex.schema.alterTable('invoices', (t) => {
    t.dropColumn('credit_reason');
    t.dropColumn('reissue_of');
  });
  await knex.schema.dropTableIfExists('invoice_xml_documents');
}
