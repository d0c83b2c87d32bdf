import type { VoucherSource } from '../books/vouchers';

// Each matched or assigned payment is a voucher of its own in the SIE export (series C by
// default): the bank account (1930) debited, the customer receivable (1510) credited, dated the
// day the bank booked it. An unmatched payment is booked only once finance assigns it, so the
// books' 1510 always equals `receivables list`'s total.

interface PaymentRow {
  id: number;
  reference: string;
  amount_ore: number;
  booking_date: string;
  invoice: string;
  customer_name: string | null;
}

export const paymentVoucherSource: VoucherSource = {
  source: 'payment',
  series: (settings) => settings.books.paymentSeries,
  async vouchers(db, settings, ids) {
    const rows: PaymentRow[] = await db('payments as p')
      .join('invoices as i', 'i.id', 'p.invoice_id')
      .modify((q) => {
        if (ids) q.whereIn('p.id', ids);
        else q.whereNotExists(db('books_vouchers as v').where('v.source', 'payment').whereRaw('v.source_id = p.id'));
      })
      .whereNotNull('p.invoice_id')
      .select('p.id', 'p.reference', 'p.amount_ore', 'p.booking_date', db.raw('i.series || i.number as invoice'), db.raw("i.buyer->>'name' as customer_name"));
    const { bank, receivable } = settings.books.accounts;
    return rows.map((r) => ({
      sourceId: r.id,
      date: r.booking_date,
      text: `Inbetalning ${r.invoice} ${r.customer_name ?? ''} (${r.reference})`.replace(/\s+/g, ' '),
      rows: [
        { account: bank, amountOre: r.amount_ore },
        { account: receivable, amountOre: -r.amount_ore },
      ],
      order: r.id,
    }));
  },
};
