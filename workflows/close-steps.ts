// The activities of one customer's close that finance approves at once, in the order
// customerClose calls them on local steps (the merged steps of activities/close-phases.ts) (deliverNotification once per subscriber). The bench's plain loop
// (bench/close.ts `closeOne`) makes the same calls in this order, and
// test/close/step-order.test.ts checks both against a real close's history: a step added to
// the workflow and not to the loop (or the other way round) fails there.
export const APPROVED_CLOSE_STEPS = [
  // running -> awaiting_approval: running, findIssuedInvoice, snapshotUsage, createDraft, renderDraftPdf, reviewDraft
  'openDraft',
  // awaiting_approval, planNotifications
  'awaitFinance',
  'deliverNotification',
  // approved -> final and notified: recordDecisionRequests, recordDecision, finaliseInvoice, renderInvoicePdf, final, planNotifications
  'issueApproved',
  'deliverNotification',
] as const;

export type CloseStep = (typeof APPROVED_CLOSE_STEPS)[number];
