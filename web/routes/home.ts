import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../server';

/**
 * `/` sends each role to its own start page: a customer admin to its customer's page, a
 * partner to the overview of its customers. Also names partners and customers in the header
 * by their names, not their ids.
 */
export function registerHomeRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.addHook('preHandler', async (request) => {
    const role = request.user?.role;
    if (role?.kind === 'partner') {
      const p = await deps.db('partners').where({ partner_id: role.partnerId }).first('name');
      request.roleLabel = `Partner ${p?.name ?? role.partnerId}`;
    } else if (role?.kind === 'customer_admin') {
      const c = await deps.db('customers').where({ customer_id: role.customerId }).first('name');
      request.roleLabel = `Kundadministratör ${c?.name ?? role.customerId}`;
    }
  });
  // The period picker without JavaScript: a GET form naming the page to go to (only these pages).
  app.get<{ Querystring: { to?: string } }>('/goto', async (request, reply) => {
    if (!request.user) return reply.redirect('/login', 303);
    const to = request.query.to ?? '';
    const ok = /^\/(finance|operator)\/periods\/\d{4}-\d{2}(\/(queue|rejected|invoices|audit))?$/.test(to);
    return reply.redirect(ok ? to : homeOf(request.user.role), 303);
  });

  app.get('/', async (request, reply) => {
    const user = request.user;
    if (!user) return reply.redirect('/login', 303);
    return reply.redirect(homeOf(user.role), 303);
  });
}

export function homeOf(role: { kind: string; customerId?: string }): string {
  if (role.kind === 'finance') return '/finance';
  if (role.kind === 'operator') return '/operator';
  if (role.kind === 'customer_admin') return `/customers/${encodeURIComponent(role.customerId!)}`;
  return '/customers';
}
