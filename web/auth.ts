import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../infra/db';
import { logger } from '../infra/logger';
import { mayEnter, type Area } from './access';
import { apiError } from './errors';
import { LOGIN_LIMIT, loginLocked } from './login-limit';
import { loginRedirectFor, safeNext } from './next-path';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { endSession, openSession, SESSION, useSession } from './sessions';
import { findUserByEmail, findUserById, type ConsoleUser } from './users';
import { render, type Flash } from './render';

// Login, logout and the session: who is asking, checked against the database on every request
// so that a logged-out session or a disabled user stops working at once.

export { LOGIN_LIMIT, SESSION };

declare module 'fastify' {
  interface FastifyRequest {
    user: ConsoleUser | null;
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The random id of the server-side session (web/sessions.ts). */
    sessionId: string;
    flash: Flash;
  }
}

/** Read the session's user on every request; an ended, idle, expired or disabled session is logged out. */
export function registerSessionUser(app: FastifyInstance, db: Db, now: () => number): void {
  app.decorateRequest('user', null);
  app.addHook('preHandler', async (request) => {
    const sessionId = request.session.get('sessionId');
    if (typeof sessionId !== 'string') return;
    const userId = await useSession(db, sessionId, now());
    const user = userId === null ? null : await findUserById(db, userId);
    if (!user || user.disabledAt) {
      request.session.regenerate();
      return;
    }
    request.user = user;
  });
}

/** Guard of an area: anonymous pages go to /login, anonymous API calls get 401, other roles 403. */
export function requireArea(area: Area) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.user) {
      if (request.url.startsWith('/api/')) return apiError(reply, 401);
      return reply.redirect(loginRedirectFor(request.url), 303);
    }
    if (!mayEnter(request.user.role, area)) {
      if (request.url.startsWith('/api/')) return apiError(reply, 403);
      return render(reply.code(403), 'message', { title: 'Ingen behörighet', text: 'Din roll har inte tillgång till den här sidan.' });
    }
  };
}

export function registerLoginRoutes(app: FastifyInstance, db: Db, now: () => number): void {
  app.get('/login', async (request, reply) => {
    if (request.user) return reply.redirect('/', 303);
    return render(reply, 'login', { title: 'Logga in', next: safeNext((request.query as { next?: string }).next), email: '' });
  });

  app.post(
    '/login',
    { config: { rateLimit: { max: LOGIN_LIMIT.perIpPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      const body = (request.body ?? {}) as { email?: unknown; password?: unknown; next?: unknown };
      const email = typeof body.email === 'string' ? body.email.trim().toLowerCase().slice(0, 254) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
      const next = safeNext(body.next);
      const refuse = (status: 401 | 429, text: string) => render(reply.code(status), 'login', { title: 'Logga in', next, email, error: text });
      const record = (outcome: string) => db('console_login_attempts').insert({ email, ip: request.ip, outcome, attempted_at: new Date(now()) });
      // One answer for every failure, so the form does not tell which e-mail addresses exist.
      const failed = 'Fel e-postadress eller lösenord, eller kontot är avstängt.';

      if (!email || !password) return refuse(401, 'Fyll i e-postadress och lösenord.');
      if (/\p{Cc}/u.test(email)) {
        // No address has control characters; such text is not looked up or stored anywhere.
        await burnPasswordCheck(password);
        return refuse(401, failed);
      }
      if (await loginLocked(db, email, request.ip, now())) {
        // Locked or not, known or not: every answer costs one password hash.
        await burnPasswordCheck(password);
        await record('locked');
        logger.warn({ email, ip: request.ip }, 'console login refused: too many failed attempts for this address from this IP');
        return refuse(429, `För många misslyckade inloggningar. Försök igen om ${LOGIN_LIMIT.windowMs / 60_000} minuter.`);
      }
      const user = await findUserByEmail(db, email);
      if (!user) await burnPasswordCheck(password);
      const ok = user ? await verifyPassword(password, user.passwordHash) : false;
      if (!user || !ok || user.disabledAt) {
        await record(!user ? 'unknown_user' : !ok ? 'bad_password' : 'disabled');
        return refuse(401, failed);
      }
      await record('ok');
      // A new session (and CSRF secret) at login: a session fixed before login is worth nothing.
      request.session.regenerate();
      request.session.touch(); // the cookie's own lifetime counts from login; the server's row decides
      request.session.set('sessionId', await openSession(db, user.id, now()));
      logger.info({ user: user.email, ip: request.ip }, 'console login');
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', async (request, reply) => {
    // Ended on the server: a copy of this cookie is worth nothing afterwards.
    const sessionId = request.session.get('sessionId');
    if (typeof sessionId === 'string') await endSession(db, sessionId, now());
    request.session.delete();
    return reply.redirect('/login', 303);
  });
}
