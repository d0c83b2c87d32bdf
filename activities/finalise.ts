import { addDays, ocrFromBase, periodNotEndedReason, stockholmDate } from '../billing';
import type { RatedInvoice } from '../billing/types';
import { issueDocument } from '../store/issue';
import { formatInvoiceNumber } from '../store/invoices';
import { liveInvoice } from '../store/credits';
import { loadCustomer } from '../store/customers';
import { masterDataChanges } from '../store/master-data-changes';
import type { ActivityDeps } from './deps';
import { businessFailure, Failure } from '../contracts/failures';
import { startPaymentReminder } from './payment-reminders';
import { PeriodLockedError, refuseIfLocked } from '../store/period-locks';
import { lockComparisonBase, refreshWaitingReviews } from '../store/review-refresh';

export interface IssuedRef {
  invoiceId: number;
  number: string;
  totalOre: number;
}

export function finaliseActivities(deps: ActivityDeps) {
  const { db, config, now } = deps;
  return {
    /**
     * Issue the approved draft as an invoice, in one transaction: the next number of the
     * gapless series (a locked counter row, not a sequence, so a rollback leaves no gap), the
     * issue and due dates and the OCR reference. Idempotent: a retry returns the same invoice.
     */
    async finaliseInvoice(input: { draftId: number; approvedBy: string }): Promise<IssuedRef> {
      const issued = await issue(input);
      // Its payment reminder, started once per invoice number (also on a retry of this step).
      await startPaymentReminder(deps, issued);
      return issued;
    },
  };

  function issue(input: { draftId: number; approvedBy: string }): Promise<IssuedRef> {
      return db.transaction(async (trx) => {
        const already = await trx('invoices').where({ draft_id: input.draftId }).first('id', 'series', 'number', 'total_ore');
        if (already) return { invoiceId: already.id, number: formatInvoiceNumber(already.series, already.number), totalOre: already.total_ore };

        const draft = await trx('drafts').where({ id: input.draftId }).forUpdate().first();
        await lockComparisonBase(trx, draft.customer_id);
        const close = { period: draft.period, customerId: draft.customer_id };
        try {
          await refuseIfLocked(trx, draft.period, `${draft.customer_id}: fakturan utfärdas`);
        } catch (err) {
          if (err instanceof PeriodLockedError) throw businessFailure(Failure.PeriodLocked, err.message, close);
          throw err;
        }
        // Also guards closes started before the period check existed, or by another client:
        // an unfinished month never takes a number from the series.
        const notEnded = periodNotEndedReason(draft.period, now().getTime());
        if (notEnded) throw businessFailure(Failure.PeriodNotEnded, `${draft.customer_id}: ${notEnded}`, close);
        const approval = await trx('approvals').where({ draft_id: input.draftId, decision: 'approved' }).first();
        if (!approval) {
          throw businessFailure(Failure.NotApproved, `draft ${input.draftId} of ${draft.customer_id} ${draft.period} is not approved; only an approval finalises`, close);
        }
        // One live invoice per customer and period: a fully credited one may be re-issued (the
        // database checks the full credit again and that each invoice is re-issued once).
        // Issued only from the data finance saw: a change since the draft (an import meanwhile)
        // refuses the issue; the customer row is locked so no import commits in between.
        await trx('customers').where({ customer_id: draft.customer_id }).forShare().first('customer_id');
        const changes = masterDataChanges(draft.buyer, draft.rated, await loadCustomer(trx, draft.customer_id));
        if (changes.length > 0) {
          throw businessFailure(
            Failure.MasterDataChanged,
            `${draft.customer_id}: the master data changed after draft ${draft.version} was made (${changes.join(', ')}); it is not issued from data nobody approved`,
            close,
          );
        }
        const live = await liveInvoice(trx, draft.customer_id, draft.period);
        if (live && !live.fullyCredited) {
          throw businessFailure(Failure.AlreadyInvoiced, `${draft.customer_id} ${draft.period} already has invoice ${live.number}; corrections are credit notes`, close);
        }

        const series = config.invoiceSeries;
        const issueDate = stockholmDate(now().getTime());
        const rated = draft.rated as RatedInvoice;
        const invoice = await issueDocument(trx, {
          kind: 'invoice',
          series,
          firstNumber: config.firstInvoiceNumber,
          rated,
          columns: (number) => ({
            customer_id: draft.customer_id,
            period: draft.period,
            draft_id: draft.id,
            reissue_of: live?.id ?? null,
            issue_date: issueDate,
            due_date: addDays(issueDate, config.paymentTermsDays),
            payment_terms_days: config.paymentTermsDays,
            ocr: ocrFromBase(String(number), { lengthDigit: config.ocrLengthDigit }),
            currency: 'SEK',
            buyer: JSON.stringify(draft.buyer),
            seller: JSON.stringify(config.seller),
            finalised_by: input.approvedBy,
            finalised_at: now(),
          }),
        });
        // A re-issue (or a late invoice of an earlier period) changes what a waiting draft of a
        // later period is compared with: refreshed with the invoice (keyed by draft and invoice).
        await refreshWaitingReviews(trx, { id: invoice.id, customerId: draft.customer_id, period: draft.period }, config.approvalPolicy, now());
        return { invoiceId: invoice.id, number: formatInvoiceNumber(series, invoice.number), totalOre: rated.totalOre };
      });
  }
}
