import path from 'node:path';
import type { Command } from 'commander';
import { formatSek, stockholmDate } from '../../billing';
import { STATUS_TEXT } from '../../billing/receivable';
import { shown } from '../../infra/shown';
import { PaymentFileError } from '../../payments/errors';
import { readBankFile } from '../../payments/read-file';
import { importPaymentFile, paymentImportJson, withoutWhy, type PaymentImport } from '../../store/payments';
import { AssignRefused, assignPayment, type AppliedJson, type AssignmentJson } from '../../store/payment-assign';
import { assignRefusalText, parseInvoiceShare, sharesProblem } from '../../billing/payment-split';
import { DisputeRefused, disputeInvoice, resolveDispute } from '../../store/disputes';
import { listReceivables, type ReceivablesJson } from '../../store/receivables';
import { signalSettled } from '../../client/payment-reminders';
import { byOption, output, table, UsageError, withServices } from '../runtime';
import { reasonSv } from '../../payments/reason-sv';

// Payments from the bank and what customers owe (issue #22). Finance reads the text: Swedish,
// sv-SE amounts; codes stay in --json.

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: string[]) => [...previous, value];

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
    .description("book an unmatched payment against an invoice, or split over several of one customer's in the order given (recorded with who did it)")
    .argument('<reference>', "the payment's bank reference, as `receivables list` shows it")
    .requiredOption('--invoice <number[=kronor]>', 'invoice number, e.g. F10001; repeat it to split the payment (each up to what it has open, the last the rest), or name an amount: F10001=1234,50', collect, [])
    .requiredOption('--by <name>', 'who assigns it')
    .option('--json', 'print one JSON document')
    .action(
      withServices((reference: string, opts: { invoice: string[]; by: string; json?: boolean }) => {
        const by = byOption(opts.by);
        const shares = opts.invoice.map((arg) => {
          const share = parseInvoiceShare(arg);
          if ('code' in share) throw new UsageError(assignRefusalText(share));
          return share;
        });
        const problem = sharesProblem(shares);
        if (problem) throw new UsageError(assignRefusalText(problem));
        return async (services) => {
          let assigned: AssignmentJson;
          try {
            assigned = await assignPayment(services.db, { reference, shares, by, now: new Date() });
          } catch (err) {
            if (err instanceof AssignRefused) throw new UsageError(err.message);
            throw err;
          }
          await signalSettled(services, assigned.parts.filter((p) => p.outcome !== 'partly_paid').map((p) => p.invoice));
          // One invoice prints what it always printed; several, the payment and each part.
          output(!!opts.json, assigned.parts.length === 1 ? assigned.parts[0] : assigned, () => assignText(assigned));
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

/** What a part did to its invoice: "delbetald, kvar att betala 750,00 kr". */
function standingText(p: AppliedJson): string {
  return `${STATUS_TEXT[p.outcome].toLowerCase()}, kvar att betala ${formatSek(p.remaining_ore)}${p.overpaid_ore > 0 ? `, överbetalt ${formatSek(p.overpaid_ore)} (kundens tillgodohavande)` : ''}`;
}

function assignText(a: AssignmentJson): string {
  if (a.parts.length === 1) return `Inbetalning ${a.reference} (${formatSek(a.amount_ore)}) bokförd mot ${a.parts[0]!.invoice} av ${a.assigned_by}: ${standingText(a.parts[0]!)}`;
  return [`Inbetalning ${a.reference} (${formatSek(a.amount_ore)}) fördelad av ${a.assigned_by} på ${a.parts.length} fakturor:`, ...a.parts.map((p) => `  ${p.invoice} ${formatSek(p.amount_ore)}: ${standingText(p)}`)].join('\n');
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
