import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { decideCredit, requestCredit } from '../../client/credit';
import { creditRequestReads } from '../../store/credits';
import { approveDraft } from '../../client/drafts';
import { creditStatusQuery } from '../../contracts/credit-messages';
import { approveSignal, statusQuery } from '../../contracts/close-messages';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Credit notes under the invoices' approval policy: four eyes above the policy's limit, the
// same refusals, never auto-approved, every decision and request recorded with the policy version.

const PERIOD = '2024-11';
const ANNA = 'Anna Ekonom';
const BERTIL = 'Bertil Controller';
const POLICY = 'test-credits-1';
const FOUR_EYES_ABOVE = 100_000; // 1 000 kr: a full credit of the worked example (3 588 kr) is above, one portal user (244 kr) below
const SAME_PERSON_TWICE = /Anna Ekonom has already approved draft version 1; four eyes: a second, different approver must approve it/;
let h: CloseHarness;
let dir: string;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  // The worker's activities read this config object: a low limit, set before anything runs.
  h.config.approvalPolicy = { ...h.config.approvalPolicy, version: POLICY, fourEyesAboveOre: FOUR_EYES_ABOVE };
  await seedPrices(h.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-credit-approval-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  cliEnv = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
}, 120_000);
afterAll(async () => {
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A customer with its 2024-11 invoice final (3 588 kr; above the limit, so two people approved it). */
async function invoicedCustomer(): Promise<string> {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  await approveDraft(h.client, PERIOD, customerId, ANNA);
  await approveDraft(h.client, PERIOD, customerId, BERTIL);
  return (await handle.result()).invoiceNumber!;
}

async function drafted(request: Parameters<typeof requestCredit>[3]) {
  const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, request);
  const handle = h.client.workflow.getHandle(started.workflowId);
  await waitFor(async () => (await handle.query(creditStatusQuery)).state === 'awaiting_approval');
  return { started, handle };
}

const requestsOf = (workflowId: string) => h.db('credit_approval_requests').where({ workflow_id: workflowId }).orderBy('id').select('request', 'requested_by', 'outcome');
const approvalsOf = (workflowId: string) =>
  h.db('credit_approvals as a').join('credit_requests as r', 'r.id', 'a.credit_request_id').where('r.workflow_id', workflowId).orderBy('a.id').select('a.decision', 'a.decided_by', 'a.via', 'a.policy_version');

describe('credit note approval policy', () => {
  it('above the four-eyes limit: two different approvers; the same person twice is refused by update and by signal; all recorded', async () => {
    const number = await invoicedCustomer();
    const { started, handle } = await drafted({ invoiceNumber: number, requestedBy: 'Olle', reason: 'fel pris', lines: null, reissue: false });
    expect(started.totalOre).toBeLessThan(-FOUR_EYES_ABOVE);

    expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: ANNA })).outcome).toBe('needs_second');
    // The same person again, by update: refused with the invoices' message, nothing decided.
    await expect(decideCredit(h.client, started.workflowId, { kind: 'approve', by: ANNA })).rejects.toThrow(SAME_PERSON_TWICE);
    // And by signal: the workflow logs the refusal and still waits.
    await handle.signal(approveSignal, { by: ANNA });
    await waitFor(async () => (await requestsOf(started.workflowId)).length === 2);
    expect((await handle.query(creditStatusQuery)).state).toBe('awaiting_approval');
    expect(await approvalsOf(started.workflowId)).toEqual([]);

    await handle.signal(approveSignal, { by: BERTIL });
    const done = await handle.result();
    expect(done.state).toBe('final');

    expect(await approvalsOf(started.workflowId)).toEqual([
      { decision: 'approved', decided_by: ANNA, via: 'update', policy_version: POLICY },
      { decision: 'approved', decided_by: BERTIL, via: 'signal', policy_version: POLICY },
    ]);
    const requests = await requestsOf(started.workflowId);
    expect(requests.map((r) => [r.request, r.requested_by, r.outcome.replace(SAME_PERSON_TWICE, 'SAME')])).toEqual([
      ['approve', ANNA, 'approved 1 of 2 (update)'],
      ['approve', ANNA, 'refused (signal): SAME'],
      ['approve', BERTIL, 'approved (signal)'],
    ]);
    const row = await h.db('credit_requests').where({ workflow_id: started.workflowId }).first();
    expect([row.approvals_needed, row.policy_version, row.status, row.decided_by]).toEqual([2, POLICY, 'final', `${ANNA}, ${BERTIL}`]);
  });

  it('below the limit one person decides, never the policy; a rejection is recorded with the policy version', async () => {
    const number = await invoicedCustomer();
    const lines = [{ article: 'portal_user' as const, quantity: 1 }];
    const small = await drafted({ invoiceNumber: number, requestedBy: 'Olle', reason: 'en användare för mycket', lines, reissue: false });
    expect(-small.started.totalOre).toBeLessThanOrEqual(FOUR_EYES_ABOVE);
    // Waiting for a person even though nothing flags it (an invoice draft like it could be auto-approved).
    expect(await approvalsOf(small.started.workflowId)).toEqual([]);
    expect((await decideCredit(h.client, small.started.workflowId, { kind: 'reject', by: BERTIL, reason: 'fel kund' })).outcome).toBe('rejected');
    expect((await small.handle.result()).state).toBe('rejected');
    expect(await approvalsOf(small.started.workflowId)).toEqual([{ decision: 'rejected', decided_by: BERTIL, via: 'update', policy_version: POLICY }]);

    const again = await drafted({ invoiceNumber: number, requestedBy: 'Olle', reason: 'en användare för mycket, igen', lines, reissue: false });
    expect((await decideCredit(h.client, again.started.workflowId, { kind: 'approve', by: ANNA })).outcome).toBe('approved');
    expect((await again.handle.result()).state).toBe('final');
    expect(await approvalsOf(again.started.workflowId)).toEqual([{ decision: 'approved', decided_by: ANNA, via: 'update', policy_version: POLICY }]);
    expect((await h.db('credit_requests').where({ workflow_id: again.started.workflowId }).first()).approvals_needed).toBe(1);
  });

  it('a refused `invoices credit-approve` from the CLI is recorded', async () => {
    const number = await invoicedCustomer();
    const { started, handle } = await drafted({ invoiceNumber: number, requestedBy: 'Olle', reason: 'hela fakturan', lines: null, reissue: false });
    const approve = (by: string) => runCli(['invoices', 'credit-approve', started.workflowId, '--by', by, '--json'], cliEnv);

    expect(JSON.parse((await approve(ANNA)).stdout)).toMatchObject({ outcome: 'needs_second' });
    const twice = await approve(ANNA);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(SAME_PERSON_TWICE);
    const stranger = await approve('Mallory');
    expect(stranger.code).not.toBe(0);
    expect(JSON.parse((await approve(BERTIL)).stdout)).toMatchObject({ outcome: 'approved' });
    expect((await handle.result()).state).toBe('final');

    const requests = await requestsOf(started.workflowId);
    expect(requests.filter((r) => r.outcome.startsWith('refused (cli): ')).map((r) => [r.requested_by, r.outcome])).toEqual([
      [ANNA, expect.stringMatching(SAME_PERSON_TWICE)],
      ['Mallory', 'refused (cli): Mallory is not a configured finance approver'],
    ]);
  });
});
