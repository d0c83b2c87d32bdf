import { describe, expect, it } from 'vitest';
import { CloseRun, decisionRecords } from '../../workflows/close-run';
import { ReminderSchedule } from '../../workflows/reminder-schedule';

// The state of one customerClose run and its reminder timing, without Temporal: plain classes
// the workflow delegates to (workflows/close-run.ts, workflows/reminder-schedule.ts).

const HOUR = 3_600_000;
const child = (reportTo: string | null = 'monthly-close-2024-11') => new CloseRun({ customerId: 'C1', period: '2024-11', reportTo }, 'run-a');

describe('CloseRun', () => {
  it('starts running, with nothing drafted', () => {
    expect(child().status).toEqual({ customerId: 'C1', period: '2024-11', state: 'running', draftId: null, draftVersion: null, totalOre: null, invoiceNumber: null, reason: null, remindersSent: 0 });
  });

  it('keys state changes and decision requests by run, each counted on its own', () => {
    const run = child();
    expect([run.nextKey('state'), run.nextKey('request'), run.nextKey('state')]).toEqual(['run-a/1', 'run-a/1', 'run-a/2']);
  });

  it('keys each decision request it records, in order', () => {
    const run = child();
    const request = { request: 'approve' as const, requestedBy: 'Anna', draftVersion: 1, outcome: 'approved (update)', receivedAtMs: 5 };
    expect(run.keyRequests([request, request]).map((r) => [r.customerId, r.period, r.requestKey])).toEqual([
      ['C1', '2024-11', 'run-a/1'],
      ['C1', '2024-11', 'run-a/2'],
    ]);
  });

  it('names each draft version of the run', () => {
    const run = child();
    expect([run.nextDraftVersion(), run.nextDraftVersion()]).toEqual([1, 2]);
    expect(run.draftKey(2)).toBe('run-a/2');
    expect(run.summary().draftVersions).toBe(2);
  });

  it('signals the monthly close once, at the first rest, never while running', () => {
    const run = child();
    expect(run.restToSignal('running')).toBeNull();
    expect(run.restToSignal('awaiting_approval')).toBe('monthly-close-2024-11');
    expect(run.restToSignal('final')).toBeNull();
  });

  it('lets a phase step report the rest, after which nothing is signalled by command', () => {
    const run = child();
    const report = run.restReportForStep();
    expect(report).toEqual({ reportRestTo: 'monthly-close-2024-11' });
    run.stepSucceeded(report);
    expect(run.restReportForStep()).toEqual({});
    expect(run.restToSignal('final')).toBeNull();
  });

  it('still signals by command when the step that would have reported failed', () => {
    const run = child();
    run.restReportForStep(); // the step threw: stepSucceeded never ran
    expect(run.restToSignal('failed')).toBe('monthly-close-2024-11');
  });

  it('reports nothing for a close started on its own', () => {
    const run = child(null);
    expect(run.restReportForStep()).toEqual({});
    expect(run.restToSignal('final')).toBeNull();
  });

  it('answers an update with the draft and state, a refusal as a duplicate, and notes the answer pending once', () => {
    const run = child();
    run.draftOpened({ draftId: 7, version: 2, totalOre: 100 });
    run.show('awaiting_approval');
    expect(run.answer('refused')).toEqual({ outcome: 'duplicate', draftVersion: 2, state: 'awaiting_approval' });
    expect(run.takeAnswerPending()).toBe(true);
    expect(run.takeAnswerPending()).toBe(false);
  });

  it('sums up a close stopped while finalising as running', () => {
    const run = child();
    run.finalising();
    expect(run.summary().state).toBe('running');
  });

  it('numbers reminders across draft versions', () => {
    const run = child();
    expect([run.reminded(), run.reminded()]).toEqual([1, 2]);
    expect(run.status.remindersSent).toBe(2);
  });
});

describe('decisionRecords', () => {
  it('records one row per approval of a four-eyes draft, with the policy version', () => {
    const rows = decisionRecords(
      { customerId: 'C1', period: '2024-11', draftId: 7 },
      { kind: 'approved', reason: null, approvals: [{ by: 'Anna', via: 'update', atMs: 1 }, { by: 'Bertil', via: 'signal', atMs: 2 }] },
      'p1',
    );
    expect(rows.map((r) => [r.by, r.via, r.decidedAtMs, r.policyVersion])).toEqual([
      ['Anna', 'update', 1, 'p1'],
      ['Bertil', 'signal', 2, 'p1'],
    ]);
  });

  it('records a rejection with its reason and no policy version when there is none', () => {
    const [row] = decisionRecords({ customerId: 'C1', period: '2024-11', draftId: 7 }, { kind: 'rejected', by: 'Anna', via: 'update', reason: 'fel', atMs: 3 }, null);
    expect(row).toEqual({ draftId: 7, customerId: 'C1', period: '2024-11', decision: 'rejected', by: 'Anna', reason: 'fel', via: 'update', decidedAtMs: 3 });
  });
});

describe('ReminderSchedule', () => {
  it('wakes for the first reminder one interval after the wait began', () => {
    expect(new ReminderSchedule(24 * HOUR, null, 1000).wakeAt).toBe(1000 + 24 * HOUR);
  });

  it('reminds again one interval after the last reminder went out', () => {
    const schedule = new ReminderSchedule(24 * HOUR, null, 0);
    expect(schedule.takeDue()).toBe('remind');
    schedule.remindedAt(24 * HOUR + 5);
    expect(schedule.wakeAt).toBe(48 * HOUR + 5);
  });

  it('escalates once, before a later reminder', () => {
    const schedule = new ReminderSchedule(24 * HOUR, 8 * HOUR, 0);
    expect(schedule.wakeAt).toBe(8 * HOUR);
    expect(schedule.takeDue()).toBe('escalate');
    expect(schedule.wakeAt).toBe(24 * HOUR);
    expect(schedule.takeDue()).toBe('remind');
  });

  it('reminds first when the escalation is due later', () => {
    const schedule = new ReminderSchedule(24 * HOUR, 48 * HOUR, 0);
    expect(schedule.takeDue()).toBe('remind');
    schedule.remindedAt(24 * HOUR);
    expect(schedule.wakeAt).toBe(48 * HOUR);
    expect(schedule.takeDue()).toBe('escalate');
  });
});
