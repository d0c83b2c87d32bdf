import type { Command } from 'commander';
import { formatChangePct, formatSek } from '../../billing';
import { comparisonBaseSv, comparisonUpdatedSv } from '../../billing/review-sv';
import { requireCustomers } from '../../client/customers';
import { explainLatestDraft, listDrafts } from '../../store/reviews';
import { output, periodOption, table, withServices } from '../runtime';

// `drafts list` and `drafts explain`: what changed since the previous final invoice
// and why a draft waits. Read from the database only: no Temporal needed.

const kr = (ore: number | null) => (ore === null ? '-' : formatSek(ore, { signDisplay: 'auto' }));
const change = (ore: number | null) => (ore === null ? '-' : formatSek(ore, { signDisplay: 'exceptZero' }));

export function registerDraftReviewCommands(drafts: Command): void {
  drafts
    .command('list')
    .description('the drafts of a period with what changed and why they wait')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--flagged', 'only drafts with flags')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; flagged?: boolean; json?: boolean }) => {
        const period = periodOption(opts.period);
        return async (services) => {
          const list = await listDrafts(services.db, period, { flagged: !!opts.flagged });
          output(!!opts.json, list, () =>
            list.drafts.length === 0
              ? `${period}: no drafts${opts.flagged ? ' with flags' : ''}`
              : table(
                  ['customer', 'v', 'total', 'previous', 'change', '%', 'state', 'approvals', 'flags / why'],
                  list.drafts.map((d) => [
                    d.customer_id,
                    d.draft_version,
                    kr(d.total_ore),
                    kr(d.previous_total_ore),
                    change(d.change_ore),
                    d.change_pct === null ? '-' : formatChangePct(Math.round(d.change_pct * 100)),
                    d.state,
                    `${d.approvals.length}/${d.approvals_needed}`,
                    d.flag_details.length ? d.flag_details.map((f) => `${f.code}: ${f.detail}`).join('; ') : (d.reason ?? ''),
                  ]),
                  [2, 3, 4, 5],
                ),
          );
        };
      }),
    );

  drafts
    .command('explain')
    .description("one draft against the customer's previous final invoice, line by line, with the usage facts")
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .requiredOption('--customer <id>', 'customer id')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; customer: string; json?: boolean }) => {
        const period = periodOption(opts.period);
        return async (services) => {
          await requireCustomers(services.db, [opts.customer]);
          const e = await explainLatestDraft(services.db, period, opts.customer, services.config.approvalPolicy);
          if (!e) {
            process.stderr.write(`month-close: ${opts.customer} has no draft for ${period}; see 'month-close close status --period ${period}'\n`);
            return 1;
          }
          output(!!opts.json, e, () =>
            [
              `${e.customer_id} ${e.period}: ${kr(e.total_ore)} to pay`,
              e.previous
                ? `previous: ${e.previous.number} (${e.previous.period}) ${kr(e.previous.total_ore)}; change ${change(e.change_ore)} (${formatChangePct(e.change_bp)})`
                : 'previous: none — the first monthly invoice',
              comparisonBaseSv(e.previous),
              ...e.comparison_updates.map(comparisonUpdatedSv),
              '',
              table(
                ['article', 'qty then', 'qty now', 'then', 'now', 'change'],
                e.lines.map((l) => [l.description, l.previous_quantity, l.quantity, kr(l.previous_amount_ore), kr(l.amount_ore), change(l.change_ore)]),
                [1, 2, 3, 4, 5],
              ),
              '',
              e.facts.length ? 'facts:' : 'facts: no usage changed',
              ...e.facts.map((f) => `  ${f.kind.padEnd(16)} ${f.subject_type} ${f.subject_id}: ${f.detail}`),
              `flags: ${e.flags.length ? e.flags.join(', ') : 'none'}`,
            ].join('\n'),
          );
        };
      }),
    );
}
