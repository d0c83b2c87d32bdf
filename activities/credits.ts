import { addDays, ocrFromBase, stockholmDate } from '../billing';
import { CreditError, fullyCredited, rateCredit } from '../billing/credit';
import type { RatedInvoice } from '../billing/types';
import { issueDocument } from '../store/issue';
import { formatInvoiceNumber } from '../store/invoices';
import { businessFailure, Failure } from '../contracts/failures';
import { creditVerdict } from '../billing/credit-approval';
import type { CreditNoteInput } from '../contracts/credit-messages';
import type { RequestRecord, Via } from '../contracts/review';
import { creditTextProblem, findInvoiceByNumber, loadCreditBasis } from '../store/credits';
import { ApplicationFailure } from '@temporalio/common';
import { statusQuery } from '../contracts/close-messages';
import type { ActivityDeps } from './deps';
import { tellReminderIfSettled } from './payment-reminders';
import { assertPeriodOpen, refuseIfLocked } from '../store/period-locks';
import { refusingLockedPeriod } from './period-lock-guard';
import { lockComparisonBase, refreshWaitingReviews } from '../store/review-refresh';

export interface CreditDraft {
  creditRequestId: number;
  customerId: string;
  period: string;
  totalOre: number;
  /** The policy's verdict, stored with the request when it was drafted. */
  approvalsNeeded: number;
  policyVersion: string | null;
}

/** One person's decision on a credit note (four eyes: two approvals). */
export interface CreditApprovalRecord {
  by: string;
  via: Via;
  atMs: number;
}

export function creditActivities(deps: ActivityDeps) {
  const { db, config, now, temporal } = deps;
  return {
    /**
     * The draft credit note of one request, stored once under the request key (a retry or the
     * same request again finds it). Refused, for good, when it would credit more than invoiced
     * or --reissue would leave the invoice partly live.
     */
    async draftCreditNote(input: Omit<CreditNoteInput, 'approvers' | 'reminderIntervalMs'> & { workflowId: string }): Promise<CreditDraft> {
      const found = await findInvoiceByNumber(db, input.invoiceNumber);
      if (!found) throw businessFailure(Failure.CreditRefused, `no invoice ${input.invoiceNumber}: only a final invoice can be credited`);
      const existing = await db('credit_requests').where({ request_key: input.requestKey }).first();
      if (existing) return draftOf(existing);
      // The reason goes on the credit note, its e-invoice and the e-mail: refused before anything is stored or issued.
      const textProblem = creditTextProblem(input);
      if (textProblem) throw businessFailure(Failure.CreditRefused, textProblem);
      const basis = await loadCreditBasis(db, found.id);
      // A credit note of a locked period is fine (dated and booked when issued); its re-issue is not.
      if (input.reissue) await refusingLockedPeriod({ period: basis.period, customerId: basis.customerId }, () => assertPeriodOpen(db, basis.period, `--reissue av ${basis.number}`));
      const credit = creditOrRefuse(() => rateCredit(basis.number, basis.invoice, basis.prior, input.lines));
      if (input.reissue && !fullyCredited(basis, [credit])) {
        throw businessFailure(Failure.CreditRefused, `--reissue needs ${basis.number} credited in full; this credit leaves ${-(basis.invoice.totalOre + basis.prior.reduce((s, p) => s + p.credit.totalOre, 0) + credit.totalOre)} öre of it live`);
      }
      const verdict = creditVerdict(credit.totalOre, config.approvalPolicy);
      const [row] = await db('credit_requests')
        .insert({
          request_key: input.requestKey,
          workflow_id: input.workflowId,
          invoice_id: found.id,
          requested_by: input.requestedBy,
          reason: input.reason,
          lines: input.lines ? JSON.stringify(input.lines) : null,
          reissue: input.reissue,
          rated: JSON.stringify(credit),
          status: 'awaiting_approval',
          approvals_needed: verdict.approvalsNeeded,
          policy_version: verdict.policyVersion,
        })
        .onConflict('request_key')
        .merge(['request_key'])
        .returning(['id', 'rated', 'approvals_needed', 'policy_version']);
      return draftOf(row);
    },

    /**
     * Finance's decision on a credit note (or why it was refused); the first one recorded stands.
     * Each approver (two for four eyes) or the rejecter gets a credit_approvals row with the
     * policy version; a retry changes nothing.
     */
    async recordCreditDecision(input: {
      creditRequestId: number;
      status: 'approved' | 'rejected' | 'refused';
      by: string | null;
      reason: string | null;
      decidedAtMs: number;
      approvals?: CreditApprovalRecord[];
      policyVersion?: string | null;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        if (input.status !== 'refused' && input.approvals?.length) {
          await trx('credit_approvals')
            .insert(
              input.approvals.map((a) => ({
                credit_request_id: input.creditRequestId,
                decision: input.status,
                decided_by: a.by,
                reason: input.reason,
                via: a.via,
                decided_at: new Date(a.atMs),
                policy_version: input.policyVersion ?? null,
              })),
            )
            .onConflict(['credit_request_id', 'decided_by'])
            .ignore();
        }
        await trx('credit_requests')
          .where({ id: input.creditRequestId })
          // A refusal may also come after the approval (another credit note got there first).
          .whereIn('status', input.status === 'refused' ? ['awaiting_approval', 'approved'] : ['awaiting_approval'])
          .update({ status: input.status, decided_by: input.by, decision_reason: input.reason, decided_at: new Date(input.decidedAtMs) });
      });
    },

    /** Every approve / reject that reached a credit note's workflow, also duplicates and refusals. */
    async recordCreditDecisionRequests(input: { workflowId: string; requests: RequestRecord[] }): Promise<void> {
      if (input.requests.length === 0) return;
      await db('credit_approval_requests').insert(
        input.requests.map((r) => ({ workflow_id: input.workflowId, request: r.request, requested_by: r.requestedBy, outcome: r.outcome, received_at: new Date(r.receivedAtMs) })),
      );
    },

    /**
     * What a re-issue finds when the close's id is taken: `completing_invoice` while a close of
     * the credited invoice still runs (e.g. retrying a delivery; the re-issue waits for it to
     * end), `drafting_anew` when the running close no longer holds that invoice (it looks for
     * a live one first and finds none: it is the re-issue), `none` when it ended meanwhile.
     * Reads only (describe and query), so a retry is harmless.
     */
    async closeInTheWayOfReissue(input: { workflowId: string; invoiceNumber: string }): Promise<'none' | 'completing_invoice' | 'drafting_anew'> {
      if (!temporal) throw ApplicationFailure.nonRetryable('cannot look at the running close: the worker built its activities without a Temporal client');
      const handle = temporal.workflow.getHandle(input.workflowId);
      try {
        if ((await handle.describe()).status.name !== 'RUNNING') return 'none';
        const status = await handle.query(statusQuery);
        return status.invoiceNumber === input.invoiceNumber ? 'completing_invoice' : 'drafting_anew';
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return 'none';
        throw err;
      }
    },

    /**
     * Issue the approved credit note in one transaction: the invoice row is locked, so credit
     * notes of one invoice are issued one at a time and each is rated again against the ones
     * already issued (never more credited than invoiced, whatever ran concurrently); the number
     * comes from the credit note series' locked counter row (gapless). A retry returns the same.
     */
    async finaliseCreditNote(input: { creditRequestId: number }): Promise<{ invoiceId: number; number: string; totalOre: number }> {
      const note = await issueCreditNote(input);
      // A credit that leaves nothing to pay ends the invoice's payment reminder.
      const creditOf = await db('invoices').where({ id: note.invoiceId }).first('credit_of');
      if (creditOf?.credit_of) await tellReminderIfSettled(deps, creditOf.credit_of);
      return note;
    },
  };

  function issueCreditNote(input: { creditRequestId: number }): Promise<{ invoiceId: number; number: string; totalOre: number }> {
      return db.transaction(async (trx) => {
        const req = await trx('credit_requests').where({ id: input.creditRequestId }).forUpdate().first();
        if (req.credit_note_id) {
          const done = await trx('invoices').where({ id: req.credit_note_id }).first('id', 'series', 'number', 'total_ore');
          return { invoiceId: done.id, number: formatInvoiceNumber(done.series, done.number), totalOre: done.total_ore };
        }
        if (req.status !== 'approved') throw businessFailure(Failure.NotApproved, `credit request ${req.workflow_id} is ${req.status}, not approved`);
        const credited = await trx('invoices').where({ id: req.invoice_id }).first('customer_id');
        await lockComparisonBase(trx, credited.customer_id);
        await trx('invoices').where({ id: req.invoice_id }).forUpdate().first('id');
        const basis = await loadCreditBasis(trx, req.invoice_id);
        if (req.reissue) await refusingLockedPeriod({ period: basis.period, customerId: basis.customerId }, () => refuseIfLocked(trx, basis.period, `--reissue av ${basis.number}`));
        const credit: RatedInvoice = creditOrRefuse(() => rateCredit(basis.number, basis.invoice, basis.prior, req.lines));
        const original = await trx('invoices').where({ id: req.invoice_id }).first('buyer');

        const series = config.creditNoteSeries;
        const issueDate = stockholmDate(now().getTime());
        const note = await issueDocument(trx, {
          kind: 'credit_note',
          series,
          firstNumber: config.firstCreditNoteNumber,
          rated: credit,
          columns: (number) => ({
            customer_id: basis.customerId,
            period: basis.period,
            credit_of: basis.invoiceId,
            credit_reason: req.reason,
            issue_date: issueDate,
            due_date: addDays(issueDate, config.paymentTermsDays),
            payment_terms_days: config.paymentTermsDays,
            // A leading 0 keeps credit note references apart from invoice OCRs (numbers never start with 0).
            ocr: ocrFromBase(`0${number}`, { lengthDigit: config.ocrLengthDigit }),
            currency: 'SEK',
            buyer: JSON.stringify(original.buyer),
            seller: JSON.stringify(config.seller),
            finalised_by: req.decided_by,
            finalised_at: now(),
          }),
        });
        await trx('credit_requests').where({ id: req.id }).update({ status: 'final', credit_note_id: note.id, rated: JSON.stringify(credit) });
        // A draft of a later period waiting for finance compared with this invoice: its review
        // is refreshed with the credit note, or not at all (keyed by draft and credit note).
        await refreshWaitingReviews(trx, { id: note.id, customerId: basis.customerId, period: basis.period }, config.approvalPolicy, now());
        return { invoiceId: note.id, number: formatInvoiceNumber(series, note.number), totalOre: credit.totalOre };
      });
  }
}

function draftOf(row: { id: number; rated: RatedInvoice & { customerId: string; period: string }; approvals_needed: number | null; policy_version: string | null }): CreditDraft {
  return {
    creditRequestId: row.id,
    customerId: row.rated.customerId,
    period: row.rated.period,
    totalOre: row.rated.totalOre,
    approvalsNeeded: row.approvals_needed ?? 1,
    policyVersion: row.policy_version,
  };
}

function creditOrRefuse(rate: () => RatedInvoice): RatedInvoice {
  try {
    return rate();
  } catch (err) {
    if (err instanceof CreditError) throw businessFailure(Failure.CreditRefused, err.message);
    throw err;
  }
}
