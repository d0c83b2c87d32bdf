import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { startWorker, type RunningWorker } from '../../worker/worker';
import { closeSettings, type CloseSettings } from '../../client/close';
import { startSmtpPeer, startWebhookPeer } from '../notify/test-peers';
import { createTestDatabase } from './database';

export type SmtpPeer = Awaited<ReturnType<typeof startSmtpPeer>>;
export type WebhookPeer = Awaited<ReturnType<typeof startWebhookPeer>>;

/**
 * Everything a close test needs, all real: its own PostgreSQL database, the run's Temporal
 * dev server, a worker on a task queue of its own, an SMTP server and a webhook receiver.
 */
export interface CloseHarness {
  db: Db;
  databaseUrl: string;
  client: Client;
  config: AppConfig;
  settings: CloseSettings;
  smtp: SmtpPeer;
  webhook: WebhookPeer;
  worker: RunningWorker;
  startWorker(): Promise<RunningWorker>;
  close(): Promise<void>;
}

export async function createCloseHarness(opts: { reminderIntervalHours?: number; now?: () => Date; maxConcurrentCloses?: number } = {}): Promise<CloseHarness> {
  const { db, databaseUrl, drop } = await createTestDatabase();
  const base = loadConfig();
  const config: AppConfig = {
    ...base,
    taskQueue: `test-${randomBytes(4).toString('hex')}`,
    reminderIntervalHours: opts.reminderIntervalHours ?? base.reminderIntervalHours,
    maxConcurrentCloses: opts.maxConcurrentCloses ?? base.maxConcurrentCloses,
  };
  const smtp = await startSmtpPeer();
  const webhook = await startWebhookPeer();
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection, namespace: inject('namespace') });
  const launch = () =>
    startWorker({
      temporalAddress: inject('temporalAddress'),
      namespace: inject('namespace'),
      taskQueue: config.taskQueue,
      db,
      config,
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'faktura@nordiskrapportering.se', timeoutMs: 5000 },
      workflowBundlePath: inject('workflowBundlePath'),
      now: opts.now,
    });
  const harness: CloseHarness = {
    db,
    databaseUrl,
    client,
    config,
    settings: closeSettings(config),
    smtp,
    webhook,
    worker: await launch(),
    startWorker: async () => {
      harness.worker = await launch();
      return harness.worker;
    },
    close: async () => {
      await harness.worker.close().catch(() => undefined);
      await connection.close();
      await smtp.close();
      await webhook.close();
      await drop();
    },
  };
  return harness;
}
