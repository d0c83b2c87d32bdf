import type { FastifyInstance } from 'fastify';
import { periodContaining } from '../../billing';
import type { Db } from '../../infra/db';
import { formatInvoiceNumber } from '../../store/invoices';
import { foldBilledUsage, rateCustomer } from '../../store/rating';
import { customerAccess, scopeCustomers, scopeInvoices } from '../access';
import { requireArea } from '../auth';
import { render } from '../render';
import type { RouteDeps } from '../server';
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

export function registerCustomerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('customers') };

  app.get<{ Querystring: { page?: string } }>('/customers', guard, async (request, reply) => {
    const page = Math.max(0, Number.parseInt(request.query.page ?? '0', 10) || 0);
    const query = scopeCustomers(db('customers as c'), request.user!.role);
    const [{ count }] = await query.clone().count<{ count: string }[]>('* as count');
    const role = request.user!.role;
    const customers = (await query.clone().orderBy('c.customer_id').limit(200).offset(page * 200).select('c.customer_id', 'c.name', 'c.partner_id', 'c.city')).map(
      // A partner's earlier customer: which partner has it now is not that partner's business.
      (c: { partner_id: string }) => (role.kind === 'partner' && c.partner_id !== role.partnerId ? { ...c, partner_id: '–' } : c),
    );
    return render(reply, 'customers', { title: 'Kunder', customers, total: Number(count), page });
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
    const invoices = (
      await scopeInvoices(db('invoices as i'), request.user!.role)
        .leftJoin('invoice_documents as d', 'd.invoice_id', 'i.id')
        .where({ 'i.customer_id': customerId })
        .orderBy('i.period', 'desc')
        .select('i.kind', 'i.series', 'i.number', 'i.period', 'i.issue_date', 'i.due_date', 'i.total_ore', 'd.pdf_sha256')
    ).map((i: { series: string; number: number }) => ({ ...i, number: formatInvoiceNumber(i.series, i.number) }));
    return render(reply, 'customer', { title: `${customer.name}`, customer, preview: p, invoices });
  });

  app.get<CustomerParams>('/api/customers/:customerId/preview', guard, async (request, reply) => {
    const { customerId } = request.params;
    // What is billed now is for the customer's current partner only.
    if ((await customerAccess(db, request.user!.role, customerId)) !== 'current') return apiError(reply, 404);
    return previewJson(await preview(db, customerId, deps.now()), customerId);
  });
}
