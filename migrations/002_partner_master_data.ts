import type { Knex } from 'knex';

// Partners become master data of their own, imported like customers (`partners import`):
// address and contact columns, the import that last changed them, and every version kept.
// The columns stay nullable: partners created before this migration have only a name.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.text('org_number');
    t.text('email');
    t.text('street');
    t.text('postal_code');
    t.text('city');
    t.specificType('country', 'char(2)');
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('partner_versions', (t) => {
    t.bigIncrements('id');
    t.text('partner_id').notNullable().references('partners.partner_id');
    t.jsonb('data').notNullable();
    t.bigInteger('import_batch_id').references('import_batches.id');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('partner_versions');
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumns('org_number', 'email', 'street', 'postal_code', 'city', 'country', 'import_batch_id', 'updated_at');
  });
}
