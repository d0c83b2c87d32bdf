import type { Command } from 'commander';
import { formatSek } from '../../billing';
import { getDocument } from '../../store/documents';
import { ledgerTotals } from '../../billing/ledger';
import { listInvoicesJson, parseInvoiceNumber, type InvoiceJson } from '../../store/invoices';
import { shown } from '../../infra/shown';
import { writableOutPath, writeOut } from '../out-file';
import { output, periodOption, table, UsageError, withServices } from '../runtime';
import { registerCorrectionCommands } from './corrections';

export function registerInvoiceCommands(program: Command): void {
  const invoices = program.command('invoices').description('issued invoices and drafts');

  invoices
    .command('list')
    .description('invoices of a period (final ones, and drafts still waiting)')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--json', 'print a JSON array')
    .action(
      withServices((opts: { period: string; json?: boolean }) => {
        const period = periodOption(opts.period);
        return async (services) => {
          const list = await listInvoicesJson(services.db, period);
          output(!!opts.json, list, () => {
            const rows = list.map((i) => [i.number ?? '–', i.customer_id, statusText(i), i.issue_date ?? '', i.due_date ?? '', formatSek(i.total_ore)]);
            const issued = list.filter((i) => i.number !== null);
            // The ledger's totals (billing/ledger.ts): invoices net of their credit notes, as every view shows them.
            const t = ledgerTotals(issued.map((i) => ({ kind: i.kind, netOre: i.net_ore, vatOre: i.vat_ore, roundingOre: i.rounding_ore, totalOre: i.total_ore })));
            const notes = issued.filter((i) => i.kind === 'credit_note').length;
            return [
              table(['number', 'customer', 'status', 'issued', 'due', 'total'], rows, [5]),
              '',
              `${issued.length - notes} invoices, ${notes} credit notes, ${list.length - issued.length} drafts`,
              `invoiced ${formatSek(t.invoiced_ore)}, credited ${formatSek(t.credited_ore)}, net of credit notes ${formatSek(t.total_ore)} (excl. moms ${formatSek(t.net_ore)})`,
            ].join('\n');
          });
        };
      }),
    );

  invoices
    .command('pdf')
    .description("write an invoice's PDF")
    .argument('<number>', 'invoice number, e.g. F10001')
    .requiredOption('--out <file>', 'where to write the PDF')
    .option('--json', 'print one JSON document')
    .action(
      withServices((numberText: string, opts: { out: string; json?: boolean }) => {
        const parsed = invoiceNumberArgument(numberText);
        const out = writableOutPath(opts.out);
        return async (services) => {
          const row = await services.db('invoices as i')
            .leftJoin('invoice_documents as d', 'd.invoice_id', 'i.id')
            .where({ 'i.number': parsed.number })
            .modify((q) => {
              if (parsed.series) q.where('i.series', parsed.series);
            })
            .first('i.id', 'd.pdf_sha256');
          if (!row) throw new UsageError(`no invoice ${shown(numberText)}; see 'month-close invoices list --period YYYY-MM'`);
          if (!row.pdf_sha256) throw new Error(`invoice ${numberText} has no PDF yet: its close is still rendering it; try again shortly`);
          const doc = await getDocument(services.db, row.pdf_sha256);
          writeOut(out, doc!.content);
          output(!!opts.json, { number: numberText, out, bytes: doc!.content.length, sha256: row.pdf_sha256 }, () => `wrote ${out} (${doc!.content.length} bytes, sha256 ${row.pdf_sha256})`);
        };
      }),
    );

  registerCorrectionCommands(invoices);
}

/** The status with its links: "partly_credited by K1", "replaced_by F10400", "credit note of F10001". */
function statusText(i: InvoiceJson): string {
  if (i.kind === 'credit_note') return `credit note of ${i.credits}`;
  const links = [
    ...(i.credited_by?.length ? [`credited by ${i.credited_by.join(', ')}`] : []),
    ...(i.replaced_by ? [`replaced by ${i.replaced_by}`] : []),
    ...(i.replaces ? [`replaces ${i.replaces}`] : []),
  ];
  return links.length ? `${i.status} (${links.join('; ')})` : i.status;
}

/** An invoice or credit note number given on the command line (F10001, K1), or exit 2 naming it. */
export function invoiceNumberArgument(text: string): { series: string; number: number } {
  const parsed = parseInvoiceNumber(text);
  if (!parsed) throw new UsageError(`invoice number ${shown(text)} is not a series (letters) and a number, e.g. F10001`);
  return parsed;
}
