import type { Command } from 'commander';
import { formatSek, parsePeriod } from '../../billing';
import { foldBilledUsage, rateCustomer, UnknownCustomer } from '../../store/rating';
import { FAILURES, withRemedy } from '../../contracts/failures';
import { output, periodOption, table, UsageError, withServices } from '../runtime';

export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description('what will be billed so far: the same lines and descriptions as the invoice')
    .requiredOption('--customer <id>', 'customer id')
    .option('--period <YYYY-MM>', 'billing period (default: the current month)')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { customer: string; period?: string; json?: boolean }) => {
        const period = parsePeriod(periodOption(opts.period, Date.now()));
        return async (services) => {
          const usage = await foldBilledUsage(services.db, opts.customer, period);
          const { outcome } = await rateCustomer(services.db, opts.customer, period, usage.snapshot).catch((err) => {
            if (err instanceof UnknownCustomer) throw new UsageError(`--customer: ${withRemedy(err.message, FAILURES.UnknownCustomer.remedy({}))}`);
            throw err;
          });
          const doc =
            outcome.kind === 'nothing_to_bill'
              ? { customer_id: opts.customer, period: period.id, status: 'nothing_to_bill', reason: outcome.reason, lines: [], contradictions: usage.contradictions }
              : {
                  customer_id: opts.customer,
                  period: period.id,
                  status: 'preview',
                  currency: 'SEK',
                  lines: outcome.invoice.lines.map((l) => ({ article: l.article, description: l.description, quantity: l.quantity, unit_price_ore: l.unitPriceOre, amount_ore: l.amountOre })),
                  net_ore: outcome.invoice.netOre,
                  vat_ore: outcome.invoice.vatOre,
                  rounding_ore: outcome.invoice.roundingOre,
                  total_ore: outcome.invoice.totalOre,
                  contradictions: usage.contradictions,
                };
          output(!!opts.json, doc, () => {
            // Events that contradict the state are news whether or not anything is billed.
            const warn = usage.contradictions.length ? `\n${usage.contradictions.length} event(s) contradict the state and are not billed:\n${usage.contradictions.map((c) => `  ${c.eventId}: ${c.reason}`).join('\n')}` : '';
            if (outcome.kind === 'nothing_to_bill') return `${opts.customer} ${period.id}: nothing to bill (${outcome.reason})${warn}`;
            const inv = outcome.invoice;
            const lines = table(
              ['Beskrivning', 'Antal', 'À-pris', 'Belopp'],
              inv.lines.map((l) => [l.description + (l.proRata ? ` (${l.proRata.billedDays}/${l.proRata.daysInMonth} dagar)` : ''), l.quantity, formatSek(l.unitPriceOre), formatSek(l.amountOre)]),
              [1, 2, 3],
            );
            const totals = table(
              ['', ''],
              [
                ['Summa exkl. moms', formatSek(inv.netOre)],
                ['Moms', formatSek(inv.vatOre)],
                ['Öresavrundning', formatSek(inv.roundingOre, { signDisplay: 'exceptZero' })],
                ['Att betala', formatSek(inv.totalOre)],
              ],
              [1],
            );
            return `Förhandsgranskning ${opts.customer} ${period.id} (so far)\n\n${lines}\n${totals}${warn}`;
          });
        };
      }),
    );
}
