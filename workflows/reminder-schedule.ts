// When a draft waiting for finance wakes its workflow: a reminder every interval after the last
// one, and an escalation once, whichever comes first. Plain and deterministic (callers pass the
// workflow's time), shared by the invoice close and the credit note, unit-tested without Temporal.

export class ReminderSchedule {
  private nextReminderAt: number;
  private escalateAt: number | null;

  /** Waiting since `startMs`; `escalateAfterMs` null: never escalated. */
  constructor(
    private readonly intervalMs: number,
    escalateAfterMs: number | null,
    startMs: number,
  ) {
    this.nextReminderAt = startMs + intervalMs;
    this.escalateAt = escalateAfterMs === null ? null : startMs + escalateAfterMs;
  }

  /** When the next reminder or escalation is due. */
  get wakeAt(): number {
    return this.escalateAt === null ? this.nextReminderAt : Math.min(this.nextReminderAt, this.escalateAt);
  }

  /**
   * The timer set for wakeAt ran out: the escalation when it was first (taken, so it happens
   * once), else a reminder (call remindedAt once it is sent).
   */
  takeDue(): 'escalate' | 'remind' {
    if (this.escalateAt !== null && this.escalateAt <= this.nextReminderAt) {
      this.escalateAt = null;
      return 'escalate';
    }
    return 'remind';
  }

  /** A reminder went out at `nowMs`: the next one is an interval later. */
  remindedAt(nowMs: number): void {
    this.nextReminderAt = nowMs + this.intervalMs;
  }
}
