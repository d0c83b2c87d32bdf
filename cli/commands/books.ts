import type { Command } from 'commander';
import { formatQuantity, stockholmDate } from '../../billing';
import { BatchNotFound, booksSettings, exportBooks, listBatches, rewriteBatch, seriesText } from '../../books/export';
import { writableOutPath, writeOut } from '../out-file';
import { output, table, UsageError, withServices } from '../runtime';

// `month-close books export` (issue #21): SIE 4I for the bookkeeping program.

export function registerBooksCommands(program: Command): void {
  const books = program.command('books').description('bookkeeping: SIE 4I export of invoices and credit notes');

  books
    .command('export')
    .description('write every voucher not exported before as one recorded batch (SIE 4I); --batch writes a recorded batch again, byte-identical')
    .requiredOption('--out <file>', 'the SIE file to write, e.g. out/books/B1-120.si')
    .option('--batch <id>', 'write this recorded batch again instead of exporting what is new')
    .option('--by <name>', 'who exports (kept with the batch)')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { out: string; batch?: string; by?: string; json?: boolean }) => {
        const out = writableOutPath(opts.out);
        const batchId = opts.batch === undefined ? null : Number(opts.batch);
        if (batchId !== null && (!Number.isSafeInteger(batchId) || batchId < 1)) throw new UsageError(`--batch ${opts.batch}: a batch id is a whole number (see 'month-close books batches')`);
        return async (services) => {
          const result =
            batchId === null
              ? await exportBooks(services.db, booksSettings(services.config), { today: stockholmDate(Date.now()), by: opts.by?.trim() || null })
              : await rewriteBatch(services.db, batchId).catch((err) => {
                  throw err instanceof BatchNotFound ? new UsageError(err.message) : err;
                });
          if (result.content) writeOut(out, result.content);
          const json = { batch: result.batch, file: result.content ? out : null, vouchers: result.vouchers, first_number: result.first_number, last_number: result.last_number, series: result.series };
          output(!!opts.json, json, () =>
            result.content
              ? `${batchId === null ? 'Exporterade' : 'Skrev om'} batch ${result.batch}: ${formatQuantity(result.vouchers)} verifikationer (${seriesText(result.series)}) till ${out} (SIE 4I, sha256 ${result.sha256})`
              : 'Inga nya verifikationer att exportera; ingen fil skrevs.',
          );
        };
      }),
    );

  books
    .command('batches')
    .description('the recorded SIE batches')
    .option('--json', 'print a JSON array')
    .action(
      withServices((opts: { json?: boolean }) => async (services) => {
        const rows = await listBatches(services.db);
        output(!!opts.json, rows, () =>
          table(['batch', 'genererad', 'serie', 'från', 'till', 'verifikationer', 'av'], rows.map((r) => [r.id, r.generated_on, r.series, r.first_number, r.last_number, formatQuantity(r.vouchers), r.created_by ?? ''])),
        );
      }),
    );
}
