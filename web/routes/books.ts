import type { FastifyInstance } from 'fastify';
import { stockholmDate } from '../../billing';
import { booksSettings, exportBooks, listBatches, rewriteBatch, seriesText, voucherSources } from '../../books/export';
import { requireArea } from '../auth';
import { render, setFlash } from '../render';
import type { RouteDeps } from '../server';

// Finance: the SIE 4I export (issue #21), as `month-close books export` does it, and each
// recorded batch as a download, written again byte-identically.

export function registerBooksRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('finance') };

  app.get('/finance/books', guard, async (_request, reply) => {
    const settings = booksSettings(deps.config);
    let pending = 0;
    for (const s of voucherSources()) pending += (await s.vouchers(db, settings)).length;
    return render(reply, 'finance-books', { title: 'Bokföring', series: settings.books.voucherSeries, pending, batches: await listBatches(db) });
  });

  app.post('/finance/books/export', guard, async (request, reply) => {
    const result = await exportBooks(db, booksSettings(deps.config), { today: stockholmDate(deps.now()), by: request.user!.displayName });
    setFlash(
      reply,
      result.batch === null
        ? { kind: 'ok', text: 'Inga nya verifikationer att exportera.' }
        : { kind: 'ok', text: `Batch ${result.batch}: ${result.vouchers} verifikationer (${seriesText(result.series)}) exporterade.` },
    );
    return reply.redirect('/finance/books', 303);
  });

  app.get<{ Params: { file: string } }>('/finance/books/batches/:file', guard, async (request, reply) => {
    const id = Number(/^(\d{1,15})\.si$/.exec(request.params.file)?.[1] ?? NaN);
    if (!Number.isSafeInteger(id) || id < 1 || !(await db('books_batches').where({ id }).first('id'))) return reply.callNotFound();
    const batch = await rewriteBatch(db, id);
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="verifikationer-${id}.si"`)
      .send(batch.content);
  });
}
