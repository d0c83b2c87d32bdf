import type { FastifyInstance, FastifyReply } from 'fastify';
import { receivable, stockholmDate, STATUS_TEXT } from '../../billing';
import { formatAmount, formatSek } from '../../billing/format';
import { signalSettled } from '../../client/payment-reminders';
import { freeTextProblem, beskrivFritextProblem } from '../../infra/free-text';
import { AssignRefused, assignPayment, planAssignment, type AppliedJson, type AssignmentPlan } from '../../store/payment-assign';
import { parseInvoiceShares } from '../../billing/payment-split';
import { assignRefusalSv } from '../../billing/payment-split-sv';
import { DisputeRefused, disputeInvoice, resolveDispute, type DisputeRefusal } from '../../store/disputes';
import { invoicePaymentRows } from '../../store/receivables';
import { requireArea } from '../auth';
import { RECEIVABLES_PAGE_SIZE, receivablesPage } from '../receivables-page';
import { bookedHowSv, type BookedPayment } from '../../payments/booked-how-sv';
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

  // Step one asks (the payment, each invoice's share and what it leaves); step two (confirmed=1) books it.
  app.post<{ Body: AssignBody }>('/finance/receivables/assign', guard, async (request, reply) => {
    const reference = text(request.body?.reference, 100);
    const written = text(request.body?.invoice, 400);
    const back = (flash: string) => {
      setFlash(reply, { kind: 'error', text: flash });
      return reply.redirect('/finance/receivables#unmatched', 303);
    };
    const shares = parseInvoiceShares(written);
    if ('code' in shares) return back(assignRefusalSv(shares));
    if (shares.length === 0) return back(`Skriv fakturanumret som inbetalningen ${reference} ska bokföras mot.`);
    // The shares as the confirmation carries them on: one canonical line.
    const invoice = shares.map((s) => (s.amountOre === null ? s.invoice : `${s.invoice}=${formatAmount(s.amountOre)}`)).join(' ');

    if (request.body?.confirmed !== '1') {
      let plan: AssignmentPlan;
      try {
        plan = await planAssignment(db, { reference, shares });
      } catch (err) {
        if (err instanceof AssignRefused) return back(assignRefusalSv(err.refusal));
        throw err;
      }
      const invoices = await db('invoices').whereIn('id', plan.parts.map((p) => p.invoiceId)).select('id', 'due_date', db.raw("buyer->>'name' as customer_name"));
      const info = new Map(invoices.map((i: { id: number; due_date: string; customer_name: string | null }) => [Number(i.id), i]));
      return render(reply, 'finance-receivables-assign', {
        title: 'Bekräfta inbetalning',
        payment: { reference, amount_ore: plan.payment.amountOre, payer: plan.payment.payer, booking_date: plan.payment.bookingDate, reason_sv: reasonSv(storedReason(plan.payment.unmatchedCode, plan.payment.unmatchedFacts, 'unmatched')) },
        customer: { id: plan.customerId, name: info.get(plan.parts[0]!.invoiceId)?.customer_name ?? '' },
        parts: plan.parts.map((p) => ({ ...p, due_date: info.get(p.invoiceId)?.due_date ?? '', status_sv: STATUS_TEXT[p.outcome] })),
        invoice,
      });
    }
    const by = request.user!.displayName;
    try {
      const assigned = await assignPayment(db, { reference, shares, by, now: new Date(deps.now()) });
      // The invoices' reminders end now rather than on their day (best effort, as the CLI does).
      await signalSettled({ client: deps.client }, assigned.parts.filter((p) => p.outcome !== 'partly_paid').map((p) => p.invoice));
      const standing = (p: AppliedJson) => `${STATUS_TEXT[p.outcome].toLowerCase()}, kvar att betala ${formatSek(p.remaining_ore)}${p.overpaid_ore > 0 ? `, överbetalt ${formatSek(p.overpaid_ore)} (kundens tillgodohavande)` : ''}`;
      const [one] = assigned.parts;
      setFlash(reply, {
        kind: 'ok',
        text: assigned.parts.length === 1
          ? `Inbetalningen ${reference} (${formatSek(assigned.amount_ore)}) är bokförd mot ${one!.invoice} av ${by}: ${standing(one!)}.`
          : `Inbetalningen ${reference} (${formatSek(assigned.amount_ore)}) är fördelad av ${by}: ${assigned.parts.map((p) => `${p.invoice} ${formatSek(p.amount_ore)} (${standing(p)})`).join('; ')}.`,
      });
      return reply.redirect('/finance/receivables', 303);
    } catch (err) {
      if (err instanceof AssignRefused) return back(assignRefusalSv(err.refusal));
      throw err;
    }
  });

  app.get<NumberParams>('/finance/receivables/invoices/:number', guard, async (request, reply) => {
    const inv = await findInvoice(deps, request.params.number);
    if (!inv) return reply.callNotFound();
    const [row] = await invoicePaymentRows(db, { invoiceIds: [inv.id] });
    const standing = receivable({ totalOre: row.totalOre, creditedOre: row.creditedOre, paidOre: row.paidOre, dueDate: row.dueDate, today: today() });
    // A part of a split payment (migration 019) is said with its number, its count and the whole payment.
    const payments = (
      await db('payments as p')
        .leftJoin('payments as bank', 'bank.id', 'p.split_of')
        .where('p.invoice_id', inv.id)
        .orderBy('p.id')
        .select(
          'p.reference', 'p.amount_ore', 'p.payer', 'p.assigned_by', 'p.part', 'bank.amount_ore as payment_total_ore',
          db.raw('(SELECT count(*)::int FROM payments s WHERE s.split_of = p.split_of) AS parts'),
          db.raw("to_char(p.booking_date, 'YYYY-MM-DD') as booking_date"),
        )
    ).map((p: BookedPayment & { amount_ore: number; payer: string | null; booking_date: string }) => ({
      ...p,
      booked_how: bookedHowSv({ ...p, payment_total_ore: p.payment_total_ore === null ? null : Number(p.payment_total_ore) }),
    }));
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
