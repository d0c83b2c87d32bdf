import type { FastifyInstance } from 'fastify';
import { periodContaining } from '../../billing';
import type { Db } from '../../infra/db';
import { linksSv } from '../../billing/ledger';
import { loadLedger } from '../../store/ledger';
import { foldBilledUsage, rateCustomer } from '../../store/rating';
import { canSeeCustomer, scopeCustomers } from '../access';
import { requireArea } from '../auth';
import { render } from '../render';
import type { RouteDeps } from '../server';
import type { ConsoleUser } from '../users';

// Partners, customer admins (and finance): what will be billed this month so far, through the
// same path as `month-close preview`, and earlier invoices with their PDFs. A customer outside
// the user's scope answers 404, as if it did not exist.

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
  const visible = (user: ConsoleUser, customerId: string) => canSeeCustomer(db, user.role, customerId);

  app.get<{ Querystring: { page?: string } }>('/customers', guard, async (request, reply) => {
    const page = Math.max(0, Number.parseInt(request.query.page ?? '0', 10) || 0);
    const query = scopeCustomers(db('customers as c'), request.user!.role);
    const [{ count }] = await query.clone().count<{ count: string }[]>('* as count');
    const customers = await query.clone().orderBy('c.customer_id').limit(200).offset(page * 200).select('c.customer_id', 'c.name', 'c.partner_id', 'c.city');
    return render(reply, 'customers', { title: 'Kunder', customers, total: Number(count), page });
  });

  app.get<CustomerParams>('/customers/:customerId', guard, async (request, reply) => {
    const { customerId } = request.params;
    if (!(await visible(request.user!, customerId))) return reply.callNotFound();
    const customer = await db('customers').where({ customer_id: customerId }).first();
    const p = await preview(db, customerId, deps.now());
    // The ledger (store/ledger.ts): each invoice's status and links both ways, as every view shows them.
    const ledger = (await loadLedger(db, { customerId })).sort((a, b) => (a.period === b.period ? a.id - b.id : a.period < b.period ? 1 : -1));
    const pdfs = new Map<number, string>(
      (await db('invoice_documents').whereIn('invoice_id', ledger.map((e) => e.id)).select('invoice_id', 'pdf_sha256')).map((r: { invoice_id: number; pdf_sha256: string }) => [r.invoice_id, r.pdf_sha256]),
    );
    const invoices = ledger.map((e) => ({
      kind: e.kind,
      number: e.number,
      period: e.period,
      issue_date: e.issueDate,
      due_date: e.dueDate,
      total_ore: e.totalOre,
      status: e.status,
      links: linksSv(e),
      pdf_sha256: pdfs.get(e.id) ?? null,
    }));
    return render(reply, 'customer', { title: `${customer.name}`, customer, preview: p, invoices });
  });

  app.get<CustomerParams>('/api/customers/:customerId/preview', guard, async (request, reply) => {
    const { customerId } = request.params;
    if (!(await visible(request.user!, customerId))) return reply.code(404).send({ error: 'not found' });
    return previewJson(await preview(db, customerId, deps.now()), customerId);
  });
}
