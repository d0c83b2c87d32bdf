import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { Failure } from './failures';

// The messages of the close workflows, shared by workflow and client code.

export const BILLING_PERIOD = defineSearchAttributeKey('BillingPeriod', SearchAttributeType.KEYWORD);
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const CLOSE_STATE = defineSearchAttributeKey('CloseState', SearchAttributeType.KEYWORD);

/** The search attributes above by name and type, for registering them in a namespace (infra/namespace-setup.ts). */
export const SEARCH_ATTRIBUTES = {
  BillingPeriod: 'Keyword',
  CustomerId: 'Keyword',
  CloseState: 'Keyword',
} as const;

/** The failure type a customer close ends with when it cannot bill (the reason names the fix). */
export const CLOSE_FAILED = Failure.CloseFailed;

export type CloseState = 'running' | 'awaiting_approval' | 'rejected' | 'final' | 'nothing_to_bill' | 'failed';

export interface CustomerCloseInput {
  customerId: string;
  period: string; // YYYY-MM
  approvers: string[]; // configured finance approvers
  reminderIntervalMs: number;
  /** A monthly close to tell when this customer first comes to rest. */
  reportTo?: string | null;
}

export interface CloseSummary {
  customerId: string;
  period: string;
  state: CloseState;
  invoiceNumber: string | null;
  totalOre: number | null;
  reason: string | null;
  draftVersions: number;
}

export interface CloseStatus {
  customerId: string;
  period: string;
  state: CloseState | 'finalising';
  draftId: number | null;
  draftVersion: number | null;
  totalOre: number | null;
  invoiceNumber: string | null;
  reason: string | null;
  remindersSent: number;
  /**
   * The decision taken on the current draft version, also before the state shows it (the close
   * records `rejected` a step after it accepts a rejection). Absent from closes of workers before 1.1.
   */
  decision?: 'approved' | 'rejected' | null;
}

/** What one customer's close of a period recorded in the database (store/close-runs.ts), as `close status` reads it. */
export interface CloseRun {
  customerId: string;
  state: CloseState;
  reason: string | null;
  /** The failure type a failed close recorded (contracts/failures.ts), null otherwise. */
  failureType: string | null;
  workflowId: string;
  invoiceNumber: string | null;
  /** What became of the invoice (credit notes, a re-issue); absent where not read. */
  invoiceFate?: InvoiceFate;
}

/** `live`, `partly_credited`, `credited` (credit notes cancel it in full) or `replaced` (a re-issue took its place). */
export type InvoiceStatus = 'live' | 'partly_credited' | 'credited' | 'replaced';

export interface InvoiceFate {
  /** null without an invoice. */
  status: InvoiceStatus | null;
  /** The credit notes issued against the invoice, oldest first. */
  creditedBy: string[];
  /** The invoice that replaced it (a re-issue), if any. */
  replacedBy: string | null;
  /** The invoice this one re-issues, if it is a re-issue. */
  replaces: string | null;
}

export interface ApproveRequest {
  by: string;
  /** The draft version the approver saw; a stale one is refused. */
  draftVersion?: number;
  via?: 'signal' | 'update' | 'approve_all';
  /** Approve-all of a flagged draft must say so (`--include-flagged`). */
  includeFlagged?: boolean;
}

export interface RejectRequest {
  by: string;
  reason: string;
  draftVersion?: number;
}

export interface RecomputeRequest {
  by?: string;
}

/** `needs_second`: a four-eyes draft has its first approval and waits for a different approver. */
export type DecisionOutcome = 'approved' | 'needs_second' | 'rejected' | 'recompute_started' | 'duplicate';

export interface DecisionResult {
  outcome: DecisionOutcome;
  draftVersion: number | null;
  state: CloseStatus['state'];
}

export const approveSignal = defineSignal<[ApproveRequest]>('approve');
export const rejectSignal = defineSignal<[RejectRequest]>('reject');
export const recomputeSignal = defineSignal<[RecomputeRequest]>('recompute');
export const approveUpdate = defineUpdate<DecisionResult, [ApproveRequest]>('approveDraft');
export const rejectUpdate = defineUpdate<DecisionResult, [RejectRequest]>('rejectDraft');
export const statusQuery = defineQuery<CloseStatus>('status');

// Monthly close
export interface MonthlyCloseInput {
  period: string;
  approvers: string[];
  reminderIntervalMs: number;
  maxConcurrent: number;
  pageSize?: number;
  /** Start children of a new run after this many, to keep each run's history small. */
  childrenPerRun?: number;
  carried?: MonthlyCarriedState;
}

/** What one run of the monthly close hands to the next when it continues as new. */
export interface MonthlyCarriedState {
  cursor: string | null;
  listingDone: boolean;
  queued: string[];
  inFlight: string[];
  started: number;
  atRest: number;
  alreadyRunning: number;
  runs: number;
  approveAllBy: string[];
  /** Per approve-all request: include flagged drafts. */
  approveAllFlagged: boolean[];
  peakInFlight: number;
}

export interface MonthlyProgress {
  period: string;
  started: number;
  inFlight: number;
  atRest: number;
  alreadyRunning: number;
  listingDone: boolean;
  runs: number;
  /** The most customers ever working at once: never above maxConcurrent. */
  peakInFlight: number;
}

export const childAtRestSignal = defineSignal<[{ customerId: string; state: CloseState }]>('childAtRest');
export const approveAllSignal = defineSignal<[{ by: string; includeFlagged?: boolean }]>('approveAll');
export const progressQuery = defineQuery<MonthlyProgress>('progress');

export interface ScheduledCloseSettings {
  approvers: string[];
  reminderIntervalMs: number;
  maxConcurrent: number;
}
