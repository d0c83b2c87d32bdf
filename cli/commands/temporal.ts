import type { Command } from 'commander';
import { prepareNamespace } from '../../infra/namespace-setup';
import { output, UsageError, withServices } from '../runtime';

export function registerTemporalCommands(program: Command): void {
  const temporal = program.command('temporal').description('the Temporal namespace month-close runs in');

  temporal
    .command('setup')
    .description('prepare the namespace (idempotent): create it if missing, register the search attributes BillingPeriod, CustomerId, CloseState')
    .option('--retention-days <n>', 'history retention of a namespace created here', '30')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { retentionDays: string; json?: boolean }) => {
        const retentionDays = Number(opts.retentionDays);
        if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
          throw new UsageError(`--retention-days '${opts.retentionDays.slice(0, 20)}' is not a whole number of days from 1 to 3650`);
        }
        return async (services) => {
          const client = await services.client();
          const setup = await prepareNamespace(client.connection, services.endpoints.namespace, { retentionDays });
          output(!!opts.json, setup, () =>
            [
              `namespace ${setup.namespace} at ${services.endpoints.temporalAddress}: ${setup.createdNamespace ? `created (retention ${retentionDays} days)` : 'exists'}`,
              `search attributes: ${setup.addedSearchAttributes.length ? `added ${setup.addedSearchAttributes.join(', ')}` : 'all present'}` +
                (setup.presentSearchAttributes.length ? ` (already there: ${setup.presentSearchAttributes.join(', ')})` : ''),
            ].join('\n'),
          );
        };
      }),
    );
}
