import type { Knex } from 'knex';

// A draft's stored review may be refreshed while the draft waits for finance: a credit note or
// a re-issue of the invoice it was compared with changes the comparison base (docs/review.md).
// The row in draft_reviews is the review as it stands (every reader keeps reading one row); each
// version it replaced is kept whole in draft_review_versions, with when and after which document.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('draft_reviews', (t) => {
    t.integer('version').notNullable().defaultTo(1);
    // Set from version 2 on: when, and after which issued document (credit note or invoice).
    t.timestamp('refreshed_at', { useTz: true });
    t.bigInteger('refreshed_after_id').references('invoices.id');
  });
  await knex.schema.createTable('draft_review_versions', (t) => {
    t.bigInteger('draft_id').notNullable().references('drafts.id');
    t.integer('version').notNullable();
    t.jsonb('review').notNullable(); // the draft_reviews row as it was, every column
    t.timestamp('replaced_at', { useTz: true }).notNullable();
    t.bigInteger('replaced_after_id').notNullable().references('invoices.id');
    t.primary(['draft_id', 'version']);
    // One refresh per draft and issued document, whatever retries.
    t.unique(['draft_id', 'replaced_after_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('draft_review_versions');
  await knex.schema.alterTable('draft_reviews', (t) => {
    t.dropColumn('refreshed_after_id');
    t.dropColumn('refreshed_at');
    t.dropColumn('version');
  });
}
