import type { Knex } from 'knex';

// Credit notes under the approval policy: the verdict a credit request was
// drafted under, and its decisions and every decision request, beside (not in) the invoice
// drafts' `approvals` / `approval_requests`, which are keyed by draft and by customer and period.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('credit_requests', (t) => {
    t.integer('approvals_needed'); // 2 above the policy's four-eyes limit; null: drafted before this
    t.text('policy_version');
  });
  // One row per person who decided (four eyes records two), like `approvals`.
  await knex.schema.createTable('credit_approvals', (t) => {
    t.bigIncrements('id');
    t.bigInteger('credit_request_id').notNullable().references('credit_requests.id');
    t.text('decision').notNullable(); // approved | rejected
    t.text('decided_by').notNullable();
    t.text('reason');
    t.text('via').notNullable(); // signal | update
    t.timestamp('decided_at', { useTz: true }).notNullable();
    t.text('policy_version');
    t.unique(['credit_request_id', 'decided_by']);
  });
  // Every approve / reject that reached the workflow or was refused before it, like `approval_requests`.
  await knex.schema.createTable('credit_approval_requests', (t) => {
    t.bigIncrements('id');
    t.text('workflow_id').notNullable(); // the credit id; a refusal may come before the request row exists
    t.text('request').notNullable(); // approve | reject
    t.text('requested_by');
    t.text('outcome').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['workflow_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('credit_approval_requests');
  await knex.schema.dropTableIfExists('credit_approvals');
  await knex.schema.alterTable('credit_requests', (t) => {
    t.dropColumn('policy_version');
    t.dropColumn('approvals_needed');
  });
}
