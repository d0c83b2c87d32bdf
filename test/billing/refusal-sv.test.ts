import { describe, expect, it } from 'vitest';
import { CreditError, rateCredit } from '../../billing/credit';
import { periodNotEnded } from '../../billing/period';
import { refusalSv, refusalTextSv } from '../../billing/refusal-sv';
import { parseRefusal, refusalCli, type Refusal } from '../../billing/refusals';
import { refusalSv as recordedRefusalSv, outcomeSv } from '../../billing/review-sv';
import { WORKED_EXAMPLE } from '../../demo/worked-example-invoice';

// Refusals as data: the CLI's text and the console's Swedish come from the same facts, and the
// workflows' texts read back into those facts.

const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
/** English a person must never read in the console, and any snake_case code. */
export const ENGLISH = /\b(would|credit|credited|invoice|invoiced|refused|not|already|locked|cannot|approver|draft|nothing)\b|\b[a-z]+_[a-z_]+\b/i;

const lock = { period: '2026-11', lockedBy: 'Anna Ek', lockedOn: '2026-12-03', lockReason: 'bokslut' };

/** One of every refusal a person can meet in the console. */
const EVERY: Refusal[] = [
  { code: 'credit_article_twice', invoice: 'F10001', article: 'portal_user' },
  { code: 'credit_no_such_line', invoice: 'F10001', article: 'komplett', quantity: 1, lines: ['smart', 'portal_user'] },
  { code: 'credit_quantity_not_positive', article: 'superuser', quantity: 0 },
  { code: 'credit_more_than_invoiced', invoice: 'F10001', article: 'portal_user', wanted: 3, invoiced: 2, alreadyCredited: 1, by: ['K10001'] },
  { code: 'credit_nothing_left', invoice: 'F10001', by: ['K10001', 'K10002'] },
  { code: 'credit_unknown_article', article: 'budget', known: ['smart'] },
  { code: 'reissue_needs_full_credit', invoice: 'F10001' },
  { code: 'reissue_period_locked', invoice: 'F10001', lock },
  { code: 'credit_unknown_invoice', invoice: 'F99999' },
  { code: 'credit_text', field: 'reason', problem: { kind: 'too_long', length: 600, max: 500 }, cli: '--reason is 600 characters long: at most 500' },
  { code: 'credit_never_approvable', invoice: 'F10001', totalOre: -211_250, fourEyesAboveOre: 100_000, requester: 'Anna Ek', approvalsNeeded: 2, others: ['Bertil Berg'], cli: 'x' },
  { code: 'credit_already_issued', workflowId: 'credit-F10001-abc', creditNote: 'K10003' },
  { code: 'credit_was_refused', workflowId: 'credit-F10001-abc', reason: 'F10001 is already fully credited by K10001: nothing left to credit' },
  { code: 'credit_was_rejected', workflowId: 'credit-F10001-abc', by: 'Bertil Berg', reason: 'fel kund' },
  { code: 'credit_not_running', workflowId: 'credit-F10001-abc', status: 'awaiting_approval' },
  { code: 'credit_unknown_request', workflowId: 'credit-F10001-abc' },
  { code: 'credit_refused_before', reason: 'portal_user: crediting 3 would credit more than F10001 invoiced (2, of which 0 already credited)' },
  { code: 'credit_not_issued', reason: '--reissue needs F10001 credited in full; this credit leaves 24400 öre of it live' },
  { code: 'not_an_approver', by: 'Nils Okänd' },
  { code: 'reject_needs_reason' },
  { code: 'nothing_awaits_decision', state: 'finalising' },
  { code: 'stale_version', version: 1, current: 2 },
  { code: 'own_request', by: 'Anna Ek', requester: 'Anna Ek', approvalsNeeded: 2 },
  { code: 'already_approved', by: 'Anna Ek', version: 2 },
  { code: 'flagged_in_bulk', version: 2, flags: ['change_above_threshold', 'four_eyes'] },
  { code: 'no_close_running' },
  { code: 'nothing_to_recompute', state: 'awaiting_approval' },
  { code: 'period_locked', lock, action: 'godkännandet' },
  { code: 'period_not_ended', period: '2026-12', future: false, closableFrom: '2027-01-01', cli: 'x' },
  { code: 'unrecognised', text: 'something nobody wrote a template for' },
];

/** The one refusal of EVERY with this code. */
const of = (code: Refusal['code']): Refusal => EVERY.find((r) => r.code === code)!;

describe('refusals in Swedish, from their facts', () => {
  it('every refusal reads as Swedish: no English word, no snake_case code', () => {
    for (const r of EVERY) {
      const sv = refusalSv(r);
      expect(sv, r.code).not.toMatch(ENGLISH);
      expect(sv.length, r.code).toBeGreaterThan(10);
    }
  });

  it('the known hole: more than invoiced names the article as the invoice line does, the counts and what is left', () => {
    expect(nb(refusalSv(of('credit_more_than_invoiced')))).toBe(
      'att kreditera 3 ”OneStop Reporting - Portalanvändare” är mer än faktura F10001 har kvar: 2 fakturerade, varav 1 redan krediterade med K10001, så högst 1 kan krediteras',
    );
    expect(refusalSv(of('credit_nothing_left'))).toBe('faktura F10001 är redan helt krediterad med K10001 och K10002; det finns inget kvar att kreditera');
    expect(nb(refusalSv(of('credit_never_approvable')))).toContain('den kräver 2 godkännanden (fyra ögon, över 1 000,00 kr) av någon annan än den som begär, men bara Bertil Berg finns som annan godkännare.');
    expect(refusalSv(of('flagged_in_bulk'))).toBe('utkast 2 är flaggat (stor förändring, fyra ögon): godkänn det på utkastets sida');
    expect(refusalSv(of('period_locked'))).toMatch(/^perioden 2026-11 är låst av Anna Ek 2026-12-03 \(bokslut\): godkännandet görs inte\. Rätta med en kreditfaktura/);
  });

  it("a credit's refusal inside an ended credit is said in Swedish too", () => {
    expect(refusalSv(of('credit_was_refused'))).toBe('krediteringen stoppades: faktura F10001 är redan helt krediterad med K10001; det finns inget kvar att kreditera');
    expect(refusalSv(of('credit_refused_before'))).toMatch(/^kreditfakturan stoppades: att kreditera 3 ”OneStop Reporting - Portalanvändare”/);
  });

  it("the rules' refusals keep the CLI's words (message) and carry their facts", () => {
    const refusalOf = (f: () => unknown): Refusal => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(CreditError);
        return (err as CreditError).refusal;
      }
      throw new Error('not refused');
    };
    const over = refusalOf(() => rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'portal_user', quantity: 3 }]));
    expect(over).toEqual({ code: 'credit_more_than_invoiced', invoice: 'F1', article: 'portal_user', wanted: 3, invoiced: 2, alreadyCredited: 0, by: [] });
    expect(refusalCli(over)).toBe('portal_user: crediting 3 would credit more than F1 invoiced (2, of which 0 already credited)');
    const all = rateCredit('F1', WORKED_EXAMPLE, [], null);
    const twice = refusalOf(() => rateCredit('F1', WORKED_EXAMPLE, [{ number: 'K8', credit: all }], null));
    expect(refusalCli(twice)).toBe('F1 is already fully credited by K8: nothing left to credit');
    const noLine = refusalOf(() => rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'komplett', quantity: 1 }]));
    expect(refusalCli(noLine)).toBe('--lines komplett=1: F1 has no line komplett (it has smart, extra_company, superuser, portal_user)');
    expect(refusalSv(noLine)).toContain('”OneStop Reporting - Komplett”');
    const zero = refusalOf(() => rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'smart', quantity: 0 }]));
    expect(refusalCli(zero)).toBe('--lines smart=0: the quantity must be a whole number above 0');
  });

  it("the workflows' and clients' texts read back into the same facts", () => {
    for (const r of EVERY) {
      if (r.code === 'credit_text' || r.code === 'credit_never_approvable' || r.code === 'period_not_ended' || r.code === 'credit_unknown_article') continue;
      expect(parseRefusal(refusalCli(r)), r.code).toEqual(r);
    }
    // workflows/draft-review.ts's own texts, as its validator throws them.
    expect(parseRefusal('Nils Okänd is not a configured finance approver')).toEqual({ code: 'not_an_approver', by: 'Nils Okänd' });
    expect(parseRefusal('Anna Ek asked for this and may not approve it (segregation of duties): an approver other than Anna Ek must')).toEqual({ code: 'own_request', by: 'Anna Ek', requester: 'Anna Ek', approvalsNeeded: 1 });
    // The credit activity's own texts.
    expect(parseRefusal('no invoice F1: only a final invoice can be credited')).toEqual({ code: 'credit_unknown_invoice', invoice: 'F1' });
    expect(nb(refusalTextSv('approved, but the credit note was not issued: --reissue needs F1 credited in full; this credit leaves 24400 öre of it live'))).toBe(
      'godkänd, men kreditfakturan utfärdades inte: en rättad faktura kan bara utfärdas när hela faktura F1 krediteras (den här krediteringen lämnar 244,00 kr kvar): välj hela fakturan, eller kreditera alla rader som är kvar',
    );
    expect(parseRefusal('--reissue needs F1 credited in full; this credit leaves 24400 öre of it live')).toEqual({ code: 'reissue_needs_full_credit', invoice: 'F1', leftOre: 24400 });
    expect(refusalCli({ code: 'reissue_needs_full_credit', invoice: 'F1', leftOre: 24400 })).toBe('--reissue needs F1 credited in full; this credit leaves 24400 öre of it live');
    // The store's PeriodLockedError, as an activity refuses with it.
    expect(parseRefusal('2026-11 är låst (av Anna Ek 2026-12-03: bokslut); fakturan utfärdas görs inte')).toEqual({ code: 'period_locked', lock, action: 'fakturan utfärdas' });
  });

  it('a period not yet ended is said in Swedish, the CLI keeps its text', () => {
    const r = periodNotEnded('2026-12', Date.UTC(2026, 11, 5))!;
    expect(r.cli).toMatch(/^period 2026-12 is still in progress/);
    expect(refusalSv(r)).toBe('perioden 2026-12 pågår fortfarande: bara en månad som har tagit slut kan godkännas och faktureras; 2026-12 kan godkännas från 2027-01-01 kl. 00.00');
  });

  it("the decision log keeps a text no template knows (it is the record), and says a known one in Swedish", () => {
    expect(recordedRefusalSv('something new')).toBe('something new');
    expect(refusalTextSv('something new')).not.toMatch(ENGLISH);
    expect(outcomeSv('refused (console): draft version 1 is not the current one (2): look at the new draft first')).toBe(
      'avvisat (konsolen): utkast 1 är inte det senaste (2): granska det nya utkastet först',
    );
  });
});
