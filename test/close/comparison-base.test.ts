import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../billing';
import { startCustomerClose } from '../../client/close';
import { approveDraft } from '../../client/drafts';
import { reviewQueue } from '../../web/finance-data';
import { approveReissue, credit, FINANCE } from '../books/support';
import type { CloseHarness } from '../support/close-harness';
import { approvalsOf, reviewsOf } from '../support/queries';
import { seedCustomer, seedEvents, type EventSpec } from '../support/seed';
import { waitFor } from '../support/wait';
import { closeReviewConsole, explainNovember, heldForReview, kr, novemberDraftPage, openReviewConsole, plain, type ReviewConsole } from './review-console';

// The review compares a draft with what the customer was really billed (issue #23): October
// closed, one customer's invoice partly credited, another's credited in full and re-issued, then
// November closed with the same usage. The re-issued customer is not flagged (the policy approves
// it), the partly credited one shows its change against the invoice net of the credit note, and
// the draft page, the queue and `drafts explain --json` show the same figures.

let f: ReviewConsole;
let h: CloseHarness;

/** The text of the cell with class `cls` in the row opened by `rowStart`. */
function cell(html: string, rowStart: string, cls: string): string {
  const row = html.slice(html.indexOf(rowStart), html.indexOf('</tr>', html.indexOf(rowStart)));
  return plain(new RegExp(`class="(?:[^"]* )?${cls}(?: [^"]*)?">([\\s\\S]*?)</t[dh]>`).exec(row)?.[1] ?? '');
}

/** Smart and `users` portal users all of October and November: the same bill both months. */
const steady = (users: number): EventSpec[] => [
  { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
  ...Array.from({ length: users }, (_, i): EventSpec => ({ at: '2024-10-01T00:00:00+02:00', type: 'user', id: `p${i + 1}`, action: 'activated', role: 'portal_user' })),
];

/** A customer with October invoiced (a first invoice: approved by a person). */
async function octoberInvoiced(users: number): Promise<{ customerId: string; number: string }> {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, steady(users));
  const handle = await heldForReview(h, customerId, '2024-10');
  await approveDraft(h.client, '2024-10', customerId, FINANCE);
  return { customerId, number: (await handle.result()).invoiceNumber! };
}

const explain = (customerId: string, json: boolean) => explainNovember(f, customerId, json);
const explainJson = async (customerId: string): Promise<Explanation & { flags: string[] }> => JSON.parse(await explain(customerId, true));
const draftPage = (customerId: string) => novemberDraftPage(f, customerId);

beforeAll(async () => {
  f = await openReviewConsole('month-close-comparison-');
  ({ h } = f);
}, 120_000);
afterAll(async () => closeReviewConsole(f));

describe('the review compares with the previous invoice net of its credit notes', () => {
  it('a re-issue replaces the credited invoice, a partial credit lowers the base, and every view shows the same figures', async () => {
    // Three portal users, one credited; thirty (above the 5 000 kr flag limit), credited in full and re-issued.
    const partly = await octoberInvoiced(3);
    const reissued = await octoberInvoiced(30);
    const creditNote = await credit(h, partly.number, [{ article: 'portal_user', quantity: 1 }]);
    const fullCredit = await credit(h, reissued.number, null, { reissue: true });
    const reissue = await approveReissue(h, '2024-10', reissued.customerId);

    // November, the same usage. The re-issued customer is within the policy's tolerance: approved by it.
    const waiting = await heldForReview(h, partly.customerId, '2024-11');
    const { handle: auto } = await startCustomerClose(h.client, h.settings, reissued.customerId, '2024-11');
    expect((await auto.result()).state).toBe('final');
    const [autoReview] = await reviewsOf(h.db, reissued.customerId, '2024-11');
    expect(autoReview.flags).toEqual([]);
    expect(Number(autoReview.change_ore)).toBe(0);
    expect((await approvalsOf(h.db, reissued.customerId, '2024-11')).map((a: { via: string }) => a.via)).toEqual(['policy']);
    expect(autoReview.explanation.previous).toMatchObject({ number: reissue, replaces: reissued.number, credit_notes: [], fully_credited: false });
    expect(fullCredit).toBeTruthy();

    // The partly credited customer: compared with the invoice less the credit note.
    const billed = await h.db('invoices').where({ customer_id: partly.customerId, period: '2024-10' }).orderBy('id').select('kind', 'total_ore');
    const netOre = billed.reduce((s: number, d: { total_ore: number }) => s + Number(d.total_ore), 0);
    expect(billed.map((d: { kind: string }) => d.kind)).toEqual(['invoice', 'credit_note']);
    const [review] = await reviewsOf(h.db, partly.customerId, '2024-11');
    expect(Number(review.previous_total_ore)).toBe(netOre);
    expect(Number(review.change_ore)).toBe(Number(review.total_ore) - netOre);
    expect(review.flags).toEqual([]);
    expect(review.waits_because).toMatch(/is outside ±5 %/);

    // `drafts explain --json`, the draft page and the queue: the same base and the same figures.
    const explained = await explainJson(partly.customerId);
    expect(explained.previous).toMatchObject({ number: partly.number, total_ore: netOre, credit_notes: [creditNote], replaces: null, fully_credited: false });
    expect(explained.change_ore).toBe(Number(review.change_ore));
    const portal = explained.lines.find((l) => l.article === 'portal_user')!;
    expect(portal).toMatchObject({ previous_quantity: 2, quantity: 3, change_ore: 19_500 });

    const page = await draftPage(partly.customerId);
    expect(plain(/<p id="comparison-base">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '')).toBe(`jämfört med ${partly.number} (2024-10) efter kreditering ${creditNote}: ${kr(netOre)}`);
    for (const l of explained.lines) {
      const row = `<tr data-article="${l.article}">`;
      expect([cell(page, row, 'prev-qty'), cell(page, row, 'qty'), cell(page, row, 'prev-amount'), cell(page, row, 'amount'), cell(page, row, 'change')], l.article).toEqual([
        String(l.previous_quantity), String(l.quantity), kr(l.previous_amount_ore), kr(l.amount_ore), kr(l.change_ore, true),
      ]);
    }
    const total = '<tr id="compare-total">';
    expect([cell(page, total, 'prev-amount'), cell(page, total, 'amount'), cell(page, total, 'change')]).toEqual([kr(explained.previous!.total_ore), kr(explained.total_ore), kr(explained.change_ore!, true)]);
    expect(plain(await draftPage(reissued.customerId))).toContain(`jämfört med ${reissue} (2024-10, ersätter ${reissued.number})`);

    // The text of `drafts explain` and finance's draft e-mail name the credit note too.
    expect(plain(await explain(partly.customerId, false))).toContain(`jämfört med ${partly.number} (2024-10) efter kreditering ${creditNote}: ${kr(netOre)}`);
    const mailed = (m: { text: string }) => m.text.includes(`Jämfört med ${partly.number} (2024-10,`);
    await waitFor(() => h.smtp.messages.some(mailed), 30_000, 'draft e-mail with the review');
    expect(plain(h.smtp.messages.find(mailed)!.text)).toContain(`Jämfört med ${partly.number} (2024-10, ${kr(netOre)}, efter kreditering ${creditNote}): ${kr(explained.change_ore!, true)}`);

    const queued = (await reviewQueue(h.db, '2024-11', 0)).items.find((i) => i.customer_id === partly.customerId)!;
    expect([queued.previous_total_ore, queued.change_ore, queued.change_pct]).toEqual([explained.previous!.total_ore, explained.change_ore, explained.change_bp! / 100]);

    await approveDraft(h.client, '2024-11', partly.customerId, FINANCE);
    expect((await waiting.result()).state).toBe('final');
  }, 600_000);

  it('an invoice credited in full without a re-issue compares as nothing billed, and says so', async () => {
    const gone = await octoberInvoiced(30);
    const creditNote = await credit(h, gone.number, null);
    await heldForReview(h, gone.customerId, '2024-11');
    const [review] = await reviewsOf(h.db, gone.customerId, '2024-11');
    expect([Number(review.previous_total_ore), Number(review.change_ore)]).toEqual([0, Number(review.total_ore)]);
    expect(review.flags).toContain('change_above_threshold');
    expect((await explainJson(gone.customerId)).previous).toMatchObject({ number: gone.number, total_ore: 0, credit_notes: [creditNote], fully_credited: true });
    expect(plain(/<p id="comparison-base">([\s\S]*?)<\/p>/.exec(await draftPage(gone.customerId))?.[1] ?? '')).toBe(
      `Föregående faktura ${gone.number} (2024-10) krediterades helt (${creditNote}): jämfört med ${kr(0)} fakturerat`,
    );
  }, 300_000);
});
