import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { prepareNamespace } from '../../infra/namespace-setup';
import type { AppConfig } from '../../infra/config';
import { resolveTestServer } from '../../devenv/temporal-cli';
import { startSmtpPeer } from '../notify/test-peers';
import { createTestDatabase } from './database';

// Temporal's time-skipping test server with the real activities, a real database of its own
// and a real SMTP peer: days pass in milliseconds (reminders, escalation).

export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  /** A worker on a task queue of its own, with the activities' clock on 2 December 2024. */
  worker(config: AppConfig, queuePrefix: string): Promise<{ worker: Worker; taskQueue: string }>;
  close(): Promise<void>;
}

export async function startTimeSkipping(): Promise<TimeSkippingHarness> {
  const server = resolveTestServer();
  if (!server) throw new Error('no temporal-test-server binary: run `npm run setup`');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
  // The test server knows no custom search attributes until told, like a fresh cluster: the
  // same setup `month-close temporal setup` runs.
  await prepareNamespace(env.connection, env.namespace ?? 'default', { createNamespace: false });
  const testDb = await createTestDatabase();
  const smtp = await startSmtpPeer();
  return {
    env,
    db: testDb.db,
    smtp,
    worker: async (config, queuePrefix) => {
      const taskQueue = `${queuePrefix}-${randomBytes(3).toString('hex')}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        activities: createActivities({
          db: testDb.db,
          config,
          smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: config.seller.email, timeoutMs: 5000 },
          temporal: env.client,
          now: () => new Date('2024-12-02T08:00:00+01:00'),
        }),
      });
      return { worker, taskQueue };
    },
    close: async () => {
      await smtp.close();
      await testDb.drop();
      await env.teardown();
    },
  };
}
