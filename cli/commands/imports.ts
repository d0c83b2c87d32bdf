import { readableFileArgument } from '../out-file';
import path from 'node:path';
import type { Command } from 'commander';
import { formatReport, importCustomers, importPartners, importPrices, importUsage, toJson, type ImportReport } from '../../imports';
import { migrate } from '../../infra/db';
import { output, withServices } from '../runtime';

type Importer = (db: Parameters<typeof importCustomers>[0], file: string) => Promise<ImportReport>;

function registerImport(program: Command, name: 'partners' | 'customers' | 'usage' | 'prices', importer: Importer, what: string): void {
  program
    .command(name)
    .description(`${what}`)
    .command('import')
    .argument('<file>', 'CSV file (UTF-8, header row)')
    .option('--json', 'print one JSON document')
    .description(`${what} from CSV; rejected rows are listed with line and reason (exit 2 if any)`)
    .action(
      withServices((file: string, opts: { json?: boolean }) => {
        readableFileArgument('file', file);
        return async (services) => {
          const report = await importer(services.db, path.resolve(file));
          output(!!opts.json, toJson(report), () => formatReport(report));
          return report.rejected.length > 0 ? 2 : 0;
        };
      }),
    );
}

export function registerImportCommands(program: Command): void {
  registerImport(program, 'partners', importPartners, 'Upsert partners (before the customers sold through them)');
  registerImport(program, 'customers', importCustomers, 'Upsert customers');
  registerImport(program, 'prices', importPrices, 'Add an effective-dated price list');
  registerImport(program, 'usage', (db, file) => importUsage(db, file), 'Append portal usage events');

  program
    .command('db')
    .description('Database maintenance')
    .command('migrate')
    .description('apply pending migrations (idempotent)')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { json?: boolean }) => async (services) => {
        const applied = await migrate(services.db);
        output(!!opts.json, { applied }, () => (applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'));
      }),
    );
}
