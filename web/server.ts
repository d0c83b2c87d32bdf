import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySecureSession from '@fastify/secure-session';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { logger } from '../infra/logger';
import { registerLoginRoutes, registerSessionUser, SESSION } from './auth';
import { render } from './render';
import { registerBooksRoutes } from './routes/books';
import { registerFinanceRoutes } from './routes/finance';
import { registerOperatorRoutes } from './routes/operator';
import { registerCustomerRoutes } from './routes/customers';
import { registerDocumentRoutes } from './routes/documents';
import { registerHomeRoutes } from './routes/home';

// Assembles the console: plugins for sessions, CSRF, headers, rate limits and templates, then
// the login and each audience's routes. Everything a route needs comes in ConsoleDeps.

export interface ConsoleDeps {
  db: Db;
  /** The Temporal client, or a function that connects (called once, on first use). */
  client: Client | (() => Promise<Client>);
  config: AppConfig;
  /** The Temporal Web UI, for links to each close (null when unknown). */
  uiUrl?: string | null;
  namespace?: string;
  /** 32 bytes; sessions survive a restart only with a fixed key (CONSOLE_SESSION_KEY, hex). */
  sessionKey?: Buffer;
  /** Set true when served over HTTPS (directly or behind a proxy): cookies become Secure. */
  secureCookies?: boolean;
  now?: () => number;
}

export interface RouteDeps {
  db: Db;
  client: () => Promise<Client>;
  config: AppConfig;
  uiUrl: string | null;
  namespace: string;
  now: () => number;
}

export function sessionKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const hex = env.CONSOLE_SESSION_KEY;
  if (!hex) return undefined;
  const key = Buffer.from(hex, 'hex');
  if (key.length !== 32) throw new Error('CONSOLE_SESSION_KEY must be 64 hex characters (32 bytes)');
  return key;
}

export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const client = deps.client;
  // Connect once, on first use; a failed attempt is tried again at the next request.
  let connecting: Promise<Client> | null = null;
  const connect = () =>
    (connecting ??= (typeof client === 'function' ? client() : Promise.resolve(client)).catch((err) => {
      connecting = null;
      throw err;
    }));
  const routeDeps: RouteDeps = {
    db: deps.db,
    client: connect,
    config: deps.config,
    uiUrl: deps.uiUrl ?? null,
    namespace: deps.namespace ?? 'default',
    now,
  };
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: false });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: { 'form-action': ["'self'"], 'frame-ancestors': ["'self'"] } },
    frameguard: { action: 'sameorigin' },
  });
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie);
  await app.register(fastifySecureSession, {
    key: deps.sessionKey ?? randomBytes(32),
    cookieName: 'month_close_session',
    expiry: SESSION.maxAgeS,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.secureCookies ?? false, maxAge: SESSION.maxAgeS },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyView, {
    engine: { eta: new Eta() },
    root: path.join(__dirname, 'views'),
    production: true,
  });

  registerSessionUser(app, deps.db, now);
  // Every state-changing request carries the CSRF token of its session (checked after the body is parsed).
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD') return done();
    app.csrfProtection(request, reply, done);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const csrf = err.code?.startsWith('FST_CSRF');
    if (status === 500) logger.error({ err, url: request.url }, 'console request failed');
    const text = csrf
      ? 'Formuläret saknar en giltig säkerhetstoken (CSRF). Ladda om sidan och försök igen.'
      : status === 429
        ? 'För många försök. Vänta en stund och försök igen.'
        : status === 500
          ? 'Något gick fel på servern; felet är loggat.'
          : 'Begäran kunde inte behandlas.';
    if (request.url.startsWith('/api/')) return reply.code(status).send({ error: csrf ? 'invalid CSRF token' : err.message });
    return render(reply.code(status), 'message', { title: 'Fel', text });
  });
  app.setNotFoundHandler((request, reply) => {
    // Anonymous callers learn nothing about which paths exist.
    if (!request.user && request.url.startsWith('/api/')) return reply.code(401).send({ error: 'not logged in' });
    if (!request.user) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    if (request.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
    return render(reply.code(404), 'message', { title: 'Hittades inte', text: 'Sidan finns inte, eller så har du inte tillgång till den.' });
  });

  registerLoginRoutes(app, deps.db, now);
  registerHomeRoutes(app, routeDeps);
  registerFinanceRoutes(app, routeDeps);
  registerBooksRoutes(app, routeDeps);
  registerOperatorRoutes(app, routeDeps);
  registerCustomerRoutes(app, routeDeps);
  registerDocumentRoutes(app, routeDeps);
  await app.ready();
  return app;
}

/** Serve the console; `dev`, `demo --keep` and `serve` call this and print the URL on a `Console` line. */
export async function startConsole(opts: ConsoleDeps & { port?: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const app = await buildConsole({ ...opts, sessionKey: opts.sessionKey ?? sessionKeyFromEnv() });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shownHost}:${port}`, close: () => app.close() };
}
