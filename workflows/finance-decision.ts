import { condition, setHandler } from '@temporalio/workflow';
import { approveSignal, approveUpdate, rejectSignal, rejectUpdate, type DecisionResult } from '../contracts/close-messages';
import type { DraftReview, ReviewOutcome } from './draft-review';
import type { Via } from '../contracts/review';
import { ReminderSchedule } from './reminder-schedule';

// How a workflow waits for finance to decide a draft, shared by customerClose and creditNote:
// the approve/reject signals and updates go to DraftReview (the rules) in one line each, and the
// wait reminds (and escalates) on a ReminderSchedule, never deciding for finance.

/**
 * Hand approve/reject signals and updates to `review`. `phase` is the workflow's state as the
 * refusals name it; `answer` turns an update's outcome into its answer.
 */
export interface DecisionHooks {
  /** Before an approval update answers: wait for what the approval leads to (throws when that failed). */
  settle?: () => Promise<void>;
  /** A refusal of the workflow's own before the rules' (e.g. it has already ended refused). */
  refusal?: () => string | null;
}

export function handleFinanceDecisions(review: DraftReview, phase: () => string, answer: (outcome: ReviewOutcome) => DecisionResult, hooks: DecisionHooks = {}): void {
  // Approve-all arrives as an approval that says so: recorded under its own channel.
  const via = (req: { via?: string }, channel: Via): Via => (req.via === 'approve_all' ? 'approve_all' : channel);
  const refuse = (refusal: string | null) => {
    if (refusal) throw new Error(refusal);
  };
  setHandler(approveSignal, (req) => void review.decide('approve', req, via(req, 'signal'), phase(), Date.now()));
  setHandler(rejectSignal, (req) => void review.decide('reject', req, 'signal', phase(), Date.now()));
  const approve = (req: Parameters<DraftReview['decide']>[1]) => review.decide('approve', req, via(req, 'update'), phase(), Date.now());
  const { settle } = hooks;
  setHandler(
    approveUpdate,
    settle
      ? async (req) => {
          const outcome = approve(req);
          if (review.decision?.kind === 'approved') await settle();
          return answer(outcome);
        }
      : (req) => answer(approve(req)),
    { validator: (req) => refuse(hooks.refusal?.() ?? review.refusal('approve', req, phase())) },
  );
  setHandler(rejectUpdate, (req) => answer(review.decide('reject', req, 'update', phase(), Date.now())), {
    validator: (req) => refuse(review.refusal('reject', req, phase())),
  });
}

export interface WhileWaiting {
  /** After every wake-up: record the requests received meanwhile (and whatever else the workflow must do then). */
  woke(): Promise<void>;
  remind(): Promise<void>;
  escalate(): Promise<void>;
}

/**
 * Wait until the open draft is decided (or a recompute is asked for), reminding every
 * `reminderIntervalMs` and escalating once when the verdict says so.
 */
export async function awaitFinanceDecision(review: DraftReview, reminderIntervalMs: number, on: WhileWaiting): Promise<void> {
  const schedule = new ReminderSchedule(reminderIntervalMs, review.currentVerdict.escalateAfterMs, Date.now());
  const undecided = () => review.decision === null && review.recomputeRequested === null;
  while (undecided()) {
    const woke = await condition(() => !undecided() || review.hasRequestsToRecord, Math.max(1, schedule.wakeAt - Date.now()));
    await on.woke();
    if (woke || !undecided()) continue;
    if (schedule.takeDue() === 'escalate') {
      await on.escalate();
    } else {
      await on.remind();
      schedule.remindedAt(Date.now());
    }
  }
}
