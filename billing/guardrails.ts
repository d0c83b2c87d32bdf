// Guardrails and the approval policy over an explained draft. Pure: the same
// explanation and policy always give the same flags and verdict, so the verdict computed in an
// activity is what the workflow acts on, and the rules are tested without a database.

import type { Explanation } from './explain';
import { formatSek } from './format';

/** Stable flag codes (interfaces.md, "Finance review"). */
export const FLAG_CODES = ['first_invoice', 'change_above_threshold', 'new_article', 'article_dropped', 'usage_contradictions', 'late_events', 'four_eyes'] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export interface Flag {
  code: FlagCode;
  detail: string;
}

/** The approval policy as configured (infra/config.ts); amounts in öre incl. moms. */
export interface ApprovalPolicy {
  /** Recorded with every decision, so a decision can be traced to the rules it was made under. */
  version: string;
  /** Unflagged drafts whose change is within BOTH limits are approved by the policy. */
  autoApprove: { enabled: boolean; maxChangePct: number; maxChangeOre: number };
  /** A change above BOTH limits flags the draft. */
  flagChange: { minChangePct: number; minChangeOre: number };
  /** A total above this needs two different approvers. */
  fourEyesAboveOre: number;
  /** A draft waiting longer than this is escalated once to `finance_escalation`. */
  escalateAfterHours: number;
}

export interface PolicyVerdict {
  policyVersion: string;
  flags: Flag[];
  approvalsNeeded: number;
  /** Why the policy approves it ("+2.1 % vs F10123 …"), or null when a person must. */
  autoApprove: string | null;
  /** Why a person must decide (shown in `drafts list`), or null when auto-approved. */
  waitsBecause: string | null;
  escalateAfterMs: number;
}

const basisPoints = (pct: number) => Math.round(pct * 100);

/** |change| / previous above `pct` percent; any change from a previous total of zero (or less, after a credit) is above. */
function percentAbove(previousOre: number, changeOre: number, pct: number): boolean {
  if (changeOre === 0) return false;
  if (previousOre <= 0) return true;
  return Math.abs(changeOre) * 10_000 > basisPoints(pct) * previousOre;
}

/** '+2.1 %' from basis points; '' when there is no percentage. */
export function formatChangePct(bp: number | null): string {
  if (bp === null) return 'n/a';
  return `${bp > 0 ? '+' : bp < 0 ? '−' : '±'}${(Math.abs(bp) / 100).toFixed(1)} %`;
}

export function flagDraft(e: Explanation, policy: ApprovalPolicy): Flag[] {
  const flags: Flag[] = [];
  if (e.previous === null) {
    flags.push({ code: 'first_invoice', detail: 'no previous final invoice to compare with' });
  } else {
    const change = e.change_ore ?? 0;
    if (percentAbove(e.previous.total_ore, change, policy.flagChange.minChangePct) && Math.abs(change) > policy.flagChange.minChangeOre) {
      flags.push({ code: 'change_above_threshold', detail: `${formatChangePct(e.change_bp)} (${formatSek(change, { signDisplay: 'exceptZero' })}) vs ${e.previous.number}` });
    }
    const added = e.lines.filter((l) => l.previous_quantity <= 0 && l.quantity > 0).map((l) => l.article);
    const dropped = e.lines.filter((l) => l.previous_quantity > 0 && l.quantity <= 0).map((l) => l.article);
    if (added.length > 0) flags.push({ code: 'new_article', detail: `new: ${added.join(', ')}` });
    if (dropped.length > 0) flags.push({ code: 'article_dropped', detail: `dropped: ${dropped.join(', ')}` });
  }
  const contradictions = e.facts.filter((f) => f.kind === 'contradiction').length;
  if (contradictions > 0) flags.push({ code: 'usage_contradictions', detail: `${contradictions} contradicting event(s) left out of the bill` });
  const late = e.facts.filter((f) => f.kind === 'late_event').length;
  if (late > 0) flags.push({ code: 'late_events', detail: `${late} event(s) for an earlier month arrived after the previous close` });
  if (e.total_ore > policy.fourEyesAboveOre) flags.push({ code: 'four_eyes', detail: `total ${formatSek(e.total_ore)} above ${formatSek(policy.fourEyesAboveOre)}: two approvers` });
  return flags;
}

/**
 * Why a draft whose review was refreshed still waits when the policy would now approve it
 * (store/review-refresh.ts): the workflow's verdict stands, this prefixes the policy's reason.
 */
export const STILL_WAITS_PREFIX = 'held before the comparison was updated; now ';

/** What the policy decides for an explained draft. */
export function policyVerdict(e: Explanation, policy: ApprovalPolicy): PolicyVerdict {
  const flags = flagDraft(e, policy);
  const base = {
    policyVersion: policy.version,
    flags,
    approvalsNeeded: flags.some((f) => f.code === 'four_eyes') ? 2 : 1,
    escalateAfterMs: Math.round(policy.escalateAfterHours * 3_600_000),
  };
  const waits = (why: string): PolicyVerdict => ({ ...base, autoApprove: null, waitsBecause: why });
  if (flags.length > 0) return waits(`flagged: ${flags.map((f) => f.code).join(', ')}`);
  if (!policy.autoApprove.enabled) return waits('auto-approval is off');
  const previous = e.previous!; // no first_invoice flag, so there is one
  const change = e.change_ore ?? 0;
  const what = `${formatChangePct(e.change_bp)} (${formatSek(change, { signDisplay: 'exceptZero' })}) vs ${previous.number}`;
  if (previous.total_ore <= 0 && change !== 0) return waits(`previous total ${formatSek(previous.total_ore)} (credited): no percentage to judge`);
  const within = !percentAbove(previous.total_ore, change, policy.autoApprove.maxChangePct) && Math.abs(change) <= policy.autoApprove.maxChangeOre;
  const tolerance = `±${policy.autoApprove.maxChangePct} % and ±${formatSek(policy.autoApprove.maxChangeOre)}`;
  if (!within) return waits(`${what} is outside ${tolerance}`);
  return { ...base, autoApprove: `${what}, within ${tolerance} (policy ${policy.version})`, waitsBecause: null };
}
