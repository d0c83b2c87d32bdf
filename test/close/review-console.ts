import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect, inject } from 'vitest';
import { formatSek } from '../../billing';
import { startCustomerClose } from '../../client/close';
import { statusQuery } from '../../contracts/close-messages';
import { buildConsole } from '../../web/server';
import { FINANCE, SETTLE_MS } from '../books/support';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant } from '../support/seed';
import { waitFor } from '../support/wait';
import { login, seedUser, type Session } from '../web/support';

// What the review tests share: the close harness on 2 December 2024, finance logged in to the
// console, and the three places a review is read (draft page, `drafts explain`, `drafts list`).

export const NOW = new Date('2024-12-02T08:00:00+01:00').getTime();

export interface ReviewConsole {
  h: CloseHarness;
  app: FastifyInstance;
  finance: Session;
  /** A temp dir of the test file's own (the CLI's config file). */
  dir: string;
}

export async function openReviewConsole(tmpPrefix: string): Promise<ReviewConsole> {
  const h = await createCloseHarness({ now: () => new Date(NOW) });
  await seedCloseTenant(h.db, h.webhook.url, 'Nordic Partner AB');
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', FINANCE);
  const app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: null, namespace: 'default', now: () => NOW });
  const finance = await login(app, 'anna@ekonomi.test');
  return { h, app, finance, dir: fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix)) };
}

export async function closeReviewConsole(f: ReviewConsole | undefined): Promise<void> {
  await f?.app.close();
  await f?.h.close();
  if (f?.dir) fs.rmSync(f.dir, { recursive: true, force: true });
}

export const plain = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\u00a0|\u202f/g, ' ').replace(/\s+/g, ' ').trim();
export const kr = (ore: number, signed = false) => plain(formatSek(ore, signed ? { signDisplay: 'exceptZero' } : {}));

/** Starts the customer's close of `period` and waits until its draft is held for finance. */
export async function heldForReview(h: CloseHarness, customerId: string, period: string) {
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, period);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', SETTLE_MS, `${customerId} ${period} held for review`);
  return handle;
}

/** The real CLI against the harness's services; its stdout (exit 0 expected). */
export async function cliOk(f: ReviewConsole, args: string[]): Promise<string> {
  const configFile = path.join(f.dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(f.h.config));
  const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: f.h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  const res = await runCli(args, env);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
}

/** `drafts explain` of November for the customer, text or JSON. */
export const explainNovember = (f: ReviewConsole, customerId: string, json: boolean) =>
  cliOk(f, ['drafts', 'explain', '--period', '2024-11', '--customer', customerId, ...(json ? ['--json'] : [])]);

/** Finance's page of the customer's November draft. */
export async function novemberDraftPage(f: ReviewConsole, customerId: string): Promise<string> {
  const res = await f.app.inject({ method: 'GET', url: `/finance/periods/2024-11/drafts/${customerId}`, headers: { cookie: f.finance.cookie } });
  expect(res.statusCode).toBe(200);
  return res.body;
}
