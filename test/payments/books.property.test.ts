import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booksSettings, exportBooks } from '../../books/export';
import { loadConfig } from '../../infra/config';
import { camt054Xml, type CamtPaymentSpec } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { AssignRefused, assignPayment } from '../../store/payment-assign';
import { invoicePaymentRows, listReceivables } from '../../store/receivables';
import { parseSie } from '../books/sie-parser';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';

// Any mix of payments (exact, partial, beyond, unknown OCR, the same one twice, in one file or
// several, camt 02 or 08) over a set of invoices, some credited: for every invoice
// paid + remaining = total − credited + what was paid beyond it (the customer's credit balance);
// the series-C vouchers' 1930 rows add up to the matched payments; and the books' 1510 balance
// equals `receivables list`'s total. And any assignment by hand of unmatched payments over several
// of a customer's invoices (in any order, with or without amounts, refused or not): a refused one
// stores nothing; an accepted one's parts add up to the payment, each its own series-C voucher, and
// the books' 1510 still equals the receivables.

const config = loadConfig();
const settings = booksSettings(config);
let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

let next = 50_000;
let ref = 0;
const ledger1510 = { ore: 0 };

const scenario = fc.record({
  invoices: fc.array(fc.record({ totalOre: fc.integer({ min: 100, max: 200_000 }), credit: fc.constantFrom('none', 'part', 'full') }), { minLength: 1, maxLength: 4 }),
  payments: fc.array(fc.record({ target: fc.nat(5), amountOre: fc.integer({ min: 1, max: 250_000 }), repeat: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  files: fc.integer({ min: 1, max: 3 }),
  version: fc.constantFrom('02' as const, '08' as const),
});

describe('payments and the books', () => {
  it('paid + remaining = total − credited (+ credit balance) per invoice; 1930 = matched payments; 1510 = receivables', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const invoices = [];
        for (const i of s.invoices) {
          const inv = await seedInvoice(t.db, { number: ++next, totalOre: i.totalOre, dueDate: '2026-12-01' });
          const credit = i.credit === 'full' ? i.totalOre : i.credit === 'part' ? Math.floor(i.totalOre / 3) : 0;
          if (credit > 0) await seedInvoice(t.db, { number: ++next, totalOre: -credit, dueDate: '2026-12-01', kind: 'credit_note', creditOf: inv.id, customerId: inv.customerId });
          invoices.push(inv);
        }
        const specs: CamtPaymentSpec[] = [];
        for (const p of s.payments) {
          const inv = invoices[p.target]; // beyond the list: an OCR nobody has
          const spec = { reference: `PROP-${++ref}`, amountOre: p.amountOre, payer: 'Betalare AB', ocr: inv?.ocr ?? '1234566' };
          specs.push(spec);
          if (p.repeat) specs.push(spec); // the same payment again, later in the same or another file
        }
        const perFile = Math.ceil(specs.length / s.files);
        let matchedOre = 0;
        for (let f = 0; f < specs.length; f += perFile) {
          const payments = specs.slice(f, f + perFile);
          const xml = camt054Xml({ version: s.version, messageId: `PROP-${ref}-${f}`, createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: `PROP-DEP-${ref}-${f}`, bookingDate: '2026-12-03', payments }] });
          const r = await importPaymentFile(t.db, config, 'prop.xml', Buffer.from(xml));
          matchedOre += r.applied.reduce((sum, a) => sum + a.amount_ore, 0);
        }

        for (const row of await invoicePaymentRows(t.db, { invoiceIds: invoices.map((i) => i.id) })) {
          const rec = (await listReceivables(t.db, { today: '2026-12-04', customerId: row.customerId }));
          const open = rec.invoices.find((i) => i.number === row.number);
          const remaining = open?.remaining_ore ?? 0;
          const overpaid = rec.credit_balances.find((c) => c.customer_id === row.customerId)?.amount_ore ?? 0;
          expect(row.paidOre + remaining).toBe(row.totalOre + row.creditedOre + overpaid);
          if (overpaid > 0) expect(remaining).toBe(0);
        }

        const exported = await exportBooks(t.db, settings, { today: '2026-12-04' });
        const sie = parseSie(exported.content!);
        const cVouchers = sie.vouchers.filter((v) => v.series === 'C');
        const bank = cVouchers.flatMap((v) => v.trans).filter((tr) => tr.account === 1930).reduce((sum, tr) => sum + tr.ore, 0);
        expect(bank).toBe(matchedOre);
        for (const v of sie.vouchers) expect(v.trans.reduce((sum, tr) => sum + tr.ore, 0)).toBe(0);
        ledger1510.ore += sie.vouchers.flatMap((v) => v.trans).filter((tr) => tr.account === 1510).reduce((sum, tr) => sum + tr.ore, 0);
        expect(ledger1510.ore).toBe((await listReceivables(t.db, { today: '2026-12-04' })).total_ore);
      }),
      { numRuns: 25 },
    );
  }, 300_000);

  const assignment = fc.record({
    invoices: fc.array(fc.record({ totalOre: fc.integer({ min: 100, max: 200_000 }), credit: fc.constantFrom('none', 'none', 'none', 'part', 'full') }), { minLength: 1, maxLength: 4 }),
    payments: fc.array(
      fc.record({
        amountOre: fc.integer({ min: 1, max: 300_000 }),
        // The invoices in the order named (indices beyond the list left out), now and then one named twice or another customer's.
        order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 1 }),
        twist: fc.constantFrom('none', 'none', 'none', 'none', 'twice', 'foreign'),
        amounts: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 150_000 }) }), { minLength: 4, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });

  it('assignments over several invoices: a refused one stores nothing; parts add up to the payment, one C voucher each; 1510 = receivables', async () => {
    const foreign = await seedInvoice(t.db, { number: ++next, totalOre: 10_000, dueDate: '2026-12-01' });
    const seen = { refused: 0, one: 0, several: 0 };
    await fc.assert(
      fc.asyncProperty(assignment, async (s) => {
        const invoices: Awaited<ReturnType<typeof seedInvoice>>[] = [];
        for (const [n, i] of s.invoices.entries()) {
          // One customer's invoices: one a period (a customer has one original invoice per period).
          const inv = await seedInvoice(t.db, { number: ++next, totalOre: i.totalOre, dueDate: '2026-12-01', customerId: invoices[0]?.customerId, period: `2026-0${n + 1}` });
          const credit = i.credit === 'full' ? i.totalOre : i.credit === 'part' ? Math.floor(i.totalOre / 3) : 0;
          if (credit > 0) await seedInvoice(t.db, { number: ++next, totalOre: -credit, dueDate: '2026-12-01', kind: 'credit_note', creditOf: inv.id, customerId: inv.customerId });
          invoices.push(inv);
        }
        const specs = s.payments.map((p) => ({ reference: `SPLIT-${++ref}`, amountOre: p.amountOre, payer: 'Utan OCR AB' }));
        const xml = camt054Xml({ version: '08', messageId: `SPLIT-${ref}`, createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: `SPLIT-DEP-${ref}`, bookingDate: '2026-12-03', payments: specs }] });
        expect((await importPaymentFile(t.db, config, 'split.xml', Buffer.from(xml))).unmatched).toHaveLength(specs.length);

        let assignedOre = 0;
        let parts = 0;
        for (const [i, p] of s.payments.entries()) {
          const reference = specs[i]!.reference;
          const order = p.order.filter((n) => n < invoices.length);
          const named = (order.length ? order : [0]).map((n, k) => ({ invoice: invoices[n]!.number, amountOre: p.amounts[k]! }));
          const shares = p.twist === 'twice' ? [...named, named[0]!] : p.twist === 'foreign' ? [...named, { invoice: foreign.number, amountOre: null }] : named;
          const before = await t.db('payments').where({ reference }).count({ n: '*' }).first();
          try {
            const done = await assignPayment(t.db, { reference, shares, by: 'Anna Ekonom', now: new Date('2026-12-04T10:00:00Z') });
            expect(done.parts.reduce((sum, x) => sum + x.amount_ore, 0)).toBe(p.amountOre);
            for (const x of done.parts) expect(x.amount_ore).toBeGreaterThan(0);
            expect(done.parts.map((x) => x.invoice)).toEqual(shares.map((x) => x.invoice));
            assignedOre += p.amountOre;
            parts += done.parts.length;
            seen[done.parts.length > 1 ? 'several' : 'one'] += 1;
          } catch (err) {
            if (!(err instanceof AssignRefused)) throw err;
            seen.refused += 1;
            // Refused whole: the payment is as it came, unmatched, and no part of it is stored.
            expect(await t.db('payments').where({ reference }).count({ n: '*' }).first()).toEqual(before);
            expect(await t.db('payments').where({ reference }).first('invoice_id', 'assigned_by')).toEqual({ invoice_id: null, assigned_by: null });
          }
        }

        const exported = await exportBooks(t.db, settings, { today: '2026-12-04' });
        const sie = exported.content ? parseSie(exported.content) : { vouchers: [] };
        const cVouchers = sie.vouchers.filter((v) => v.series === 'C');
        expect(cVouchers).toHaveLength(parts);
        expect(cVouchers.flatMap((v) => v.trans).filter((tr) => tr.account === 1930).reduce((sum, tr) => sum + tr.ore, 0)).toBe(assignedOre);
        ledger1510.ore += sie.vouchers.flatMap((v) => v.trans).filter((tr) => tr.account === 1510).reduce((sum, tr) => sum + tr.ore, 0);
        expect(ledger1510.ore).toBe((await listReceivables(t.db, { today: '2026-12-04' })).total_ore);
      }),
      { numRuns: 25 },
    );
    // The runs went down every path: refused, one invoice, several.
    expect(Math.min(seen.refused, seen.one, seen.several), JSON.stringify(seen)).toBeGreaterThan(0);
  }, 300_000);
});
