import path from 'node:path';
import type { Command } from 'commander';
import { formatSek, stockholmDate } from '../../billing';
import { STATUS_TEXT } from '../../billing/receivable';
import { shown } from '../../infra/shown';
import { PaymentFileError } from '../../payments/errors';
import { readBankFile } from '../../payments/read-file';
import { AssignRefused, assignPayment, importPaymentFile, paymentImportJson, withoutWhy, type PaymentImport } from '../../store/payments';
import { DisputeRefused, disputeInvoice, resolveDispute } from '../../store/disputes';
import { listReceivables, type ReceivablesJson } from '../../store/receivables';
import { signalSettled } from '../../client/payment-reminders';
import { byOption, output, table, UsageError, withServices } from '../runtime';
import { reasonSv } from '../../payments/reason-sv';

// Payments from the bank and what customers owe (issue #22). Finance reads the text: Swedish,
// sv-SE amounts; codes stay in --json.

export function registerPaymentCommands(program: Command): void {
  const payments = program.command('payments').description('payments from the bank (camt.054, BgMax)');

  payments
    .command('import')
    .description('import a camt.054 (001.02/001.08) or BgMax file; matched to invoices by OCR; a refused file stores nothing (exit 2)')
    .argument('<file>', "the bank's file (bankgiro receivables, insättningsuppgifter)")
    .option('--json', 'print one JSON document')
    .action(
      withServices((file: string, opts: { json?: boolean }) => {
        const resolved = path.resolve(file);
        let bytes: Buffer;
        try {
          bytes = readBankFile(resolved);
        } catch (err) {
          throw new UsageError(`cannot read ${shown(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        return async (services) => {
          let result: PaymentImport;
          try {
            result = await importPaymentFile(services.db, services.config, resolved, bytes);
          } catch (err) {
            if (err instanceof PaymentFileError) throw new UsageError(err.message);
            throw err;
          }
          const settled = [...new Set(result.applied.filter((a) => a.outcome !== 'partly_paid').map((a) => a.invoice))];
          await signalSettled(services, settled);
          output(!!opts.json, paymentImportJson(result), () => importText(result));
        };
      }),
    );

  payments
    .command('assign')
    .description('book an unmatched payment against an invoice (recorded with who did it)')
    .argument('<reference>', "the payment's bank reference, as `receivables list` shows it")
    .requiredOption('--invoice <number>', 'invoice number, e.g. F10001')
    .requiredOption('--by <name>', 'who assigns it')
    .option('--json', 'print one JSON document')
    .action(
      withServices((reference: string, opts: { invoice: string; by: string; json?: boolean }) => {
        const by = byOption(opts.by);
        return async (services) => {
          try {
            const applied = await assignPayment(services.db, { reference, invoiceNumber: opts.invoice, by, now: new Date() });
            if (applied.outcome !== 'partly_paid') await signalSettled(services, [applied.invoice]);
            output(!!opts.json, applied, () => `Inbetalning ${applied.reference} (${formatSek(applied.amount_ore)}) bokförd mot ${applied.invoice} av ${by}: ${STATUS_TEXT[applied.outcome].toLowerCase()}, kvar att betala ${formatSek(applied.remaining_ore)}${applied.overpaid_ore > 0 ? `, överbetalt ${formatSek(applied.overpaid_ore)} (kundens tillgodohavande)` : ''}`);
          } catch (err) {
            if (err instanceof AssignRefused) throw new UsageError(err.message);
            throw err;
          }
        };
      }),
    );

  const receivables = program.command('receivables').description('what customers owe (kundfordringar)');
  receivables
    .command('list')
    .description('open invoices with due date, paid, remaining and days overdue; totals per ageing bucket; unmatched payments')
    .option('--overdue', 'only invoices past their due date')
    .option('--customer <id>', 'one customer')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { overdue?: boolean; customer?: string; json?: boolean }) => async (services) => {
        if (opts.customer !== undefined && !(await services.db('customers').where({ customer_id: opts.customer }).first('customer_id'))) {
          throw new UsageError(`--customer: no customer ${shown(opts.customer)}`);
        }
        const list = await listReceivables(services.db, { today: stockholmDate(Date.now()), overdue: !!opts.overdue, customerId: opts.customer });
        output(!!opts.json, { ...list, unmatched: list.unmatched.map(withoutWhy) }, () => receivablesText(list));
      }),
    );
  registerDisputeCommands(receivables);
}

function registerDisputeCommands(receivables: Command): void {
  receivables
    .command('dispute')
    .description('mark an invoice as disputed by the customer: no payment reminder until resolved')
    .argument('<number>', 'invoice number, e.g. F10001')
    .requiredOption('--by <name>', 'who records it')
    .requiredOption('--reason <text>', "the customer's objection")
    .action(
      withServices((number: string, opts: { by: string; reason: string }) => {
        const by = byOption(opts.by);
        if (opts.reason.trim() === '') throw new UsageError('--reason is empty: say what the customer disputes');
        return async (services) => {
          await disputeInvoice(services.db, { number, by, reason: opts.reason.trim() }).catch(usage);
          process.stdout.write(`Faktura ${number} är bestridd (${by}): inga betalningspåminnelser tills tvisten är löst.\n`);
        };
      }),
    );
  receivables
    .command('resolve')
    .description('end the dispute of an invoice: reminders go out again when due')
    .argument('<number>', 'invoice number')
    .requiredOption('--by <name>', 'who records it')
    .action(
      withServices((number: string, opts: { by: string }) => {
        const by = byOption(opts.by);
        return async (services) => {
          await resolveDispute(services.db, { number, by, now: new Date() }).catch(usage);
          process.stdout.write(`Tvisten om faktura ${number} är löst (${by}).\n`);
        };
      }),
    );
}

function usage(err: unknown): never {
  throw err instanceof DisputeRefused ? new UsageError(err.message) : err;
}

function importText(r: PaymentImport): string {
  const lines = [
    `${r.file} (${r.format}): ${r.payments} inbetalningar, ${r.matched} matchade mot fakturor (${r.paid} betalda, ${r.partly_paid} delbetalda, ${r.overpaid} överbetalda), ${r.duplicates} redan inlästa, ${r.unmatched.length} omatchade, ${r.ignored.length} ignorerade`,
  ];
  if (r.unmatched.length) {
    lines.push('', 'Omatchade (bokför med `payments assign REFERENS --invoice NUMMER --by NAMN`):');
    lines.push(table(['referens', 'belopp', 'betalare', 'orsak'], r.unmatched.map((u) => [u.reference, formatSek(u.amount_ore), u.payer ?? '–', reasonSv(u.why)]), [1]));
  }
  if (r.ignored.length) {
    lines.push('', 'Ignorerade:');
    lines.push(table(['referens', 'belopp', 'orsak'], r.ignored.map((i) => [i.reference, i.amount_ore === null ? '–' : formatSek(i.amount_ore), reasonSv(i.why)]), [1]));
  }
  return lines.join('\n');
}

function receivablesText(r: ReceivablesJson): string {
  const lines = [
    table(
      ['faktura', 'kund', 'förfaller', 'belopp', 'krediterat', 'betalt', 'kvar', 'dagar', 'status'],
      r.invoices.map((i) => [i.number, i.customer_id, i.due_date, formatSek(i.total_ore), formatSek(i.credited_ore), formatSek(i.paid_ore), formatSek(i.remaining_ore), i.days_overdue, STATUS_TEXT[i.status]]),
      [3, 4, 5, 6, 7],
    ),
    '',
    `Ej förfallet ${formatSek(r.buckets.not_due)} · 1–30 dagar ${formatSek(r.buckets['1-30'])} · 31–60 ${formatSek(r.buckets['31-60'])} · 61–90 ${formatSek(r.buckets['61-90'])} · över 90 ${formatSek(r.buckets.over_90)}`,
  ];
  for (const c of r.credit_balances) lines.push(`Tillgodo ${c.customer_id}: ${formatSek(c.amount_ore)} (överbetalt)`);
  lines.push(`Kundfordringar totalt (konto 1510): ${formatSek(r.total_ore)}`);
  if (r.unmatched.length) {
    lines.push('', `Omatchade inbetalningar (${r.unmatched.length}):`);
    lines.push(table(['referens', 'belopp', 'betalare', 'orsak'], r.unmatched.map((u) => [u.reference, formatSek(u.amount_ore), u.payer ?? '–', reasonSv(u.why)]), [1]));
  }
  return lines.join('\n');
}
