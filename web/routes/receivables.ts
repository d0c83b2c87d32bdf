import type { FastifyInstance, FastifyReply } from 'fastify';
import { receivable, stockholmDate, STATUS_TEXT } from '../../billing';
import { formatSek } from '../../billing/format';
import { signalSettled } from '../../client/payment-reminders';
import { freeTextProblem, beskrivFritextProblem } from '../../infra/free-text';
import { AssignRefused, assignPayment, type AssignRefusal } from '../../store/payments';
import { DisputeRefused, disputeInvoice, resolveDispute, type DisputeRefusal } from '../../store/disputes';
import { invoicePaymentRows } from '../../store/receivables';
import { requireArea } from '../auth';
import { RECEIVABLES_PAGE_SIZE, receivablesPage } from '../receivables-page';
import { reasonSv } from '../../payments/reason-sv';
import { storedReason } from '../../payments/reasons';
import { render, setFlash } from '../render';
import type { RouteDeps } from '../server';

// Finance: what customers owe (Kundfordringar), unmatched payments booked by hand, and disputes.
// Each action goes through the same store function as its command (`payments assign`,
// `receivables dispute|resolve`), recorded under the logged-in user's name as `--by`; an
// assignment is confirmed on a page of its own before anything is booked.

type NumberParams = { Params: { number: string } };
type AssignBody = { reference?: unknown; invoice?: unknown; confirmed?: unknown };

const ASSIGN_REFUSAL_SV: Record<AssignRefusal, (reference: string, invoice: string) => string> = {
  no_payment: (ref) => `Det finns ingen inbetalning med referensen ${ref}.`,
  already_booked: (ref) => `Inbetalningen ${ref} är redan bokförd mot en faktura och kan inte flyttas.`,
  no_invoice: (_ref, inv) => `Det finns ingen faktura med nummer ${inv}. En inbetalning bokförs mot en faktura (t.ex. F10042), inte mot en kreditfaktura.`,
};

const DISPUTE_REFUSAL_SV: Record<DisputeRefusal, (invoice: string) => string> = {
  no_invoice: (inv) => `Det finns ingen faktura med nummer ${inv}.`,
  already_disputed: (inv) => `Faktura ${inv} är redan bestriden.`,
  not_disputed: (inv) => `Faktura ${inv} är inte bestriden.`,
};

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const MAX_DISPUTE_REASON = 500;
const INVOICE_NUMBER = /^([A-Za-z]{0,10})(\d{1,16})$/;

async function findInvoice(deps: RouteDeps, number: string) {
  const m = INVOICE_NUMBER.exec(number);
  if (!m) return null;
  return deps.db('invoices').where({ series: m[1], number: Number(m[2]), kind: 'invoice' }).first('id', 'ocr', deps.db.raw("buyer->>'name' as customer_name"));
}

export function registerReceivablesRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('finance') };
  const today = () => stockholmDate(deps.now());

  app.get<{ Querystring: { page?: string; q?: string; kund?: string; forfallna?: string } }>('/finance/receivables', guard, async (request, reply) => {
    const filter = {
      page: Math.max(0, Math.min(10_000, Number.parseInt(request.query.page ?? '0', 10) || 0)),
      q: text(request.query.q, 100),
      customer: text(request.query.kund, 40),
      overdue: request.query.forfallna === '1',
    };
    const data = await receivablesPage(db, today(), filter);
    const qs = new URLSearchParams({ ...(filter.overdue ? { forfallna: '1' } : {}), ...(filter.customer ? { kund: filter.customer } : {}), ...(filter.q ? { q: filter.q } : {}) }).toString();
    return render(reply, 'finance-receivables', { title: 'Kundfordringar', data, filter, qs, pageSize: RECEIVABLES_PAGE_SIZE });
  });

  // Step one asks (the payment, the invoice, what remains); step two (confirmed=1) books it.
  app.post<{ Body: AssignBody }>('/finance/receivables/assign', guard, async (request, reply) => {
    const reference = text(request.body?.reference, 100);
    const invoice = text(request.body?.invoice, 40).toUpperCase();
    const back = (flash: string) => {
      setFlash(reply, { kind: 'error', text: flash });
      return reply.redirect('/finance/receivables#unmatched', 303);
    };
    if (!invoice) return back(`Skriv fakturanumret som inbetalningen ${reference} ska bokföras mot.`);
    const payment = await db('payments').where({ reference }).first('reference', 'amount_ore', 'payer', 'unmatched_code', 'unmatched_facts', 'invoice_id', db.raw("to_char(booking_date, 'YYYY-MM-DD') as booking_date"));
    if (!payment) return back(ASSIGN_REFUSAL_SV.no_payment(reference, invoice));
    if (payment.invoice_id !== null) return back(ASSIGN_REFUSAL_SV.already_booked(reference, invoice));
    const inv = await findInvoice(deps, invoice);
    if (!inv) return back(ASSIGN_REFUSAL_SV.no_invoice(reference, invoice));

    if (request.body?.confirmed !== '1') {
      const [row] = await invoicePaymentRows(db, { invoiceIds: [inv.id] });
      const standing = receivable({ totalOre: row.totalOre, creditedOre: row.creditedOre, paidOre: row.paidOre, dueDate: row.dueDate, today: today() });
      return render(reply, 'finance-receivables-assign', {
        title: 'Bekräfta inbetalning',
        payment: { ...payment, reason_sv: reasonSv(storedReason(payment.unmatched_code, payment.unmatched_facts, 'unmatched')) },
        invoice: { number: row.number, customer_id: row.customerId, customer_name: inv.customer_name ?? '', due_date: row.dueDate, remaining_ore: standing.remainingOre, status_sv: STATUS_TEXT[standing.status] },
      });
    }
    const by = request.user!.displayName;
    try {
      const applied = await assignPayment(db, { reference, invoiceNumber: invoice, by, now: new Date(deps.now()) });
      // The invoice's reminder ends now rather than on its day (best effort, as the CLI does).
      if (applied.outcome !== 'partly_paid') await signalSettled({ client: deps.client }, [applied.invoice]);
      const extra = applied.overpaid_ore > 0 ? `, överbetalt ${formatSek(applied.overpaid_ore)} (kundens tillgodohavande)` : '';
      setFlash(reply, { kind: 'ok', text: `Inbetalningen ${reference} (${formatSek(applied.amount_ore)}) är bokförd mot ${applied.invoice} av ${by}: ${STATUS_TEXT[applied.outcome].toLowerCase()}, kvar att betala ${formatSek(applied.remaining_ore)}${extra}.` });
      return reply.redirect('/finance/receivables', 303);
    } catch (err) {
      if (err instanceof AssignRefused) return back(ASSIGN_REFUSAL_SV[err.code](reference, invoice));
      throw err;
    }
  });

  app.get<NumberParams>('/finance/receivables/invoices/:number', guard, async (request, reply) => {
    const inv = await findInvoice(deps, request.params.number);
    if (!inv) return reply.callNotFound();
    const [row] = await invoicePaymentRows(db, { invoiceIds: [inv.id] });
    const standing = receivable({ totalOre: row.totalOre, creditedOre: row.creditedOre, paidOre: row.paidOre, dueDate: row.dueDate, today: today() });
    const payments = await db('payments').where({ invoice_id: inv.id }).orderBy('id').select('reference', 'amount_ore', 'payer', 'assigned_by', db.raw("to_char(booking_date, 'YYYY-MM-DD') as booking_date"));
    const disputes = await db('invoice_disputes').where({ invoice_id: inv.id }).orderBy('id').select('disputed_by', 'reason', 'disputed_at', 'resolved_by', 'resolved_at');
    const reminders = await db('payment_reminders').where({ invoice_id: inv.id }).orderBy('reminder').select('reminder', 'remaining_ore', 'created_at');
    const open = disputes.some((d: { resolved_at: Date | null }) => d.resolved_at === null);
    return render(reply, 'finance-receivable', {
      title: `Faktura ${row.number}`,
      invoice: { ...row, customer_name: inv.customer_name ?? '', ocr: inv.ocr },
      standing: { ...standing, status_sv: open ? 'Bestriden' : STATUS_TEXT[standing.status] },
      payments,
      disputes,
      reminders,
      open,
    });
  });

  const disputeAction = async (reply: FastifyReply, number: string, act: () => Promise<void>, ok: string) => {
    try {
      await act();
      setFlash(reply, { kind: 'ok', text: ok });
    } catch (err) {
      if (!(err instanceof DisputeRefused)) throw err;
      setFlash(reply, { kind: 'error', text: DISPUTE_REFUSAL_SV[err.code](number) });
    }
    return reply.redirect(`/finance/receivables/invoices/${encodeURIComponent(number)}`, 303);
  };

  app.post<NumberParams & { Body: { reason?: unknown } }>('/finance/receivables/invoices/:number/dispute', guard, async (request, reply) => {
    const number = request.params.number;
    const reason = typeof request.body?.reason === 'string' ? request.body.reason.trim() : '';
    const problem = freeTextProblem(reason, MAX_DISPUTE_REASON);
    if (problem) {
      setFlash(reply, { kind: 'error', text: problem.kind === 'empty' ? 'Skriv vad kunden bestrider.' : beskrivFritextProblem('Skälet', problem) });
      return reply.redirect(`/finance/receivables/invoices/${encodeURIComponent(number)}`, 303);
    }
    const by = request.user!.displayName;
    return disputeAction(reply, number, () => disputeInvoice(db, { number, by, reason }), `Faktura ${number} är bestriden (${by}): inga betalningspåminnelser tills tvisten är löst.`);
  });

  app.post<NumberParams>('/finance/receivables/invoices/:number/resolve', guard, async (request, reply) => {
    const number = request.params.number;
    const by = request.user!.displayName;
    return disputeAction(reply, number, () => resolveDispute(db, { number, by, now: new Date(deps.now()) }), `Tvisten om faktura ${number} är löst (${by}): påminnelser går ut igen när de förfaller.`);
  });
}
