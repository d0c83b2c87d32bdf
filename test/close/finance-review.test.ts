import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveAllWaiting, approveDraft, DecisionRefused } from '../../client/drafts';
import { approveSignal, statusQuery } from '../../contracts/close-messages';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { maybeRecordHistory } from '../support/histories';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, type EventSpec } from '../support/seed';
import { waitFor } from '../support/wait';
import { approvalsOf, deliveriesOf, draftsOf, invoicesOf, requestsOf, reviewsOf } from '../support/queries';

// Finance review end to end on the real dev server: auto-approval by the policy,
// four eyes, approve-all leaving flagged drafts, and what `drafts list/explain` show.

const FINANCE = 'Anna Ekonom';
const SECOND = 'Bertil Controller';

let h: CloseHarness;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedPrices(h.db);
  await seedSubscriber(h.db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-review-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SMALL: EventSpec[] = [
  { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
  { at: '2024-10-01T00:00:00+02:00', type: 'user', id: 'p1', action: 'activated', role: 'portal_user' },
];

async function awaiting(customerId: string, period: string) {
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, period);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, `${customerId} ${period} awaiting approval`);
  return handle;
}

/** October closed and approved by a person: the previous final invoice November is compared with. */
async function withOctoberFinal(events: EventSpec[]): Promise<string> {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, events);
  const october = await awaiting(customerId, '2024-10');
  expect((await reviewsOf(h.db, customerId, '2024-10'))[0].flags).toEqual(['first_invoice']);
  await approveDraft(h.client, '2024-10', customerId, FINANCE);
  expect((await october.result()).state).toBe('final');
  return customerId;
}

describe('finance review on the real dev server', () => {
  it('policy show prints the policy in force, as configured', async () => {
    const json = await runCli(['policy', 'show', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(h.config.approvalPolicy);
    const text = await runCli(['policy', 'show'], env);
    expect(text.stdout).toMatch(/auto-approve +unflagged drafts within ±5 % and ±2\s000,00\skr/);
    expect(text.stdout).toMatch(/four eyes +totals above 50\s000,00\skr/);
  });

  it('auto-approves an unchanged draft: straight to final, decided by the policy with its version and why', async () => {
    const customerId = await withOctoberFinal(SMALL);
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, '2024-11');
    const summary = await handle.result();
    expect(summary.state).toBe('final');
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-auto-approved');

    const [draft] = await draftsOf(h.db, customerId, '2024-11');
    const approvals = (await approvalsOf(h.db, customerId)).filter((a) => a.draft_id === draft.id);
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ decision: 'approved', decided_by: 'policy', via: 'policy', policy_version: h.config.approvalPolicy.version });
    const [october] = await invoicesOf(h.db, customerId, '2024-10');
    expect(approvals[0].reason).toMatch(new RegExp(`^±0\\.0 % \\(0,00\\s*kr\\) vs ${h.config.invoiceSeries}${october.number}, within ±5 %`));
    // Nobody was asked: no draft e-mail went out for November.
    expect(await deliveriesOf(h.db, customerId, { period: '2024-11', event: 'draft_ready' })).toHaveLength(0);
    const [invoice] = await invoicesOf(h.db, customerId, '2024-11');
    expect(invoice.finalised_by).toBe('policy');
  }, 120_000);

  it('four eyes: above the limit two different approvers; the same person twice is refused by update and by signal', async () => {
    // Komplett, Smart and 100 superusers: 54 988 kr incl. moms, above the 50 000 kr limit.
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, [
      { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
      { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'komplett', action: 'activated' },
      ...Array.from({ length: 100 }, (_, i): EventSpec => ({ at: '2024-10-01T00:00:00+02:00', type: 'user', id: `s${i}`, action: 'activated', role: 'superuser' })),
    ]);
    const handle = await awaiting(customerId, '2024-11');
    const [review] = await reviewsOf(h.db, customerId);
    expect(review.flags).toEqual(['first_invoice', 'four_eyes']);
    expect(review.approvals_needed).toBe(2);

    const first = await approveDraft(h.client, '2024-11', customerId, FINANCE);
    expect(first.outcome).toBe('needs_second');
    await expect(approveDraft(h.client, '2024-11', customerId, FINANCE)).rejects.toThrow(DecisionRefused);
    await expect(approveDraft(h.client, '2024-11', customerId, FINANCE)).rejects.toThrow(/Anna Ekonom has already approved .*four eyes: a second, different approver/);
    await handle.signal(approveSignal, { by: FINANCE });
    await waitFor(async () => (await requestsOf(h.db, customerId)).filter((r) => r.outcome.startsWith('refused (signal)')).length === 1, 30_000, 'signal refusal recorded');
    expect((await handle.query(statusQuery)).state).toBe('awaiting_approval');
    expect(await invoicesOf(h.db, customerId)).toHaveLength(0);

    // `drafts list` shows the first approval of two while it waits.
    const list = await runCli(['drafts', 'list', '--period', '2024-11', '--flagged', '--json'], env);
    expect(list.code).toBe(0);
    const entry = JSON.parse(list.stdout).drafts.find((d: { customer_id: string }) => d.customer_id === customerId);
    expect(entry).toMatchObject({ flags: ['first_invoice', 'four_eyes'], approvals_needed: 2, approvals: [{ by: FINANCE, via: 'update' }], state: 'awaiting_approval', previous_total_ore: null, change_pct: null });

    const second = await approveDraft(h.client, '2024-11', customerId, SECOND);
    expect(second.outcome).toBe('approved');
    expect((await handle.result()).state).toBe('final');
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-four-eyes');
    const approvals = await approvalsOf(h.db, customerId);
    expect(approvals.map((a) => [a.decided_by, a.via])).toEqual([[FINANCE, 'update'], [SECOND, 'update']]);
    expect((await invoicesOf(h.db, customerId))[0].finalised_by).toBe(`${FINANCE} + ${SECOND}`);
  }, 120_000);

  it('approve --all approves unflagged drafts only, says which it left and why, and records approve_all', async () => {
    // A portal user joins in November: +11.5 % vs October, outside the auto-approval tolerance
    // but below the flag threshold, and no new article.
    const unflagged = await withOctoberFinal([...SMALL, { at: '2024-11-05T09:00:00+01:00', type: 'user', id: 'p2', action: 'activated', role: 'portal_user' }]);
    const flagged = await seedCustomer(h.db);
    await seedEvents(h.db, flagged, SMALL);
    await awaiting(unflagged, '2024-11');
    await awaiting(flagged, '2024-11');

    const explain = await runCli(['drafts', 'explain', '--period', '2024-11', '--customer', unflagged, '--json'], env);
    expect(explain.code).toBe(0);
    const e = JSON.parse(explain.stdout);
    expect(e.previous).toMatchObject({ period: '2024-10', total_ore: 211_300 });
    expect(e.flags).toEqual([]);
    expect(e.lines.map((l: { article: string; previous_quantity: number; quantity: number; change_ore: number }) => [l.article, l.previous_quantity, l.quantity, l.change_ore])).toEqual([
      ['smart', 1, 1, 0],
      ['portal_user', 1, 2, 19_500],
    ]);
    expect(e.facts).toEqual([{ kind: 'user_added', subject_type: 'user', subject_id: 'p2', detail: 'user added as portal_user' }]);
    const listed = JSON.parse((await runCli(['drafts', 'list', '--period', '2024-11', '--json'], env)).stdout).drafts.find((d: { customer_id: string }) => d.customer_id === unflagged);
    expect(listed).toMatchObject({ draft_version: 1, total_ore: 235_600, previous_total_ore: 211_300, change_ore: 24_300, change_pct: 11.5, flags: [], approvals_needed: 1, approvals: [], state: 'awaiting_approval' });

    // Finance's draft e-mail says what changed and why.
    await waitFor(() => h.smtp.messages.some((m) => m.text.includes('Användare p2: tillagd som Portalanvändare')), 30_000, 'draft e-mail with the review');
    const mail = h.smtp.messages.find((m) => m.text.includes('Användare p2: tillagd som Portalanvändare'))!;
    expect(mail.text).toMatch(/Jämfört med F\d+ \(2024-10, 2\s113,00\skr\): \+243,00\skr \(\+11,5\s%\)/);
    expect(mail.text).not.toContain('user added as');
    expect(mail.text).toContain('Flaggor: inga');

    const cli = await runCli(['drafts', 'approve', '--period', '2024-11', '--all', '--by', FINANCE], env);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`left 1 flagged draft\\(s\\) for their own approval[^\\n]*\\n\\s+${flagged} v1: flagged: first_invoice`));
    expect(cli.stdout).toContain(unflagged);

    await waitFor(async () => (await invoicesOf(h.db, unflagged, '2024-11')).length === 1, 60_000, 'unflagged final');
    const [approval] = await approvalsOf(h.db, unflagged, '2024-11');
    expect(approval).toMatchObject({ decided_by: FINANCE, via: 'approve_all' });
    expect(await approvalsOf(h.db, flagged)).toHaveLength(0);

    // Including flagged ones approves the rest.
    const all = await approveAllWaiting(h.db, h.client, '2024-11', FINANCE, { includeFlagged: true });
    expect(all.filter((d) => d.customerId === flagged).map((d) => d.outcome)).toEqual(['approved']);
  }, 180_000);

  it('approve-all goes by signal: a close that refuses it records the refusal itself, and the CLI reports it', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, SMALL);
    await awaiting(customerId, '2024-11');

    const cli = await runCli(['drafts', 'approve', '--period', '2024-11', '--all', '--include-flagged', '--by', 'Mallory', '--json'], env);
    expect(cli.code).toBe(1);
    const decisions = JSON.parse(cli.stdout).decisions.filter((d: { customerId: string }) => d.customerId === customerId);
    expect(decisions).toEqual([{ customerId, draftVersion: 1, outcome: 'refused', detail: 'Mallory is not a configured finance approver' }]);
    // Recorded by the workflow (the channel says so), not by the CLI: nothing is lost.
    const requests = await requestsOf(h.db, customerId, '2024-11');
    expect(requests.map((r) => [r.requested_by, r.draft_version, r.outcome])).toEqual([['Mallory', 1, 'refused (approve_all): Mallory is not a configured finance approver']]);

    const ok = await approveAllWaiting(h.db, h.client, '2024-11', FINANCE, { includeFlagged: true });
    expect(ok.filter((d) => d.customerId === customerId)).toEqual([{ customerId, draftVersion: 1, outcome: 'approved', detail: null }]);
    // The close records the request first, then the decision.
    await waitFor(async () => (await approvalsOf(h.db, customerId, '2024-11')).length === 1, 60_000, 'the approval recorded');
    const [approval] = await approvalsOf(h.db, customerId, '2024-11');
    expect(approval).toMatchObject({ decided_by: FINANCE, via: 'approve_all' });
  }, 180_000);
});
