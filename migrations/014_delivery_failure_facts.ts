import type { Knex } from 'knex';

// A failed delivery attempt kept only its English text; the console says it in Swedish from
// its class and facts (notify/errors.ts DeliveryFailure), stored beside the text as JSON.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_deliveries', (t) => t.jsonb('last_error_facts'));
  await knex.schema.alterTable('notification_attempts', (t) => t.jsonb('facts'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_attempts', (t) => t.dropColumn('facts'));
  await knex.schema.alterTable('notification_deliveries', (t) => t.dropColumn('last_error_facts'));
}
