import { describe, expect, it } from 'vitest';
import { ARTICLE_INFO } from '../../billing/articles';
import { comparisonBase, type BaseDocument } from '../../billing/comparison-base';
import { explainDraft, type ComparedLine } from '../../billing/explain';
import { DEFAULT_APPROVAL_POLICY } from '../../infra/config';
import { policyVerdict } from '../../billing/guardrails';
import { comparisonBaseSv } from '../../billing/review-sv';
import type { Article } from '../../billing/types';

// The base a draft is compared with: the previous period's live invoice net of its credit notes
// (partial credit per article, full credit, credit and re-issue, two credit notes).

const line = (article: Article, quantity: number, amountOre: number): ComparedLine => ({ article, description: ARTICLE_INFO[article].description, quantity, amountOre });
const invoice = (id: number, lines: ComparedLine[], o: { reissueOf?: number } = {}): BaseDocument => ({
  id, kind: 'invoice', number: `F${10000 + id}`, period: '2024-10', totalOre: Math.round(lines.reduce((s, l) => s + l.amountOre, 0) * 1.25), creditOf: null, reissueOf: o.reissueOf ?? null, lines,
});
const creditNote = (id: number, of: number, lines: ComparedLine[]): BaseDocument => ({
  id, kind: 'credit_note', number: `K${10000 + id}`, period: '2024-10', totalOre: Math.round(lines.reduce((s, l) => s + l.amountOre, 0) * 1.25), creditOf: of, reissueOf: null, lines,
});
// The worked example's shape: Smart, two portal users, one archive user (öre excl. moms).
const SMART = line('smart', 1, 149_500);
const PORTAL = line('portal_user', 2, 39_000);
const ARCHIVE = line('archive_user', 1, 9_500);

describe('comparisonBase', () => {
  it('is nothing without an invoice, the invoice itself without credits', () => {
    expect(comparisonBase([])).toBeNull();
    const base = comparisonBase([invoice(1, [SMART, PORTAL])])!;
    expect(base).toMatchObject({ number: 'F10001', totalOre: 235_625, creditNotes: [], replaces: null, fullyCredited: false });
    expect(base.lines).toEqual([SMART, PORTAL]);
  });

  it('takes a partial credit note off per article, quantity and amount', () => {
    const base = comparisonBase([invoice(1, [SMART, PORTAL, ARCHIVE]), creditNote(2, 1, [line('portal_user', -1, -19_500)])])!;
    expect(base.lines).toEqual([SMART, line('portal_user', 1, 19_500), ARCHIVE]);
    expect(base.totalOre).toBe(247_500 - 24_375);
    expect(base).toMatchObject({ number: 'F10001', creditNotes: ['K10002'], fullyCredited: false });
  });

  it('leaves out an article credited away, whatever sign the note prints the quantity with', () => {
    const base = comparisonBase([invoice(1, [SMART, ARCHIVE]), creditNote(2, 1, [line('archive_user', 1, -9_500)])])!;
    expect(base.lines).toEqual([SMART]);
  });

  it('nets two credit notes of the same invoice', () => {
    const base = comparisonBase([
      invoice(1, [SMART, PORTAL, ARCHIVE]),
      creditNote(2, 1, [line('portal_user', -1, -19_500)]),
      creditNote(3, 1, [line('portal_user', -1, -19_500), line('archive_user', -1, -9_500)]),
    ])!;
    expect(base.lines).toEqual([SMART]);
    expect(base.totalOre).toBe(186_875);
    expect(base.creditNotes).toEqual(['K10002', 'K10003']);
  });

  it('compares an invoice credited in full without a re-issue as nothing billed', () => {
    const base = comparisonBase([invoice(1, [SMART, PORTAL]), creditNote(2, 1, [line('smart', -1, -149_500), line('portal_user', -2, -39_000)])])!;
    expect(base).toMatchObject({ number: 'F10001', totalOre: 0, lines: [], creditNotes: ['K10002'], fullyCredited: true });
  });

  it('takes the re-issue in place of the invoice it replaces, net of its own credits only', () => {
    const docs = [
      invoice(1, [SMART, PORTAL]),
      creditNote(2, 1, [line('smart', -1, -149_500), line('portal_user', -2, -39_000)]),
      invoice(3, [SMART, PORTAL, ARCHIVE], { reissueOf: 1 }),
    ];
    expect(comparisonBase(docs)).toMatchObject({ invoiceId: 3, number: 'F10003', totalOre: 247_500, lines: [SMART, PORTAL, ARCHIVE], creditNotes: [], replaces: 'F10001', fullyCredited: false });
    // A re-issue is picked by its link, not by the order the rows come in.
    expect(comparisonBase([...docs].reverse())!.number).toBe('F10003');
    const creditedAgain = comparisonBase([...docs, creditNote(4, 3, [line('archive_user', -1, -9_500)])])!;
    expect(creditedAgain).toMatchObject({ number: 'F10003', totalOre: 235_625, creditNotes: ['K10004'], replaces: 'F10001' });
  });
});

describe('the review against the base', () => {
  const draft = (lines: ComparedLine[], totalOre: number, previous: ReturnType<typeof comparisonBase>) =>
    explainDraft({ customerId: 'C1', period: '2024-11', lines, totalOre, snapshot: { customerId: 'C1', period: '2024-11', modules: ['smart'], users: [], companies: [] }, previous: previous && { ...previous, snapshot: null }, contradictions: [], lateEvents: [] });

  it('a re-issued customer with the same usage shows no change and the policy approves it', () => {
    const base = comparisonBase([invoice(1, [SMART, PORTAL]), creditNote(2, 1, [line('smart', -1, -149_500), line('portal_user', -2, -39_000)]), invoice(3, [SMART, PORTAL], { reissueOf: 1 })]);
    const e = draft([SMART, PORTAL], 235_625, base);
    expect(e.change_ore).toBe(0);
    expect(policyVerdict(e, DEFAULT_APPROVAL_POLICY).autoApprove).not.toBeNull();
    expect(comparisonBaseSv(e.previous)).toBe('jämfört med F10003 (2024-10, ersätter F10001): 2\u00a0356,25\u00a0kr');
  });

  it('names the credit notes, and says so when the previous invoice was credited in full', () => {
    const partly = draft([SMART, PORTAL], 235_625, comparisonBase([invoice(1, [SMART, PORTAL]), creditNote(2, 1, [line('portal_user', -1, -19_500)])]));
    expect(partly.lines.find((l) => l.article === 'portal_user')).toMatchObject({ previous_quantity: 1, quantity: 2, change_ore: 19_500 });
    expect(comparisonBaseSv(partly.previous)).toMatch(/^jämfört med F10001 \(2024-10\) efter kreditering K10002: /);
    const full = draft([SMART], 186_875, comparisonBase([invoice(1, [SMART]), creditNote(2, 1, [line('smart', -1, -149_500)])]));
    expect(full.previous).toMatchObject({ total_ore: 0, fully_credited: true, credit_notes: ['K10002'] });
    expect(full.change_ore).toBe(186_875);
    expect(comparisonBaseSv(full.previous)).toMatch(/^Föregående faktura F10001 \(2024-10\) krediterades helt \(K10002\): jämfört med 0,00/);
    expect(policyVerdict(full, DEFAULT_APPROVAL_POLICY).autoApprove).toBeNull();
  });
});
