import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../billing';
import { loadConfig } from '../../infra/config';
import { camt054Xml, type CamtPaymentSpec } from '../../payments/camt054-writer';
import { disputeInvoice } from '../../store/disputes';
import { importPaymentFile } from '../../store/payments';
import { assignPayment } from '../../store/payment-assign';
import { listReceivables, type ReceivableJson } from '../../store/receivables';
import { receivablesSummary, type ReceivablesSelection } from '../../store/receivables-page';
import * as invoiceBalancesMigration from '../../migrations/016_invoice_balances';
import { createTestDatabase } from '../support/database';
import { seedCustomer, uid } from '../support/seed';
import { seedInvoice } from '../payments/seed-invoices';

// The console's receivables computed in PostgreSQL (store/receivables-page.ts over the balances
// migration 016 keeps) equal what `receivables list` computes invoice by invoice from the source
// tables with billing/receivable.ts: buckets, the 1510 total, credit balances, and each filter's
// count, sum and pages. The book is varied: partly paid, overpaid, credited in part and in full,
// paid and then credited, disputed, an assigned payment, every bucket's first and last day, and
// "today" far from the database's clock (it is a parameter).

const config = loadConfig();
const TODAY = '2031-06-15';
let t: Awaited<ReturnType<typeof createTestDatabase>>;
const customers = { bygg: '', redo: '', third: '' };

beforeAll(async () => {
  t = await createTestDatabase();
  customers.bygg = await seedCustomer(t.db, { customer_id: uid('C41'), name: 'Åkesson & Öberg Bygg AB' });
  customers.redo = await seedCustomer(t.db, { customer_id: uid('C42'), name: 'Lindqvist Redovisning AB' });
  customers.third = await seedCustomer(t.db, { customer_id: uid('C43'), name: 'Tredje Kund AB' });
  const owners = [customers.bygg, customers.redo, customers.third];

  // Days overdue per invoice: every bucket's edges, not due yet, due today; several share a due
  // date, so pages begin and end inside one.
  const lateness = [-20, -1, 0, 1, 30, 31, 60, 61, 90, 91, 400, 5, 5, 45, 45, 120, -3, -10, 45, 45, 45, 45, 5];
  let number = 81_000;
  let month = 0;
  const period = () => `20${String(25 + Math.floor(month / 12))}-${String((month++ % 12) + 1).padStart(2, '0')}`;
  const invoices: Awaited<ReturnType<typeof seedInvoice>>[] = [];
  for (const [i, late] of lateness.entries()) {
    const customerId = owners[i % owners.length];
    invoices.push(await seedInvoice(t.db, { number: ++number, totalOre: 10_000 + i * 1_000, dueDate: addDays(TODAY, -late), customerId, period: period() }));
  }
  const credit = async (inv: (typeof invoices)[number], ore: number) =>
    seedInvoice(t.db, { number: ++number, totalOre: -ore, dueDate: addDays(TODAY, 30), kind: 'credit_note', creditOf: inv.id, customerId: inv.customerId, period: period() });
  await credit(invoices[4], 4_000); // partly credited, still open
  await credit(invoices[5], 15_000); // credited in full: nothing to pay
  await credit(invoices[6], 16_000); // paid in full below, then credited in full: a credit balance
  await credit(invoices[16], 2_000); // partly credited, not due

  let ref = 0;
  const pay = (inv: { ocr: string } | null, amountOre: number): CamtPaymentSpec => ({ reference: `RP-${++ref}`, amountOre, payer: 'Betalare AB', ocr: inv?.ocr ?? '99999' });
  const payments = [
    pay(invoices[0], 3_000), // partly paid, not due
    pay(invoices[1], 11_000), // paid in full
    pay(invoices[2], 20_000), // overpaid: 8,000 beyond
    pay(invoices[6], 16_000), // then credited in full
    pay(invoices[7], 1), // one öre paid, overdue 61 days
    pay(invoices[9], 5_000), pay(invoices[9], 4_000), // two partial payments
    pay(invoices[12], 30_000), // overpaid (customer of index 12)
    pay(null, 30_000), // unmatched, assigned below in two parts: invoice 11 in full, 14 partly
    pay(null, 25_000), // unmatched, assigned below
  ];
  const xml = camt054Xml({ version: '08', messageId: 'RP-1', createdAt: `${TODAY}T06:00:00`, bankgiro: '54029681', entries: [{ reference: 'RP-DEP', bookingDate: TODAY, payments }] });
  const imported = await importPaymentFile(t.db, config, 'rp.xml', Buffer.from(xml));
  expect(imported.unmatched.map((u) => u.reference)).toEqual([`RP-${ref - 1}`, `RP-${ref}`]);
  const share = (inv: (typeof invoices)[number]) => ({ invoice: inv.number, amountOre: null });
  await assignPayment(t.db, { reference: `RP-${ref - 1}`, shares: [share(invoices[11]), share(invoices[14])], by: 'Anna Ekonom', now: new Date() });
  await assignPayment(t.db, { reference: `RP-${ref}`, shares: [share(invoices[10])], by: 'Anna Ekonom', now: new Date() });
  await disputeInvoice(t.db, { number: invoices[13].number, by: 'Anna Ekonom', reason: 'fel antal användare' });
}, 120_000);
afterAll(async () => t?.drop());

/** The selection computed the way the page did before: from the whole book, in memory. */
async function expectedFromBook(s: ReceivablesSelection) {
  const book = await listReceivables(t.db, { today: s.today });
  const names = new Map((await t.db('customers').select('customer_id', 'name')).map((c: { customer_id: string; name: string }) => [c.customer_id, c.name]));
  const q = s.search.toLowerCase();
  const numeric = (n: string) => Number(n.replace(/^\D+/, ''));
  const rows = book.invoices
    .filter((r) => !s.overdue || r.days_overdue > 0)
    .filter((r) => !s.customerId || r.customer_id === s.customerId)
    .filter((r) => !q || r.number.toLowerCase().includes(q) || r.customer_id.toLowerCase().includes(q) || (names.get(r.customer_id) ?? '').toLowerCase().includes(q))
    .sort((a, b) => b.days_overdue - a.days_overdue || a.due_date.localeCompare(b.due_date) || numeric(a.number) - numeric(b.number));
  return {
    buckets: book.buckets,
    totalOre: book.total_ore,
    creditBalances: book.credit_balances,
    matching: rows.length,
    matchingRemainingOre: rows.reduce((sum, r) => sum + r.remaining_ore, 0),
    rows: rows.slice(s.offset, s.offset + s.limit).map((r): ReceivableJson & { customer_name: string } => ({ ...r, customer_name: names.get(r.customer_id) ?? '' })),
  };
}

describe('receivables page in SQL', () => {
  it('invoice_balances holds what the invoices, credit notes and payments add up to (the triggers; every reader of the sums reads it)', async () => {
    const fromSource = (
      await t.db.raw(
        `SELECT i.id::bigint AS invoice_id, i.total_ore,
                COALESCE((SELECT SUM(c.total_ore) FROM invoices c WHERE c.kind = 'credit_note' AND c.credit_of = i.id), 0)::bigint AS credited_ore,
                COALESCE((SELECT SUM(p.amount_ore) FROM payments p WHERE p.invoice_id = i.id), 0)::bigint AS paid_ore
           FROM invoices i WHERE i.kind = 'invoice' ORDER BY i.id`,
      )
    ).rows;
    const kept = await t.db('invoice_balances').orderBy('invoice_id').select('invoice_id', 'total_ore', 'credited_ore', 'paid_ore');
    expect(kept).toEqual(fromSource);
    expect(fromSource.filter((r: { paid_ore: number }) => r.paid_ore > 0).length).toBeGreaterThan(5);
  });

  it('the book is as varied as it says (every bucket holds something, credit balances, a credited invoice)', async () => {
    const book = await listReceivables(t.db, { today: TODAY });
    for (const [bucket, ore] of Object.entries(book.buckets)) expect(ore, bucket).toBeGreaterThan(0);
    expect(book.credit_balances.length).toBe(3); // overpaid by OCR, by hand, and paid then credited
    expect(new Set(book.invoices.map((r) => r.status))).toEqual(new Set(['final', 'partly_paid', 'partly_credited', 'overdue']));
    expect(book.total_ore).toBeLessThan(Object.values(book.buckets).reduce((a, b) => a + b, 0));
  });

  const base: ReceivablesSelection = { today: TODAY, overdue: false, customerId: '', search: '', offset: 0, limit: 4 };
  const selections: [string, Partial<ReceivablesSelection>][] = [
    ['everything, first page', {}],
    ['everything, second page', { offset: 4 }],
    ['everything, last page (short)', { offset: 12 }],
    ['everything, beyond the end', { offset: 40 }],
    ['everything on one page', { limit: 100 }],
    ['overdue', { overdue: true, limit: 100 }],
    ['overdue, second page', { overdue: true, offset: 4 }],
    ['one customer', { customerId: 'C42', limit: 100 }],
    ['search by a customer name, any case', { search: 'ÅKESSON', limit: 100 }],
    ['search by invoice number', { search: 'f8100', limit: 100 }],
    ['search by customer number, overdue', { search: 'c43', overdue: true, limit: 100 }],
    ['search that matches nothing', { search: 'finns_inte%', limit: 100 }],
    ['a day earlier: other buckets and days', { today: addDays(TODAY, -1), limit: 100 }],
    ['long after: everything over 90 days', { today: addDays(TODAY, 365), overdue: true, limit: 100 }],
  ];
  it('equals listReceivables for every window of three, from every offset', async () => {
    const all = await expectedFromBook({ ...base, limit: 1_000 });
    expect(all.matching).toBeGreaterThan(15);
    for (let offset = 0; offset <= all.matching; offset++) {
      const s = { ...base, offset, limit: 3 };
      expect((await receivablesSummary(t.db, s)).rows, `offset ${offset}`).toEqual(all.rows.slice(offset, offset + 3));
    }
  });

  it('a book that was there before migration 016 gets the same figures from its backfill', async () => {
    const s = { ...base, limit: 100 };
    const before = await receivablesSummary(t.db, s);
    await invoiceBalancesMigration.down(t.db);
    await invoiceBalancesMigration.up(t.db);
    const after = await receivablesSummary(t.db, s);
    expect(after).toEqual(before);
    expect(after).toEqual(await expectedFromBook(s));
  });

  for (const [name, change] of selections) {
    it(`equals listReceivables: ${name}`, async () => {
      const s = { ...base, ...change };
      if (s.customerId) s.customerId = customers.redo;
      const expected = await expectedFromBook(s);
      if (name.startsWith('everything') || name.startsWith('overdue') || name.startsWith('search by') || name === 'one customer') expect(expected.matching).toBeGreaterThan(0);
      expect(await receivablesSummary(t.db, s)).toEqual(expected);
    });
  }
});
