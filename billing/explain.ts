// What changed since the customer's previous final invoice, line by line, and the usage facts
// behind it. Pure: the activity loads the rows, this compares them.

import { ARTICLES, ROLES, type Article, type Role, type UsageSnapshot } from './types';

/** A line as compared: an article's quantity and amount (credits already netted in). */
export interface ComparedLine {
  article: Article;
  description: string;
  quantity: number;
  amountOre: number;
}

/**
 * The customer's previous final invoice, as finance sees it now (billing/comparison-base.ts):
 * the live invoice of the previous period with its credit notes netted in, so a credit reduces
 * what we compare with and a re-issue stands for the invoice it replaces.
 */
export interface PreviousInvoice {
  number: string;
  period: string;
  totalOre: number;
  lines: ComparedLine[];
  /** The usage the previous invoice billed; null when it cannot be found. */
  snapshot: UsageSnapshot | null;
  /** The credit notes netted into `totalOre` and `lines`, by number. */
  creditNotes?: string[];
  /** When the invoice is a re-issue: the credited invoice it replaces. */
  replaces?: string | null;
  /** Credited in full and not re-issued: compared as nothing billed. */
  fullyCredited?: boolean;
}

export interface LateEvent {
  eventId: string;
  subjectType: string;
  subjectId: string;
  /** Stockholm date of occurred_at, e.g. '2024-10-12'. */
  occurredOn: string;
}

export interface ExplainInput {
  customerId: string;
  period: string;
  lines: ComparedLine[];
  totalOre: number;
  snapshot: UsageSnapshot;
  previous: PreviousInvoice | null;
  contradictions: { eventId: string; reason: string }[];
  /** Events for an earlier month that arrived after the previous invoice's usage was taken. */
  lateEvents: LateEvent[];
}

export type FactKind =
  | 'first_invoice'
  | 'user_added'
  | 'user_left'
  | 'role_changed'
  | 'module_on'
  | 'module_off'
  | 'company_added'
  | 'company_removed'
  | 'contradiction'
  | 'late_event';

export interface Fact {
  kind: FactKind;
  subject_type: 'user' | 'module' | 'company' | 'event' | 'invoice';
  subject_id: string;
  detail: string;
}

export interface ExplainedLine {
  article: Article;
  description: string;
  previous_quantity: number;
  quantity: number;
  previous_amount_ore: number;
  amount_ore: number;
  change_ore: number;
}

/** The explanation stored with a draft version; its JSON names are interfaces.md's. */
export interface Explanation {
  customer_id: string;
  period: string;
  /**
   * What the draft is compared with; `credit_notes`, `replaces` and `fully_credited` name the
   * documents the base came from (absent in explanations stored before they were added).
   */
  previous: { number: string; period: string; total_ore: number; credit_notes?: string[]; replaces?: string | null; fully_credited?: boolean } | null;
  total_ore: number;
  change_ore: number | null;
  /** Change against the previous total in basis points (1 % = 100); null without a previous total above zero. */
  change_bp: number | null;
  lines: ExplainedLine[];
  facts: Fact[];
}

const ROLE_RANK: Record<Role, number> = { superuser: 0, portal_user: 1, archive_user: 2 };

/** The role a user is billed under when prices follow the usual order (superuser the dearest). */
function billedRole(roles: readonly Role[]): Role | null {
  let best: Role | null = null;
  for (const r of roles) if (ROLES.includes(r) && (best === null || ROLE_RANK[r] < ROLE_RANK[best])) best = r;
  return best;
}

function byArticle(lines: readonly ComparedLine[]): Map<Article, ComparedLine> {
  const map = new Map<Article, ComparedLine>();
  for (const l of lines) {
    const seen = map.get(l.article);
    map.set(l.article, seen ? { ...seen, quantity: seen.quantity + l.quantity, amountOre: seen.amountOre + l.amountOre } : { ...l });
  }
  return map;
}

/** Change in basis points, rounded half away from zero; null when there is nothing to compare with. */
export function changeBasisPoints(previousOre: number, changeOre: number): number | null {
  if (previousOre <= 0) return null;
  const bp = (Math.abs(changeOre) * 10_000) / previousOre;
  return Math.sign(changeOre) * Math.floor(bp + 0.5);
}

function usageFacts(before: UsageSnapshot, now: UsageSnapshot): Fact[] {
  const facts: Fact[] = [];
  const beforeModules = new Set(before.modules);
  const nowModules = new Set(now.modules);
  for (const m of now.modules) if (!beforeModules.has(m)) facts.push({ kind: 'module_on', subject_type: 'module', subject_id: m, detail: `module ${m} switched on` });
  for (const m of before.modules) if (!nowModules.has(m)) facts.push({ kind: 'module_off', subject_type: 'module', subject_id: m, detail: `module ${m} switched off` });

  const beforeUsers = new Map(before.users.map((u) => [u.userId, billedRole(u.roles)]));
  const nowUsers = new Map(now.users.map((u) => [u.userId, billedRole(u.roles)]));
  for (const [id, role] of nowUsers) {
    const was = beforeUsers.get(id);
    if (was === undefined) facts.push({ kind: 'user_added', subject_type: 'user', subject_id: id, detail: `user added as ${role}` });
    else if (was !== role) facts.push({ kind: 'role_changed', subject_type: 'user', subject_id: id, detail: `role ${was} → ${role}` });
  }
  for (const [id, role] of beforeUsers) {
    if (!nowUsers.has(id)) facts.push({ kind: 'user_left', subject_type: 'user', subject_id: id, detail: `user left (was ${role})` });
  }

  const beforeCompanies = new Set(before.companies);
  const nowCompanies = new Set(now.companies);
  for (const c of now.companies) if (!beforeCompanies.has(c)) facts.push({ kind: 'company_added', subject_type: 'company', subject_id: c, detail: 'company added' });
  for (const c of before.companies) if (!nowCompanies.has(c)) facts.push({ kind: 'company_removed', subject_type: 'company', subject_id: c, detail: 'company removed' });
  return facts;
}

/** One draft against the previous final invoice: every article of either, and the facts. */
export function explainDraft(input: ExplainInput): Explanation {
  const now = byArticle(input.lines);
  const before = byArticle(input.previous?.lines ?? []);
  const lines: ExplainedLine[] = [];
  for (const article of ARTICLES) {
    const n = now.get(article);
    const b = before.get(article);
    if (!n && !b) continue;
    const amount = n?.amountOre ?? 0;
    const previousAmount = b?.amountOre ?? 0;
    lines.push({
      article,
      description: (n ?? b)!.description,
      previous_quantity: b?.quantity ?? 0,
      quantity: n?.quantity ?? 0,
      previous_amount_ore: previousAmount,
      amount_ore: amount,
      change_ore: amount - previousAmount,
    });
  }

  const facts: Fact[] = [];
  if (input.previous === null) {
    facts.push({ kind: 'first_invoice', subject_type: 'invoice', subject_id: input.customerId, detail: 'no previous final invoice: the first monthly invoice' });
  } else if (input.previous.snapshot) {
    facts.push(...usageFacts(input.previous.snapshot, input.snapshot));
  }
  for (const c of input.contradictions) facts.push({ kind: 'contradiction', subject_type: 'event', subject_id: c.eventId, detail: `left out of the bill: ${c.reason}` });
  for (const e of input.lateEvents) {
    facts.push({ kind: 'late_event', subject_type: 'event', subject_id: e.eventId, detail: `${e.subjectType} ${e.subjectId} on ${e.occurredOn}, arrived after the previous close` });
  }

  const changeOre = input.previous ? input.totalOre - input.previous.totalOre : null;
  return {
    customer_id: input.customerId,
    period: input.period,
    previous: input.previous
      ? {
          number: input.previous.number,
          period: input.previous.period,
          total_ore: input.previous.totalOre,
          credit_notes: input.previous.creditNotes ?? [],
          replaces: input.previous.replaces ?? null,
          fully_credited: input.previous.fullyCredited ?? false,
        }
      : null,
    total_ore: input.totalOre,
    change_ore: changeOre,
    change_bp: input.previous && changeOre !== null ? changeBasisPoints(input.previous.totalOre, changeOre) : null,
    lines,
    facts,
  };
}
