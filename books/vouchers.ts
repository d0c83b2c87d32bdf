import type { Knex } from 'knex';
import type { VatBreakdownRow } from '../billing/types';
import type { BooksConfig } from '../infra/config';
import type { SieRow } from './sie';

// Invoices and credit notes as SIE vouchers (books-and-payments.md): the customer receivable
// debited with the total to pay, revenue (per article when configured; 3308 for EU reverse
// charge) and output VAT credited, and öresavrundning on 3740. A credit note is the same
// voucher with every sign turned: its amounts are stored negative, so the same rows do it.

/** What the export needs of the seller and the accounts; stored with each batch (a rewrite never reads today's config). */
export interface BooksSettings {
  program: { name: string; version: string };
  company: { name: string; orgNumber: string };
  books: BooksConfig;
}

/** One voucher a source has to offer, before it gets its series number. */
export interface PendingVoucher {
  sourceId: number;
  date: string;
  text: string;
  rows: SieRow[];
  /** Orders the source's vouchers of one day. */
  order: number;
}

/**
 * Where vouchers come from: invoices and credit notes here; payments (issue #22) add a source of
 * their own (series C). Each source is exported once per row (books_vouchers.source, source_id).
 */
export interface VoucherSource {
  source: string;
  series(settings: BooksSettings): string;
  /** The vouchers not yet exported (no ids), or exactly these rows (a batch written again). */
  vouchers(db: Knex, settings: BooksSettings, ids?: number[]): Promise<PendingVoucher[]>;
}

/** BAS names of the default accounts, for #KONTO; other accounts are named in config (books.accountNames). */
export const BAS_ACCOUNT_NAMES: Record<number, string> = {
  1510: 'Kundfordringar',
  1930: 'Företagskonto/checkkonto/affärskonto',
  2611: 'Utgående moms på försäljning inom Sverige, 25 %',
  2621: 'Utgående moms på försäljning inom Sverige, 12 %',
  2631: 'Utgående moms på försäljning inom Sverige, 6 %',
  3001: 'Försäljning inom Sverige, 25 % moms',
  3308: 'Försäljning tjänster till annat EU-land',
  3740: 'Öres- och kronutjämning',
};

export function accountNames(books: BooksConfig): Map<number, string> {
  const names = new Map<number, string>(Object.entries(BAS_ACCOUNT_NAMES).map(([a, n]) => [Number(a), n]));
  for (const [a, n] of Object.entries(books.accountNames)) names.set(Number(a), n);
  return names;
}

export interface BookedDocument {
  kind: 'invoice' | 'credit_note';
  number: string;
  customerName: string;
  credits: string | null;
  reverseCharge: boolean;
  vatBreakdown: VatBreakdownRow[];
  netOre: number;
  vatOre: number;
  roundingOre: number;
  totalOre: number;
  /** Net amount per article (negative on a credit note). */
  articles: { article: string; amountOre: number }[];
}

export function voucherText(d: Pick<BookedDocument, 'kind' | 'number' | 'customerName' | 'credits'>): string {
  return d.kind === 'invoice' ? `Faktura ${d.number} ${d.customerName}` : `Kreditfaktura ${d.number} ${d.customerName}, kredit av ${d.credits}`;
}

/** The voucher's rows; each amount exactly as on the invoice, so the voucher balances to the öre. */
export function voucherRows(d: BookedDocument, books: BooksConfig): SieRow[] {
  const rows: SieRow[] = [{ account: books.accounts.receivable, amountOre: d.totalOre }];
  const revenue = new Map<number, number>();
  for (const a of d.articles) {
    const perArticle = books.revenueByArticle[a.article];
    const account = d.reverseCharge
      ? (perArticle?.reverseCharge ?? books.accounts.salesReverseCharge)
      : (perArticle?.domestic ?? books.accounts.salesDomestic);
    revenue.set(account, (revenue.get(account) ?? 0) - a.amountOre);
  }
  for (const [account, amountOre] of [...revenue].sort((x, y) => x[0] - y[0])) rows.push({ account, amountOre });
  const lineSum = d.articles.reduce((s, a) => s + a.amountOre, 0);
  if (lineSum !== d.netOre) throw new Error(`${d.number}: its lines add up to ${lineSum} öre, its net to ${d.netOre}`);
  for (const v of d.vatBreakdown) {
    if (v.vatOre === 0) continue;
    const account = books.accounts.outputVat[String(v.vatPercent)];
    if (account === undefined) throw new Error(`${d.number}: no output VAT account for ${v.vatPercent} % (config books.accounts.outputVat)`);
    rows.push({ account, amountOre: -v.vatOre });
  }
  const vatRows = d.vatBreakdown.reduce((s, v) => s + v.vatOre, 0);
  if (vatRows !== d.vatOre) throw new Error(`${d.number}: its VAT rows add up to ${vatRows} öre, its VAT to ${d.vatOre}`);
  rows.push({ account: books.accounts.rounding, amountOre: -d.roundingOre });
  return rows.filter((r) => r.amountOre !== 0);
}

interface DocumentRow {
  id: number;
  kind: 'invoice' | 'credit_note';
  series: string;
  number: number;
  issue_date: string;
  vat_treatment: string;
  vat_breakdown: VatBreakdownRow[];
  net_ore: number;
  vat_ore: number;
  rounding_ore: number;
  total_ore: number;
  customer_name: string | null;
  credits: string | null;
}

/** Invoices and credit notes, series B by default, in issue date order (invoices before credit notes of a day). */
export const invoiceVoucherSource: VoucherSource = {
  source: 'invoice',
  series: (settings) => settings.books.voucherSeries,
  async vouchers(db, settings, ids) {
    const docs: DocumentRow[] = await db('invoices as i')
      .leftJoin('invoices as o', 'o.id', 'i.credit_of')
      .modify((q) => {
        if (ids) q.whereIn('i.id', ids);
        else q.whereNotExists(db('books_vouchers as v').where('v.source', 'invoice').whereRaw('v.source_id = i.id'));
      })
      .select(
        'i.id', 'i.kind', 'i.series', 'i.number', 'i.issue_date', 'i.vat_treatment', 'i.vat_breakdown', 'i.net_ore', 'i.vat_ore', 'i.rounding_ore', 'i.total_ore',
        db.raw("i.buyer->>'name' as customer_name"),
        db.raw('o.series || o.number as credits'),
      );
    const lines: { invoice_id: number; article: string; amount: number }[] = docs.length
      ? await db('invoice_lines')
          .whereIn('invoice_id', ids ?? db('invoices as i').whereNotExists(db('books_vouchers as v').where('v.source', 'invoice').whereRaw('v.source_id = i.id')).select('i.id'))
          .groupBy('invoice_id', 'article')
          .select('invoice_id', 'article', db.raw('sum(amount_ore)::bigint as amount'))
      : [];
    const articlesOf = new Map<number, { article: string; amountOre: number }[]>();
    for (const l of lines) articlesOf.set(l.invoice_id, [...(articlesOf.get(l.invoice_id) ?? []), { article: l.article, amountOre: l.amount }]);
    return docs.map((r) => {
      const doc: BookedDocument = {
        kind: r.kind,
        number: `${r.series}${r.number}`,
        customerName: r.customer_name ?? '',
        credits: r.credits,
        reverseCharge: r.vat_treatment === 'reverse_charge',
        vatBreakdown: r.vat_breakdown,
        netOre: r.net_ore,
        vatOre: r.vat_ore,
        roundingOre: r.rounding_ore,
        totalOre: r.total_ore,
        articles: (articlesOf.get(r.id) ?? []).sort((a, b) => (a.article < b.article ? -1 : 1)),
      };
      // Invoices before credit notes of the same day, each series in number order.
      return { sourceId: r.id, date: r.issue_date, text: voucherText(doc), rows: voucherRows(doc, settings.books), order: (r.kind === 'invoice' ? 0 : 1e12) + r.number };
    });
  },
};
