import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { CreditError, fullyCredited, rateCredit, type CreditSelection, type PriorCredit } from '../billing/credit';
import { creditVerdict, unapprovableCredit, type UnapprovableCredit } from '../billing/credit-approval';
import { formatSek } from '../billing/format';
import type { RatedInvoice } from '../billing/types';
import type { CreditNoteInput } from '../contracts/credit-messages';
import { approveUpdate, rejectUpdate, type DecisionResult } from '../contracts/close-messages';
import { creditWorkflowId } from '../contracts/workflow-ids';
import type { Db } from '../infra/db';
import { creditTextRefusal } from '../infra/free-text';
import { parseRefusal, refusalCli, type LockFacts, type Refusal } from '../billing/refusals';
import { refusalSv } from '../billing/refusal-sv';
import type { creditNote } from '../workflows';
import type { CloseSettings } from './close';

/**
 * A request or decision refused: over-crediting, unknown invoice, partial --reissue, a refused
 * approval. `refusal` holds the facts (the console's Swedish); the message is the CLI's text.
 */
export class CreditRequestRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    message = refusalCli(refusal),
  ) {
    super(message);
  }
}

/**
 * A credit the configured finance approvers could never approve (the requester never approves
 * their own credit, and too few others are configured): refused before it starts, instead of a
 * workflow that would wait for ever. `next` and `sv` say the fix, for the CLI and the console.
 */
export class CreditNeverApprovable extends CreditRequestRefused {
  readonly next = 'add a finance approver to financeApprovers in the configuration (config/month-close.json, or the file MONTH_CLOSE_CONFIG names), or let someone else request the credit (--by)';
  readonly sv: string;

  constructor(
    readonly invoiceNumber: string,
    readonly totalOre: number,
    readonly fourEyesAboveOre: number,
    readonly missing: UnapprovableCredit,
  ) {
    const { requester, approvalsNeeded, others } = missing;
    const amount = formatSek(Math.abs(totalOre));
    const why = approvalsNeeded > 1 ? ` (four eyes: above ${formatSek(fourEyesAboveOre)})` : '';
    const who = others.length === 0 ? 'no other finance approver is configured' : `only ${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} configured besides`;
    const cli =
      `the credit of ${invoiceNumber} for ${amount} needs ${approvalsNeeded} approver${approvalsNeeded > 1 ? 's' : ''} other than ${requester}${why}, but ${who}: ` +
      'it could never be approved, so nothing was started';
    super({ code: 'credit_never_approvable', invoice: invoiceNumber, totalOre, fourEyesAboveOre, requester, approvalsNeeded, others, cli });
    this.sv = `Krediteringen av ${invoiceNumber} (${amount}) kan inte begäras av ${requester}: ${refusalSv(this.refusal)}.`;
  }
}

export interface CreditRequest {
  invoiceNumber: string;
  requestedBy: string;
  reason: string;
  lines: CreditSelection;
  reissue: boolean;
}

/** The same invoice, lines, reason and --reissue give the same key: asking twice credits once. */
export function creditRequestKey(r: CreditRequest): string {
  const lines = r.lines ? [...r.lines].sort((a, b) => (a.article < b.article ? -1 : 1)).map((l) => `${l.article}=${l.quantity}`) : null;
  return createHash('sha256').update(JSON.stringify([r.invoiceNumber, lines, r.reason.trim(), r.reissue])).digest('hex').slice(0, 12);
}

export interface CreditStart {
  outcome: 'started' | 'duplicate';
  workflowId: string;
  requestKey: string;
  /** Of the draft credit note (negative), as the client rated it. */
  totalOre: number;
  /** For a duplicate: where the first request stands. */
  status: string | null;
  creditNote: string | null;
}

/** What a request is checked against before anything starts (store/credits.ts `creditRequestReads`). */
export interface CreditRequestReads {
  findInvoice(numberText: string): Promise<{ id: number; number: string } | null>;
  previousRequest(requestKey: string): Promise<{ status: string; totalOre: number; creditNote: string | null } | null>;
  creditBasis(invoiceId: number): Promise<{ number: string; period: string; invoice: RatedInvoice; prior: PriorCredit[] }>;
  /** The period's lock (it may not change any more), or null when open. */
  periodLock(period: string): Promise<LockFacts | null>;
}

/**
 * Start a correction. Refused here first (clear message, nothing started) when it would credit
 * more than invoiced; the issuing transaction checks again on locked rows.
 */
export async function requestCredit(reads: CreditRequestReads, client: Client, settings: CloseSettings, r: CreditRequest): Promise<CreditStart> {
  const textProblem = creditTextRefusal(r);
  if (textProblem) throw new CreditRequestRefused({ code: 'credit_text', ...textProblem });
  const found = await reads.findInvoice(r.invoiceNumber);
  if (!found) throw new CreditRequestRefused({ code: 'credit_unknown_invoice', invoice: r.invoiceNumber });
  const requestKey = creditRequestKey({ ...r, invoiceNumber: found.number });
  const workflowId = creditWorkflowId(found.number, requestKey);
  const previous = await reads.previousRequest(requestKey);
  if (previous) return { outcome: 'duplicate', workflowId, requestKey, ...previous };
  const basis = await reads.creditBasis(found.id);
  // A locked period takes credit notes (booked when issued), never a re-issue.
  const lock = r.reissue ? await reads.periodLock(basis.period) : null;
  if (lock) throw new CreditRequestRefused({ code: 'reissue_period_locked', invoice: basis.number, lock });
  let totalOre: number;
  try {
    const credit = rateCredit(basis.number, basis.invoice, basis.prior, r.lines);
    if (r.reissue && !fullyCredited(basis, [credit])) throw new CreditError({ code: 'reissue_needs_full_credit', invoice: basis.number });
    totalOre = credit.totalOre;
  } catch (err) {
    if (err instanceof CreditError) throw new CreditRequestRefused(err.refusal);
    throw err;
  }
  // The same verdict the credit's activity will store; the requester never counts as an approver.
  const missing = unapprovableCredit(creditVerdict(totalOre, settings.creditPolicy), settings.approvers, r.requestedBy);
  if (missing) throw new CreditNeverApprovable(found.number, totalOre, settings.creditPolicy.fourEyesAboveOre, missing);
  const input: CreditNoteInput = { ...r, invoiceNumber: found.number, requestKey, approvers: settings.approvers, reminderIntervalMs: settings.reminderIntervalMs };
  try {
    await client.workflow.start<typeof creditNote>('creditNote', {
      workflowId,
      taskQueue: settings.taskQueue,
      args: [input],
      // One request, one correction, ever: a finished one is not run again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { outcome: 'duplicate', workflowId, requestKey, totalOre, status: 'running', creditNote: null };
  }
  return { outcome: 'started', workflowId, requestKey, totalOre, status: 'awaiting_approval', creditNote: null };
}

/**
 * Finance's decision on a credit note, as the same updates a draft invoice takes. An approval
 * that settles it answers once the credit note is issued, or is refused with the reason when it
 * was not. A credit whose workflow has ended is answered from its record (`db`), with the
 * reason it was refused or the credit note it became.
 */
export async function decideCredit(
  client: Client,
  workflowId: string,
  decision: { kind: 'approve'; by: string } | { kind: 'reject'; by: string; reason: string },
  db?: Db,
): Promise<DecisionResult> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return decision.kind === 'approve'
      ? await handle.executeUpdate(approveUpdate, { args: [{ by: decision.by, via: 'update' }] })
      : await handle.executeUpdate(rejectUpdate, { args: [{ by: decision.by, reason: decision.reason }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const text = err.cause?.message ?? err.message;
      throw new CreditRequestRefused(parseRefusal(text), text);
    }
    if ((err as Error).name === 'WorkflowNotFoundError') throw new CreditRequestRefused((db && (await endedCredit(db, workflowId))) ?? { code: 'credit_unknown_request', workflowId });
    throw err;
  }
}

/** Where a credit whose workflow has ended stands, as a refusal says it; null when there is no record. */
async function endedCredit(db: Db, workflowId: string): Promise<Refusal | null> {
  const row = await db('credit_requests as c').leftJoin('invoices as i', 'i.id', 'c.credit_note_id').where('c.workflow_id', workflowId).first('c.status', 'c.decision_reason', 'c.decided_by', 'i.series', 'i.number');
  if (!row) return null;
  if (row.status === 'final') return { code: 'credit_already_issued', workflowId, creditNote: `${row.series}${row.number}` };
  if (row.status === 'refused') return { code: 'credit_was_refused', workflowId, reason: row.decision_reason };
  if (row.status === 'rejected') return { code: 'credit_was_rejected', workflowId, by: row.decided_by, reason: row.decision_reason };
  return { code: 'credit_not_running', workflowId, status: row.status };
}
