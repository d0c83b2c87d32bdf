import type { Knex } from 'knex';

// An operator may send a failed delivery again (`deliveries resend`, the console's "Skicka om"):
// its attempt names who sent it and the address it went to (the recipient may have been
// corrected in master data since the delivery was planned). Null for the close's own attempts.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_attempts', (t) => {
    t.text('requested_by');
    t.text('address');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_attempts', (t) => {
    t.dropColumn('address');
    t.dropColumn('requested_by');
  });
}
