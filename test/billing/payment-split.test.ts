import { describe, expect, it } from 'vitest';
import { assignRefusalSv } from '../../billing/payment-split-sv';
import { assignRefusalText, kronorToOre, parseInvoiceShare, parseInvoiceShares, sharesProblem, splitPayment, type AssignRefusal } from '../../billing/payment-split';

// The rule that splits one payment over several invoices, the arguments that name them, and each
// refusal in the CLI's English and the console's Swedish.

const open = (invoice: string, openOre: number, amountOre: number | null = null) => ({ invoice, openOre, amountOre });
const NBSP = '\u00a0';

describe('splitPayment', () => {
  it('in the order given: each up to what it has open, the last the rest (also beyond what it has open)', () => {
    expect(splitPayment(100_000, [open('F1', 60_000), open('F2', 10_000)])).toEqual({ ok: true, parts: [{ invoice: 'F1', amountOre: 60_000 }, { invoice: 'F2', amountOre: 40_000 }] });
    expect(splitPayment(50_000, [open('F1', 60_000), open('F2', 10_000)])).toEqual({ ok: false, refusal: { code: 'nothing_for_invoice', invoice: 'F2', openOre: 10_000 } });
    expect(splitPayment(30_000, [open('F1', 80_000)])).toEqual({ ok: true, parts: [{ invoice: 'F1', amountOre: 30_000 }] });
  });

  it('named amounts are reserved first; the unnamed share what they leave', () => {
    expect(splitPayment(100_000, [open('F1', 80_000), open('F2', 10_000, 50_000)])).toEqual({ ok: true, parts: [{ invoice: 'F1', amountOre: 50_000 }, { invoice: 'F2', amountOre: 50_000 }] });
    expect(splitPayment(100_000, [open('F1', 0, 100_000)])).toEqual({ ok: true, parts: [{ invoice: 'F1', amountOre: 100_000 }] });
  });

  it('refuses amounts beyond the payment, a rest nobody takes, an invoice that would get nothing', () => {
    expect(splitPayment(10_000, [open('F1', 5_000, 6_000), open('F2', 5_000, 5_000)])).toMatchObject({ ok: false, refusal: { code: 'amounts_exceed_payment', namedOre: 11_000, paymentOre: 10_000 } });
    expect(splitPayment(10_000, [open('F1', 5_000, 6_000)])).toMatchObject({ ok: false, refusal: { code: 'rest_unassigned', restOre: 4_000, lastInvoice: 'F1' } });
    expect(splitPayment(10_000, [open('F1', -500), open('F2', 5_000)])).toMatchObject({ ok: false, refusal: { code: 'nothing_for_invoice', invoice: 'F1' } });
    expect(splitPayment(10_000, [])).toMatchObject({ ok: false, refusal: { code: 'no_invoices' } });
  });

  it('the parts always add up to the payment and are each above zero when accepted', () => {
    for (let seed = 1; seed < 500; seed++) {
      const rnd = (n: number) => ((seed * 7919 + n * 104729) % 1000) * 100;
      const invoices = [open('F1', rnd(1) - 10_000), open('F2', rnd(2), seed % 3 === 0 ? rnd(5) : null), open('F3', rnd(3))];
      const r = splitPayment(rnd(4) + 100, invoices);
      if (!r.ok) continue;
      expect(r.parts.reduce((s, p) => s + p.amountOre, 0)).toBe(rnd(4) + 100);
      for (const p of r.parts) expect(p.amountOre).toBeGreaterThan(0);
    }
  });
});

describe('the arguments', () => {
  it('reads NUMBER and NUMBER=KRONOR (sv-SE), several in one line for the console', () => {
    expect(parseInvoiceShare('f10001')).toEqual({ invoice: 'F10001', amountOre: null });
    expect(parseInvoiceShare('F10001=1 234,50')).toEqual({ invoice: 'F10001', amountOre: 123_450 });
    expect(parseInvoiceShare('F10001=12')).toEqual({ invoice: 'F10001', amountOre: 1_200 });
    expect(parseInvoiceShare('F10001=12.50')).toEqual({ code: 'share_syntax', text: 'F10001=12.50' });
    expect(parseInvoiceShare('F10001=0')).toEqual({ code: 'amount_not_positive', invoice: 'F10001' });
    expect(kronorToOre(`1${NBSP}234,5`)).toBe(123_450);
    expect(kronorToOre('12,345')).toBeNull();
    expect(parseInvoiceShares('F10001 F10002=1 234,50; F10003, F10004=7')).toEqual([
      { invoice: 'F10001', amountOre: null }, { invoice: 'F10002', amountOre: 123_450 }, { invoice: 'F10003', amountOre: null }, { invoice: 'F10004', amountOre: 700 },
    ]);
    expect(parseInvoiceShares('F10001 = 50 F10002')).toEqual([{ invoice: 'F10001', amountOre: 5_000 }, { invoice: 'F10002', amountOre: null }]);
    expect(parseInvoiceShares('F10001 ???')).toEqual({ code: 'share_syntax', text: 'F10001 ???' });
    expect(sharesProblem([{ invoice: 'F1', amountOre: null }, { invoice: 'F1', amountOre: 5 }])).toEqual({ code: 'invoice_twice', invoice: 'F1' });
  });
});

describe('refusals', () => {
  const EVERY: [AssignRefusal, string, string][] = [
    [{ code: 'no_payment', reference: 'R1' }, "no payment with reference R1; see 'month-close receivables list' for the unmatched ones", 'Det finns ingen inbetalning med referensen R1.'],
    [{ code: 'already_booked', reference: 'R1', invoices: ['F1', 'F2'], assignedBy: 'Anna' }, 'payment R1 is already booked against F1, F2 (assigned by Anna)', 'Inbetalningen R1 är redan bokförd mot fakturorna F1, F2 och kan inte flyttas.'],
    [{ code: 'already_booked', reference: 'R1', invoices: ['F1'], assignedBy: null }, 'payment R1 is already booked against F1 (by its OCR)', 'Inbetalningen R1 är redan bokförd mot en faktura och kan inte flyttas.'],
    [{ code: 'no_invoices' }, '--invoice: name at least one invoice', 'Skriv fakturanumret som inbetalningen ska bokföras mot.'],
    [{ code: 'share_syntax', text: 'F1=1.5' }, '--invoice "F1=1.5": write NUMBER or NUMBER=KRONOR, e.g. F10001 or F10001=1234,50', `”F1=1.5” går inte att läsa: skriv fakturanummer, och vid behov belopp i kronor, t.ex. F10001 F10002=1 234,50.`],
    [{ code: 'amount_not_positive', invoice: 'F1' }, '--invoice F1: the amount must be above 0', 'Beloppet för F1 måste vara större än 0.'],
    [{ code: 'invoice_twice', invoice: 'F1' }, '--invoice F1 is named twice: name each invoice once', 'Faktura F1 är angiven två gånger: ange varje faktura en gång.'],
    [{ code: 'no_invoice', invoice: 'F9' }, 'no invoice F9 (a payment is assigned to an invoice, not a credit note)', 'Det finns ingen faktura med nummer F9. En inbetalning bokförs mot en faktura (t.ex. F10042), inte mot en kreditfaktura.'],
    [{ code: 'invoice_credited', invoice: 'F1' }, 'F1 is credited in full: nothing is to be paid on it', 'Faktura F1 är helt krediterad: det finns inget att betala på den.'],
    [{ code: 'different_customers', invoices: [{ invoice: 'F1', customerId: 'C1' }, { invoice: 'F2', customerId: 'C2' }] }, "the invoices are of different customers (F1: C1, F2: C2): one payment is assigned to one customer's invoices", 'Fakturorna tillhör olika kunder (F1: C1, F2: C2). En inbetalning bokförs bara mot en kunds fakturor.'],
    [{ code: 'amounts_exceed_payment', namedOre: 150_000, paymentOre: 120_050 }, 'the amounts named add up to 1500.00, more than the payment of 1200.50', `De angivna beloppen blir 1${NBSP}500,00${NBSP}kr, mer än inbetalningens 1${NBSP}200,50${NBSP}kr.`],
    [{ code: 'rest_unassigned', restOre: 4_000, lastInvoice: 'F2' }, 'the amounts named leave 40.00 of the payment unassigned: the last invoice takes the rest, so leave out the amount of F2', `De angivna beloppen lämnar 40,00${NBSP}kr av inbetalningen obokförda. Den sista fakturan tar resten: ange inget belopp för F2.`],
    [{ code: 'nothing_for_invoice', invoice: 'F2', openOre: 10_000 }, 'F2 would receive nothing (it has 100.00 open; the invoices before it take the rest of the payment): leave it out or name its amount', `Faktura F2 skulle inte få något (100,00${NBSP}kr kvar att betala, och fakturorna före den tar resten av inbetalningen): ta bort den eller ange ett belopp.`],
  ];

  it('each refusal in English for the CLI and in Swedish for the console', () => {
    // Every code of AssignRefusal (the record makes the compiler ask for a new one).
    const ALL: Record<AssignRefusal['code'], true> = {
      no_payment: true, already_booked: true, no_invoices: true, share_syntax: true, amount_not_positive: true, invoice_twice: true, no_invoice: true,
      invoice_credited: true, different_customers: true, amounts_exceed_payment: true, rest_unassigned: true, nothing_for_invoice: true,
    };
    expect([...new Set(EVERY.map(([r]) => r.code))].sort()).toEqual(Object.keys(ALL).sort());
    for (const [r, english, swedish] of EVERY) {
      expect(assignRefusalText(r), r.code).toBe(english);
      expect(assignRefusalSv(r), r.code).toBe(swedish);
    }
  });
});
