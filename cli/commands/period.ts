import type { Command } from 'commander';
import { formatQuantity, formatSek, stockholmDate } from '../../billing';
import { lockPeriod, PeriodLockRefused, unlockPeriod } from '../../books/period-lock';
import { BUCKET_SV, BUCKETS, periodReport, periodReportJson, type PeriodReport } from '../../books/period-report';
import { periodLockHistory } from '../../store/period-locks';
import { reportReasonSv } from '../../web/close-reasons-sv';
import { STATE_LABELS } from '../../web/render';
import { byOption, output, periodOption, table, UsageError, withServices } from '../runtime';

// The close report and the period lock (issue #21).

export function registerPeriodCommands(program: Command): void {
  const period = program.command('period').description('the close report and the period lock');

  period
    .command('report')
    .description('every customer in force in the period in one bucket with the reason, the totals, and whether the period is complete')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { period: string; json?: boolean }) => {
        const p = periodOption(opts.period);
        return async (services) => {
          const report = await periodReport(services.db, p);
          const history = await periodLockHistory(services.db, p);
          output(!!opts.json, { ...periodReportJson(report), lock_history: history }, () => formatReport(report));
        };
      }),
    );

  period
    .command('lock')
    .description('lock a complete period: nothing is created, approved, re-run or re-issued for it afterwards; corrections are credit notes')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .requiredOption('--by <name>', 'who locks it')
    .option('--reason <text>', 'why (kept with the lock)')
    .option('--json', 'print the report as JSON')
    .action(
      withServices((opts: { period: string; by: string; reason?: string; json?: boolean }) => {
        const p = periodOption(opts.period);
        const by = byOption(opts.by);
        return async (services) => {
          try {
            const report = await lockPeriod(services.db, { period: p, by, reason: opts.reason?.trim() || null, now: new Date() });
            output(!!opts.json, periodReportJson(report), () => `${p} låst av ${by}${opts.reason ? ` (${opts.reason.trim()})` : ''}.\n${formatTotals(report)}`);
          } catch (err) {
            if (err instanceof PeriodLockRefused) {
              process.stderr.write(`month-close: ${err.message}\n`);
              return 1;
            }
            throw err;
          }
        };
      }),
    );

  period
    .command('unlock')
    .description('unlock a locked period (recorded with who, when and why)')
    .requiredOption('--period <YYYY-MM>', 'billing period')
    .requiredOption('--by <name>', 'who unlocks it')
    .option('--reason <text>', 'why (required)')
    .action(
      withServices((opts: { period: string; by: string; reason?: string }) => {
        const p = periodOption(opts.period);
        const by = byOption(opts.by);
        const reason = opts.reason?.trim() ?? '';
        if (reason === '') throw new UsageError('--reason is required to unlock a period: say why, e.g. --reason "F10012 ska ställas ut igen"');
        return async (services) => {
          try {
            await unlockPeriod(services.db, { period: p, by, reason, now: new Date() });
            process.stdout.write(`${p} upplåst av ${by}: ${reason}\n`);
          } catch (err) {
            if (err instanceof PeriodLockRefused) {
              process.stderr.write(`month-close: ${err.message}\n`);
              return 1;
            }
            throw err;
          }
        };
      }),
    );
}

function formatTotals(r: PeriodReport): string {
  const t = r.totals;
  const e = r.exported;
  return [
    `Fakturerat inkl. moms     ${formatSek(t.invoiced_ore)}`,
    `Krediterat inkl. moms     ${formatSek(t.credited_ore)}`,
    `Netto inkl. moms          ${formatSek(t.total_ore)}`,
    `  varav exkl. moms        ${formatSek(t.net_ore)}`,
    `  varav moms              ${formatSek(t.vat_ore)}`,
    `  varav öresavrundning    ${formatSek(t.rounding_ore)}`,
    `Bokfört (SIE-exporterat)  ${formatSek(e.total_ore)} netto inkl. moms, ${formatQuantity(e.documents)} verifikationer; ${formatQuantity(e.not_exported)} ännu inte exporterade`,
  ].join('\n');
}

/** The report as finance reads it: Swedish buckets, reasons and sv-SE numbers (`--json` keeps the codes and English reasons). */
export function formatReport(r: PeriodReport): string {
  const stateSv = (state: string) => STATE_LABELS[state as keyof typeof STATE_LABELS] ?? state;
  const rows = r.customers.map((c) => [c.customer_id, BUCKET_SV[c.bucket], c.invoice_number ?? '', c.total_ore === null ? '' : formatSek(c.total_ore), reportReasonSv(c, stateSv)]);
  const status = r.complete ? 'komplett' : 'INTE komplett';
  const lock = r.lock ? `låst av ${r.lock.by} ${stockholmDate(Date.parse(r.lock.at))}${r.lock.reason ? ` (${r.lock.reason})` : ''}` : 'inte låst';
  return [
    table(['kund', 'utfall', 'faktura', 'belopp', 'orsak'], rows, [3]),
    '',
    `Period ${r.period}: ${formatQuantity(r.customers.length)} kunder; ${BUCKETS.map((b) => `${BUCKET_SV[b].toLowerCase()} ${formatQuantity(r.counts[b])}`).join(', ')}`,
    formatTotals(r),
    '',
    `${r.period} är ${status} och ${lock}.`,
  ].join('\n');
}
