import type { FastifyInstance } from 'fastify';
import { periodContaining } from '../../billing';
import type { Db } from '../../infra/db';
import type { InvoiceStatus } from '../../billing/ledger';
import { ledgerRowView } from '../invoice-list';
import { lastInvoicedPeriods, liveInvoices, loadLedger } from '../../store/ledger';
import { foldBilledUsage, previewCustomers, rateCustomer } from '../../store/rating';
import { customerAccess, scopeCustomers, scopeInvoices } from '../access';
import { billedUsers } from '../../store/billed-users';
import { disputedInvoiceNumbers } from '../../store/disputes';
import { requireArea } from '../auth';
import { render } from '../render';
import type { RouteDeps } from '../server';
import type { ConsoleRole } from '../users';
import { apiError } from '../errors';

// Partners, customer admins (and finance): what will be billed this month so far, through the
// same path as `month-close preview`, and earlier invoices with their PDFs. A customer outside
// the user's scope answers 404, as if it did not exist. A partner's earlier customer (moved to
// another partner) shows only the invoices that name that partner, not what is billed now.

type CustomerParams = { Params: { customerId: string } };

async function preview(db: Db, customerId: string, nowMs: number) {
  const period = periodContaining(nowMs);
  const usage = await foldBilledUsage(db, customerId, period);
  const { outcome } = await rateCustomer(db, customerId, period, usage.snapshot);
  return { period: period.id, outcome, contradictions: usage.contradictions };
}

function previewJson(p: Awaited<ReturnType<typeof preview>>, customerId: string) {
  if (p.outcome.kind === 'nothing_to_bill') return { customer_id: customerId, period: p.period, status: 'nothing_to_bill', reason: p.outcome.reason, lines: [] };
  const inv = p.outcome.invoice;
  return {
    customer_id: customerId,
    period: p.period,
    status: 'preview',
    currency: 'SEK',
    lines: inv.lines.map((l) => ({ article: l.article, description: l.description, quantity: l.quantity, unit_price_ore: l.unitPriceOre, amount_ore: l.amountOre })),
    net_ore: inv.netOre,
    vat_ore: inv.vatOre,
    rounding_ore: inv.roundingOre,
    total_ore: inv.totalOre,
  };
}

/**
 * Per customer: what the month so far bills, against its last invoice as the ledger counts it
 * (net of its credit notes; a replaced invoice gives way to its re-issue). A partner's overview.
 */
async function partnerOverview(db: Db, role: ConsoleRole, customerIds: string[], nowMs: number) {
  const period = periodContaining(nowMs);
  const [ledger, previews] = await Promise.all([
    // Only the invoices that name the partner (web/access.ts), as on the customer's own page.
    lastInvoicedPeriods(db, customerIds, (q) => scopeInvoices(q, role)),
    // One pass over the page's customers (store/rating.ts previewCustomers): the same fold and
    // rating as `month-close preview`, without a round of queries per customer.
    previewCustomers(db, customerIds, period),
  ]);
  const live = liveInvoices(ledger);
  const rows: Record<string, { total_ore: number | null; users: number; nothing: string | null; unrated: boolean; last: { number: string; period: string; status: InvoiceStatus; total_ore: number } | null }> = {};
  for (const id of customerIds) {
    const { usage, outcome, problem } = previews.get(id)!;
    const last = live.get(id);
    rows[id] = {
      total_ore: outcome?.kind === 'invoice' ? outcome.invoice.totalOre : null,
      users: usage.snapshot.users.length,
      nothing: outcome?.kind === 'nothing_to_bill' ? outcome.reason : problem,
      unrated: problem !== null, // master data or prices the rating refuses: said, never shown as 'nothing to bill'
      last: last ? { number: last.number, period: last.period, status: last.status, total_ore: last.netTotalOre } : null,
    };
  }
  const sum = Object.values(rows).reduce((s, r) => s + (r.total_ore ?? 0), 0);
  return { period: period.id, asOfMs: nowMs, rows, sum };
}

export function registerCustomerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('customers') };

  app.get<{ Querystring: { page?: string; q?: string } }>('/customers', guard, async (request, reply) => {
    const role = request.user!.role;
    // A customer admin has one customer: its page is the start page.
    if (role.kind === 'customer_admin') return reply.redirect(`/customers/${encodeURIComponent(role.customerId)}`, 303);
    const page = Math.max(0, Number.parseInt(request.query.page ?? '0', 10) || 0);
    const q = (request.query.q ?? '').trim().slice(0, 100);
    const query = scopeCustomers(db('customers as c'), role).leftJoin('partners as p', 'p.partner_id', 'c.partner_id');
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      query.where((w) => w.whereILike('c.customer_id', like).orWhereILike('c.name', like).orWhereILike('c.city', like).orWhereILike('c.org_number', like));
    }
    const [[{ count }], listed, partner] = await Promise.all([
      query.clone().clearSelect().count<{ count: string }[]>('* as count'),
      query.clone().orderBy('c.customer_id').limit(200).offset(page * 200).select('c.customer_id', 'c.name', 'c.partner_id', 'c.city', 'p.name as partner_name'),
      role.kind === 'partner' ? db('partners').where({ partner_id: role.partnerId }).first('name') : null,
    ]);
    const customers = listed.map(
      // A partner's earlier customer: which partner has it now is not that partner's business.
      (c: { partner_id: string }) => (role.kind === 'partner' && c.partner_id !== role.partnerId ? { ...c, partner_id: '–', partner_name: '–' } : c),
    );
    // A partner's start page: each customer's month so far beside its last invoice.
    const overview = role.kind === 'partner' ? await partnerOverview(db, role, customers.map((c: { customer_id: string }) => c.customer_id), deps.now()) : null;
    const partnerName = role.kind === 'partner' ? (partner?.name ?? role.partnerId) : null;
    return render(reply, 'customers', { title: partnerName ? `Kunder hos ${partnerName}` : 'Kunder', customers, total: Number(count), page, q, overview, partnerName });
  });

  app.get<CustomerParams>('/customers/:customerId', guard, async (request, reply) => {
    const { customerId } = request.params;
    const access = await customerAccess(db, request.user!.role, customerId);
    if (!access) return reply.callNotFound();
    const customer = await db('customers').where({ customer_id: customerId }).first();
    const p: Awaited<ReturnType<typeof preview>> =
      access === 'current'
        ? await preview(db, customerId, deps.now())
        : { period: periodContaining(deps.now()).id, outcome: { kind: 'nothing_to_bill', reason: 'kunden faktureras numera genom en annan partner; här visas fakturorna som ställdes ut medan den var er kund.' }, contradictions: [] };
    // Only the invoices this role may see (a partner: those issued naming it).
    const visibleIds = new Set<number>(await scopeInvoices(db('invoices as i'), request.user!.role).where({ 'i.customer_id': customerId }).pluck('i.id'));
    // The ledger (store/ledger.ts): each invoice's status and links both ways, as every view shows them.
    const ledger = (await loadLedger(db, { customerId })).filter((e) => visibleIds.has(e.id)).sort((a, b) => (a.period === b.period ? a.id - b.id : a.period < b.period ? 1 : -1));
    const pdfs = new Map<number, string>(
      (await db('invoice_documents').whereIn('invoice_id', ledger.map((e) => e.id)).select('invoice_id', 'pdf_sha256')).map((r: { invoice_id: number; pdf_sha256: string }) => [r.invoice_id, r.pdf_sha256]),
    );
    const disputed = await disputedInvoiceNumbers(db);
    const invoices = ledger.map((e) => ({
      ...ledgerRowView(e),
      // What is paid and what is left, from the same ledger (payments of issue #22).
      paid_ore: e.paidOre,
      remaining_ore: e.remainingOre,
      disputed: e.kind === 'invoice' && disputed.has(e.number),
      pdf_sha256: pdfs.get(e.id) ?? null,
    }));
    // A former partner sees the invoices it had, not who is billed now.
    const users = access === 'current' ? await billedUsers(db, customerId, deps.now()) : null;
    const partner = await db('partners').where({ partner_id: customer.partner_id }).first('name');
    return render(reply, 'customer', { title: `${customer.name}`, customer, partnerName: partner?.name ?? customer.partner_id, preview: p, invoices, users });
  });

  app.get<CustomerParams>('/api/customers/:customerId/preview', guard, async (request, reply) => {
    const { customerId } = request.params;
    // What is billed now is for the customer's current partner only.
    if ((await customerAccess(db, request.user!.role, customerId)) !== 'current') return apiError(reply, 404);
    return previewJson(await preview(db, customerId, deps.now()), customerId);
  });
}
