import type { Knex } from 'knex';

// Console sessions held in the database, so logging out (or a disabled user) ends a session even
// when its cookie was copied: the cookie carries only a random id, the table holds its SHA-256.
// Partners see invoices by the partner named on them at issue: an index on that buyer field.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.text('id_sha256').primary(); // SHA-256 of the cookie's session id; the id itself is never stored
    t.bigInteger('user_id').notNullable().references('console_users.id');
    t.timestamp('created_at', { useTz: true }).notNullable(); // the 8-hour limit counts from here
    t.timestamp('seen_at', { useTz: true }).notNullable(); // the idle limit counts from here
    t.timestamp('ended_at', { useTz: true }); // logout; an ended session never comes back
    t.index(['user_id']);
  });
  await knex.raw(`CREATE INDEX invoices_partner_at_issue ON invoices ((buyer->>'partnerId'))`);
  // A login attempt is counted per address and per address + client IP (web/login-limit.ts).
  await knex.raw('CREATE INDEX console_login_attempts_email_ip ON console_login_attempts (email, ip, attempted_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS console_login_attempts_email_ip');
  await knex.raw('DROP INDEX IF EXISTS invoices_partner_at_issue');
  await knex.schema.dropTableIfExists('console_sessions');
}
