import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { nextPeriod, periodContaining } from '../../billing/period';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { runCli, type CliResult } from '../support/cli-runner';
import { seedCustomer, seedPrices } from '../support/seed';

// Bad arguments are exit 2 with a short message that names the argument and the
// reason; nothing is started, signalled or written. A close never starts for a month that
// has not ended or for a customer that does not exist.

let h: CloseHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (args: string[]) => runCli(args, env);
const current = periodContaining(Date.now()).id;
const future = nextPeriod(nextPeriod(current)).id;
const LONG_ID = 'X'.repeat(10_000);

/** Bad input: exit 2, one short line on stderr naming what, nothing on stdout. */
function expectBadInput(r: CliResult, mentions: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(mentions);
  expect(r.stderr.length).toBeLessThan(600);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
}

beforeAll(async () => {
  h = await createCloseHarness();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bad-input-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  await seedPrices(h.db);
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function workflowsOf(customerId: string): Promise<number> {
  return (await h.client.workflow.count(`CustomerId = "${customerId}"`)).count;
}

describe('closing a month that has not ended is refused on every path', () => {
  it('close start, for one customer and for the whole period, current and future', async () => {
    const customer = await seedCustomer(h.db);
    for (const period of [current, future]) {
      expectBadInput(await run(['close', 'start', '--period', period, '--customer', customer, '--wait']), new RegExp(`--period: period ${period} is (still in progress|in the future)`));
      expectBadInput(await run(['close', 'start', '--period', period]), /only a month that has ended/);
    }
    expect(await workflowsOf(customer)).toBe(0);
  });

  it('close rerun and drafts approve', async () => {
    const customer = await seedCustomer(h.db);
    expectBadInput(await run(['close', 'rerun', '--period', future, '--customer', customer]), /in the future/);
    expectBadInput(await run(['close', 'rerun', '--period', current, '--failed']), /still in progress/);
    expectBadInput(await run(['drafts', 'approve', '--period', current, '--all', '--by', 'Anna Ekonom']), /can be closed from/);
    expect(await workflowsOf(customer)).toBe(0);
  });
});

describe('customers that do not exist', () => {
  it('close rerun --customer NOPE is refused before anything starts', async () => {
    const nope = `NOPE-${Date.now()}`;
    expectBadInput(await run(['close', 'rerun', '--period', '2024-11', '--customer', nope, '--wait']), new RegExp(`--customer: no such customer '${nope}'`));
    expect(await workflowsOf(nope)).toBe(0);
  });

  it('drafts approve, reject and recompute name the unknown customer', async () => {
    for (const args of [
      ['drafts', 'approve', '--period', '2024-11', '--customer', 'NOPE', '--by', 'Anna Ekonom'],
      ['drafts', 'reject', '--period', '2024-11', '--customer', 'NOPE', '--by', 'Anna Ekonom', '--reason', 'fel'],
      ['drafts', 'recompute', '--period', '2024-11', '--customer', 'NOPE', '--by', 'Anna Ekonom'],
    ]) {
      expectBadInput(await run(args), /--customer: no such customer 'NOPE'/);
    }
  });

  it('recompute of a known customer with no close running says what to do, not "workflow not found"', async () => {
    const customer = await seedCustomer(h.db);
    const r = await run(['drafts', 'recompute', '--period', '2024-11', '--customer', customer, '--by', 'Anna Ekonom']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`no close of '${customer}' for 2024-11 is running, so there is no draft to recompute`));
    expect(r.stderr).toMatch(/close rerun --period 2024-11/);
    expect(r.stderr).not.toMatch(/workflow not found/i);
  });

  it('a 10,000-character id is shown shortened, once', async () => {
    const r = await run(['close', 'rerun', '--period', '2024-11', '--customer', LONG_ID]);
    expectBadInput(r, /'X{60}…' \(10000 characters\)/);
    const p = await run(['preview', '--customer', LONG_ID, '--period', '2024-11']);
    expectBadInput(p, /unknown customer 'X{60}…' \(10000 characters\)/);
  });
});

describe('other arguments', () => {
  it('an empty or blank --by is refused with what to write', async () => {
    for (const by of ['', '   ']) {
      expectBadInput(await run(['drafts', 'approve', '--period', '2024-11', '--all', '--by', by]), /--by is empty: name the finance approver/);
    }
  });

  it('invoices pdf: an overflowing number is not an invoice number, and a missing one is named', async () => {
    expectBadInput(await run(['invoices', 'pdf', 'F99999999999999999999999', '--out', path.join(dir, 'a.pdf')]), /invoice number 'F9+' is not a series/);
    expectBadInput(await run(['invoices', 'pdf', 'F12345', '--out', path.join(dir, 'a.pdf')]), /no invoice 'F12345'/);
  });

  it('invoices pdf: an --out that cannot be written is bad input, checked before anything is read', async () => {
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, 'x');
    expectBadInput(await run(['invoices', 'pdf', 'F10001', '--out', path.join(file, 'inside.pdf')]), /--out '.*inside\.pdf': cannot write there \((EEXIST|ENOTDIR)\); choose a writable file path/);
    expectBadInput(await run(['invoices', 'pdf', 'F10001', '--out', dir]), /is a folder, not a file/);
  });
});
