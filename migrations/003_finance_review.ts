import type { Knex } from 'knex';

// Finance review: each draft version's explanation, flags and policy verdict, and
// approvals that may take two people (four eyes) and name the policy version they were made under.

export async function up(knex: Knex): Promise<void> {
  // What finance approves with the draft: written once per draft version, never changed.
  await knex.schema.createTable('draft_reviews', (t) => {
    t.bigInteger('draft_id').primary().references('drafts.id');
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.bigInteger('previous_invoice_id').references('invoices.id');
    t.bigInteger('total_ore').notNullable();
    t.bigInteger('previous_total_ore'); // incl. credit notes against it; null: first invoice
    t.bigInteger('change_ore');
    t.integer('change_bp'); // basis points; null without a previous total above zero
    t.specificType('flags', 'text[]').notNullable();
    t.jsonb('flag_details').notNullable(); // [{ code, detail }]
    t.jsonb('explanation').notNullable(); // the `drafts explain --json` document
    t.integer('approvals_needed').notNullable();
    t.text('auto_approve_reason'); // set when the policy approved it
    t.text('waits_because');
    t.text('policy_version').notNullable();
    t.bigInteger('escalate_after_ms').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['period', 'customer_id']);
  });

  // Four eyes: one row per approver of a draft, so the one-decision-per-draft key becomes one
  // per (draft, person). The policy version is recorded with every decision.
  await knex.schema.alterTable('approvals', (t) => {
    t.dropUnique(['draft_id']);
    t.unique(['draft_id', 'decided_by']);
    t.text('policy_version');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approvals', (t) => {
    t.dropColumn('policy_version');
    t.dropUnique(['draft_id', 'decided_by']);
    t.unique(['draft_id']);
  });
  await knex.schema.dropTableIfExists('draft_reviews');
}
