import { refusalSv } from '../billing/refusal-sv';
import type { Refusal } from '../billing/refusals';
import { logger } from '../infra/logger';

// A refusal as a flash says it: a Swedish lead, the refusal's facts in Swedish, a full stop. A
// text no template knows (billing/refusals.ts) is logged, never shown: the person reads that the
// technical reason is in the log, and the log has it.

export function refusalFlashText(lead: string, refusal: Refusal): string {
  if (refusal.code === 'unrecognised') logger.warn({ refusal: refusal.text.slice(0, 1000) }, 'a refusal without a Swedish text was shown in the console');
  return `${lead}: ${refusalSv(refusal)}.`;
}

/** "… avvisades av arbetsflödet" when the workflow's rules refused it; a locked period or an ended credit is no workflow's answer. */
export function decisionLead(refusal: Refusal): string {
  return ['period_locked', 'credit_already_issued', 'credit_was_refused', 'credit_was_rejected', 'credit_not_running', 'credit_unknown_request', 'no_close_running'].includes(refusal.code)
    ? 'Beslutet avvisades'
    : 'Beslutet avvisades av arbetsflödet';
}
