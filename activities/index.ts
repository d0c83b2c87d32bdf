import type { ActivityDeps } from './deps';
import { closePhaseActivities } from './close-phases';
import { closeStateActivities } from './close-state';
import { creditActivities } from './credits';
import { decisionActivities } from './decisions';
import { documentActivities } from './documents';
import { monthlyActivities } from './monthly';
import { notificationActivities } from './notifications';
import { paymentReminderActivities } from './payment-reminders';
import { reviewActivities } from './review';
import { snapshotActivities } from './snapshot';

/**
 * The activities a workflow calls, bound to their dependencies. The finer steps of a close
 * (snapshot, draft, review, finalise: snapshot.ts, drafts.ts, review.ts, finalise.ts) run
 * inside the close's phases (close-phases.ts) and are not registered on their own.
 */
export function createActivities(deps: ActivityDeps) {
  const { recordCloseState } = closeStateActivities(deps);
  const { renderInvoicePdf } = documentActivities(deps);
  return {
    ...closePhaseActivities(deps),
    // The close's own records between phases: nothing_to_bill, rejected, failed; decision requests.
    recordCloseState,
    ...decisionActivities(deps),
    ...notificationActivities(deps),
    ...monthlyActivities(deps),
    ...creditActivities(deps),
    // The credit note's PDF (the invoice's is rendered inside issueApprovedAndNotify).
    renderInvoicePdf,
    ...paymentReminderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
