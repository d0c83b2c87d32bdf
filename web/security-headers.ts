import type { FastifyHelmetOptions } from '@fastify/helmet';

// The console's security headers (helmet). HSTS and `upgrade-insecure-requests` only when the
// console is served over HTTPS: sent over plain HTTP on a non-loopback address they make the
// browser post the login form to https://, which nothing answers and `form-action 'self'`
// blocks, so the login silently does nothing. Everything else is the same for both schemes.

export function securityHeaders(opts: { https: boolean }): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        'form-action': ["'self'"],
        'frame-ancestors': ["'self'"],
        'upgrade-insecure-requests': opts.https ? [] : null,
      },
    },
    strictTransportSecurity: opts.https ? { maxAge: 180 * 86_400, includeSubDomains: false } : false,
    frameguard: { action: 'sameorigin' },
  };
}
