// Deterministic workflow ids: one close per customer and period, one monthly close per period.
// Starting the same id again never creates a second close of the same thing.

export function closeWorkflowId(period: string, customerId: string): string {
  return `close-${period}-${customerId}`;
}

export function monthlyCloseWorkflowId(period: string): string {
  return `monthly-close-${period}`;
}

/** One workflow per correction: the same request (same key) twice credits once. */
export function creditWorkflowId(invoiceNumber: string, requestKey: string): string {
  return `credit-${invoiceNumber}-${requestKey}`;
}
