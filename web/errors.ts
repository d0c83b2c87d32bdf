import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logger } from '../infra/logger';
import { loginRedirectFor } from './next-path';
import { render } from './render';

// What the console answers when a request cannot be served. Whatever went wrong (a driver error,
// a stack, Fastify's own text), the detail goes to the log and the answer carries only a code
// (API) or a Swedish sentence (pages): no internal text ever reaches the client.

const isApi = (url: string) => url.startsWith('/api/');

/** The API's error codes by status: stable, lower-case, never the error's own message. */
const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'not_logged_in',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
};

const TEXTS: Record<number, string> = {
  404: 'Sidan finns inte, eller så har du inte tillgång till den.',
  429: 'För många försök. Vänta en stund och försök igen.',
  500: 'Något gick fel på servern; felet är loggat.',
};
const CSRF_TEXT = 'Formuläret saknar en giltig säkerhetstoken (CSRF). Ladda om sidan och försök igen.';

export function apiError(reply: FastifyReply, status: number, code = CODES[status] ?? 'bad_request'): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: code });
}

/** A path that does not exist, or an id that cannot: anonymous callers learn nothing about which. */
export function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!request.user) {
    if (isApi(request.url)) return apiError(reply, 401);
    return reply.redirect(loginRedirectFor(request.url), 303);
  }
  if (isApi(request.url)) return apiError(reply, 404);
  return render(reply.code(404), 'message', { title: 'Hittades inte', text: TEXTS[404] });
}

/**
 * A route parameter no id can have: control characters (a NUL reaches PostgreSQL as "invalid
 * byte sequence"), or more than 100 characters. Answered as not found before any query runs.
 */
const BAD_PARAM = /[\p{Cc}\p{Cs}\uFFFD]/u;
export const MAX_PARAM_LENGTH = 100;

function hasBadParam(request: FastifyRequest): boolean {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return Object.values(params).some((v) => typeof v !== 'string' || v.length > MAX_PARAM_LENGTH || BAD_PARAM.test(v));
}

/** Install the one error handler, the not-found answer and the check of route parameters. */
export function registerErrorAnswers(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    if (hasBadParam(request)) {
      logger.warn({ url: request.url.slice(0, 300) }, 'console request refused: a route parameter no id can have');
      return notFound(request, reply);
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const csrf = typeof err.code === 'string' && err.code.startsWith('FST_CSRF');
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err, url: request.url.slice(0, 300) }, 'console request failed');
    else logger.warn({ code: err.code, message: err.message, status, url: request.url.slice(0, 300) }, 'console request refused');
    if (isApi(request.url)) return apiError(reply, status, csrf ? 'invalid_csrf_token' : undefined);
    const text = csrf ? CSRF_TEXT : (TEXTS[status] ?? 'Begäran kunde inte behandlas.');
    return render(reply.code(status), 'message', { title: 'Fel', text });
  });

  app.setNotFoundHandler((request, reply) => notFound(request, reply));
}

/**
 * Fastify's answer to a URL it cannot even route (malformed percent-encoding, an over-long
 * parameter), given before any hook runs: no session, no templates, so a fixed page.
 */
export function frameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 404 : 400;
  logger.warn({ code: err.code, url: request.url.slice(0, 300) }, 'console request refused before routing');
  reply.header('content-security-policy', "default-src 'none'").header('x-content-type-options', 'nosniff');
  if (isApi(request.url)) {
    void apiError(reply, status);
    return;
  }
  const text = status === 404 ? TEXTS[404] : 'Adressen kunde inte läsas. Kontrollera länken och försök igen.';
  void reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>\n<html lang="sv"><head><meta charset="utf-8"><title>Fel · Månadsavslut</title></head><body><h1>Fel</h1><p>${text}</p><p><a href="/">Till startsidan</a></p></body></html>\n`);
}
