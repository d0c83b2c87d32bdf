import type { Command } from 'commander';
import { approveAllWaiting, approveDraft, DecisionRefused, recordRefusal, rejectDraft, requestRecompute, type BulkDecision } from '../../client/drafts';
import { requireCustomers } from '../../client/customers';
import { shown } from '../../infra/shown';
import { refuseIfLocked } from '../period-lock';
import { MAX_REJECT_REASON } from '../../infra/free-text';
import { byOption, closablePeriodOption, freeTextOption, output, periodOption, table, UsageError, withServices } from '../runtime';
import { registerDraftReviewCommands } from './draft-review';

export function registerDraftCommands(program: Command): void {
  const drafts = program.command('drafts').description('finance decisions on draft invoices');
  registerDraftReviewCommands(drafts);

  drafts
    .command('approve')
    .description('approve drafts: they are issued as final invoices')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--customer <id...>', 'these customers')
    .option('--all', 'every unflagged draft of the period waiting now')
    .option('--include-flagged', 'with --all: flagged drafts too')
    .requiredOption('--by <name>', 'the finance approver')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; customer?: string[]; all?: boolean; includeFlagged?: boolean; by: string; json?: boolean }) => {
        const period = closablePeriodOption(opts.period);
        const by = byOption(opts.by);
        if (!opts.all && !opts.customer?.length) throw new UsageError('say which drafts: --customer ID ... or --all');
        if (opts.all && opts.customer?.length) throw new UsageError('--all and --customer exclude each other');
        if (opts.includeFlagged && !opts.all) throw new UsageError('--include-flagged goes with --all; a draft named with --customer is approved flagged or not');
        return async (services) => {
          await refuseIfLocked(services.db, period, 'utkastet godkänns');
          await requireCustomers(services.db, opts.customer ?? []);
          const client = await services.client();
          let results: BulkDecision[];
          if (opts.all) {
            results = await approveAllWaiting(services.db, client, period, by, {
              includeFlagged: !!opts.includeFlagged,
              onProgress: (done, total) => {
                if (total >= 20 && (done % 20 === 0 || done === total)) process.stderr.write(`approved ${done}/${total}\n`);
              },
            });
          } else {
            results = [];
            for (const customerId of opts.customer!) {
              try {
                const r = await approveDraft(client, period, customerId, by);
                results.push({ customerId, draftVersion: r.draftVersion, outcome: r.outcome, detail: null });
              } catch (err) {
                if (!(err instanceof DecisionRefused)) throw err;
                await recordRefusal(services.db, { customerId, period, request: 'approve', by, reason: err.message });
                results.push({ customerId, draftVersion: null, outcome: 'refused', detail: err.message });
              }
            }
          }
          const skipped = results.filter((r) => r.outcome === 'skipped');
          const decisions = results.filter((r) => r.outcome !== 'skipped');
          output(!!opts.json, { period, by, decisions, skipped: skipped.map((s) => ({ customer_id: s.customerId, draft_version: s.draftVersion, reason: s.detail })) }, () =>
            [
              decisions.length === 0 ? `${period}: no drafts approved` : table(['customer', 'draft', 'outcome', 'detail'], decisions.map((r) => [r.customerId, r.draftVersion ?? '–', r.outcome, r.detail ?? ''])),
              ...(skipped.length === 0
                ? []
                : [
                    `left ${skipped.length} flagged draft(s) for their own approval (or --include-flagged):`,
                    ...skipped.map((s) => `  ${s.customerId} v${s.draftVersion}: ${s.detail}`),
                  ]),
            ].join('\n'),
          );
          return results.some((r) => r.outcome === 'refused') ? 1 : 0;
        };
      }),
    );

  drafts
    .command('reject')
    .description('reject a draft; it waits for corrected data and a recompute')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--by <name>', 'the finance approver')
    .requiredOption('--reason <text>', 'why, for the record and the people correcting the data')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; customer: string; by: string; reason: string; json?: boolean }) => {
        const period = periodOption(opts.period);
        const by = byOption(opts.by);
        if (!opts.reason.trim()) throw new UsageError('--reason must say why');
        const reason = freeTextOption('--reason', opts.reason, MAX_REJECT_REASON);
        return async (services) => {
          await refuseIfLocked(services.db, period, 'utkastet avvisas');
          try {
            await requireCustomers(services.db, [opts.customer]);
            const r = await rejectDraft(await services.client(), period, opts.customer, by, reason);
            output(!!opts.json, { period, customer_id: opts.customer, ...r }, () => `${opts.customer} ${period}: draft ${r.draftVersion} ${r.outcome}`);
          } catch (err) {
            if (!(err instanceof DecisionRefused)) throw err;
            await recordRefusal(services.db, { customerId: opts.customer, period, request: 'reject', by, reason: err.message });
            process.stderr.write(`month-close: refused: ${err.message}\n`);
            return 1;
          }
        };
      }),
    );

  drafts
    .command('recompute')
    .description('recompute a rejected draft after the data was corrected')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--by <name>', 'who asks')
    .action(
      withServices((opts: { period: string; customer: string; by: string }) => {
        const period = periodOption(opts.period);
        const by = byOption(opts.by);
        return async (services) => {
          await refuseIfLocked(services.db, period, 'utkastet räknas om');
          await requireCustomers(services.db, [opts.customer]);
          try {
            await requestRecompute(await services.client(), period, opts.customer, by);
          } catch (err) {
            if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
            process.stderr.write(
              `month-close: no close of ${shown(opts.customer)} for ${period} is running, so there is no draft to recompute; ` +
                `see 'month-close close status --period ${period}', or start one with 'month-close close rerun --period ${period} --customer ${opts.customer}'\n`,
            );
            return 1;
          }
          process.stdout.write(`${opts.customer} ${period}: recompute requested; see 'month-close close status --period ${period}'\n`);
        };
      }),
    );
}
