import type { Command } from 'commander';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { closeSettings, startCustomerClose, startMonthlyClose } from '../../client/close';
import { requireCustomers } from '../../client/customers';
import { failedCustomers, rerunCustomers } from '../../client/rerun';
import { closeRunsOf } from '../../store/close-runs';
import { countByState, periodStatus, type CustomerCloseStatus, type PeriodStatus } from '../../client/status';
import { progressQuery, statusQuery } from '../../contracts/close-messages';
import { closeWorkflowId } from '../../contracts/workflow-ids';
import { refuseIfLocked } from '../period-lock';
import { closablePeriodOption, output, periodOption, table, UsageError, withServices } from '../runtime';

const REST_STATES = new Set(['awaiting_approval', 'rejected', 'final', 'nothing_to_bill', 'failed']);

function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
  else process.stderr.write(`${line}\n`);
}

export function formatStatus(status: PeriodStatus): string {
  const counts = countByState(status);
  const rows = status.customers.map((c) => [c.customer_id, c.state, invoiceCell(c), c.reason ?? '']);
  const summary = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const failed = status.customers.filter((c) => c.state === 'failed');
  return [
    table(['customer', 'state', 'invoice', 'reason'], rows),
    ...(failed.length ? ['', 'failed:', ...failed.flatMap(failedLines)] : []),
    '',
    `${status.period}: ${status.customers.length} customers: ${summary || 'nothing started'}`,
  ].join('\n');
}

/** The invoice and what became of it: a credited or replaced invoice is never shown as a plain final one. */
function invoiceCell(c: CustomerCloseStatus): string {
  if (c.invoice_number === null) return '';
  const credits = (c.credited_by ?? []).join(', ');
  switch (c.invoice_status) {
    case 'replaced':
      return `${c.invoice_number} (credited by ${credits}, replaced by ${c.replaced_by})`;
    case 'credited':
      return `${c.invoice_number} (credited in full by ${credits})`;
    case 'partly_credited':
      return `${c.invoice_number} (partly credited by ${credits})`;
    default:
      return c.replaces ? `${c.invoice_number} (replaces ${c.replaces})` : c.invoice_number;
  }
}

/** The period's status narrowed to the customers a command named (all when none were named). */
function onlyCustomers(status: PeriodStatus, customerIds: string[] | undefined): PeriodStatus {
  if (!customerIds?.length) return status;
  const wanted = new Set(customerIds);
  return { ...status, customers: status.customers.filter((c) => wanted.has(c.customer_id)) };
}

/** A failed customer as a person acts on it: why, then what to do (contracts/failures.ts). */
export function failedLines(c: CustomerCloseStatus): string[] {
  return [`  ${c.customer_id}: ${c.reason ?? 'no reason recorded'}`, ...(c.next_step ? [`    next: ${c.next_step}`] : [])];
}

/** Wait until each customer's close is at rest: awaiting approval, final, nothing to bill, rejected or failed. */
async function waitForCustomers(handles: WorkflowHandle[]): Promise<void> {
  const pending = new Set(handles);
  while (pending.size > 0) {
    for (const handle of [...pending]) {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') {
        pending.delete(handle);
        continue;
      }
      const state = await handle.query(statusQuery).catch(() => null);
      if (state && REST_STATES.has(state.state)) pending.delete(handle);
    }
    progress(`waiting: ${handles.length - pending.size}/${handles.length} customers at rest`);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
  }
}

async function waitForMonthly(client: Client, handle: WorkflowHandle): Promise<void> {
  const started = Date.now();
  const timer = setInterval(async () => {
    const p = await handle.query(progressQuery).catch(() => null);
    if (p) progress(`close ${p.period}: ${p.started} started, ${p.atRest} at rest, ${p.inFlight} working${p.listingDone ? '' : ', listing customers'} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 1000);
  try {
    await client.workflow.getHandle(handle.workflowId).result();
  } finally {
    clearInterval(timer);
  }
  progress(`close done in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

export function registerCloseCommands(program: Command): void {
  const close = program.command('close').description('the monthly close');

  close
    .command('start')
    .description('start the monthly close of a period (all customers due, or some)')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--customer <id...>', 'only these customers')
    .option('--wait', 'return when every customer is at rest')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; customer?: string[]; wait?: boolean; json?: boolean }) => {
        const period = closablePeriodOption(opts.period);
        return async (services) => {
          await refuseIfLocked(services.db, period, 'avslutet startas');
          const client = await services.client();
          const settings = closeSettings(services.config);
          let started: { target: string; outcome: string }[];
          if (opts.customer?.length) {
            const handles: WorkflowHandle[] = [];
            started = [];
            await requireCustomers(services.db, opts.customer);
            for (const customerId of opts.customer) {
              const r = await startCustomerClose(client, settings, customerId, period);
              handles.push(r.handle);
              started.push({ target: customerId, outcome: r.outcome });
            }
            if (opts.wait) await waitForCustomers(handles);
          } else {
            const r = await startMonthlyClose(client, settings, period);
            started = [{ target: r.handle.workflowId, outcome: r.outcome }];
            if (opts.wait) await waitForMonthly(client, r.handle);
          }
          const status = opts.wait ? onlyCustomers(await periodStatus(await closeRunsOf(services.db, period), client, period), opts.customer) : null;
          output(!!opts.json, { period, started, status }, () =>
            [started.map((s) => `${s.target}: ${s.outcome.replace('_', ' ')}`).join('\n'), status ? `\n${formatStatus(status)}` : `\nFollow it with: month-close close status --period ${period}`].join('\n'),
          );
        };
      }),
    );

  close
    .command('status')
    .description('per-customer state of a period: running, awaiting approval, rejected, final, nothing to bill, failed')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; json?: boolean }) => {
        const period = periodOption(opts.period);
        return async (services) => {
          const status = await periodStatus(await closeRunsOf(services.db, period), await services.client(), period);
          output(!!opts.json, status, () => formatStatus(status));
        };
      }),
    );

  close
    .command('rerun')
    .description('run failed customers again, safely (never a second invoice)')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--failed', 'every failed customer of the period')
    .option('--customer <id...>', 'these customers')
    .option('--wait', 'return when every re-run customer is at rest')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; failed?: boolean; customer?: string[]; wait?: boolean; json?: boolean }) => {
        const period = closablePeriodOption(opts.period);
        if (!opts.failed && !opts.customer?.length) throw new UsageError('say which customers: --failed or --customer ID ...');
        return async (services) => {
          await refuseIfLocked(services.db, period, 'avslutet körs om');
          if (opts.customer?.length) await requireCustomers(services.db, opts.customer);
          const client = await services.client();
          const runs = await closeRunsOf(services.db, period);
          const ids = opts.failed ? await failedCustomers(runs, client, period) : opts.customer!;
          const results = await rerunCustomers(client, closeSettings(services.config), period, ids, runs);
          if (opts.wait) {
            await waitForCustomers(results.filter((r) => r.outcome !== 'already_final').map((r) => client.workflow.getHandle(closeWorkflowId(period, r.customerId))));
          }
          const status = opts.wait ? onlyCustomers(await periodStatus(await closeRunsOf(services.db, period), client, period), ids) : null;
          output(!!opts.json, { period, reruns: results, status }, () =>
            results.length === 0 ? `${period}: no failed customers to re-run` : results.map((r) => (r.outcome === 'already_final' ? `${r.customerId}: already final (invoice ${r.invoiceNumber}); nothing started: corrections are credit notes` : `${r.customerId}: ${r.outcome.replace('_', ' ')}`)).join('\n') + (status ? `\n\n${formatStatus(status)}` : ''),
          );
        };
      }),
    );
}
