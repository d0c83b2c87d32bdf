import { beskrivFritextProblem, freeTextProblem, MAX_REJECT_REASON } from '../../infra/free-text';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { periodNotEndedReason } from '../../billing';
import { waitingDrafts } from '../../client/drafts';
import { countByState, periodStatus } from '../../client/status';
import { logger } from '../../infra/logger';
import { progressQuery, type MonthlyProgress } from '../../workflows/definitions';
import { monthlyCloseWorkflowId } from '../../workflows/ids';
import { requireArea } from '../auth';
import { decide, decideMany } from '../decisions';
import { articleTotals, decisions, draftReview, QUEUE_PAGE_SIZE, reviewQueue } from '../finance-data';
import { lastEndedPeriod, periodParam, previousPeriodId } from '../periods';
import { render, setFlash } from '../render';
import type { RouteDeps } from '../server';

// Finance: the period, the review queue, one draft, decisions and their audit trail.

type PeriodParams = { Params: { period: string } };
type DraftParams = { Params: { period: string; customerId: string } };

function badPeriod(reply: FastifyReply, text: string) {
  return render(reply.code(400), 'message', { title: 'Fel period', text: `Perioden '${text.slice(0, 40)}' finns inte: skriv den som ÅÅÅÅ-MM, t.ex. 2024-11.` });
}

/** The monthly close's progress while it runs; null when none runs (or Temporal cannot say). */
async function runningProgress(deps: RouteDeps, period: string): Promise<MonthlyProgress | null> {
  try {
    const handle = (await deps.client()).workflow.getHandle(monthlyCloseWorkflowId(period));
    const d = await handle.describe();
    return d.status.name === 'RUNNING' ? await handle.query(progressQuery) : null;
  } catch {
    return null;
  }
}

/** "first_invoice 2, four_eyes 1": how many of the drafts carry each flag. */
function flagCounts(drafts: { flags: string[] }[]): string {
  const counts = new Map<string, number>();
  for (const d of drafts) for (const f of d.flags) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => `${f} ${n}`).join(', ');
}

export function registerFinanceRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('finance') };

  app.get('/finance', guard, async (_request, reply) => reply.redirect(`/finance/periods/${lastEndedPeriod(deps.now())}`, 303));

  app.get<PeriodParams>('/finance/periods/:period', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    let temporalProblem: string | null = null;
    const client = await deps.client().catch((err: Error) => {
      temporalProblem = err.message;
      return null;
    });
    const [status, totals, progress] = await Promise.all([periodStatus(db, client, period), articleTotals(db, period), runningProgress(deps, period)]);
    return render(reply, 'finance-period', {
      title: `Period ${period}`,
      period,
      previousPeriod: previousPeriodId(period),
      counts: countByState(status),
      customers: status.customers.length,
      totals,
      progress,
      temporalProblem,
      refreshSeconds: progress ? 5 : null,
    });
  });

  app.get<PeriodParams & { Querystring: { page?: string } }>('/finance/periods/:period/queue', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const page = Math.max(0, Math.min(100_000, Number.parseInt(request.query.page ?? '0', 10) || 0));
    const queue = await reviewQueue(db, period, page);
    return render(reply, 'finance-queue', { title: `Granskning ${period}`, period, page, pageSize: QUEUE_PAGE_SIZE, ...queue });
  });

  app.post<PeriodParams & { Body: { drafts?: string | string[] } }>('/finance/periods/:period/queue/approve', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const back = `/finance/periods/${period}/queue`;
    const picked = ([] as string[]).concat(request.body?.drafts ?? []).slice(0, QUEUE_PAGE_SIZE);
    const drafts = picked.map((v) => /^(.+):(\d{1,9})$/.exec(v)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ customerId: m[1], draftVersion: Number(m[2]) }));
    if (drafts.length === 0) {
      setFlash(reply, { kind: 'error', text: 'Välj minst ett utkast att godkänna.' });
      return reply.redirect(back, 303);
    }
    const notEnded = periodNotEndedReason(period, deps.now());
    if (notEnded) {
      setFlash(reply, { kind: 'error', text: `Perioden kan inte godkännas än: ${notEnded}` });
      return reply.redirect(back, 303);
    }
    // As `drafts approve --all`: flagged drafts are left for a person to approve one by one.
    const waiting = new Map((await waitingDrafts(db, period)).map((w) => [`${w.customerId}:${w.version}`, w]));
    const flaggedLeft = [...waiting.values()].filter((w) => w.flags.length > 0);
    const unflagged = drafts.filter((d) => (waiting.get(`${d.customerId}:${d.draftVersion}`)?.flags.length ?? 0) === 0);
    const results = unflagged.length ? await decideMany(db, await deps.client(), request.user!, period, unflagged) : [];
    const refused = results.filter((r) => r.outcome === 'refused');
    const approved = results.filter((r) => r.outcome === 'approved').length;
    const text =
      `${approved} av ${results.length} ej flaggade utkast godkända.` +
      (refused.length ? ` Avvisade: ${refused.slice(0, 5).map((r) => `${r.customerId} (${r.detail})`).join('; ')}${refused.length > 5 ? ` och ${refused.length - 5} till` : ''}.` : '') +
      (flaggedLeft.length ? ` ${flaggedLeft.length} flaggade utkast lämnades (${flagCounts(flaggedLeft)}): de godkänns ett och ett på utkastets sida.` : '');
    setFlash(reply, { kind: refused.length ? 'error' : 'ok', text });
    logger.info({ user: request.user!.email, period, approved, refused: refused.length, flaggedLeft: flaggedLeft.length }, 'console bulk approval');
    return reply.redirect(back, 303);
  });

  app.get<DraftParams>('/finance/periods/:period/drafts/:customerId', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const review = await draftReview(db, period, request.params.customerId, deps.config.approvalPolicy);
    if (!review) return reply.callNotFound();
    const settling = review.state === 'running' || (review.draft?.status === 'approved' && !review.invoice);
    return render(reply, 'finance-draft', { title: `Utkast ${review.customer.customer_id} ${period}`, period, review, refreshSeconds: settling ? 2 : null });
  });

  const decision = (action: 'approve' | 'reject') => async (request: FastifyRequest<DraftParams & { Body: { draft_version?: string; reason?: string } }>, reply: FastifyReply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const { customerId } = request.params;
    if (!(await db('customers').where({ customer_id: customerId }).first('customer_id'))) return reply.callNotFound();
    const back = `/finance/periods/${period}/drafts/${encodeURIComponent(customerId)}`;
    const draftVersion = Number.parseInt(request.body?.draft_version ?? '', 10);
    const reason = (typeof request.body?.reason === 'string' ? request.body.reason : '').trim();
    const reasonProblem = action === 'reject' && reason !== '' ? freeTextProblem(reason, MAX_REJECT_REASON) : null;
    const problem = !Number.isSafeInteger(draftVersion)
      ? 'Utkastets version saknas i formuläret; ladda om sidan.'
      : action === 'reject' && reason === ''
        ? 'Skriv varför utkastet avvisas.'
        : reasonProblem
          ? beskrivFritextProblem('Motiveringen', reasonProblem)
          : action === 'approve' && periodNotEndedReason(period, deps.now());
    if (problem) {
      setFlash(reply, { kind: 'error', text: problem });
      return reply.redirect(back, 303);
    }
    const r = await decide(db, await deps.client(), request.user!, { period, customerId, draftVersion, action, reason });
    const done = { approved: `Utkast ${draftVersion} godkänt av ${request.user!.displayName}; fakturan slutförs.`, rejected: `Utkast ${draftVersion} avvisat.`, duplicate: 'Beslutet var redan fattat; inget ändrades.', recompute_started: 'Omräkning startad.', needs_second: `Utkast ${draftVersion} godkänt av ${request.user!.displayName}; det kräver ett andra godkännande av en annan person (fyra ögon).` };
    setFlash(reply, r.outcome === 'refused' ? { kind: 'error', text: `Beslutet avvisades av arbetsflödet: ${r.detail}` } : { kind: 'ok', text: done[r.outcome] });
    return reply.redirect(back, 303);
  };
  type DecisionRoute = DraftParams & { Body: { draft_version?: string; reason?: string } };
  app.post<DecisionRoute>('/finance/periods/:period/drafts/:customerId/approve', guard, decision('approve'));
  app.post<DecisionRoute>('/finance/periods/:period/drafts/:customerId/reject', guard, decision('reject'));

  app.get<PeriodParams>('/finance/periods/:period/audit', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const rows = await decisions(db, period, null, 500);
    const actions = await db('console_actions as a').join('console_users as u', 'u.id', 'a.user_id').where('a.period', period).orderBy('a.acted_at', 'desc').limit(500).select('a.*', 'u.email');
    return render(reply, 'finance-audit', { title: `Beslut ${period}`, period, rows, actions });
  });

  app.get<PeriodParams>('/api/periods/:period/progress', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return reply.code(400).send({ error: `period '${request.params.period.slice(0, 40)}' is not YYYY-MM` });
    const status = await periodStatus(db, null, period);
    return { period, counts: countByState(status), progress: await runningProgress(deps, period) };
  });
}
