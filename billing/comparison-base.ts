// What a draft is compared with: the previous period's live billing of the customer, net of its
// credit notes (books-and-payments.md "One ledger of money"). Pure: store/review-inputs.ts reads
// the period's invoices and credit notes with their lines, this decides the base.
//
// A re-issue replaces the invoice it re-issues (that one's credit notes cancel it), a credit
// note's lines are taken off the invoice's per article, and an invoice credited in full without
// a re-issue compares as nothing billed.

import type { ComparedLine, PreviousInvoice } from './explain';
import { ARTICLES } from './types';

/** One issued document of the customer's previous period, lines as printed (credit notes negative). */
export interface BaseDocument {
  id: number;
  kind: 'invoice' | 'credit_note';
  number: string;
  period: string;
  totalOre: number;
  /** Credit notes: the invoice credited (its id). */
  creditOf: number | null;
  /** Re-issues: the invoice this one replaces (its id). */
  reissueOf: number | null;
  lines: ComparedLine[];
}

/** The base and the id of the invoice it came from (its usage snapshot is the one compared). */
export type ComparisonBase = PreviousInvoice & { invoiceId: number };

/**
 * The live invoice of `docs` (the newest one no re-issue replaces) net of its credit notes:
 * per article quantity and amount, and the total. Null when `docs` holds no invoice.
 */
export function comparisonBase(docs: readonly BaseDocument[]): Omit<ComparisonBase, 'snapshot'> | null {
  const replaced = new Set(docs.filter((d) => d.kind === 'invoice' && d.reissueOf !== null).map((d) => d.reissueOf));
  const live = docs.filter((d) => d.kind === 'invoice' && !replaced.has(d.id)).sort((a, b) => b.id - a.id)[0];
  if (!live) return null;
  const notes = docs.filter((d) => d.kind === 'credit_note' && d.creditOf === live.id).sort((a, b) => a.id - b.id);
  const totalOre = live.totalOre + notes.reduce((s, n) => s + n.totalOre, 0);

  const net = new Map<ComparedLine['article'], ComparedLine>();
  const add = (l: ComparedLine, quantity: number) => {
    const seen = net.get(l.article);
    net.set(l.article, {
      article: l.article,
      description: seen?.description ?? l.description,
      quantity: (seen?.quantity ?? 0) + quantity,
      amountOre: (seen?.amountOre ?? 0) + l.amountOre,
    });
  };
  for (const l of live.lines) add(l, l.quantity);
  // A credited line takes its quantity back, whichever sign the credit note prints it with.
  for (const n of notes) for (const l of n.lines) add(l, -Math.abs(l.quantity));
  // An article credited away is not billed: it is left out, as if never invoiced.
  const lines = ARTICLES.map((a) => net.get(a)).filter((l): l is ComparedLine => !!l && (l.quantity !== 0 || l.amountOre !== 0));

  const fullyCredited = notes.length > 0 && totalOre === 0 && lines.length === 0;
  const original = live.reissueOf === null ? undefined : docs.find((d) => d.id === live.reissueOf);
  return {
    invoiceId: live.id,
    number: live.number,
    period: live.period,
    totalOre,
    lines,
    creditNotes: notes.map((n) => n.number),
    replaces: original?.number ?? null,
    fullyCredited,
  };
}
