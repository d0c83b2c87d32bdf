import { beskrivFritextProblem, freeTextProblem, MAX_REJECT_REASON } from '../../infra/free-text';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { periodNotEnded } from '../../billing/period';
import { requestRecompute, waitingDrafts } from '../../client/drafts';
import { countByState, periodStatus } from '../../client/status';
import { closeRunsOf } from '../../store/close-runs';
import { logger } from '../../infra/logger';
import { progressQuery, type MonthlyProgress } from '../../contracts/close-messages';
import { monthlyCloseWorkflowId } from '../../contracts/workflow-ids';
import { BUCKET_SV, BUCKETS, periodReport } from '../../books/period-report';
import { periodTotals } from '../../store/ledger';
import { requireArea } from '../auth';
import { apiError } from '../errors';
import { decide, decideMany } from '../decisions';
import { articleTotals, draftReview, QUEUE_PAGE_SIZE, reviewQueue, type QueueFilter } from '../finance-data';
import { AUDIT_PAGE_SIZE, auditCsv, auditLog } from '../audit';
import { INVOICE_PAGE_SIZE, invoiceList } from '../invoice-list';
import { reportReasonSv } from '../close-reasons-sv';
import { lastEndedPeriod, periodNav, periodParam, previousPeriodId } from '../periods';
import { FLAG_CODES } from '../../billing';
import { formatSek } from '../../billing/format';
import { flagSv } from '../../billing/review-sv';
import { refusalSv } from '../../billing/refusal-sv';
import { refusalCli } from '../../billing/refusals';
import { decisionLead, refusalFlashText } from '../refusal-text';
import { WorkflowNotFoundError } from '@temporalio/client';
import { registerCreditRoutes } from './credits';
import { helpers, render, setFlash } from '../render';
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

/** "första fakturan 2, fyra ögon 1": how many of the drafts carry each flag. */
function flagCounts(drafts: { flags: string[] }[]): string {
  const counts = new Map<string, number>();
  for (const d of drafts) for (const f of d.flags) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => `${flagSv(f).toLowerCase()} ${n}`).join(', ');
}

export function registerFinanceRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('finance') };
  registerCreditRoutes(app, deps);

  app.get('/finance', guard, async (_request, reply) => reply.redirect(`/finance/periods/${lastEndedPeriod(deps.now())}`, 303));

  app.get<PeriodParams>('/finance/periods/:period', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    let temporalProblem: string | null = null;
    const client = await deps.client().catch((err: Error) => {
      // The driver's text is for the log; the page says in Swedish that Temporal does not answer.
      logger.warn({ err: err.message, period }, 'console period page: Temporal is not answering');
      temporalProblem = err.message;
      return null;
    });
    const [status, totals, ledger, progress] = await Promise.all([closeRunsOf(db, period).then((runs) => periodStatus(runs, client, period)), articleTotals(db, period), periodTotals(db, period), runningProgress(deps, period)]);
    return render(reply, 'finance-period', {
      title: `Period ${period}`,
      period,
      previousPeriod: previousPeriodId(period),
      periods: periodNav(period, deps.now()),
      counts: countByState(status),
      customers: status.customers.length,
      totals,
      ledger,
      progress,
      temporalProblem,
      refreshSeconds: progress ? 5 : null,
    });
  });

  type QueueQuery = { page?: string; flag?: string; partner?: string; q?: string; select?: string };
  const queueFilter = (q: QueueQuery): QueueFilter => ({
    flag: q.flag && /^[a-z_]{1,40}$/.test(q.flag) ? q.flag : null,
    partner: q.partner ? q.partner.slice(0, 100) : null,
    q: q.q ? q.q.trim().slice(0, 100) : null,
  });
  /** The filter as a query string, so paging, select-all and the way back keep it. */
  const filterQs = (f: QueueFilter) =>
    new URLSearchParams(Object.entries({ flag: f.flag ?? '', partner: f.partner ?? '', q: f.q ?? '' }).filter(([, v]) => v)).toString();

  app.get<PeriodParams & { Querystring: QueueQuery }>('/finance/periods/:period/queue', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const page = Math.max(0, Math.min(100_000, Number.parseInt(request.query.page ?? '0', 10) || 0));
    const filter = queueFilter(request.query);
    const queue = await reviewQueue(db, period, page, filter);
    return render(reply, 'finance-queue', {
      title: `Granskning ${period}`,
      period,
      page,
      pageSize: QUEUE_PAGE_SIZE,
      filter,
      filterQs: filterQs(filter),
      flagCodes: FLAG_CODES,
      selectAll: request.query.select === 'all',
      periods: periodNav(period, deps.now()),
      ...queue,
    });
  });

  app.post<PeriodParams & { Body: { drafts?: string | string[]; confirmed?: string; back?: string } }>('/finance/periods/:period/queue/approve', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const qs = typeof request.body?.back === 'string' && /^[\w=&%.+-]*$/.test(request.body.back) ? request.body.back : '';
    const back = `/finance/periods/${period}/queue${qs ? `?${qs}` : ''}`;
    const picked = ([] as string[]).concat(request.body?.drafts ?? []).slice(0, QUEUE_PAGE_SIZE);
    const drafts = picked.map((v) => /^(.+):(\d{1,9})$/.exec(v)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ customerId: m[1], draftVersion: Number(m[2]) }));
    if (drafts.length === 0) {
      setFlash(reply, { kind: 'error', text: 'Välj minst ett utkast att godkänna.' });
      return reply.redirect(back, 303);
    }
    const notEnded = periodNotEnded(period, deps.now());
    if (notEnded) {
      setFlash(reply, { kind: 'error', text: refusalFlashText('Perioden kan inte godkännas än', notEnded) });
      return reply.redirect(back, 303);
    }
    // As `drafts approve --all`: flagged drafts are left for a person to approve one by one.
    const waiting = new Map((await waitingDrafts(db, period)).map((w) => [`${w.customerId}:${w.version}`, w]));
    // Only drafts that wait now: a ticked value naming no waiting draft is not sent to Temporal.
    const unflagged = drafts.filter((d) => waiting.get(`${d.customerId}:${d.draftVersion}`)?.flags.length === 0);
    const flaggedPicked = drafts.filter((d) => (waiting.get(`${d.customerId}:${d.draftVersion}`)?.flags.length ?? 0) > 0);
    if (request.body?.confirmed !== '1') {
      // Nothing is approved before a person has seen how many drafts and how much money: a
      // submitted form (also Enter on a checkbox) only leads here.
      const listed = unflagged.map((d) => ({ ...d, totalOre: Number(waiting.get(`${d.customerId}:${d.draftVersion}`)?.totalOre ?? 0) }));
      return render(reply, 'finance-confirm', {
        title: `Bekräfta godkännande ${period}`,
        period,
        drafts: listed,
        totalOre: listed.reduce((sum, d) => sum + d.totalOre, 0),
        flaggedLeft: flaggedPicked.length,
        gone: drafts.length - unflagged.length - flaggedPicked.length,
        back,
        backQs: qs,
      });
    }
    const results = unflagged.length ? await decideMany(db, await deps.client(), request.user!, period, unflagged) : [];
    const refused = results.filter((r) => r.outcome === 'refused');
    const approved = results.filter((r) => r.outcome === 'approved');
    const kronor = approved.reduce((sum, r) => sum + Number(waiting.get(`${r.customerId}:${r.draftVersion}`)?.totalOre ?? 0), 0);
    const flaggedLeft = [...waiting.values()].filter((w) => w.flags.length > 0);
    const text =
      `${approved.length} av ${results.length} ej flaggade utkast godkända (${formatSek(kronor)}).` +
      (refused.length ? ` Avvisade: ${refused.slice(0, 5).map((r) => `${r.customerId} (${r.refusal ? refusalSv(r.refusal) : '–'})`).join('; ')}${refused.length > 5 ? ` och ${refused.length - 5} till` : ''}.` : '') +
      (flaggedLeft.length ? ` ${flaggedLeft.length} flaggade utkast lämnades (${flagCounts(flaggedLeft)}): de godkänns ett och ett på utkastets sida.` : '');
    setFlash(reply, { kind: refused.length ? 'error' : 'ok', text });
    logger.info({ user: request.user!.email, period, approved: approved.length, refused: refused.length, flaggedLeft: flaggedLeft.length }, 'console bulk approval');
    return reply.redirect(back, 303);
  });

  app.get<PeriodParams>('/finance/periods/:period/rejected', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const rows = await db('close_runs as cr')
      .join('drafts as d', function () {
        this.on('d.customer_id', 'cr.customer_id').andOn('d.period', 'cr.period');
      })
      .join('customers as c', 'c.customer_id', 'cr.customer_id')
      .leftJoin('approvals as a', function () {
        this.on('a.draft_id', 'd.id').andOnVal('a.decision', 'rejected');
      })
      .where({ 'cr.period': period, 'cr.state': 'rejected', 'd.status': 'rejected' })
      .whereNotExists(db('drafts as n').whereRaw('n.customer_id = d.customer_id AND n.period = d.period AND n.version > d.version'))
      .orderBy('a.decided_at', 'desc')
      .select('cr.customer_id', 'c.name', 'd.version', 'd.total_ore', 'a.decided_by', 'a.decided_at', 'a.reason');
    return render(reply, 'finance-rejected', { title: `Avvisade utkast ${period}`, period, rows, periods: periodNav(period, deps.now()) });
  });

  app.post<DraftParams>('/finance/periods/:period/drafts/:customerId/recompute', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const { customerId } = request.params;
    if (!(await db('customers').where({ customer_id: customerId }).first('customer_id'))) return reply.callNotFound();
    const back = `/finance/periods/${period}/drafts/${encodeURIComponent(customerId)}`;
    try {
      // The workflow records the request (and a refusal) in its own request log.
      const refused = await requestRecompute(await deps.client(), period, customerId, request.user!.displayName);
      await db('console_actions').insert({ user_id: request.user!.id, action: 'recompute', customer_id: customerId, period, outcome: refused ? `refused: ${refusalCli(refused)}` : 'recompute_started' });
      setFlash(
        reply,
        refused
          ? { kind: 'error', text: refusalFlashText('Omräkningen avvisades', refused) }
          : { kind: 'ok', text: 'Omräkning begärd: ett nytt utkast räknas fram från de rättade uppgifterna.' },
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      setFlash(reply, { kind: 'error', text: refusalFlashText('Omräkningen avvisades', { code: 'no_close_running' }) });
    }
    return reply.redirect(back, 303);
  });

  app.get<PeriodParams & { Querystring: { q?: string; page?: string } }>('/finance/periods/:period/invoices', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const q = (request.query.q ?? '').trim().slice(0, 100);
    const page = Math.max(0, Math.min(10_000, Number.parseInt(request.query.page ?? '0', 10) || 0));
    const list = await invoiceList(db, q ? null : period, q, page);
    return render(reply, 'finance-invoices', { title: q ? `Fakturor: ${q}` : `Fakturor ${period}`, period, q, page, pageSize: INVOICE_PAGE_SIZE, periods: periodNav(period, deps.now()), ...list });
  });

  app.get<DraftParams>('/finance/periods/:period/drafts/:customerId', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const review = await draftReview(db, period, request.params.customerId, deps.config.approvalPolicy);
    if (!review) return reply.callNotFound();
    const settling = review.state === 'running' || (review.draft?.status === 'approved' && !review.invoice);
    const approvedByMe = review.approved_by.includes(request.user!.displayName);
    return render(reply, 'finance-draft', { title: `Utkast ${review.customer.customer_id} ${period}`, period, review, approvedByMe, periods: periodNav(period, deps.now()), refreshSeconds: settling ? 2 : null });
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
    const notEnded = periodNotEnded(period, deps.now());
    const problem = !Number.isSafeInteger(draftVersion)
      ? 'Utkastets version saknas i formuläret; ladda om sidan.'
      : action === 'reject' && reason === ''
        ? 'Skriv varför utkastet avvisas.'
        : reasonProblem
          ? beskrivFritextProblem('Motiveringen', reasonProblem)
          : action === 'approve' && notEnded
            ? refusalFlashText('Utkastet kan inte godkännas än', notEnded)
            : null;
    if (problem) {
      setFlash(reply, { kind: 'error', text: problem });
      return reply.redirect(back, 303);
    }
    const r = await decide(db, await deps.client(), request.user!, { period, customerId, draftVersion, action, reason });
    const done = { approved: `Utkast ${draftVersion} godkänt av ${request.user!.displayName}; fakturan slutförs.`, rejected: `Utkast ${draftVersion} avvisat.`, duplicate: 'Beslutet var redan fattat; inget ändrades.', recompute_started: 'Omräkning startad.', needs_second: `Utkast ${draftVersion} godkänt av ${request.user!.displayName}; det kräver ett andra godkännande av en annan person (fyra ögon).` };
    setFlash(reply, r.outcome === 'refused' && r.refusal ? { kind: 'error', text: refusalFlashText(decisionLead(r.refusal), r.refusal) } : { kind: 'ok', text: done[r.outcome as keyof typeof done] });
    return reply.redirect(back, 303);
  };
  type DecisionRoute = DraftParams & { Body: { draft_version?: string; reason?: string } };
  app.post<DecisionRoute>('/finance/periods/:period/drafts/:customerId/approve', guard, decision('approve'));
  app.post<DecisionRoute>('/finance/periods/:period/drafts/:customerId/reject', guard, decision('reject'));

  app.get<PeriodParams & { Querystring: { bucket?: string } }>('/finance/periods/:period/report', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const report = await periodReport(db, period);
    const bucket = BUCKETS.find((b) => b === request.query.bucket) ?? null;
    // The report's reasons are English for the CLI and --json; a person reads them in Swedish (as the CLI's text does).
    const shown = (bucket ? report.customers.filter((c) => c.bucket === bucket) : report.customers).map((c) => ({ ...c, reason: reportReasonSv(c, helpers.state) }));
    return render(reply, 'finance-report', { title: `Periodrapport ${period}`, report, bucket, shown, buckets: BUCKETS, bucketNames: BUCKET_SV });
  });

  type AuditQuery = { q?: string; page?: string; format?: string };
  app.get<PeriodParams & { Querystring: AuditQuery }>('/finance/periods/:period/audit', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return badPeriod(reply, request.params.period);
    const q = (request.query.q ?? '').trim().slice(0, 100);
    const page = Math.max(0, Math.min(100_000, Number.parseInt(request.query.page ?? '0', 10) || 0));
    if (request.query.format === 'csv') {
      const all = await auditLog(db, period, q, 0, 1_000_000);
      const csv = auditCsv(all.rows);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="beslutslogg-${period}.csv"`)
        .send(csv);
    }
    const log = await auditLog(db, period, q, page, AUDIT_PAGE_SIZE);
    const actions = await db('console_actions as a').join('console_users as u', 'u.id', 'a.user_id').where('a.period', period).orderBy('a.acted_at', 'desc').limit(200).select('a.*', 'u.email');
    return render(reply, 'finance-audit', { title: `Beslut ${period}`, period, q, page, pageSize: AUDIT_PAGE_SIZE, ...log, actions, periods: periodNav(period, deps.now()) });
  });

  app.get<PeriodParams>('/api/periods/:period/progress', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return apiError(reply, 400, 'bad_period');
    const status = await periodStatus(await closeRunsOf(db, period), null, period);
    return { period, counts: countByState(status), progress: await runningProgress(deps, period) };
  });
}
