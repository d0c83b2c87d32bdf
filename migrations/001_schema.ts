import type { Knex } from 'knex';

// The whole product's schema. Constraints here enforce what must never happen twice:
// one invoice per customer and period, one number per invoice, one delivery per
// (subject, subscriber, event), one event per event id.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partners', (t) => {
    t.text('partner_id').primary();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('import_batches', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // customers | usage | prices
    t.text('file_name').notNullable();
    t.text('file_sha256').notNullable();
    t.integer('accepted').notNullable().defaultTo(0);
    t.integer('duplicates').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });

  await knex.schema.createTable('customers', (t) => {
    t.text('customer_id').primary();
    t.text('name').notNullable();
    t.text('org_number').notNullable();
    t.text('vat_number'); // may be missing in master data: the close then fails with a reason
    t.text('billing_email').notNullable();
    t.text('street').notNullable();
    t.text('postal_code').notNullable();
    t.text('city').notNullable();
    t.specificType('country', 'char(2)').notNullable();
    t.text('partner_id').notNullable().references('partners.partner_id');
    t.date('monthly_billing_from').notNullable();
    t.date('prepaid_through');
    t.text('buyer_reference'); // Peppol BT-10, "Er referens"
    t.text('peppol_endpoint'); // e.g. 0007:5561234567 for public-sector buyers
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Every version of a customer's master data, so an upsert never loses the old values.
  await knex.schema.createTable('customer_versions', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.jsonb('data').notNullable();
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('price_items', (t) => {
    t.bigIncrements('id');
    t.text('article').notNullable();
    t.text('description').notNullable();
    t.text('legacy_description').notNullable();
    t.bigInteger('unit_price_ore').notNullable();
    t.integer('vat_percent').notNullable();
    t.integer('included_quantity').notNullable().defaultTo(0);
    t.date('valid_from').notNullable();
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['article', 'valid_from']);
  });

  // Append-only. `seq` is the arrival order that breaks ties in occurred_at.
  await knex.schema.createTable('usage_events', (t) => {
    t.bigIncrements('seq');
    t.text('event_id').notNullable().unique();
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('subject_type').notNullable();
    t.text('subject_id').notNullable();
    t.text('action').notNullable();
    t.text('role');
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_id', 'occurred_at', 'seq']);
  });

  // Rows of an import that were refused, with the reason. Keyed by the row's content so
  // that importing the same file twice records each rejection once.
  await knex.schema.createTable('rejected_rows', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable();
    t.text('row_sha256').notNullable();
    t.text('file_name').notNullable();
    t.integer('line').notNullable();
    t.text('row_key');
    t.text('reason').notNullable();
    t.text('raw').notNullable();
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'row_sha256', 'reason']);
  });

  // Events that were well-formed but contradicted the state at their time (found when
  // the usage of a period is folded). They are left out of the bill and listed here.
  await knex.schema.createTable('usage_contradictions', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.text('event_id').notNullable();
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['period', 'event_id']);
  });

  await knex.schema.createTable('usage_snapshots', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.text('period').notNullable();
    t.text('content_hash').notNullable();
    t.jsonb('snapshot').notNullable();
    t.integer('event_count').notNullable();
    t.bigInteger('max_seq').notNullable(); // the newest event (by arrival) the snapshot saw
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['customer_id', 'period', 'content_hash']);
  });

  // Content-addressed storage for PDFs: the id is the SHA-256 of the bytes.
  await knex.schema.createTable('documents', (t) => {
    t.text('sha256').primary();
    t.text('content_type').notNullable();
    t.text('file_name').notNullable();
    t.integer('size_bytes').notNullable();
    t.binary('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Each computed draft of a customer's month. A rejected draft stays; a recompute adds a version.
  await knex.schema.createTable('drafts', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.text('period').notNullable();
    t.integer('version').notNullable();
    t.bigInteger('snapshot_id').notNullable().references('usage_snapshots.id');
    t.text('status').notNullable(); // awaiting_approval | approved | rejected | superseded
    t.jsonb('rated').notNullable(); // RatedInvoice
    t.jsonb('buyer').notNullable(); // master data as rated
    t.bigInteger('net_ore').notNullable();
    t.bigInteger('vat_ore').notNullable();
    t.bigInteger('rounding_ore').notNullable();
    t.bigInteger('total_ore').notNullable();
    t.text('pdf_sha256').references('documents.sha256');
    t.text('workflow_run_key').notNullable(); // idempotency: one draft per workflow step
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['customer_id', 'period', 'version']);
    t.unique(['workflow_run_key']);
  });

  // Who approved or rejected which draft, when, and how the decision arrived.
  await knex.schema.createTable('approvals', (t) => {
    t.bigIncrements('id');
    t.bigInteger('draft_id').notNullable().references('drafts.id');
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.text('decision').notNullable(); // approved | rejected
    t.text('decided_by').notNullable();
    t.text('reason');
    t.text('via').notNullable(); // signal | update | approve_all
    t.timestamp('decided_at', { useTz: true }).notNullable();
    t.unique(['draft_id']); // a draft is decided once
  });

  // Every decision request that arrived, including duplicates and refused ones.
  await knex.schema.createTable('approval_requests', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.text('request').notNullable(); // approve | reject | recompute
    t.text('requested_by');
    t.integer('draft_version');
    t.text('outcome').notNullable(); // accepted | duplicate | refused: <why>
    t.timestamp('received_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('finance_approvers', (t) => {
    t.text('name').primary();
    t.text('email');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Gapless numbering: the counter row is locked and advanced in the issuing transaction.
  await knex.schema.createTable('invoice_number_series', (t) => {
    t.text('series').primary();
    t.bigInteger('next_number').notNullable();
  });

  await knex.schema.createTable('invoices', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // invoice | credit_note
    t.text('series').notNullable();
    t.bigInteger('number').notNullable();
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.text('period').notNullable();
    t.bigInteger('draft_id').references('drafts.id');
    t.bigInteger('credit_of').references('invoices.id');
    t.date('issue_date').notNullable();
    t.date('due_date').notNullable();
    t.integer('payment_terms_days').notNullable();
    t.text('ocr').notNullable();
    t.text('currency').notNullable().defaultTo('SEK');
    t.text('vat_treatment').notNullable();
    t.jsonb('buyer').notNullable();
    t.jsonb('seller').notNullable();
    t.jsonb('vat_breakdown').notNullable();
    t.bigInteger('net_ore').notNullable();
    t.bigInteger('vat_ore').notNullable();
    t.bigInteger('rounding_ore').notNullable();
    t.bigInteger('total_ore').notNullable();
    t.text('finalised_by').notNullable();
    t.timestamp('finalised_at', { useTz: true }).notNullable();
    t.unique(['series', 'number']);
    t.unique(['ocr']);
    t.unique(['draft_id']);
  });
  await knex.raw(
    `CREATE UNIQUE INDEX invoices_one_per_customer_period ON invoices (customer_id, period) WHERE kind = 'invoice'`,
  );

  await knex.schema.createTable('invoice_lines', (t) => {
    t.bigInteger('invoice_id').notNullable().references('invoices.id');
    t.integer('position').notNullable();
    t.text('article').notNullable();
    t.text('description').notNullable();
    t.text('legacy_description').notNullable();
    t.integer('quantity').notNullable();
    t.bigInteger('unit_price_ore').notNullable();
    t.bigInteger('amount_ore').notNullable();
    t.integer('vat_percent').notNullable();
    t.jsonb('pro_rata');
    t.primary(['invoice_id', 'position']);
  });

  // The rendered final PDF of an invoice (rendered after the number is assigned).
  await knex.schema.createTable('invoice_documents', (t) => {
    t.bigInteger('invoice_id').primary().references('invoices.id');
    t.text('pdf_sha256').notNullable().references('documents.sha256');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // A finalised invoice never changes: refuse UPDATE and DELETE at the database.
  await knex.raw(`
    CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is immutable: issue a credit note instead', TG_TABLE_NAME;
    END $$;
    CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
      FOR EACH ROW EXECUTE FUNCTION refuse_change();
    CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines
      FOR EACH ROW EXECUTE FUNCTION refuse_change();
    CREATE TRIGGER invoice_documents_immutable BEFORE UPDATE OR DELETE ON invoice_documents
      FOR EACH ROW EXECUTE FUNCTION refuse_change();
  `);

  await knex.schema.createTable('subscribers', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').references('customers.customer_id'); // null: every customer
    t.text('partner_id').references('partners.partner_id'); // null: every partner
    t.text('role').notNullable(); // customer_admin | partner | finance
    t.text('channel').notNullable(); // email | webhook
    t.text('address').notNullable(); // e-mail address or URL
    t.text('secret'); // webhook HMAC secret
    t.specificType('events', 'text[]').notNullable(); // draft_ready, invoice_final
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `CREATE UNIQUE INDEX subscribers_unique ON subscribers (customer_id, partner_id, role, channel, address) NULLS NOT DISTINCT`,
  );

  // One row per (subject, subscriber, event): consulted before sending, updated after.
  await knex.schema.createTable('notification_deliveries', (t) => {
    t.bigIncrements('id');
    t.text('subject_key').notNullable(); // draft:<id> or invoice:<id>
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.bigInteger('subscriber_id').notNullable().references('subscribers.id');
    t.text('event').notNullable(); // draft_ready | invoice_final | draft_reminder:<n>
    t.text('idempotency_key').notNullable().unique();
    t.text('status').notNullable(); // pending | delivered | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['subject_key', 'subscriber_id', 'event']);
  });

  await knex.schema.createTable('notification_attempts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('delivery_id').notNullable().references('notification_deliveries.id');
    t.integer('attempt').notNullable();
    t.text('outcome').notNullable(); // delivered | retryable_error | permanent_error
    t.text('detail');
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Where each customer's close of a period stands; `close status` reads it.
  await knex.schema.createTable('close_runs', (t) => {
    t.text('customer_id').notNullable().references('customers.customer_id');
    t.text('period').notNullable();
    t.text('workflow_id').notNullable();
    t.text('state').notNullable(); // running | awaiting_approval | rejected | final | nothing_to_bill | failed
    t.text('reason');
    t.bigInteger('invoice_id').references('invoices.id');
    t.integer('attempt').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['customer_id', 'period']);
  });
  await knex.schema.createTable('close_run_events', (t) => {
    t.bigIncrements('id');
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.text('state').notNullable();
    t.text('reason');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'close_run_events', 'close_runs', 'notification_attempts', 'notification_deliveries', 'subscribers',
    'invoice_documents', 'invoice_lines', 'invoices', 'invoice_number_series', 'finance_approvers',
    'approval_requests', 'approvals', 'drafts', 'documents', 'usage_snapshots', 'usage_contradictions',
    'rejected_rows', 'usage_events', 'price_items', 'customer_versions', 'customers', 'import_batches', 'partners',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS refuse_change()');
}
