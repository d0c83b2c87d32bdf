import type { Knex } from 'knex';

// Users of the web console, their login attempts (every one recorded: the per-account limit
// counts them) and what each did in the console.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_users', (t) => {
    t.bigIncrements('id');
    t.text('email').notNullable();
    t.text('display_name').notNullable(); // a finance user's name is its approver name (financeApprovers)
    t.text('role').notNullable(); // finance | operator | partner | customer_admin
    t.text('partner_id').references('partners.partner_id');
    t.text('customer_id').references('customers.customer_id');
    t.text('password_hash').notNullable(); // scrypt$N$r$p$salt$hash
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('disabled_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX console_users_email ON console_users (lower(email))');
  await knex.raw(`ALTER TABLE console_users ADD CONSTRAINT console_users_scope CHECK (
    (role IN ('finance', 'operator') AND partner_id IS NULL AND customer_id IS NULL)
    OR (role = 'partner' AND partner_id IS NOT NULL AND customer_id IS NULL)
    OR (role = 'customer_admin' AND customer_id IS NOT NULL AND partner_id IS NULL))`);

  await knex.schema.createTable('console_login_attempts', (t) => {
    t.bigIncrements('id');
    t.text('email').notNullable(); // as typed, lower-cased
    t.text('ip').notNullable();
    t.text('outcome').notNullable(); // ok | bad_password | unknown_user | disabled | locked
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['email', 'attempted_at']);
  });

  await knex.schema.createTable('console_actions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('user_id').notNullable().references('console_users.id');
    t.text('action').notNullable(); // approve | reject | rerun
    t.text('customer_id').notNullable();
    t.text('period').notNullable();
    t.integer('draft_version');
    t.text('outcome').notNullable();
    t.timestamp('acted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('console_actions');
  await knex.schema.dropTableIfExists('console_login_attempts');
  await knex.schema.dropTableIfExists('console_users');
}
