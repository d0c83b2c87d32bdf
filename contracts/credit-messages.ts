import { defineQuery } from '@temporalio/workflow';

// The credit note workflow's input and answers, shared by workflow and client code. Approval
// reuses the close's approve/reject signals and updates (close-messages.ts).

export interface CreditNoteInput {
  /** The invoice to credit, e.g. F10001. */
  invoiceNumber: string;
  /** Identifies the request: the same request twice is one credit note. */
  requestKey: string;
  requestedBy: string;
  reason: string;
  /** Article codes (billing/types.ts) and quantities; null credits everything not yet credited. An article not on the invoice is refused when the credit is rated. */
  lines: { article: string; quantity: number }[] | null;
  /** After the credit note, draft a corrected invoice for the same period through the normal close. */
  reissue: boolean;
  approvers: string[];
  reminderIntervalMs: number;
}

export type CreditState = 'drafting' | 'awaiting_approval' | 'rejected' | 'finalising' | 'final' | 'refused';

export interface CreditStatus {
  state: CreditState;
  invoiceNumber: string;
  creditNoteNumber: string | null;
  totalOre: number | null;
  reason: string | null;
  /** The close that re-issues the invoice, when --reissue. */
  reissueWorkflowId: string | null;
}

export const creditStatusQuery = defineQuery<CreditStatus>('creditStatus');
