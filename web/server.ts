import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
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
import { registerLoginRoutes, registerSessionUser, SESSION } from './auth';
import { frameworkError, MAX_PARAM_LENGTH, registerErrorAnswers } from './errors';
import { securityHeaders } from './security-headers';
import { render } from './render';
import { registerBooksRoutes } from './routes/books';
import { registerReceivablesRoutes } from './routes/receivables';
import { registerFinanceRoutes } from './routes/finance';
import { registerOperatorRoutes } from './routes/operator';
import { registerCustomerRoutes } from './routes/customers';
import { registerDocumentRoutes } from './routes/documents';
import { registerHomeRoutes } from './routes/home';
import type { DeliveryResender } from '../store/notification-deliveries';

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
  /**
   * Browsers reach the console over HTTPS (directly or through a TLS-terminating proxy): HSTS,
   * `upgrade-insecure-requests` and Secure cookies. Off, the console works over plain HTTP.
   */
  https?: boolean;
  /**
   * Addresses (IPs or CIDR ranges) of the reverse proxies in front of the console, whose
   * X-Forwarded-For names the client: login limits then count per client, not per proxy.
   * From any other peer X-Forwarded-For is ignored. Empty: no proxy is trusted.
   */
  trustProxy?: string[];
  now?: () => number;
  /** Sends failed deliveries again (the operator's "Skicka om"); wired where the SMTP settings are (worker/delivery-resend.ts). Absent: the button says it is not set up. */
  resendDeliveries?: DeliveryResender | null;
}

export interface RouteDeps {
  db: Db;
  client: () => Promise<Client>;
  config: AppConfig;
  uiUrl: string | null;
  namespace: string;
  now: () => number;
  resendDeliveries: DeliveryResender | null;
}

/** `--trust-proxy` / CONSOLE_TRUST_PROXY: comma-separated IPs or CIDR ranges, each checked. */
export function parseTrustedProxies(text: string | undefined, source: string): string[] {
  if (!text || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const entry = part.trim();
    const [address, bits, ...rest] = entry.split('/');
    const version = isIP(address);
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 6 ? 128 : 32));
    if (!version || !bitsOk || rest.length) throw new Error(`${source}: '${entry.slice(0, 60)}' is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8)`);
    return entry;
  });
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
    resendDeliveries: deps.resendDeliveries ?? null,
  };
  const https = deps.https ?? false;
  // request.ip is the peer's address, or the client a configured proxy names; a forged
  // X-Forwarded-For from anyone else changes nothing.
  const trustProxy = deps.trustProxy?.length ? deps.trustProxy : false;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy, maxParamLength: MAX_PARAM_LENGTH, frameworkErrors: frameworkError });

  await app.register(fastifyHelmet, securityHeaders({ https }));
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie);
  await app.register(fastifySecureSession, {
    key: deps.sessionKey ?? randomBytes(32),
    cookieName: 'month_close_session',
    expiry: SESSION.maxAgeS,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: https, maxAge: SESSION.maxAgeS },
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

  // After the session (it needs the user) and the CSRF check.
  registerErrorAnswers(app);

  registerLoginRoutes(app, deps.db, now);
  registerHomeRoutes(app, routeDeps);
  registerFinanceRoutes(app, routeDeps);
  registerBooksRoutes(app, routeDeps);
  registerReceivablesRoutes(app, routeDeps);
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
