import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDraft } from '../../client/drafts';
import { statusQuery } from '../../contracts/close-messages';
import type { DraftListEntry, ExplainedDraft } from '../../store/reviews';
import { approveReissue, credit, FINANCE } from '../books/support';
import type { CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, type EventSpec } from '../support/seed';
import type { Session } from '../web/support';
import { cliOk, closeReviewConsole, explainNovember, heldForReview as heldInHarness, kr, novemberDraftPage, NOW, openReviewConsole, plain, type ReviewConsole } from './review-console';

// A credit note (or a re-issue) issued while a later draft of the customer waits for finance
// refreshes that draft's stored review (docs/review.md): October invoiced, November held with
// one user more, then October credited. November's review, `drafts explain` and the draft page
// compare with October net of the credit note and say the comparison was updated after it; the
// review it replaced is kept; the close still waits for finance. Another customer's credit note
// changes nothing.

let f: ReviewConsole;
let h: CloseHarness;
let app: FastifyInstance;
let finance: Session;

/** Smart and `users` portal users from October; `extra` more from November. */
const usage = (users: number, extra: number): EventSpec[] => [
  { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
  ...Array.from({ length: users }, (_, i): EventSpec => ({ at: '2024-10-01T00:00:00+02:00', type: 'user', id: `p${i + 1}`, action: 'activated', role: 'portal_user' })),
  ...Array.from({ length: extra }, (_, i): EventSpec => ({ at: '2024-11-01T00:00:00+01:00', type: 'user', id: `n${i + 1}`, action: 'activated', role: 'portal_user' })),
];

/** October invoiced (a first invoice: approved by a person); November's usage already recorded. */
async function octoberInvoiced(): Promise<{ customerId: string; number: string; totalOre: number }> {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, usage(3, 1));
  const handle = await heldForReview(customerId, '2024-10');
  await approveDraft(h.client, '2024-10', customerId, FINANCE);
  const done = await handle.result();
  return { customerId, number: done.invoiceNumber!, totalOre: Number((await h.db('invoices').where({ customer_id: customerId, period: '2024-10' }).first('total_ore')).total_ore) };
}

const heldForReview = (customerId: string, period: string) => heldInHarness(h, customerId, period);

const novemberReview = (customerId: string) => h.db('draft_reviews').where({ customer_id: customerId, period: '2024-11' }).first();
const versionsOf = (draftId: number) => h.db('draft_review_versions').where({ draft_id: draftId }).orderBy('version');

const cli = (args: string[]) => cliOk(f, args);
const explain = (customerId: string, json: boolean) => explainNovember(f, customerId, json);
const explainJson = async (customerId: string): Promise<ExplainedDraft> => JSON.parse(await explain(customerId, true));

/** November's entry of the customer in `drafts list --json`. */
async function listed(customerId: string): Promise<DraftListEntry> {
  const list: { drafts: DraftListEntry[] } = JSON.parse(await cli(['drafts', 'list', '--period', '2024-11', '--json']));
  return list.drafts.find((d) => d.customer_id === customerId)!;
}

/** The customer's row in finance's review queue: its "Jämförelsen uppdaterad" mark, the mark's title and small text. */
async function queueMark(customerId: string): Promise<{ mark: string; title: string | null; small: string } | null> {
  const res = await app.inject({ method: 'GET', url: '/finance/periods/2024-11/queue', headers: { cookie: finance.cookie } });
  expect(res.statusCode).toBe(200);
  const row = [...res.body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).find((r) => r.includes(`/drafts/${customerId}"`));
  expect(row, `${customerId} in the queue`).toBeDefined();
  const m = /<span class="tag comparison-updated-mark" title="([^"]*)">([^<]*)<\/span>\s*<small class="muted">([^<]*)<\/small>/.exec(row!);
  return m ? { mark: plain(m[2]!), title: plain(m[1]!), small: plain(m[3]!) } : null;
}

const draftPage = (customerId: string) => novemberDraftPage(f, customerId);
const updatedNotes = (page: string) => [...page.matchAll(/<p class="comparison-updated"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => plain(m[1]!));

beforeAll(async () => {
  f = await openReviewConsole('month-close-review-refresh-');
  ({ h, app, finance } = f);
}, 120_000);
afterAll(async () => closeReviewConsole(f));

describe("a credit note refreshes the review of the customer's draft waiting for finance", () => {
  it('a partial credit of October: November compares with October net of it, says so, keeps the old review and still waits', async () => {
    const october = await octoberInvoiced();
    const other = await octoberInvoiced();
    const waiting = await heldForReview(october.customerId, '2024-11');
    const before = await novemberReview(october.customerId);
    expect([before.version, Number(before.previous_total_ore), before.explanation.previous.credit_notes]).toEqual([1, october.totalOre, []]);
    expect(await listed(october.customerId)).toMatchObject({ review_version: 1, comparison_updated_at: null });
    expect(await queueMark(october.customerId)).toBeNull();

    // Another customer's credit note changes nothing here.
    await credit(h, other.number, [{ article: 'portal_user', quantity: 1 }]);
    expect(await novemberReview(october.customerId)).toEqual(before);
    expect(await versionsOf(before.draft_id)).toEqual([]);

    const creditNote = await credit(h, october.number, [{ article: 'portal_user', quantity: 1 }]);
    const note = await h.db('invoices').where({ customer_id: october.customerId, kind: 'credit_note' }).first('id', 'total_ore');
    const netOre = october.totalOre + Number(note.total_ore);
    expect(netOre).toBeLessThan(october.totalOre);

    // The stored review: version 2, compared with October net of the credit note, after it.
    const after = await novemberReview(october.customerId);
    expect([after.version, Number(after.previous_total_ore), Number(after.change_ore), Number(after.refreshed_after_id)]).toEqual([2, netOre, Number(after.total_ore) - netOre, note.id]);
    expect(after.refreshed_at.getTime()).toBe(NOW);
    expect(after.explanation.previous).toMatchObject({ number: october.number, total_ore: netOre, credit_notes: [creditNote] });
    expect(after.waits_because).toMatch(/is outside ±5 %/);
    expect(after.waits_because).not.toBe(before.waits_because);
    // The workflow's verdict stands.
    expect([after.approvals_needed, after.policy_version, after.auto_approve_reason]).toEqual([before.approvals_needed, before.policy_version, null]);

    // The review it replaced is kept whole, with when and after which document.
    const [kept] = await versionsOf(before.draft_id);
    expect([kept.version, Number(kept.replaced_after_id), kept.replaced_at.getTime()]).toEqual([1, note.id, NOW]);
    expect(kept.review).toEqual(JSON.parse(JSON.stringify(before)));

    // `drafts list --json` and the review queue say it without opening the draft.
    expect(await listed(october.customerId)).toMatchObject({ review_version: 2, comparison_updated_at: new Date(NOW).toISOString(), previous_total_ore: netOre });
    expect(await queueMark(october.customerId)).toEqual({ mark: 'Jämförelsen uppdaterad', title: `Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura ${creditNote}`, small: `efter ${creditNote}` });

    // `drafts explain --json` and its text, and the draft page.
    const explained = await explainJson(october.customerId);
    expect(explained.previous).toMatchObject({ number: october.number, total_ore: netOre, credit_notes: [creditNote] });
    expect(explained.review_version).toBe(2);
    expect(explained.comparison_updates).toEqual([
      {
        version: 2,
        at: new Date(NOW).toISOString(),
        after: { number: creditNote, kind: 'credit_note', replaces: null },
        before: { previous: before.explanation.previous, change_ore: Number(before.change_ore), flags: before.flags },
      },
    ]);
    const said = `Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura ${creditNote}; tidigare jämfört med ${october.number} (2024-10): ${kr(october.totalOre)}`;
    expect(plain(await explain(october.customerId, false))).toContain(said);
    const page = await draftPage(october.customerId);
    expect(plain(/<p id="comparison-base">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '')).toBe(`jämfört med ${october.number} (2024-10) efter kreditering ${creditNote}: ${kr(netOre)}`);
    expect(updatedNotes(page)).toEqual([said]);
    // Finance's e-mail is not sent again: the page shows what it was compared with before (the
    // e-mail's figure) beside the current base, as a highlighted note above the approve button.
    const at = (html: string) => page.indexOf(html);
    expect(at('<p class="comparison-updated"')).toBeGreaterThan(at('<p id="comparison-base">'));
    expect(at('<p class="comparison-updated"')).toBeLessThan(at(`/drafts/${october.customerId}/approve"`));
    expect(page).toMatch(/\.comparison-updated \{[^}]*border-left[^}]*background/);

    // Still waiting for a person; approved, it is issued as before.
    expect((await waiting.query(statusQuery)).state).toBe('awaiting_approval');
    await approveDraft(h.client, '2024-11', october.customerId, FINANCE);
    expect((await waiting.result()).state).toBe('final');
  }, 600_000);

  it('a full credit with a re-issue refreshes it twice: after the credit note, then after the re-issued invoice', async () => {
    const october = await octoberInvoiced();
    const waiting = await heldForReview(october.customerId, '2024-11');
    const creditNote = await credit(h, october.number, null, { reissue: true });
    const credited = await novemberReview(october.customerId);
    expect([credited.version, Number(credited.previous_total_ore)]).toEqual([2, 0]);
    expect(credited.explanation.previous).toMatchObject({ number: october.number, fully_credited: true, credit_notes: [creditNote] });

    const reissue = await approveReissue(h, '2024-10', october.customerId);
    const reissued = await novemberReview(october.customerId);
    expect(reissued.version).toBe(3);
    expect(reissued.explanation.previous).toMatchObject({ number: reissue, replaces: october.number, credit_notes: [], fully_credited: false });
    expect((await versionsOf(reissued.draft_id)).map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(await listed(october.customerId)).toMatchObject({ review_version: 3, comparison_updated_at: new Date(NOW).toISOString() });
    expect(await queueMark(october.customerId)).toEqual({ mark: 'Jämförelsen uppdaterad', title: `Jämförelsen uppdaterades 2024-12-02 08:00 efter faktura ${reissue} (ersätter ${october.number})`, small: `efter ${reissue}` });

    expect(updatedNotes(await draftPage(october.customerId))).toEqual([
      `Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura ${creditNote}; tidigare jämfört med ${october.number} (2024-10): ${kr(october.totalOre)}`,
      `Jämförelsen uppdaterades 2024-12-02 08:00 efter faktura ${reissue} (ersätter ${october.number}); tidigare föregående faktura ${october.number} (2024-10) krediterades helt (${creditNote}): jämfört med ${kr(0)} fakturerat`,
    ]);
    expect((await waiting.query(statusQuery)).state).toBe('awaiting_approval');
  }, 600_000);
});
