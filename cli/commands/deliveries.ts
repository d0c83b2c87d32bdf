import type { Command } from 'commander';
import { shown } from '../../infra/shown';
import { closeSmtpPools } from '../../notify/email';
import { listDeliveries, ResendRefused, type DeliveryListRow, type ResendOutcome } from '../../store/notification-deliveries';
import { resendOutcomeSv } from '../../web/resend-sv';
import { openDeliveryResender } from '../../worker/delivery-resend';
import { byOption, output, periodOption, table, UsageError, withServices } from '../runtime';

// E-mails and webhooks of the closes, and the operator's resend of the ones refused for good
// (docs/delivery-errors.md): the close does not retry those; the operator corrects the recipient
// in master data and sends them again here.

const STATUS_SV: Record<string, string> = { pending: 'väntar', delivered: 'levererad', failed: 'misslyckad' };
const CHANNEL_SV: Record<string, string> = { email: 'e-post', webhook: 'webhook' };

export function registerDeliveryCommands(program: Command): void {
  const deliveries = program.command('deliveries').description("the closes' e-mails and webhooks; send failed ones again");

  deliveries
    .command('list')
    .description('deliveries with their status, attempts and last error')
    .option('--period <YYYY-MM>', 'billing period')
    .option('--failed', 'only deliveries refused for good')
    .option('--json', 'print a JSON array')
    .action(
      withServices((opts: { period?: string; failed?: boolean; json?: boolean }) => {
        const period = opts.period === undefined ? undefined : periodOption(opts.period);
        return async (services) => {
          const rows = await listDeliveries(services.db, { period, failed: !!opts.failed });
          output(!!opts.json, rows.map(listJson), () => formatList(rows));
        };
      }),
    );

  deliveries
    .command('resend')
    .description('send failed deliveries again, to the recipient as master data names it now')
    .argument('[ids...]', 'delivery ids (see deliveries list --failed)')
    .requiredOption('--by <name>', 'who sends them again, recorded with each attempt')
    .option('--failed', 'every failed delivery of --period')
    .option('--period <YYYY-MM>', 'with --failed: the billing period')
    .option('--json', 'print one JSON document')
    .action(
      withServices((idTexts: string[], opts: { by: string; failed?: boolean; period?: string; json?: boolean }) => {
        const by = byOption(opts.by);
        if (opts.failed && idTexts.length > 0) throw new UsageError('give delivery ids or --failed --period YYYY-MM, not both');
        if (!opts.failed && idTexts.length === 0) throw new UsageError("name the deliveries to send again (ids from 'month-close deliveries list --failed'), or --failed --period YYYY-MM");
        if (opts.period !== undefined && !opts.failed) throw new UsageError('--period goes with --failed; with ids, leave it out');
        const period = opts.failed ? periodOption(opts.period) : undefined;
        const ids = idTexts.map(deliveryIdArgument);
        return async (services) => {
          const chosen = period ? (await listDeliveries(services.db, { period, failed: true })).map((r) => r.id) : [...new Set(ids)];
          let outcomes: ResendOutcome[];
          try {
            outcomes = chosen.length === 0 ? [] : await openDeliveryResender(services.db)(chosen, by);
          } catch (err) {
            if (err instanceof ResendRefused) throw new UsageError(`nothing was sent: ${err.message}`);
            throw err;
          } finally {
            closeSmtpPools(); // a pooled SMTP connection would keep the command from ending
          }
          output(!!opts.json, { by, deliveries: outcomes }, () => formatOutcomes(outcomes, period));
          // Exit 1 when a delivery failed again: the operation did not do what was asked.
          return outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
        };
      }),
    );
}

function deliveryIdArgument(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new UsageError(`delivery id ${shown(text)} is not a number; see 'month-close deliveries list'`);
  return Number(text);
}

function listJson(r: DeliveryListRow) {
  return { id: r.id, document: r.document, customer_id: r.customer_id, period: r.period, event: r.event, channel: r.channel, recipient: r.recipient, status: r.status, attempts: r.attempts, last_error_code: r.last_error_code, last_error: r.last_error };
}

function formatList(rows: DeliveryListRow[]): string {
  if (rows.length === 0) return 'Inga utskick.';
  return table(
    ['id', 'dokument', 'kanal', 'mottagare', 'status', 'försök', 'senaste fel'],
    rows.map((r) => [r.id, r.document, CHANNEL_SV[r.channel] ?? r.channel, r.recipient, STATUS_SV[r.status] ?? r.status, r.attempts, r.last_error_code ?? '']),
    [0, 5],
  );
}

function formatOutcomes(outcomes: ResendOutcome[], period: string | undefined): string {
  if (outcomes.length === 0) return `Inga misslyckade utskick${period ? ` för ${period}` : ''}; inget skickades.`;
  const delivered = outcomes.filter((o) => o.outcome === 'delivered').length;
  const failed = outcomes.filter((o) => o.outcome === 'failed').length;
  return [...outcomes.map(resendOutcomeSv), '', `${delivered} skickade, ${failed} misslyckade av ${outcomes.length}.`].join('\n');
}
