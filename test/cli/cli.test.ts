import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { runCli } from '../support/cli-runner';
import { seedPrices, uid } from '../support/seed';
import { waitFor } from '../support/wait';
import { creditStatusQuery } from '../../contracts/credit-messages';

// The command line as a user runs it (bin/month-close.js), against the run's real services:
// exit codes, --json documents in the shapes interfaces.md names, and the human output.

let h: CloseHarness;
let dir: string;
let env: NodeJS.ProcessEnv;

const run = (args: string[]) => runCli(args, env);

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-cli-'));
  const configFile = write('config.json', JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  await seedPrices(h.db);
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('month-close CLI', () => {
  const customer = uid('CLI');

  it('imports partners, customers and usage, reporting rejections as JSON with exit code 2', async () => {
    const partners = write(
      'partners.csv',
      'partner_id,name,org_number,email,street,postal_code,city,country\n' +
        'P-CLI,Ekonomipartner i Väst AB,556677-1233,partner@example.se,Kungsgatan 1,411 19,Göteborg,SE\n',
    );
    const p = await run(['partners', 'import', partners, '--json']);
    expect([p.code, p.stderr]).toEqual([0, '']);
    expect(JSON.parse(p.stdout)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    const customers = write(
      'customers.csv',
      'customer_id,name,org_number,vat_number,billing_email,street,postal_code,city,country,partner_id,monthly_billing_from,prepaid_through\n' +
        `${customer},"Åkesson & Öberg, ""Bygg"" AB",556123-4567,SE556123456701,admin@example.se,Storgatan 1,411 38,Göteborg,SE,P-CLI,2024-01-01,\n`,
    );
    const c = await run(['customers', 'import', customers, '--json']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    const usage = write(
      'usage.csv',
      'event_id,customer_id,occurred_at,subject_type,subject_id,action,role\n' +
        `${customer}-1,${customer},2024-10-01T00:00:00+02:00,module,smart,activated,\n` +
        `${customer}-2,${customer},2024-10-01T00:00:00+02:00,user,p1,activated,portal_user\n` +
        `${customer}-3,${customer},2024-11-03T10:00:00Z,user,x1,activated,admin\n`,
    );
    const u = await run(['usage', 'import', usage, '--json']);
    expect(u.code).toBe(2);
    const report = JSON.parse(u.stdout);
    expect(report.accepted).toBe(2);
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]).toMatchObject({ line: 4, event_id: `${customer}-3` });
    expect(report.rejected[0].reason).toMatch(/unknown role "admin"/);

    const again = await run(['usage', 'import', usage, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('refuses bad usage with exit code 2 and a message naming the argument', async () => {
    const bad = await run(['close', 'status', '--period', '2024-13']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--period.*2024-13.*01-12/);
    const missing = await run(['usage', 'import', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
    const noWhich = await run(['drafts', 'approve', '--period', '2024-11', '--by', 'Anna Ekonom']);
    expect(noWhich.code).toBe(2);
  });

  it('previews, closes, approves and lists the invoice with the same lines', async () => {
    const preview = await run(['preview', '--customer', customer, '--period', '2024-11', '--json']);
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.stdout);
    expect(p.lines.map((l: { description: string }) => l.description)).toEqual(['OneStop Reporting - Smart', 'OneStop Reporting - Portalanvändare']);
    expect(p.total_ore).toBe(211_300); // (1 495 + 195) × 1,25 = 2 112,50 → 2 113 kr

    const start = await run(['close', 'start', '--period', '2024-11', '--customer', customer, '--wait', '--json']);
    expect(start.code).toBe(0);
    const status = await run(['close', 'status', '--period', '2024-11', '--json']);
    expect(JSON.parse(status.stdout)).toEqual({ period: '2024-11', customers: [{ customer_id: customer, state: 'awaiting_approval', invoice_number: null, reason: null, invoice_status: null, credited_by: [], replaced_by: null, replaces: null }] });

    const refused = await run(['drafts', 'approve', '--period', '2024-11', '--customer', customer, '--by', 'Mallory']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/not a configured finance approver/);
    // A first invoice is flagged: approve --all approves it only with --include-flagged.
    const approved = await run(['drafts', 'approve', '--period', '2024-11', '--all', '--include-flagged', '--by', 'Anna Ekonom', '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout).decisions).toEqual([{ customerId: customer, draftVersion: 1, outcome: 'approved', detail: null }]);

    // Final means the PDF is stored too; wait for it as the close records it, then ask the CLI.
    await waitFor(async () => (await h.db('close_runs').where({ customer_id: customer, period: '2024-11' }).first())?.state === 'final', 60_000, 'the close to be final');
    const listed = await run(['invoices', 'list', '--period', '2024-11', '--json']);
    expect(listed.code).toBe(0);
    const list: { status: string; number: string; lines: unknown[]; total_ore: number; pdf_sha256: string | null }[] = JSON.parse(listed.stdout);
    expect(list).toHaveLength(1);
    // Issued on the pinned 2024 clock, due long before today and unpaid.
    expect(list[0].status).toBe('overdue');
    expect(list[0].pdf_sha256).toMatch(/^[0-9a-f]{64}$/);
    const closed = await run(['close', 'status', '--period', '2024-11', '--json']);
    expect(JSON.parse(closed.stdout)).toEqual({ period: '2024-11', customers: [{ customer_id: customer, state: 'final', invoice_number: list[0].number, reason: null, invoice_status: 'live', credited_by: [], replaced_by: null, replaces: null }] });
    expect(Object.keys(list[0]).sort()).toEqual(
      [
        'kind', 'customer_id', 'period', 'status', 'number', 'issue_date', 'due_date', 'ocr', 'currency', 'lines', 'net_ore', 'vat_ore', 'rounding_ore', 'total_ore', 'pdf_sha256',
        // The ledger's links and what is left to pay (issue #21).
        'credited_by', 'replaced_by', 'replaces', 'paid_ore', 'remaining_ore',
      ].sort(),
    );
    expect(list[0].lines).toEqual(p.lines);
    expect(list[0].total_ore).toBe(p.total_ore);

    // Both refusals are on record next to the approval.
    const requests = await h.db('approval_requests').where({ customer_id: customer }).orderBy('id');
    expect(requests.map((r) => r.outcome)).toEqual([expect.stringMatching(/^refused \(cli\): .*not a configured finance approver/), 'approved (approve_all)']);

    const out = path.join(dir, 'invoice.pdf');
    const pdf = await run(['invoices', 'pdf', list[0].number, '--out', out]);
    expect(pdf.code).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);

  it('writes the e-invoice, credits through finance approval, refuses over-crediting (exit 2) and de-duplicates a repeated request', async () => {
    const invoice = await h.db('invoices').where({ customer_id: customer, kind: 'invoice' }).first('series', 'number');
    const number = `${invoice.series}${invoice.number}`;
    const xmlOut = path.join(dir, 'invoice.xml');
    const xml = await run(['invoices', 'xml', number, '--out', xmlOut]);
    expect(xml.code).toBe(0);
    expect(fs.readFileSync(xmlOut, 'utf8')).toContain(`<cbc:ID>${number}</cbc:ID>`);

    const over = await run(['invoices', 'credit', number, '--by', 'Olle', '--reason', 'fel', '--lines', 'smart=5']);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/smart: crediting 5 would credit more than .* invoiced \(1, of which 0 already credited\)/);
    expect((await run(['invoices', 'credit', number, '--by', 'Olle', '--reason', 'fel', '--lines', 'smart']).then((r) => r.code))).toBe(2);

    const args = ['invoices', 'credit', number, '--by', 'Olle', '--reason', 'Fel pris', '--json'];
    const first = JSON.parse((await run(args)).stdout);
    expect(first).toMatchObject({ outcome: 'started', credits: number });
    const second = JSON.parse((await run(args)).stdout);
    expect(second).toMatchObject({ outcome: 'duplicate', credit_id: first.credit_id });
    // Finance decides once the draft credit note exists (an earlier approval is refused: nothing to approve yet).
    await waitFor(async () => (await h.client.workflow.getHandle(first.credit_id).query(creditStatusQuery)).state === 'awaiting_approval');
    const approved = await run(['invoices', 'credit-approve', first.credit_id, '--by', 'Anna Ekonom', '--json']);
    expect(JSON.parse(approved.stdout)).toMatchObject({ outcome: 'approved' });

    await waitFor(async () => (await h.db('invoices').where({ customer_id: customer, kind: 'credit_note' })).length === 1);
    await waitFor(async () => JSON.parse((await run(['invoices', 'list', '--period', '2024-11', '--json'])).stdout).some((i: { kind: string }) => i.kind === 'credit_note'));
    const list = JSON.parse((await run(['invoices', 'list', '--period', '2024-11', '--json'])).stdout);
    const note = list.find((i: { kind: string }) => i.kind === 'credit_note');
    expect(note).toMatchObject({ kind: 'credit_note', credits: number });
    expect(note.total_ore).toBe(-list.find((i: { kind: string }) => i.kind === 'invoice').total_ore);
  }, 120_000);
});
