import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../server';

/** `/` sends each role to its own start page. */
export function registerHomeRoutes(app: FastifyInstance, _deps: RouteDeps): void {
  app.get('/', async (request, reply) => {
    const user = request.user;
    if (!user) return reply.redirect('/login', 303);
    const home = user.role.kind === 'finance' ? '/finance' : user.role.kind === 'operator' ? '/operator' : '/customers';
    return reply.redirect(home, 303);
  });
}
