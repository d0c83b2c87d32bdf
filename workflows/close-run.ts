// The state of one run of customerClose: what the status query shows, the keys of the records
// its steps write, whether the monthly close has heard that it came to rest, and whether an
// update waits for its answer. A plain deterministic class (no @temporalio imports, no clock),
// like DraftReview beside it, so customerClose reads as its steps and this is unit-tested
// without Temporal.

import type { RestReport } from '../activities/close-phases';
import type { Decision as DecisionRecord, DecisionRequestRecord } from '../activities/decisions';
import type { CloseState, CloseStatus, CloseSummary, CustomerCloseInput, DecisionResult } from '../contracts/close-messages';
import type { Decision, ReviewOutcome } from './draft-review';
import type { RequestRecord } from '../contracts/review';

export class CloseRun {
  readonly status: CloseStatus;
  private draftVersions = 0;
  // One count per table, so a phase run again after a lost workflow task (whose request batch
  // may have grown meanwhile) gives each record the key it had.
  private readonly keyCount = { state: 0, request: 0 };
  private restHeard = false;
  private answerPending = false;

  constructor(
    private readonly input: Pick<CustomerCloseInput, 'customerId' | 'period' | 'reportTo'>,
    private readonly runId: string,
  ) {
    this.status = {
      customerId: input.customerId,
      period: input.period,
      state: 'running',
      draftId: null,
      draftVersion: null,
      totalOre: null,
      invoiceNumber: null,
      reason: null,
      remindersSent: 0,
    };
  }

  /**
   * The key of the next record without a natural key (a state change, a decision request): local
   * steps may run again after a lost workflow task, and a record with a key lands once.
   */
  nextKey(of: 'state' | 'request'): string {
    return `${this.runId}/${++this.keyCount[of]}`;
  }

  /** Names draft version `version` of this run (createDraft's run key). */
  draftKey(version: number): string {
    return `${this.runId}/${version}`;
  }

  /** A new draft version is opened; returns its number in this run. */
  nextDraftVersion(): number {
    return ++this.draftVersions;
  }

  /** The decision requests taken from DraftReview, as records with their keys. */
  keyRequests(requests: RequestRecord[]): DecisionRequestRecord[] {
    return requests.map((r) => ({ customerId: this.input.customerId, period: this.input.period, ...r, requestKey: this.nextKey('request') }));
  }

  show(state: CloseState, reason: string | null = null): void {
    this.status.state = state;
    this.status.reason = reason;
  }

  /** Approved: the invoice is being issued (shown, never recorded: `final` follows in the same step). */
  finalising(): void {
    this.status.state = 'finalising';
  }

  draftOpened(draft: { draftId: number; version: number; totalOre: number }): void {
    Object.assign(this.status, { draftId: draft.draftId, draftVersion: draft.version, totalOre: draft.totalOre });
  }

  invoiceIssued(invoice: { number: string; totalOre?: number }): void {
    this.status.invoiceNumber = invoice.number;
    if (invoice.totalOre !== undefined) this.status.totalOre = invoice.totalOre;
  }

  /** One more reminder is due; returns its number (numbered across draft versions). */
  reminded(): number {
    return ++this.status.remindersSent;
  }

  /**
   * The monthly close to signal now that the close came to `state`, once; null when there is
   * none, it has heard already, or the close is not at rest (running).
   */
  restToSignal(state: CloseState): string | null {
    if (state === 'running' || this.restHeard || !this.input.reportTo) return null;
    this.restHeard = true;
    return this.input.reportTo;
  }

  /** For a phase step that may bring the close to rest: the monthly close it tells, while none has heard. */
  restReportForStep(): RestReport {
    return !this.restHeard && this.input.reportTo ? { reportRestTo: this.input.reportTo } : {};
  }

  /** The step with `report` succeeded: its monthly close has heard. (A step that failed told nobody for sure.) */
  stepSucceeded(report: RestReport): void {
    if (report.reportRestTo !== undefined) this.restHeard = true;
  }

  /** An update's answer; it leaves with the workflow task that ran the handler (see takeAnswerPending). */
  answer(outcome: ReviewOutcome): DecisionResult {
    this.answerPending = true;
    return { outcome: outcome === 'refused' ? 'duplicate' : outcome, draftVersion: this.status.draftVersion, state: this.status.state };
  }

  /** Whether an update's answer waits for the workflow task to end, before a phase of local steps keeps it busy. */
  takeAnswerPending(): boolean {
    const pending = this.answerPending;
    this.answerPending = false;
    return pending;
  }

  summary(): CloseSummary {
    const { customerId, period, invoiceNumber, totalOre, reason } = this.status;
    const state = this.status.state === 'finalising' ? 'running' : this.status.state;
    return { customerId, period, state, invoiceNumber, totalOre, reason, draftVersions: this.draftVersions };
  }
}

/** Every approval (two for four eyes) or the rejection as the rows to record, with the policy version it was made under. */
export function decisionRecords(about: { customerId: string; period: string; draftId: number }, d: Decision, policyVersion: string | null): DecisionRecord[] {
  const rows = d.kind === 'approved' ? d.approvals.map((a) => ({ ...a, reason: d.reason })) : [{ by: d.by, via: d.via, atMs: d.atMs, reason: d.reason }];
  return rows.map((row) => ({
    draftId: about.draftId,
    customerId: about.customerId,
    period: about.period,
    decision: d.kind,
    by: row.by,
    reason: row.reason,
    via: row.via,
    decidedAtMs: row.atMs,
    ...(policyVersion !== null ? { policyVersion } : {}),
  }));
}
