import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../infra/db';
import { logger } from '../infra/logger';
import { mayEnter, type Area } from './access';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { findUserByEmail, findUserById, type ConsoleUser } from './users';
import { render, type Flash } from './render';

// Login, logout and the session: who is asking, checked against the database on every request
// so that a disabled user's session stops working at once.

export const SESSION = {
  /** Absolute lifetime of a session (secure-session's expiry, from login). */
  maxAgeS: 8 * 3600,
  /** A session not used for this long is over. */
  idleMs: 30 * 60_000,
};

export const LOGIN_LIMIT = {
  /** Failed passwords per account in the window before the account is locked for the window. */
  perAccount: 5,
  windowMs: 15 * 60_000,
  /** Login posts per IP address per minute (all accounts). */
  perIpPerMinute: 30,
};

declare module 'fastify' {
  interface FastifyRequest {
    user: ConsoleUser | null;
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    userId: number;
    seenAt: number;
    flash: Flash;
  }
}

/** Read the session's user on every request; an idle, disabled or deleted user is logged out. */
export function registerSessionUser(app: FastifyInstance, db: Db, now: () => number): void {
  app.decorateRequest('user', null);
  app.addHook('preHandler', async (request) => {
    const userId = request.session.get('userId');
    if (userId === undefined) return;
    const seenAt = request.session.get('seenAt') ?? 0;
    const user = now() - seenAt > SESSION.idleMs ? null : await findUserById(db, userId);
    if (!user || user.disabledAt) {
      request.session.regenerate();
      return;
    }
    request.user = user;
    request.session.set('seenAt', now());
  });
}

/** Guard of an area: anonymous pages go to /login, anonymous API calls get 401, other roles 403. */
export function requireArea(area: Area) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.user) {
      if (request.url.startsWith('/api/')) return reply.code(401).send({ error: 'not logged in' });
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (!mayEnter(request.user.role, area)) {
      if (request.url.startsWith('/api/')) return reply.code(403).send({ error: 'not allowed for this role' });
      return render(reply.code(403), 'message', { title: 'Ingen behörighet', text: 'Din roll har inte tillgång till den här sidan.' });
    }
  };
}

function safeNext(next: unknown): string {
  // Only a path on this site: never an open redirect.
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

async function failedRecently(db: Db, email: string, nowMs: number): Promise<number> {
  const row = await db('console_login_attempts')
    .where('email', email)
    .whereIn('outcome', ['bad_password'])
    .where('attempted_at', '>', new Date(nowMs - LOGIN_LIMIT.windowMs))
    .count<{ count: string }[]>('* as count');
  return Number(row[0].count);
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
      const refuse = (text: string) => render(reply.code(401), 'login', { title: 'Logga in', next, email, error: text });
      const record = (outcome: string) => db('console_login_attempts').insert({ email, ip: request.ip, outcome });

      if (!email || !password) return refuse('Fyll i e-postadress och lösenord.');
      if ((await failedRecently(db, email, now())) >= LOGIN_LIMIT.perAccount) {
        await record('locked');
        logger.warn({ email, ip: request.ip }, 'console login refused: too many failed attempts');
        return render(reply.code(429), 'login', { title: 'Logga in', next, email, error: `För många misslyckade inloggningar för kontot. Försök igen om ${LOGIN_LIMIT.windowMs / 60_000} minuter.` });
      }
      const user = await findUserByEmail(db, email);
      if (!user) await burnPasswordCheck(password);
      const ok = user ? await verifyPassword(password, user.passwordHash) : false;
      if (!user || !ok || user.disabledAt) {
        await record(!user ? 'unknown_user' : !ok ? 'bad_password' : 'disabled');
        // One answer for every case, so the form does not tell which e-mail addresses exist.
        return refuse('Fel e-postadress eller lösenord, eller kontot är avstängt.');
      }
      await record('ok');
      // A new session (and CSRF secret) at login: a session fixed before login is worth nothing.
      request.session.regenerate();
      request.session.touch(); // the absolute lifetime counts from login
      request.session.set('userId', user.id);
      request.session.set('seenAt', now());
      logger.info({ user: user.email, ip: request.ip }, 'console login');
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', async (request, reply) => {
    request.session.delete();
    return reply.redirect('/login', 303);
  });
}
