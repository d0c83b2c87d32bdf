import { creditRequestReads } from '../../store/credits';
import { failureTextSv } from '../close-reasons-sv';
import type { FastifyInstance } from 'fastify';
import { ARTICLES, type Article } from '../../billing/types';
import type { CreditSelection } from '../../billing/credit';
import { formatSek } from '../../billing/format';
import { closeSettings } from '../../client/close';
import { CreditNeverApprovable, CreditRequestRefused, decideCredit, requestCredit } from '../../client/credit';
import { findInvoiceByNumber, loadCreditBasis } from '../../store/credits';
import { articleNameSv } from '../../billing/refusal-sv';
import { beskrivFritextProblem, freeTextProblem, MAX_CREDIT_REASON } from '../../infra/free-text';
import { decisionLead, refusalFlashText } from '../refusal-text';
import { requireArea } from '../auth';
import { helpers, render, setFlash } from '../render';
import type { RouteDeps } from '../server';

// Credit notes in the console: finance asks for one from the invoice list (all of an invoice or
// some lines, optionally re-issued), approves or rejects it here (four eyes above the policy's
// limit, enforced by the credit workflow), and finds the K number once it is issued. The same
// client calls as `invoices credit` and `invoices credit-approve`.

type NumberParams = { Params: { number: string } };
type CreditParams = { Params: { workflowId: string } };

export function registerCreditRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps;
  const guard = { preHandler: requireArea('finance') };

  app.get<NumberParams>('/finance/invoices/:number/credit', guard, async (request, reply) => {
    const found = await findInvoiceByNumber(db, request.params.number);
    if (!found) return reply.callNotFound();
    const basis = await loadCreditBasis(db, found.id);
    const credited = new Map<string, number>();
    for (const p of basis.prior) for (const l of p.credit.lines) credited.set(l.article, (credited.get(l.article) ?? 0) - l.quantity);
    const lines = basis.invoice.lines.map((l) => ({ ...l, left: l.quantity - (credited.get(l.article) ?? 0) }));
    const customer = await db('customers').where({ customer_id: basis.customerId }).first('name');
    return render(reply, 'finance-credit-new', { title: `Kreditera ${basis.number}`, basis, lines, customerName: customer?.name ?? basis.customerId });
  });

  app.post<NumberParams & { Body: Record<string, string | undefined> }>('/finance/invoices/:number/credit', guard, async (request, reply) => {
    const found = await findInvoiceByNumber(db, request.params.number);
    if (!found) return reply.callNotFound();
    const back = `/finance/invoices/${encodeURIComponent(found.number)}/credit`;
    const body = request.body ?? {};
    const reason = (body.reason ?? '').trim();
    // The credit note's own limits (infra/free-text.ts), said here in Swedish before the client says them in English.
    const reasonProblem = reason ? freeTextProblem(reason, MAX_CREDIT_REASON) : null;
    if (!reason || reasonProblem) {
      setFlash(reply, { kind: 'error', text: reasonProblem ? beskrivFritextProblem('Orsaken', reasonProblem) : 'Skriv varför fakturan krediteras.' });
      return reply.redirect(back, 303);
    }
    let lines: CreditSelection = null;
    if (body.scope === 'lines') {
      const picked: { article: Article; quantity: number }[] = [];
      for (const article of ARTICLES) {
        const raw = (body[`qty_${article}`] ?? '').trim();
        if (!raw) continue;
        const quantity = Number(raw);
        if (!Number.isSafeInteger(quantity) || quantity <= 0) {
          setFlash(reply, { kind: 'error', text: `Antal för ${articleNameSv(article)}: ”${raw.slice(0, 20)}” är inte ett positivt heltal.` });
          return reply.redirect(back, 303);
        }
        picked.push({ article, quantity });
      }
      if (picked.length === 0) {
        setFlash(reply, { kind: 'error', text: 'Ange antal på minst en rad, eller välj hela fakturan.' });
        return reply.redirect(back, 303);
      }
      lines = picked;
    }
    try {
      const started = await requestCredit(creditRequestReads(db), await deps.client(), closeSettings(deps.config), {
        invoiceNumber: found.number,
        requestedBy: request.user!.displayName,
        reason,
        lines,
        reissue: body.reissue === '1',
      });
      const invoice = await db('invoices').where({ id: found.id }).first('customer_id', 'period');
      await db('console_actions').insert({ user_id: request.user!.id, action: 'credit_request', customer_id: invoice.customer_id, period: invoice.period, outcome: started.outcome });
      setFlash(reply, {
        kind: 'ok',
        text: started.outcome === 'started'
          ? `Kreditering av ${found.number} begärd (${formatSek(Math.abs(started.totalOre))} att återfå); den väntar på godkännande.`
          : `Samma kreditering är redan begärd (${helpers.creditStatus(started.status).toLowerCase()}); inget nytt startades.`,
      });
      return reply.redirect('/finance/credits', 303);
    } catch (err) {
      if (!(err instanceof CreditRequestRefused)) throw err;
      setFlash(reply, { kind: 'error', text: err instanceof CreditNeverApprovable ? err.sv : refusalFlashText('Krediteringen kan inte begäras', err.refusal) });
      return reply.redirect(back, 303);
    }
  });

  app.get('/finance/credits', guard, async (_request, reply) => {
    const rows = await db('credit_requests as c')
      .join('invoices as i', 'i.id', 'c.invoice_id')
      .join('customers as cu', 'cu.customer_id', 'i.customer_id')
      .leftJoin('invoices as k', 'k.id', 'c.credit_note_id')
      .leftJoin('invoice_documents as d', 'd.invoice_id', 'k.id')
      .orderByRaw("(c.status = 'awaiting_approval') DESC, c.created_at DESC")
      .limit(500)
      .select(
        'c.id', 'c.workflow_id', 'c.status', 'c.reason', 'c.requested_by', 'c.created_at', 'c.reissue', 'c.rated', 'c.approvals_needed', 'c.decided_by', 'c.decision_reason',
        db.raw('i.series || i.number as invoice'), 'i.customer_id', 'i.period', 'cu.name as customer_name', db.raw('k.series || k.number as credit_note'), 'd.pdf_sha256',
      );
    const firsts = await db('credit_approval_requests').whereIn('workflow_id', rows.map((r: { workflow_id: string }) => r.workflow_id)).where('outcome', 'like', 'approved 1 of %').select('workflow_id', 'requested_by');
    const fromConsole = await db('console_actions as a')
      .join('console_users as u', 'u.id', 'a.user_id')
      .where({ 'a.action': 'credit_approve', 'a.outcome': 'needs_second' })
      .select('a.draft_version', 'u.display_name');
    const credits = rows.map((r: Record<string, any>) => ({
      ...r,
      // A refusal's reason is the workflow's English one (kept in credit_requests and the logs).
      decision_reason: r.status === 'refused' && r.decision_reason ? failureTextSv('CreditRefused', r.decision_reason) : r.decision_reason,
      total_ore: Number(r.rated?.totalOre ?? 0),
      approved_by: [...new Set([...firsts.filter((f: { workflow_id: string }) => f.workflow_id === r.workflow_id).map((f: { requested_by: string }) => f.requested_by), ...fromConsole.filter((a: { draft_version: number }) => a.draft_version === Number(r.id)).map((a: { display_name: string }) => a.display_name)])],
    }));
    return render(reply, 'finance-credits', { title: 'Krediteringar', credits });
  });

  const decide = (kind: 'approve' | 'reject') => async (request: { params: { workflowId: string }; body?: { reason?: string }; user: { id: number; displayName: string } | null }, reply: Parameters<typeof setFlash>[0]) => {
    const req = await db('credit_requests as c').join('invoices as i', 'i.id', 'c.invoice_id').where('c.workflow_id', request.params.workflowId).first('c.id', 'i.customer_id', 'i.period');
    if (!req) return reply.callNotFound();
    const by = request.user!.displayName;
    const reason = (request.body?.reason ?? '').trim();
    if (kind === 'reject' && !reason) {
      setFlash(reply, { kind: 'error', text: 'Skriv varför krediteringen avslås.' });
      return reply.redirect('/finance/credits', 303);
    }
    let outcome: string;
    try {
      const r = await decideCredit(await deps.client(), request.params.workflowId, kind === 'approve' ? { kind, by } : { kind, by, reason }, db);
      outcome = r.outcome;
      const text = { approved: 'Krediteringen är godkänd; kreditfakturan utfärdas.', needs_second: 'Godkänd av dig; en annan person måste göra det andra godkännandet (fyra ögon).', rejected: 'Krediteringen är avslagen.', duplicate: 'Beslutet var redan fattat; inget ändrades.' }[r.outcome as string] ?? r.outcome;
      setFlash(reply, { kind: 'ok', text });
    } catch (err) {
      if (!(err instanceof CreditRequestRefused)) throw err;
      outcome = `refused: ${err.message}`;
      await db('credit_approval_requests').insert({ workflow_id: request.params.workflowId, request: kind, requested_by: by, outcome: `refused (console): ${err.message}`, received_at: new Date() });
      setFlash(reply, { kind: 'error', text: refusalFlashText(decisionLead(err.refusal), err.refusal) });
    }
    await db('console_actions').insert({ user_id: request.user!.id, action: `credit_${kind}`, customer_id: req.customer_id, period: req.period, draft_version: req.id, outcome });
    return reply.redirect('/finance/credits', 303);
  };
  app.post<CreditParams & { Body: { reason?: string } }>('/finance/credits/:workflowId/approve', guard, (request, reply) => decide('approve')(request, reply));
  app.post<CreditParams & { Body: { reason?: string } }>('/finance/credits/:workflowId/reject', guard, (request, reply) => decide('reject')(request, reply));
}
