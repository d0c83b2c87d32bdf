import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveDraft } from '../../client/drafts';
import { statusQuery } from '../../contracts/close-messages';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { runCli, type CliResult } from '../support/cli-runner';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Issue 19, problem 13: messages that misled. Each names what went wrong and what to do, in the
// form asked for (--json), and a command that has nothing to do says so and does nothing.

const PERIOD = '2024-11';
const BIN = path.resolve(__dirname, '../../bin/month-close.js');
let h: CloseHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
let finalCustomer: string;
let finalNumber: string;
const run = (args: string[], over: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...over });

/** Runs the CLI through bash, so an argument can hold bytes that are not UTF-8 (printf's \xff). */
function runShell(argsShell: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `exec "${process.execPath}" "${BIN}" ${argsShell}`], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-messages-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  finalCustomer = await seedCustomer(h.db);
  await seedEvents(h.db, finalCustomer, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, finalCustomer, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  await approveDraft(h.client, PERIOD, finalCustomer, 'Anna Ekonom');
  finalNumber = (await handle.result()).invoiceNumber!;
}, 180_000);
afterAll(async () => {
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/\n\s+at /);

describe('messages that misled (issue 19)', () => {
  it('PostgreSQL down during drafts approve --all names PostgreSQL and what to do, not Temporal, no stack', async () => {
    const r = await run(['drafts', 'approve', '--period', PERIOD, '--all', '--by', 'Anna Ekonom'], { DATABASE_URL: 'postgres://month_close:x@127.0.0.1:1/month_close' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:1 is not answering/);
    expect(r.stderr).toMatch(/next: start it again .* then run the same command again/);
    expect(r.stderr).not.toMatch(/Temporal/);
    noStack(r);
  }, 300_000);

  it('invoices pdf and xml take --json; errors under --json are JSON; a period after 2999 names the input', async () => {
    const pdf = await run(['invoices', 'pdf', finalNumber, '--out', path.join(dir, 'f.pdf'), '--json']);
    expect(pdf.code).toBe(0);
    expect(JSON.parse(pdf.stdout)).toMatchObject({ number: finalNumber, out: path.join(dir, 'f.pdf'), bytes: fs.statSync(path.join(dir, 'f.pdf')).size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const xml = await run(['invoices', 'xml', finalNumber, '--out', path.join(dir, 'f.xml'), '--json']);
    expect(JSON.parse(xml.stdout)).toMatchObject({ number: finalNumber, bytes: fs.statSync(path.join(dir, 'f.xml')).size });

    const missing = await run(['invoices', 'pdf', 'F999999', '--out', path.join(dir, 'g.pdf'), '--json']);
    expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 2, stdout: '' });
    expect(JSON.parse(missing.stderr)).toEqual({ error: { exit_code: 2, kind: 'bad_input', message: expect.stringContaining("no invoice 'F999999'"), next: null } });

    const far = await run(['close', 'status', '--period', '9999-12']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/--period: period '9999-12': year must be 2999 or earlier/);
    expect(far.stderr).not.toMatch(/10000/);
  }, 300_000);

  it('a file name that is not UTF-8 is refused naming it, as input and as --out', async () => {
    const input = await runShell(`customers import "$(printf 'kunder-\\xff.csv')"`);
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(/file 'kunder-\uFFFD\.csv' is not a valid UTF-8 file name/);
    const out = await runShell(`invoices pdf ${finalNumber} --out "$(printf 'inv-\\xff.pdf')"`);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--out 'inv-\uFFFD\.pdf': is not a valid UTF-8 file name/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('inv-'))).toEqual([]);
  }, 300_000);

  it('close rerun of a final customer says it is final and starts nothing; start --customer --wait prints that customer only', async () => {
    const close = h.client.workflow.getHandle(`close-${PERIOD}-${finalCustomer}`);
    const runBefore = (await close.describe()).runId;
    const rerun = await run(['close', 'rerun', '--period', PERIOD, '--customer', finalCustomer]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`${finalCustomer}: already final (invoice ${finalNumber}); nothing started`);
    expect((await close.describe()).runId).toBe(runBefore);

    const other = await seedCustomer(h.db);
    await seedEvents(h.db, other, workedExampleEvents());
    const started = await run(['close', 'start', '--period', PERIOD, '--customer', other, '--wait', '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout).status.customers.map((c: { customer_id: string }) => c.customer_id)).toEqual([other]);
  }, 300_000);

  it('preview keeps contradictions for a customer with nothing to bill; a refusal shows no draft "0"', async () => {
    const idle = await seedCustomer(h.db);
    await seedEvents(h.db, idle, [{ at: '2024-11-05T10:00:00+01:00', type: 'user', id: 'ghost', action: 'deactivated' }]);
    const preview = await run(['preview', '--customer', idle, '--period', PERIOD, '--json']);
    const doc = JSON.parse(preview.stdout);
    expect(doc.status).toBe('nothing_to_bill');
    expect(doc.contradictions).toHaveLength(1);
    const text = await run(['preview', '--customer', idle, '--period', PERIOD]);
    expect(text.stdout).toMatch(/nothing to bill[\s\S]*1 event\(s\) contradict the state/);

    const refused = await run(['drafts', 'approve', '--period', PERIOD, '--customer', idle, '--by', 'Anna Ekonom']);
    expect(refused.stdout).toMatch(new RegExp(`${idle}\\s+–\\s+refused`));
    expect(refused.stdout).not.toMatch(new RegExp(`${idle}\\s+0\\s`));
  }, 300_000);
});
