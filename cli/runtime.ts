import type { Client } from '@temporalio/client';
import { PeriodError, parsePeriod, periodContaining, periodNotEndedReason } from '../billing';
import { connectClient } from '../client/connect';
import { loadConfig, type AppConfig } from '../infra/config';
import { createDb, type Db } from '../infra/db';
import { logger } from '../infra/logger';
import { resolveEndpoints, ServicesNotFound, type Endpoints } from '../infra/endpoints';
import { isStopping } from '../infra/shutdown';
import { InputError } from '../imports/errors';
import { UnknownCustomers } from '../client/customers';
import { databaseUnavailable, describeFailure } from './errors';
import { checkFreeText, MAX_PERSON_NAME } from '../infra/free-text';

/** Bad usage or bad input: exit code 2, with a message that names what and why. */
export class UsageError extends Error {}

export interface Services {
  endpoints: Endpoints;
  config: AppConfig;
  db: Db;
  client(): Promise<Client>;
  close(): Promise<void>;
}

/** The database and (on first use) Temporal, from the environment or `month-close dev`. */
export async function openServices(): Promise<Services> {
  const endpoints = resolveEndpoints();
  const config = loadConfig();
  const db = createDb(endpoints.databaseUrl);
  let connected: Awaited<ReturnType<typeof connectClient>> | null = null;
  return {
    endpoints,
    config,
    db,
    client: async () => {
      connected ??= await connectClient(endpoints);
      return connected.client;
    },
    close: async () => {
      await connected?.close();
      await db.destroy();
    },
  };
}

export function periodOption(text: string | undefined, fallbackMs?: number): string {
  if (text === undefined) {
    if (fallbackMs === undefined) throw new UsageError('--period YYYY-MM is required');
    return periodContaining(fallbackMs).id;
  }
  try {
    return parsePeriod(text).id;
  } catch (err) {
    throw new UsageError(`--period: ${(err as Error).message}`);
  }
}

/** A --period that can be closed or finalised: it must have ended (billing-rules.md). */
export function closablePeriodOption(text: string | undefined, nowMs = Date.now()): string {
  const period = periodOption(text);
  const notEnded = periodNotEndedReason(period, nowMs);
  if (notEnded) throw new UsageError(`--period: ${notEnded}`);
  return period;
}

/** `--by NAME`: who decides, recorded with the decision; the workflow checks it is an approver. */
export function byOption(text: string): string {
  if (text.trim() === '') throw new UsageError('--by is empty: name the finance approver, e.g. --by "Anna Ekonom"');
  return freeTextOption('--by', text, MAX_PERSON_NAME);
}

/** A free-text option (a reason, a name): trimmed, one line without control characters, at most `max` characters. */
export function freeTextOption(option: string, text: string, max: number): string {
  const checked = checkFreeText(option, text, max);
  if ('problem' in checked) throw new UsageError(checked.problem);
  return checked.value;
}

/** Print a command's result: one JSON document with --json, human text otherwise. */
export function output(json: boolean, document: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(document, null, 2)}\n` : `${human()}\n`);
}

/**
 * Run a command's body with the project's exit codes: 0 success, 1 the operation failed,
 * 2 bad usage or bad input. The body may return an exit code of its own (e.g. 2 when rows
 * of an import were rejected).
 */
export function command<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code = 0;
    try {
      code = (await body(...args)) ?? 0;
    } catch (err) {
      // Cut short by Ctrl-C/SIGTERM: the stop handler (infra/shutdown.ts) stops the rest and
      // exits; what broke because of it is no news.
      if (isStopping()) return new Promise<void>(() => undefined);
      const e = err as Error;
      const usage = e instanceof UsageError || e instanceof InputError || e instanceof PeriodError || e instanceof UnknownCustomers;
      code = usage ? 2 : 1;
      const message = usage ? e.message : describeFailure(e);
      // Under --json the error is one JSON document too (on stderr: stdout stays the result's).
      if (jsonRequested()) process.stderr.write(`${JSON.stringify({ error: { exit_code: code, kind: usage ? 'bad_input' : 'failed', message: message.split('\n  next: ')[0], next: message.split('\n  next: ')[1] ?? null } })}\n`);
      else process.stderr.write(`month-close: ${message}\n`);
      if (!usage && !(e instanceof ServicesNotFound)) logger.debug({ err: e }, 'command failed');
    }
    process.exitCode = code;
  };
}

/** Whether the command line asks for JSON (every command's flag is `--json`). */
export function jsonRequested(argv: readonly string[] = process.argv): boolean {
  return argv.slice(2).includes('--json');
}

/** What a command does once its arguments are checked: the body, given the open services. */
export type ServicesBody = (services: Services) => Promise<number | void>;

/**
 * A command that needs the database or Temporal: `prepare` checks the arguments first (bad
 * usage exits 2 before anything is opened or contacted) and returns the body; the services are
 * opened for the body and always closed after it, and errors become command()'s exit codes.
 * Temporal is connected only when the body asks for `client()`.
 */
export function withServices<A extends unknown[]>(prepare: (...args: A) => ServicesBody | Promise<ServicesBody>): (...args: A) => Promise<void> {
  return command(async (...args: A) => {
    const body = await prepare(...args);
    const services = await openServices();
    try {
      return await body(services);
    } catch (err) {
      throw databaseUnavailable(err, services.endpoints.databaseUrl) ?? err;
    } finally {
      await services.close().catch(() => undefined);
    }
  });
}

export function table(header: string[], rows: (string | number)[][], rightAligned: number[] = []): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}
