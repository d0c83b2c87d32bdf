import { addDays, ocrFromBase, periodNotEndedReason, stockholmDate } from '../billing';
import type { RatedInvoice } from '../billing/types';
import { formatInvoiceNumber } from '../store/invoices';
import { liveInvoice } from '../store/credits';
import type { ActivityDeps } from './deps';
import { Failure } from '../workflows/failures';
import { needsDataFix } from './errors';

export interface IssuedRef {
  invoiceId: number;
  number: string;
  totalOre: number;
}

export function finaliseActivities({ db, config, now }: ActivityDeps) {
  return {
    /**
     * Issue the approved draft as an invoice, in one transaction: the next number of the
     * gapless series (a locked counter row, not a sequence, so a rollback leaves no gap), the
     * issue and due dates and the OCR reference. Idempotent: a retry returns the same invoice.
     */
    async finaliseInvoice(input: { draftId: number; approvedBy: string }): Promise<IssuedRef> {
      return db.transaction(async (trx) => {
        const already = await trx('invoices').where({ draft_id: input.draftId }).first('id', 'series', 'number', 'total_ore');
        if (already) return { invoiceId: already.id, number: formatInvoiceNumber(already.series, already.number), totalOre: already.total_ore };

        const draft = await trx('drafts').where({ id: input.draftId }).forUpdate().first();
        // Also guards closes started before the period check existed, or by another client:
        // an unfinished month never takes a number from the series.
        const notEnded = periodNotEndedReason(draft.period, now().getTime());
        if (notEnded) throw needsDataFix(Failure.PeriodNotEnded, `${draft.customer_id}: ${notEnded}`);
        const approval = await trx('approvals').where({ draft_id: input.draftId, decision: 'approved' }).first();
        if (!approval) {
          throw needsDataFix(Failure.NotApproved, `draft ${input.draftId} of ${draft.customer_id} ${draft.period} is not approved; only an approval finalises`);
        }
        // One live invoice per customer and period: a fully credited one may be re-issued (the
        // database checks the full credit again and that each invoice is re-issued once).
        const live = await liveInvoice(trx, draft.customer_id, draft.period);
        if (live && !live.fullyCredited) {
          throw needsDataFix(Failure.AlreadyInvoiced, `${draft.customer_id} ${draft.period} already has invoice ${live.number}; corrections are credit notes`);
        }

        const series = config.invoiceSeries;
        await trx('invoice_number_series').insert({ series, next_number: config.firstInvoiceNumber }).onConflict('series').ignore();
        const counter = await trx('invoice_number_series').where({ series }).forUpdate().first('next_number');
        const number: number = counter.next_number;

        const issueDate = stockholmDate(now().getTime());
        const rated = draft.rated as RatedInvoice;
        const [invoice] = await trx('invoices')
          .insert({
            kind: 'invoice',
            series,
            number,
            customer_id: draft.customer_id,
            period: draft.period,
            draft_id: draft.id,
            reissue_of: live?.id ?? null,
            issue_date: issueDate,
            due_date: addDays(issueDate, config.paymentTermsDays),
            payment_terms_days: config.paymentTermsDays,
            ocr: ocrFromBase(String(number), { lengthDigit: config.ocrLengthDigit }),
            currency: 'SEK',
            vat_treatment: rated.vatTreatment,
            buyer: JSON.stringify(draft.buyer),
            seller: JSON.stringify(config.seller),
            vat_breakdown: JSON.stringify(rated.vatBreakdown),
            net_ore: rated.netOre,
            vat_ore: rated.vatOre,
            rounding_ore: rated.roundingOre,
            total_ore: rated.totalOre,
            finalised_by: input.approvedBy,
            finalised_at: now(),
          })
          .returning(['id']);
        await trx('invoice_lines').insert(
          rated.lines.map((l, position) => ({
            invoice_id: invoice.id,
            position,
            article: l.article,
            description: l.description,
            legacy_description: l.legacyDescription,
            quantity: l.quantity,
            unit_price_ore: l.unitPriceOre,
            amount_ore: l.amountOre,
            vat_percent: l.vatPercent,
            pro_rata: l.proRata ? JSON.stringify(l.proRata) : null,
          })),
        );
        await trx('invoice_number_series').where({ series }).update({ next_number: number + 1 });
        return { invoiceId: invoice.id, number: formatInvoiceNumber(series, number), totalOre: rated.totalOre };
      });
    },
  };
}
