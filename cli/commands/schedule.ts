import type { Command } from 'commander';
import { closeSettings } from '../../client/close';
import { createSchedule, deleteSchedule, describeSchedule, SCHEDULE_ID, triggerSchedule } from '../../client/schedule';
import { output, withServices, type Services } from '../runtime';

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('the monthly Temporal Schedule (1st of the month, 06:00 Europe/Stockholm)');

  const withClient = (body: (s: Services, json: boolean) => Promise<number | void>) => withServices((opts: { json?: boolean }) => (services) => body(services, !!opts.json));

  schedule
    .command('create')
    .description('create the schedule (idempotent)')
    .option('--json', 'print one JSON document')
    .action(
      withClient(async (s, json) => {
        const outcome = await createSchedule(await s.client(), closeSettings(s.config));
        const d = await describeSchedule(await s.client());
        output(json, { outcome, schedule: d }, () => `${SCHEDULE_ID}: ${outcome === 'created' ? 'created' : 'already exists'}; next run ${d?.next_runs[0] ?? '?'}`);
      }),
    );
  schedule
    .command('describe')
    .description('show the schedule and its next and recent runs')
    .option('--json', 'print one JSON document')
    .action(
      withClient(async (s, json) => {
        const d = await describeSchedule(await s.client());
        if (!d) {
          output(json, { schedule: null }, () => `${SCHEDULE_ID} does not exist; create it with 'month-close schedule create'`);
          return 1;
        }
        output(json, d, () => `${d.schedule_id} (${d.timezone}, ${d.paused ? 'paused' : 'active'})\nnext: ${d.next_runs.join(', ')}\nrecent: ${d.recent_runs.map((r) => `${r.scheduled_at} ${r.workflow_id}`).join(', ') || 'none'}`);
      }),
    );
  schedule
    .command('delete')
    .description('delete the schedule')
    .option('--json', 'print one JSON document')
    .action(
      withClient(async (s, json) => {
        const outcome = await deleteSchedule(await s.client());
        output(json, { outcome }, () => `${SCHEDULE_ID}: ${outcome.replace('_', ' ')}`);
      }),
    );
  schedule
    .command('trigger')
    .description("run the schedule's action now (closes the month before now)")
    .option('--json', 'print one JSON document')
    .action(
      withClient(async (s, json) => {
        await triggerSchedule(await s.client());
        output(json, { triggered: SCHEDULE_ID }, () => `${SCHEDULE_ID}: triggered`);
      }),
    );
}
