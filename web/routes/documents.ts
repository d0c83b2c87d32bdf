import type { FastifyInstance } from 'fastify';
import { getDocument } from '../../store/documents';
import { canSeeDocument } from '../access';
import { loginRedirectFor } from '../next-path';
import type { RouteDeps } from '../server';

/** A stored PDF by its SHA-256, inline, for a user allowed to see what it belongs to (else 404). */
export function registerDocumentRoutes(app: FastifyInstance, { db }: RouteDeps): void {
  app.get<{ Params: { sha256: string } }>('/documents/:sha256', async (request, reply) => {
    if (!request.user) return reply.redirect(loginRedirectFor(request.url), 303);
    const { sha256 } = request.params;
    if (!/^[0-9a-f]{64}$/.test(sha256) || !(await canSeeDocument(db, request.user.role, sha256))) return reply.callNotFound();
    const doc = await getDocument(db, sha256);
    if (!doc) return reply.callNotFound();
    // The browser's PDF viewer needs to run inside the page's frame: no CSP on the PDF itself.
    reply.removeHeader('content-security-policy');
    return reply
      .type(doc.contentType)
      .header('content-disposition', `inline; filename="${doc.fileName.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'private, max-age=3600')
      .send(doc.content);
  });
}
