import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { customerClose } from '../../workflows/customer-close';
import { approveUpdate, recomputeSignal, rejectUpdate, statusQuery, type CustomerCloseInput } from '../../contracts/close-messages';
import type { DraftVerdict } from '../../contracts/review';
import { PERSON_DECIDES, startStubbedClose, type StepCall, type StubbedClose } from '../support/stub-close';
import { waitFor } from '../support/wait';

// The fast layer: customerClose's branching on the time-skipping test server with its steps
// stubbed (support/stub-close.ts). The end-to-end tests beside it run the same paths against
// PostgreSQL, SMTP and webhooks; these say only what the workflow decides and asks for.

const HOUR = 3_600_000;
const ANNA = 'Anna Ekonom';
const BERTIL = 'Bertil Controller';
const FOUR_EYES: DraftVerdict = { ...PERSON_DECIDES, flags: ['four_eyes'], approvalsNeeded: 2 };

let s: StubbedClose;

/**
 * A test server per block. The timer tests skip days with env.sleep; on the server the update
 * tests had used, the calls after such a sleep sometimes got no answer (test server 1.40.0, cause
 * not found), so they get a server of their own.
 */
function onItsOwnServer(): void {
  beforeAll(async () => {
    s = await startStubbedClose();
  }, 120_000);
  afterAll(async () => s?.close());
}

async function startClose(...verdicts: DraftVerdict[]): Promise<{ handle: WorkflowHandle<typeof customerClose>; calls: StepCall[] }> {
  const customerId = `S-${randomBytes(4).toString('hex')}`;
  const calls = s.script(customerId, { verdicts });
  const input: CustomerCloseInput = { customerId, period: '2024-11', approvers: [ANNA, BERTIL], reminderIntervalMs: 24 * HOUR, reportTo: null };
  const handle = await s.env.client.workflow.start<typeof customerClose>('customerClose', { workflowId: `close-2024-11-${customerId}`, taskQueue: s.taskQueue, args: [input] });
  return { handle, calls };
}

async function awaitingApproval(handle: WorkflowHandle<typeof customerClose>, draftVersion = 1): Promise<void> {
  await waitFor(async () => {
    const status = await handle.query(statusQuery);
    return status.state === 'awaiting_approval' && status.draftVersion === draftVersion;
  }, 15_000, `draft version ${draftVersion} awaiting approval`);
}

const approve = (handle: WorkflowHandle<typeof customerClose>, by: string, draftVersion = 1) => handle.executeUpdate(approveUpdate, { args: [{ by, draftVersion }] });
/** Why the update's validator refused the request (it travels as the failure's cause). */
const refusal = (update: Promise<unknown>) => update.then(() => null, (err: { cause?: Error }) => err.cause?.message ?? null);

/** Reject draft 1 and wait until the close records it: a recompute is accepted from then on. */
async function reject(handle: WorkflowHandle<typeof customerClose>) {
  const answer = await handle.executeUpdate(rejectUpdate, { args: [{ by: ANNA, reason: 'p2 left in October', draftVersion: 1 }] });
  await waitFor(async () => (await handle.query(statusQuery)).state === 'rejected', 15_000, 'rejected');
  return answer;
}
const stepsOf = (calls: StepCall[]) => calls.map((c) => c.step);
const issuing = (calls: StepCall[]) => calls.find((c) => c.step === 'issueApprovedAndNotify')?.input;
const plannedEvents = (calls: StepCall[]) => calls.filter((c) => c.step === 'planNotifications').map((c) => [c.input.event, c.input.audience]);

describe('customerClose decides (time-skipping server, stubbed steps)', () => {
  onItsOwnServer();

  it('issues a draft the policy approves without waiting for finance', async () => {
    const { handle, calls } = await startClose({ ...PERSON_DECIDES, autoApprove: 'unchanged since F10001' });
    expect((await handle.result()).state).toBe('final');
    expect(stepsOf(calls)).toEqual(['openDraft', 'issueApprovedAndNotify']);
  });

  it('records a policy approval as decided by the policy, with its reason', async () => {
    const { handle, calls } = await startClose({ ...PERSON_DECIDES, autoApprove: 'unchanged since F10001' });
    await handle.result();
    expect(issuing(calls)?.decisions).toMatchObject([{ by: 'policy', via: 'policy', reason: 'unchanged since F10001', policyVersion: 'p1' }]);
  });

  it('issues the draft one approver approved', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    await approve(handle, ANNA);
    expect((await handle.result()).invoiceNumber).toMatch(/^F\d+$/);
    expect(issuing(calls)?.issue).toEqual({ draftId: 101, approvedBy: ANNA });
  });

  it("answers an approval update with the outcome and the draft version it decided", async () => {
    const { handle } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    expect(await approve(handle, ANNA)).toEqual({ outcome: 'approved', draftVersion: 1, state: 'awaiting_approval' });
    await handle.result();
  });

  it('refuses an update for a draft version that is not the current one, naming both', async () => {
    const { handle } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    expect(await refusal(approve(handle, ANNA, 2))).toMatch(/draft version 2 is not the current one \(1\)/);
    await handle.terminate();
  });

  it('four eyes: answers the first approval with needs_second and keeps waiting', async () => {
    const { handle, calls } = await startClose(FOUR_EYES);
    await awaitingApproval(handle);
    expect((await approve(handle, ANNA)).outcome).toBe('needs_second');
    expect((await handle.query(statusQuery)).state).toBe('awaiting_approval');
    expect(stepsOf(calls)).not.toContain('issueApprovedAndNotify');
    await handle.terminate();
  });

  it('four eyes: refuses the same approver twice', async () => {
    const { handle } = await startClose(FOUR_EYES);
    await awaitingApproval(handle);
    await approve(handle, ANNA);
    expect(await refusal(approve(handle, ANNA))).toMatch(/four eyes: a second, different approver must approve it/);
    await handle.terminate();
  });

  it('four eyes: issues once a second approver approves, recording both', async () => {
    const { handle, calls } = await startClose(FOUR_EYES);
    await awaitingApproval(handle);
    await approve(handle, ANNA);
    expect((await approve(handle, BERTIL)).outcome).toBe('approved');
    await handle.result();
    expect(issuing(calls)?.issue).toEqual({ draftId: 101, approvedBy: `${ANNA} + ${BERTIL}` });
    expect((issuing(calls)?.decisions as { by: string }[]).map((d) => d.by)).toEqual([ANNA, BERTIL]);
  });

  it('records a rejection with its reason and waits, issuing nothing', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    expect((await reject(handle)).outcome).toBe('rejected');
    expect(calls.filter((c) => c.step === 'recordCloseState').map((c) => [c.input.state, c.input.reason])).toEqual([['rejected', `rejected by ${ANNA}: p2 left in October`]]);
    expect(stepsOf(calls)).not.toContain('issueApprovedAndNotify');
    await handle.terminate();
  });

  it('drafts version 2 under a new run key when a recompute follows the rejection', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    await reject(handle);
    await handle.signal(recomputeSignal, { by: ANNA });
    await awaitingApproval(handle, 2);
    const opened = calls.filter((c) => c.step === 'openDraft').map((c) => c.input);
    expect(opened.map((o) => o.first)).toEqual([true, false]);
    expect(String(opened[1]!.runKey)).toMatch(/\/2$/);
    await handle.terminate();
  });

  it('issues the recomputed draft once it is approved', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    await reject(handle);
    await handle.signal(recomputeSignal, { by: ANNA });
    await awaitingApproval(handle, 2);
    await approve(handle, ANNA, 2);
    expect((await handle.result()).draftVersions).toBe(2);
    expect(issuing(calls)?.issue).toEqual({ draftId: 102, approvedBy: ANNA });
  });

});

describe('customerClose waits for finance without deciding for them (time-skipping server, stubbed steps)', () => {
  onItsOwnServer();

  it('sends no reminder before the interval has passed', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    await s.env.sleep(23 * HOUR);
    expect(plannedEvents(calls)).toEqual([]);
    await handle.terminate();
  });

  it('reminds finance once the interval has passed without a decision, and counts it', async () => {
    const { handle, calls } = await startClose(PERSON_DECIDES);
    await awaitingApproval(handle);
    await s.env.sleep(25 * HOUR);
    await waitFor(async () => (await handle.query(statusQuery)).remindersSent === 1, 15_000, 'the first reminder');
    expect(plannedEvents(calls)).toEqual([['draft_reminder:1', ['finance']]]);
    await handle.terminate();
  });

  it('escalates once when the verdict says so, before the first reminder', async () => {
    const { handle, calls } = await startClose({ ...PERSON_DECIDES, escalateAfterMs: 8 * HOUR });
    await awaitingApproval(handle);
    await s.env.sleep(9 * HOUR);
    await waitFor(async () => plannedEvents(calls).length > 0, 15_000, 'the escalation');
    await s.env.sleep(10 * HOUR);
    expect(plannedEvents(calls)).toEqual([['draft_escalation', ['finance_escalation']]]);
    await handle.terminate();
  });
});
