import type { Command } from 'commander';
import { formatSek } from '../../billing';
import { CreditError, parseCreditLines } from '../../billing/credit';
import { ARTICLES } from '../../billing/types';
import { closeSettings } from '../../client/close';
import { CreditNeverApprovable, CreditRequestRefused, decideCredit, requestCredit } from '../../client/credit';
import { FailureWithNextStep } from '../errors';
import { shown } from '../../infra/shown';
import { creditRequestReads, recordCreditRefusal } from '../../store/credits';
import { loadEInvoice } from '../../store/einvoices';
import { writableOutPath, writeOut } from '../out-file';
import { invoiceNumberArgument } from './invoices';
import { byOption, freeTextOption, output, UsageError, withServices } from '../runtime';
import { MAX_CREDIT_REASON } from '../../infra/free-text';

// `invoices credit | credit-approve | credit-reject | xml`: corrections and e-invoices.

function invoiceNumberArg(text: string): string {
  const parsed = invoiceNumberArgument(text);
  return `${parsed.series}${parsed.number}`;
}

function reasonOption(text: string): string {
  if (text.trim() === '') throw new UsageError(`--reason is empty: say why in 1-${MAX_CREDIT_REASON} characters`);
  return freeTextOption('--reason', text, MAX_CREDIT_REASON);
}

export function registerCorrectionCommands(invoices: Command): void {
  invoices
    .command('credit')
    .description('a credit note (kreditfaktura) for a whole invoice or some lines; finance approves it like a draft')
    .argument('<number>', 'the invoice to credit, e.g. F10001')
    .requiredOption('--by <name>', 'who asks for the correction')
    .requiredOption('--reason <text>', 'why; printed on the credit note')
    .option('--lines <ARTICLE=QTY...>', 'credit only these quantities, e.g. portal_user=1 (default: everything not yet credited)')
    .option('--reissue', 'then draft a corrected invoice for the same period from the current data (needs a full credit)')
    .option('--json', 'print one JSON document')
    .action(
      withServices((numberText: string, opts: { by: string; reason: string; lines?: string[]; reissue?: boolean; json?: boolean }) => {
        const invoiceNumber = invoiceNumberArg(numberText);
        const requestedBy = byOption(opts.by);
        const reason = reasonOption(opts.reason);
        let lines: ReturnType<typeof parseCreditLines> | null = null;
        try {
          lines = opts.lines ? parseCreditLines(opts.lines, ARTICLES) : null;
        } catch (err) {
          if (err instanceof CreditError) throw new UsageError(err.message);
          throw err;
        }
        return async (services) => {
          const started = await requestCredit(creditRequestReads(services.db), await services.client(), closeSettings(services.config), { invoiceNumber, requestedBy, reason, lines, reissue: !!opts.reissue }).catch((err) => {
            // Refused as never approvable: the operation failed (exit 1), with the fix as the next step.
            if (err instanceof CreditNeverApprovable) throw new FailureWithNextStep(err.message, err.next);
            throw err instanceof CreditRequestRefused ? new UsageError(err.message) : err;
          });
          const doc = { outcome: started.outcome, credit_id: started.workflowId, request_key: started.requestKey, credits: invoiceNumber, total_ore: started.totalOre, status: started.status, credit_note: started.creditNote };
          output(!!opts.json, doc, () =>
            started.outcome === 'duplicate'
              ? `the same request was made before as ${started.workflowId} (${started.status}${started.creditNote ? `, credit note ${started.creditNote}` : ''}): nothing new started`
              : `credit of ${invoiceNumber} for ${formatSek(started.totalOre)} waits for finance: month-close invoices credit-approve ${started.workflowId} --by NAME`,
          );
        };
      }),
    );

  for (const kind of ['approve', 'reject'] as const) {
    const cmd = invoices
      .command(`credit-${kind}`)
      .description(`finance ${kind === 'approve' ? 'approves' : 'rejects'} a credit note`)
      .argument('<credit-id>', "the id 'invoices credit' printed, e.g. credit-F10001-1a2b3c4d5e6f")
      .requiredOption('--by <name>', 'the finance approver')
      .option('--json', 'print one JSON document');
    if (kind === 'reject') cmd.requiredOption('--reason <text>', 'why');
    cmd.action(
      withServices((creditId: string, opts: { by: string; reason?: string; json?: boolean }) => {
        if (!/^credit-[A-Za-z]{0,10}\d{1,16}-[0-9a-f]{12}$/.test(creditId)) throw new UsageError(`credit id ${shown(creditId)} is not one 'invoices credit' prints (credit-<number>-<key>)`);
        const by = byOption(opts.by);
        return async (services) => {
          const decision = kind === 'approve' ? ({ kind, by } as const) : ({ kind, by, reason: reasonOption(opts.reason!) } as const);
          const result = await decideCredit(await services.client(), creditId, decision, services.db).catch(async (err) => {
            if (!(err instanceof CreditRequestRefused)) throw err;
            await recordCreditRefusal(services.db, { workflowId: creditId, request: kind, by, reason: err.message });
            throw new Error(`refused: ${err.message}`);
          });
          output(!!opts.json, { credit_id: creditId, by, outcome: result.outcome }, () => `${creditId}: ${result.outcome}`);
        };
      }),
    );
  }

  invoices
    .command('xml')
    .description('write the Peppol BIS Billing 3.0 document (UBL Invoice or CreditNote) of a final invoice or credit note')
    .argument('<number>', 'invoice or credit note number, e.g. F10001 or K1')
    .requiredOption('--out <file>', 'where to write the XML')
    .option('--json', 'print one JSON document')
    .action(
      withServices((numberText: string, opts: { out: string; json?: boolean }) => {
        const parsed = invoiceNumberArgument(numberText);
        const out = writableOutPath(opts.out);
        return async (services) => {
          const row = await services.db('invoices').where({ series: parsed.series, number: parsed.number }).first('id');
          if (!row) throw new UsageError(`no invoice ${shown(numberText)}; see 'month-close invoices list --period YYYY-MM'`);
          const xml = await loadEInvoice(services.db, row.id);
          if (!xml) throw new Error(`invoice ${numberText} has no e-invoice yet: its close is still rendering it, or the buyer has no Peppol address (see the worker's log)`);
          writeOut(out, xml.content);
          output(!!opts.json, { number: numberText, out, bytes: xml.content.length, sha256: xml.sha256 }, () => `wrote ${out} (${xml.content.length} bytes, sha256 ${xml.sha256})`);
        };
      }),
    );
}
