import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { CloseStateChange } from '../../activities/close-state';
import type { NotificationPlan } from '../../activities/notifications';
import { prepareNamespace } from '../../infra/namespace-setup';
import { resolveTestServer } from '../../devenv/temporal-cli';
import type { DraftVerdict } from '../../contracts/review';

// The close's branching on Temporal's time-skipping test server, with the close's steps stubbed:
// the real workflow bundle and a real server, but no database, so a test takes milliseconds of
// workflow time and days pass at once. What the steps would do to the database is covered by the
// end-to-end tests; here a test says what the workflow decided and which steps it asked for.

/** One call of a stubbed step, in the order the workflow made them. */
export interface StepCall {
  step: keyof Activities;
  input: Record<string, unknown>;
}

/** What the stubbed steps answer for one customer: the verdict on each draft version (the last one repeats). */
export interface StubScript {
  verdicts: DraftVerdict[];
}

export const PERSON_DECIDES: DraftVerdict = { flags: [], approvalsNeeded: 1, autoApprove: null, policyVersion: 'p1', escalateAfterMs: null };

export interface StubbedClose {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Script the steps of one customer's close; returns the calls they receive. */
  script(customerId: string, script: StubScript): StepCall[];
  close(): Promise<void>;
}

export async function startStubbedClose(): Promise<StubbedClose> {
  const server = resolveTestServer();
  if (!server) throw new Error('no temporal-test-server binary: run `npm run setup`');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
  await prepareNamespace(env.connection, env.namespace ?? 'default', { createNamespace: false });
  const scripts = new Map<string, { script: StubScript; calls: StepCall[]; drafts: number }>();
  let nextId = 1;
  const of = (customerId: string) => {
    const entry = scripts.get(customerId);
    if (!entry) throw new Error(`no stub script for customer ${customerId}`);
    return entry;
  };
  const called = (step: keyof Activities, customerId: string, input: object) => of(customerId).calls.push({ step, input: { ...input } });
  const nothingLeft = { retry: [], late: [], refused: [] };

  const activities: Partial<Activities> = {
    async openDraft(input) {
      called('openDraft', input.customerId, input);
      const entry = of(input.customerId);
      const version = ++entry.drafts;
      const verdict = entry.script.verdicts[Math.min(version, entry.script.verdicts.length) - 1]!;
      return { kind: 'draft', draftId: 100 + version, version, totalOre: 358_800, verdict };
    },
    async awaitFinanceAndNotify(input) {
      called('awaitFinanceAndNotify', input.customerId, input);
      return nothingLeft;
    },
    async issueApprovedAndNotify(input) {
      called('issueApprovedAndNotify', input.customerId, input);
      const invoiceId = nextId++;
      return { invoiceId, issued: { invoiceId, number: `F${10000 + invoiceId}`, totalOre: 358_800 }, deliveries: [], left: nothingLeft };
    },
    async recordCloseState(change: CloseStateChange) {
      called('recordCloseState', change.customerId, change);
    },
    async recordDecision(d) {
      called('recordDecision', d.customerId, d);
    },
    async recordDecisionRequests(requests) {
      for (const r of requests) called('recordDecisionRequests', r.customerId, r);
    },
    async planNotifications(plan: NotificationPlan) {
      called('planNotifications', plan.customerId, plan);
      return [nextId++];
    },
    async deliverNotification() {
      return 'delivered' as const;
    },
  };
  const taskQueue = `stubbed-close-${randomBytes(3).toString('hex')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
  });
  const running = worker.run();
  return {
    env,
    taskQueue,
    script: (customerId, script) => {
      const entry = { script, calls: [] as StepCall[], drafts: 0 };
      scripts.set(customerId, entry);
      return entry.calls;
    },
    close: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
