import type { Knex } from 'knex';

// Keys for the two records the close wrote without one. Run as local activities, a
// close's steps run again after a lost workflow task (a killed worker, a completion refused
// because a signal arrived meanwhile); the key makes that second run record nothing new.
// Null for rows written by regular activities (closes started before) and by the plain bench.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('close_run_events', (t) => {
    t.text('step_key').unique(); // `<workflow run id>/<n>`: the n-th state change of that run
  });
  await knex.schema.alterTable('approval_requests', (t) => {
    t.text('request_key').unique(); // `<workflow run id>/<n>`: the n-th request that run recorded
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('approval_requests', (t) => t.dropColumn('request_key'));
  await knex.schema.alterTable('close_run_events', (t) => t.dropColumn('step_key'));
}
