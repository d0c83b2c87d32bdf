// The activities of one customer's close that finance approves at once, in the order
// customerClose calls them (the merged steps of activities/close-phases.ts, whose last two also
// attempt their deliveries once). A delivery whose attempt in the phase fails retryably is then
// retried as its own `deliverNotification` step; when every receiver answers there is none. The bench's plain loop (bench/plain-close.ts `closeOne`)
// makes the same calls in this order, and test/close/step-order.test.ts checks both against a
// real close's history: a step added to the workflow and not to the loop (or the other way
// round) fails there.
export const APPROVED_CLOSE_STEPS = [
  // running -> awaiting_approval: running, findIssuedInvoice, snapshotUsage, createDraft, renderDraftPdf, reviewDraft
  'openDraft',
  // awaiting_approval, planNotifications, one attempt of each draft_ready delivery
  'awaitFinanceAndNotify',
  // approved -> final and notified: recordDecisionRequests, recordDecision, finaliseInvoice,
  // renderInvoicePdf, final, planNotifications, one attempt of each invoice_final delivery
  'issueApprovedAndNotify',
] as const;

export type CloseStep = (typeof APPROVED_CLOSE_STEPS)[number];

/**
 * How long a phase waits for its own delivery attempts (activities/close-phases.ts). An attempt
 * still running then is left to finish on its own and reported late: a hanging receiver costs
 * the phase (1-minute timeout) at most this, not the senders' 20 s.
 */
export const PHASE_ATTEMPT_WAIT_MS = 10_000;

/**
 * How long the workflow waits before it retries a late delivery: with the phase's wait, the 30 s
 * a delivery step may take (its start-to-close timeout, above the senders' 20 s), so the late
 * attempt has ended and recorded its outcome before the next one starts. Two attempts at once
 * could otherwise record a late failure over the retry's success.
 */
export const LATE_DELIVERY_GRACE_MS = 30_000 - PHASE_ATTEMPT_WAIT_MS;
