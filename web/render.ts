import type { FastifyReply } from 'fastify';
import { formatPercent, formatQuantity, formatSek } from '../billing/format';
import type { CloseState } from '../contracts/close-messages';
import { nothingToBillSv } from './close-reasons-sv';
import { articleSv, comparisonBaseSv, comparisonUpdatedSv, comparisonUpdatedWhenSv, factArticle, factSv, FACT_KIND_SV, flagDetailSv, flagSv, outcomeSv, reasonSv, refusalSv, requestSv, signedPct, SUBJECT_SV } from '../billing/review-sv';
import { STATUS_SV, type InvoiceStatus } from '../billing/ledger';
import type { ConsoleRole } from './users';

// Every page goes through here: the layout gets the user, a CSRF token for its forms, the
// message left by the last action (flash) and the sv-SE formatters.

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** A close's state in Swedish (the console, the CLI's period report). */
export const STATE_LABELS: Record<CloseState | 'finalising' | 'not_started', string> = {
  not_started: 'Inte startat',
  running: 'Pågår',
  awaiting_approval: 'Väntar på godkännande',
  rejected: 'Avvisad',
  final: 'Slutlig',
  finalising: 'Godkänd, slutförs',
  nothing_to_bill: 'Inget att fakturera',
  failed: 'Misslyckad',
};

const CREDIT_STATUS_LABELS: Record<string, string> = {
  awaiting_approval: 'Väntar på godkännande',
  approved: 'Godkänd, utfärdas',
  rejected: 'Avslagen',
  final: 'Utfärdad',
  refused: 'Vägrad',
  running: 'Pågår',
};

const dateTime = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' });

export const helpers = {
  sek: (ore: number | null | undefined) => (ore === null || ore === undefined ? '–' : formatSek(Number(ore))),
  signedSek: (ore: number | null | undefined) => (ore === null || ore === undefined ? '–' : formatSek(Number(ore), { signDisplay: 'exceptZero' })),
  qty: (n: number | null | undefined) => (n === null || n === undefined ? '–' : formatQuantity(Number(n))),
  pct: (p: number | null | undefined) => (p === null || p === undefined ? '–' : formatPercent(Math.round(p * 10) / 10)),
  state: (s: string) => STATE_LABELS[s as CloseState] ?? s,
  /** A credit request's status (credit_requests.status) in Swedish. */
  creditStatus: (s: string | null | undefined) => (s ? (CREDIT_STATUS_LABELS[s] ?? 'Okänd status') : 'Pågår'),
  /** An issued invoice's status from the ledger (billing/ledger.ts), in Swedish. */
  invoiceStatus: (s: string) => STATUS_SV[s as InvoiceStatus] ?? s,
  at: (d: Date | string | number | null | undefined) => (d === null || d === undefined ? '–' : dateTime.format(new Date(d))),
  role: (r: ConsoleRole) =>
    r.kind === 'finance' ? 'Ekonomi' : r.kind === 'operator' ? 'Drift' : r.kind === 'partner' ? `Partner ${r.partnerId}` : `Kundadministratör ${r.customerId}`,
  /** A change in percent with its sign, sv-SE: '+77,1 %'. */
  signedPct,
  article: articleSv,
  flag: flagSv,
  flagDetail: flagDetailSv,
  fact: factSv,
  factArticle,
  groupName: (a: string) => (a === 'other' ? 'Övrigt' : a === 'user' ? 'Användare' : `OneStop Reporting - ${articleSv(a)}`),
  factKind: (k: string) => FACT_KIND_SV[k] ?? k,
  subject: (t: string) => SUBJECT_SV[t] ?? t,
  reason: reasonSv,
  /** Which documents the draft is compared with (the previous invoice net of its credit notes). */
  comparisonBase: comparisonBaseSv,
  comparisonUpdated: comparisonUpdatedSv,
  comparisonUpdatedWhen: comparisonUpdatedWhenSv,
  nothingToBill: nothingToBillSv,
  outcome: outcomeSv,
  refusal: refusalSv,
  request: requestSv,
  /** More money billed is good news: green; less, red. */
  changeClass: (ore: number | null | undefined) => (!ore ? '' : ore > 0 ? 'up' : 'down'),
};

declare module 'fastify' {
  interface FastifyRequest {
    /** How the header names the logged-in user's role, e.g. 'Partner Nordic Partner AB'. */
    roleLabel?: string;
  }
}

export function takeFlash(reply: FastifyReply): Flash | null {
  const flash = reply.request.session.get('flash') ?? null;
  if (flash) reply.request.session.set('flash', undefined);
  return flash;
}

export function setFlash(reply: FastifyReply, flash: Flash): void {
  reply.request.session.set('flash', flash);
}

export function render(reply: FastifyReply, view: string, data: Record<string, unknown> & { title: string }): FastifyReply {
  const csrf = reply.generateCsrf();
  const user = reply.request.user;
  const roleLabel = reply.request.roleLabel ?? (user ? helpers.role(user.role) : '');
  return reply.type('text/html; charset=utf-8').view(view, { ...data, user, roleLabel, csrf, flash: takeFlash(reply), h: helpers }) as unknown as FastifyReply;
}
