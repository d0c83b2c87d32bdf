// What a credit note (kreditfaktura) credits, from the invoice and the credit notes already
// issued against it. Pure: the client uses it to refuse a bad request early, and the issuing
// transaction runs it again on locked rows, so two corrections at once can never over-credit.
//
// Amounts of a credit note are negative. A line credited in parts is credited cumulatively
// (round(amount × credited so far / quantity)), so the parts always add up to the line exactly;
// VAT rounds half away from zero (money.ts) so a full credit mirrors its invoice öre for öre,
// and the credit note that completes the invoice takes exactly what is left of VAT and total.

import type { Article, InvoiceLine, RatedInvoice, VatBreakdownRow } from './types';
import { roundHalfUpDiv, roundToKronor, sumOre, vatOf } from './money';
import { refusalCli, type Refusal } from './refusals';

/** A credit the rules refuse: the facts (for the console's Swedish) and the CLI's text as its message. */
export class CreditError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusalCli(refusal));
    this.name = 'CreditError';
  }
}

/** Quantities to credit per article code (one the invoice does not have is refused); null credits everything not yet credited. */
export type CreditSelection = { article: string; quantity: number }[] | null;

export interface PriorCredit {
  number: string;
  credit: RatedInvoice; // negative amounts
}

export function rateCredit(invoiceNumber: string, invoice: RatedInvoice, prior: PriorCredit[], selection: CreditSelection): RatedInvoice {
  const byArticle = new Map<string, InvoiceLine>();
  for (const l of invoice.lines) {
    if (byArticle.has(l.article)) throw new CreditError({ code: 'credit_article_twice', invoice: invoiceNumber, article: l.article });
    byArticle.set(l.article, l);
  }
  const creditedQty = (article: Article) => 0 - sumOre(prior.flatMap((p) => p.credit.lines.filter((l) => l.article === article).map((l) => l.quantity)));
  const priorNames = prior.map((p) => p.number);

  const wanted = new Map<string, number>();
  if (selection === null) {
    for (const l of invoice.lines) wanted.set(l.article, l.quantity - creditedQty(l.article));
  } else {
    for (const { article, quantity } of selection) {
      const line = byArticle.get(article);
      if (!line) throw new CreditError({ code: 'credit_no_such_line', invoice: invoiceNumber, article, quantity, lines: [...byArticle.keys()] });
      if (!Number.isSafeInteger(quantity) || quantity <= 0) throw new CreditError({ code: 'credit_quantity_not_positive', article, quantity });
      wanted.set(article, (wanted.get(article) ?? 0) + quantity);
    }
  }

  const lines: InvoiceLine[] = [];
  for (const line of invoice.lines) {
    const q = wanted.get(line.article) ?? 0;
    if (q === 0) continue;
    const done = creditedQty(line.article);
    if (done + q > line.quantity) {
      throw new CreditError({ code: 'credit_more_than_invoiced', invoice: invoiceNumber, article: line.article, wanted: q, invoiced: line.quantity, alreadyCredited: done, by: priorNames });
    }
    const before = line.quantity === 0 ? 0 : roundHalfUpDiv(BigInt(line.amountOre) * BigInt(done), line.quantity);
    const after = line.quantity === 0 ? 0 : roundHalfUpDiv(BigInt(line.amountOre) * BigInt(done + q), line.quantity);
    lines.push({ ...line, quantity: -q, amountOre: -(after - before) });
  }
  if (lines.length === 0) {
    throw new CreditError({ code: 'credit_nothing_left', invoice: invoiceNumber, by: priorNames });
  }

  const completes = invoice.lines.every((l) => creditedQty(l.article) + (wanted.get(l.article) ?? 0) === l.quantity);
  const priorVat = (percent: number) => -sumOre(prior.flatMap((p) => p.credit.vatBreakdown.filter((r) => r.vatPercent === percent).map((r) => r.vatOre)));
  const vatBreakdown: VatBreakdownRow[] = [];
  for (const row of invoice.vatBreakdown) {
    const baseOre = sumOre(lines.filter((l) => l.vatPercent === row.vatPercent).map((l) => l.amountOre));
    if (baseOre === 0 && !completes) continue;
    const left = row.vatOre - priorVat(row.vatPercent);
    // Never more VAT than is left on the invoice; the last credit note takes exactly the rest.
    const vatOre = completes ? -left : -Math.min(-vatOf(baseOre, row.vatCategory === 'AE' ? 0 : row.vatPercent), left);
    if (baseOre === 0 && vatOre === 0) continue;
    vatBreakdown.push({ ...row, baseOre, vatOre });
  }
  const netOre = sumOre(lines.map((l) => l.amountOre));
  const vatOre = sumOre(vatBreakdown.map((r) => r.vatOre));
  const totalLeft = invoice.totalOre + sumOre(prior.map((p) => p.credit.totalOre));
  let { roundedOre: totalOre } = roundToKronor(netOre + vatOre);
  if (completes || -totalOre > totalLeft) totalOre = -totalLeft;
  return {
    customerId: invoice.customerId,
    period: invoice.period,
    lines,
    vatBreakdown,
    netOre,
    vatOre,
    roundingOre: totalOre - (netOre + vatOre),
    totalOre,
    vatTreatment: invoice.vatTreatment,
  };
}

/** `ARTICLE=QTY` arguments of `--lines`, each naming what is wrong. */
export function parseCreditLines(args: string[], articles: readonly string[]): { article: Article; quantity: number }[] {
  return args.map((arg) => {
    const m = /^([a-z_]+)=(\d{1,9})$/.exec(arg.trim());
    if (!m) throw new CreditError({ code: 'credit_lines_syntax', arg });
    if (!articles.includes(m[1])) throw new CreditError({ code: 'credit_unknown_article', article: m[1], known: articles });
    return { article: m[1] as Article, quantity: Number(m[2]) };
  });
}

/** Credit notes cancel the invoice in full: it is no longer live, and may be re-issued. */
export function fullyCredited(basis: { invoice: RatedInvoice; prior: PriorCredit[] }, extra: RatedInvoice[] = []): boolean {
  const credits = [...basis.prior.map((p) => p.credit), ...extra];
  const net = credits.reduce((s, c) => s + c.netOre, 0);
  const total = credits.reduce((s, c) => s + c.totalOre, 0);
  return net + basis.invoice.netOre === 0 && total + basis.invoice.totalOre === 0;
}
