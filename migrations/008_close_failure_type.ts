import type { Knex } from 'knex';

// The failure type a close ended with (contracts/failures.ts), beside its reason: `close status`,
// the demo and the console render the next step from it, so the fix is no longer part of the
// reason text. Null for closes that did not fail and for rows recorded before this.

export async function up(knex: Knex): Promise<void> {
  for (const table of ['close_runs', 'close_run_events']) {
    await knex.schema.alterTable(table, (t) => {
      t.text('failure_type');
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['close_runs', 'close_run_events']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('failure_type');
    });
  }
}
