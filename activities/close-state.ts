import { liveInvoice } from '../store/credits';
import { refuseIfLocked } from '../store/period-locks';
import { refusingLockedPeriod } from './period-lock-guard';
import { businessFailure, Failure, type FailureType } from '../workflows/failures';
import type { ActivityDeps } from './deps';

const FOREIGN_KEY_VIOLATION = '23503';

export type CloseState = 'running' | 'awaiting_approval' | 'rejected' | 'final' | 'nothing_to_bill' | 'failed';

export interface CloseStateChange {
  customerId: string;
  period: string;
  workflowId: string;
  state: CloseState;
  reason?: string | null;
  /** Why a failed close failed (workflows/failures.ts); the next step is rendered from it. */
  failureType?: FailureType | null;
  invoiceId?: number | null;
  /** Set by a close whose steps may run twice (local activities): the second run records nothing. */
  stepKey?: string;
}

export function closeStateActivities({ db }: ActivityDeps) {
  const recordState = (change: CloseStateChange) =>
    db.transaction(async (trx) => {
      // A locked period's closes change no more: a raw start or a late step ends here at once.
      await refuseIfLocked(trx, change.period, `${change.customerId}: avslutet (${change.state})`);
      // The same state, reason and failure type go to the event log and to the close's row.
      const stateRow = {
        customer_id: change.customerId,
        period: change.period,
        state: change.state,
        reason: change.reason ?? null,
        failure_type: change.failureType ?? null,
      };
      // The event first: when its key is already on record, this change was recorded in full.
      const event = await trx('close_run_events')
        .insert({ ...stateRow, step_key: change.stepKey ?? null })
        .onConflict('step_key')
        .ignore()
        .returning('id');
      if (event.length === 0) return;
      await trx('close_runs')
        .insert({ ...stateRow, workflow_id: change.workflowId, invoice_id: change.invoiceId ?? null, updated_at: trx.fn.now() })
        .onConflict(['customer_id', 'period'])
        .merge({
          workflow_id: change.workflowId,
          state: change.state,
          reason: change.reason ?? null,
          failure_type: change.failureType ?? null,
          invoice_id: trx.raw('COALESCE(EXCLUDED.invoice_id, close_runs.invoice_id)'),
          attempt: change.state === 'running' ? trx.raw('close_runs.attempt + 1') : trx.raw('close_runs.attempt'),
          updated_at: trx.fn.now(),
        });
    });

  return {
    /** Where the close of one customer stands, for `close status`; every change is also logged. */
    async recordCloseState(change: CloseStateChange): Promise<void> {
      await refusingLockedPeriod({ period: change.period, customerId: change.customerId }, () => recordState(change)).catch((err: { code?: string }) => {
        // Retrying cannot make an unknown customer known: end the close with the reason.
        if (err.code === FOREIGN_KEY_VIOLATION) {
          throw businessFailure(Failure.UnknownCustomer, `unknown customer ${JSON.stringify(change.customerId.slice(0, 64))}`, { period: change.period, customerId: change.customerId });
        }
        throw err;
      });
    },

    /**
     * The live invoice of this customer and period, if any: a re-run must not issue another. One
     * that credit notes cancel in full is not live, so a re-issue drafts again.
     */
    async findIssuedInvoice(input: { customerId: string; period: string }): Promise<{ invoiceId: number; number: string } | null> {
      const live = await liveInvoice(db, input.customerId, input.period);
      return live && !live.fullyCredited ? { invoiceId: live.id, number: live.number } : null;
    },
  };
}
