import type { FastifyInstance } from 'fastify';
import { PeriodError } from '../../billing';
import { closeSettings } from '../../client/close';
import { rerunCustomers } from '../../client/rerun';
import { closeRunsOf } from '../../store/close-runs';
import { describeSchedule, type ScheduleSummary } from '../../client/schedule';
import { closeWorkflowId } from '../../contracts/workflow-ids';
import { lockedPeriodRefusal } from '../../store/period-locks';
import { countByState, periodStatus } from '../../client/status';
import { CHANNEL_SV, deliveryStatusSv, eventSv, SUBSCRIBER_ROLE_SV } from '../operator-sv';
import { failureSv } from '../close-reasons-sv';
import { deliveryFailureSv } from '../delivery-failure-sv';
import { requireArea } from '../auth';
import { lastEndedPeriod, periodNav, periodParam } from '../periods';
import { render, setFlash } from '../render';
import type { RouteDeps } from '../server';
import { parseRefusal } from '../../billing/refusals';
import { logger } from '../../infra/logger';
import { refusalFlashText } from '../refusal-text';
import { ResendRefused } from '../../store/notification-deliveries';
import { resendOutcomeSv, resendRefusalSv } from '../resend-sv';

// Operators: failed customers with their reasons and a re-run button, each close in the
// Temporal UI, the Schedule's next run, and deliveries that wait or failed.

type PeriodParams = { Params: { period: string } };

export function registerOperatorRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('operator') };
  const workflowUrl = (workflowId: string) =>
    deps.uiUrl ? `${deps.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}` : null;

  app.get('/operator', guard, async (_request, reply) => reply.redirect(`/operator/periods/${lastEndedPeriod(deps.now())}`, 303));

  app.get<PeriodParams>('/operator/periods/:period', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return render(reply.code(400), 'message', { title: 'Fel period', text: 'Skriv perioden som ÅÅÅÅ-MM, t.ex. 2024-11.' });
    let temporalProblem: string | null = null;
    const client = await deps.client().catch((err: Error) => {
      logger.warn({ err: err.message, period }, 'operator page: Temporal is not answering');
      temporalProblem = err.message;
      return null;
    });
    const status = await periodStatus(await closeRunsOf(db, period), client, period);
    const runs = new Map(
      (await db('close_runs').where({ period }).select('customer_id', 'attempt', 'updated_at', 'failure_type')).map((r: { customer_id: string; attempt: number; updated_at: Date; failure_type: string | null }) => [r.customer_id, r]),
    );
    const failed = status.customers
      .filter((c) => c.state === 'failed')
      .map((c) => ({ ...c, attempt: runs.get(c.customer_id)?.attempt ?? 1, updated_at: runs.get(c.customer_id)?.updated_at ?? null, failure: failureSv(runs.get(c.customer_id)?.failure_type, c.reason), url: workflowUrl(closeWorkflowId(period, c.customer_id)) }));
    // Customers an operator re-ran here: what became of each (still failed, running again, or now
    // waiting for finance), so a re-run never looks like nothing happened.
    const rerunRows = await db('console_actions as a')
      .where({ 'a.period': period, 'a.action': 'rerun' })
      .distinctOn('a.customer_id')
      .orderBy([{ column: 'a.customer_id' }, { column: 'a.acted_at', order: 'desc' }])
      .select('a.customer_id', 'a.acted_at', 'a.outcome');
    const stateOf = new Map(status.customers.map((c) => [c.customer_id, c.state]));
    const reruns = rerunRows
      .map((r: { customer_id: string; acted_at: Date; outcome: string }) => ({ ...r, state: stateOf.get(r.customer_id) ?? 'running', attempt: runs.get(r.customer_id)?.attempt ?? 1, updated_at: runs.get(r.customer_id)?.updated_at ?? null }))
      .sort((a: { acted_at: Date }, b: { acted_at: Date }) => b.acted_at.getTime() - a.acted_at.getTime());
    const counts = countByState(status);
    let schedule: ScheduleSummary | null = null;
    let scheduleProblem: string | null = null;
    if (client) {
      schedule = await describeSchedule(client).catch((err: Error) => {
        logger.warn({ err: err.message }, 'operator page: the Schedule could not be read');
        scheduleProblem = err.message;
        return null;
      });
    }
    const deliveryRows = await db('notification_deliveries as d')
      .join('subscribers as s', 's.id', 'd.subscriber_id')
      .whereIn('d.status', ['pending', 'failed'])
      .orderBy('d.created_at', 'desc')
      .limit(200)
      .select('d.id', 'd.customer_id', 'd.period', 'd.event', 'd.status', 'd.attempts', 'd.last_error', 'd.last_error_facts', 'd.created_at', 's.role', 's.channel', 's.address');
    // The technical text stays as details; the operator reads the Swedish sentence.
    const deliveries = deliveryRows.map((d: { id: number | string; last_error: string | null; last_error_facts: object | null; channel: string }) => ({
      ...d,
      failure: d.last_error ? deliveryFailureSv(d.last_error_facts, d.channel, Number(d.id)) : null,
    }));
    const settling = reruns.some((r: { state: string }) => r.state === 'running');
    return render(reply, 'operator', {
      title: `Drift ${period}`, period, failed, reruns, counts, schedule, scheduleProblem, temporalProblem, deliveries, total: status.customers.length,
      periods: periodNav(period, deps.now()),
      sv: { event: eventSv, role: (r: string) => SUBSCRIBER_ROLE_SV[r] ?? r, channel: (c: string) => CHANNEL_SV[c] ?? c, status: deliveryStatusSv },
      refreshSeconds: settling ? 5 : null,
    });
  });

  app.post<PeriodParams & { Body: { customer?: string; all_failed?: string } }>('/operator/periods/:period/rerun', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return render(reply.code(400), 'message', { title: 'Fel period', text: 'Skriv perioden som ÅÅÅÅ-MM, t.ex. 2024-11.' });
    const back = `/operator/periods/${period}`;
    const locked = await lockedPeriodRefusal(db, period, 'omkörningen');
    if (locked) {
      setFlash(reply, { kind: 'error', text: locked });
      return reply.redirect(back, 303);
    }
    const client = await deps.client();
    const status = await periodStatus(await closeRunsOf(db, period), client, period);
    const failed = status.customers.filter((c) => c.state === 'failed').map((c) => c.customer_id);
    const wanted = request.body?.all_failed ? failed : [request.body?.customer ?? ''];
    // Only customers that failed in this period: a re-run is for fixing failures.
    const ids = wanted.filter((id) => failed.includes(id));
    if (ids.length === 0) {
      setFlash(reply, { kind: 'error', text: 'Ingen misslyckad kund att köra om i perioden.' });
      return reply.redirect(back, 303);
    }
    try {
      const results = await rerunCustomers(client, closeSettings(deps.config), period, ids);
      await db('console_actions').insert(results.map((r) => ({ user_id: request.user!.id, action: 'rerun', customer_id: r.customerId, period, outcome: r.outcome })));
      const at = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', timeStyle: 'medium' }).format(new Date(deps.now()));
      setFlash(reply, { kind: 'ok', text: `Omkörning startad kl. ${at} för ${results.filter((r) => r.outcome === 'started').length} av ${results.length} kunder. Sidan uppdateras tills de har kommit till vila; utfallet står under Omkörda kunder.` });
    } catch (err) {
      if (!(err instanceof PeriodError)) throw err;
      setFlash(reply, { kind: 'error', text: refusalFlashText('Kan inte köra om', parseRefusal(err.message)) });
    }
    return reply.redirect(back, 303);
  });

  // "Skicka om": one failed delivery sent again at its corrected recipient, recorded with the
  // operator's name as `deliveries resend --by` records it (docs/delivery-errors.md).
  app.post<PeriodParams & { Params: { id: string } }>('/operator/periods/:period/deliveries/:id/resend', guard, async (request, reply) => {
    const period = periodParam(request.params.period);
    if (!period) return render(reply.code(400), 'message', { title: 'Fel period', text: 'Skriv perioden som ÅÅÅÅ-MM, t.ex. 2024-11.' });
    const back = `/operator/periods/${period}`;
    const id = /^[1-9]\d{0,15}$/.test(request.params.id) ? Number(request.params.id) : null;
    if (id === null) {
      setFlash(reply, { kind: 'error', text: 'Okänt utskick: numret är inte ett tal.' });
      return reply.redirect(back, 303);
    }
    if (!deps.resendDeliveries) {
      setFlash(reply, { kind: 'error', text: 'Omskickning är inte inställd i den här konsolen; använd month-close deliveries resend.' });
      return reply.redirect(back, 303);
    }
    try {
      const [outcome] = await deps.resendDeliveries([id], request.user!.displayName);
      setFlash(reply, { kind: outcome.outcome === 'failed' ? 'error' : 'ok', text: resendOutcomeSv(outcome) });
    } catch (err) {
      if (!(err instanceof ResendRefused)) throw err;
      setFlash(reply, { kind: 'error', text: err.refusals.map(resendRefusalSv).join(' ') });
    }
    return reply.redirect(back, 303);
  });
}
