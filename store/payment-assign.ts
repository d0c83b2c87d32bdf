import { paymentOutcome } from '../billing';
import { assignRefusalText, invoiceNumberParts, sharesProblem, splitPayment, type AssignRefusal, type InvoiceShare } from '../billing/payment-split';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';
import { IMPORT_LOCK, invoiceBalances, type PaymentImportJson } from './payments';

// `payments assign REF --invoice A [--invoice B=KRONOR …]` and the console's booking form: an
// unmatched payment booked by a named person against one invoice, or split over several of one
// customer's (billing/payment-split.ts decides the shares). One invoice: the bank's row gets it,
// as it always did. Several: the bank's row is marked assigned and each share is a row of its own
// under the same reference (`part` 1, 2…), booked, summed and exported like any payment
// (migration 019). A refused request stores nothing.

export class AssignRefused extends Error {
  constructor(readonly refusal: AssignRefusal) {
    super(assignRefusalText(refusal));
  }
}

export type AppliedJson = PaymentImportJson['applied'][number];

export interface AssignmentPlan {
  payment: { id: number; reference: string; amountOre: number; payer: string | null; bookingDate: string; unmatchedCode: string; unmatchedFacts: unknown };
  customerId: string;
  /** Per share, in the order given: the invoice, what it had open, the share and what it leaves. */
  parts: (AppliedJson & { invoiceId: number; openOre: number })[];
}

/** The shares a request would book, checked as the booking checks them; throws AssignRefused. Books nothing. */
export async function planAssignment(db: Db, input: { reference: string; shares: InvoiceShare[] }, lock = false): Promise<AssignmentPlan> {
  const refuse = (refusal: AssignRefusal): never => {
    throw new AssignRefused(refusal);
  };
  const problem = sharesProblem(input.shares);
  if (problem) refuse(problem);
  const q = db('payments').where({ reference: input.reference, part: 0 });
  const payment = await (lock ? q.forUpdate() : q).first('id', 'amount_ore', 'payer', 'invoice_id', 'assigned_by', 'assigned_at', 'unmatched_code', 'unmatched_facts', db.raw("to_char(booking_date, 'YYYY-MM-DD') as booking_date"));
  if (!payment) refuse({ code: 'no_payment', reference: input.reference });
  if (payment.invoice_id !== null || payment.assigned_at !== null) {
    const booked = await db('payments as p').join('invoices as i', 'i.id', 'p.invoice_id').where('p.reference', input.reference).orderBy('p.part').select('i.series', 'i.number');
    refuse({ code: 'already_booked', reference: input.reference, invoices: booked.map((b: { series: string; number: number }) => formatInvoiceNumber(b.series, Number(b.number))), assignedBy: payment.assigned_by });
  }

  const wanted = input.shares.map((s) => invoiceNumberParts(s.invoice) ?? refuse({ code: 'share_syntax', text: s.invoice }));
  const found: { id: number; series: string; number: number; customer_id: string; to_pay: number }[] = (
    await db.raw(
      `SELECT i.id, i.series, i.number, i.customer_id,
              i.total_ore + COALESCE((SELECT SUM(c.total_ore) FROM invoices c WHERE c.credit_of = i.id AND c.kind = 'credit_note'), 0) AS to_pay
         FROM invoices i
         JOIN unnest(?::text[], ?::bigint[]) AS wanted(series, number) ON i.series = wanted.series AND i.number = wanted.number
        WHERE i.kind = 'invoice'`,
      [wanted.map((w) => w.series), wanted.map((w) => w.number)],
    )
  ).rows;
  const byNumber = new Map(found.map((f) => [formatInvoiceNumber(f.series, Number(f.number)), f]));
  for (const s of input.shares) {
    const inv = byNumber.get(s.invoice);
    if (!inv) refuse({ code: 'no_invoice', invoice: s.invoice });
    // One invoice: a credited invoice that is paid is an overpayment, the customer's credit
    // balance (books-and-payments.md), as when the OCR matched it. In a split, naming one is a slip.
    if (input.shares.length > 1 && Number(inv!.to_pay) <= 0) refuse({ code: 'invoice_credited', invoice: s.invoice });
  }
  const customers = new Set(found.map((f) => f.customer_id));
  if (customers.size > 1) refuse({ code: 'different_customers', invoices: input.shares.map((s) => ({ invoice: s.invoice, customerId: byNumber.get(s.invoice)!.customer_id })) });

  const balances = await invoiceBalances(db, { ids: found.map((f) => Number(f.id)) });
  const open = input.shares.map((s) => ({ ...s, id: Number(byNumber.get(s.invoice)!.id), openOre: balances.get(Number(byNumber.get(s.invoice)!.id))!.due }));
  const split = splitPayment(Number(payment.amount_ore), open);
  if (!split.ok) return refuse(split.refusal);
  const parts = split.parts.map((part, i) => {
    const { id, openOre } = open[i]!;
    const left = openOre - part.amountOre;
    return { invoiceId: id, openOre, reference: input.reference, invoice: part.invoice, amount_ore: part.amountOre, outcome: paymentOutcome(part.amountOre, openOre), remaining_ore: Math.max(0, left), overpaid_ore: Math.max(0, -left) };
  });
  return {
    payment: { id: Number(payment.id), reference: input.reference, amountOre: Number(payment.amount_ore), payer: payment.payer, bookingDate: payment.booking_date, unmatchedCode: payment.unmatched_code, unmatchedFacts: payment.unmatched_facts },
    customerId: found[0]!.customer_id,
    parts,
  };
}

/** What `payments assign --json` prints for several invoices (one invoice: its AppliedJson, as always). */
export interface AssignmentJson {
  reference: string;
  amount_ore: number;
  assigned_by: string;
  parts: AppliedJson[];
}

/** Books the payment as planned, in one transaction (imports wait: both count what is open); throws AssignRefused. */
export async function assignPayment(db: Db, input: { reference: string; shares: InvoiceShare[]; by: string; now: Date }): Promise<AssignmentJson> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [IMPORT_LOCK]);
    const plan = await planAssignment(trx, input, true);
    const who = { customer_id: plan.customerId, assigned_by: input.by, assigned_at: input.now };
    if (plan.parts.length === 1) {
      await trx('payments').where({ id: plan.payment.id }).update({ invoice_id: plan.parts[0]!.invoiceId, ...who });
    } else {
      const bank = await trx('payments').where({ id: plan.payment.id }).first('import_id', 'booking_date', 'payer');
      await trx('payments').where({ id: plan.payment.id }).update({ assigned_by: input.by, assigned_at: input.now });
      await trx('payments').insert(
        plan.parts.map((p, i) => ({ import_id: bank.import_id, reference: input.reference, part: i + 1, split_of: plan.payment.id, amount_ore: p.amount_ore, booking_date: bank.booking_date, payer: bank.payer, invoice_id: p.invoiceId, ...who })),
      );
    }
    return { reference: input.reference, amount_ore: plan.payment.amountOre, assigned_by: input.by, parts: plan.parts.map(({ invoiceId: _id, openOre: _open, ...applied }) => applied) };
  });
}
