// One ledger of money (issue #21): what every view shows of issued invoices and credit notes.
// Pure: the store reads the rows (store/ledger.ts), this decides each invoice's status, its
// links both ways and the totals, so the CLI, the console and the exports cannot disagree.
//
// An invoice is counted net of its credit notes; a credited invoice and its re-issue are never
// both counted, because the credit notes that cancel the first are counted beside it.

export type InvoiceStatus =
  | 'final'
  | 'partly_credited'
  | 'credited'
  | 'replaced_by'
  // From payments (issue #22); given only when payments are passed in.
  | 'partly_paid'
  | 'paid'
  | 'overpaid'
  | 'overdue';

/** One issued document as stored: an invoice or a credit note (negative amounts). */
export interface LedgerDocument {
  id: number;
  kind: 'invoice' | 'credit_note';
  number: string;
  customerId: string;
  customerName: string;
  period: string;
  issueDate: string;
  dueDate: string;
  netOre: number;
  vatOre: number;
  roundingOre: number;
  totalOre: number;
  /** Credit notes: the invoice credited (its id). */
  creditOf: number | null;
  /** Re-issues: the fully credited invoice this one replaces (its id). */
  reissueOf: number | null;
}

/** What the payments module knows of one invoice; absent until payments exist. */
export interface InvoicePayments {
  paidOre: number;
}

export interface LedgerEntry extends LedgerDocument {
  /** Invoices: the status everyone sees; credit notes are `final`. */
  status: InvoiceStatus;
  /** Invoices: the credit notes that credit it, in number order. */
  creditedBy: string[];
  /** Credit notes: the invoice credited. */
  credits: string | null;
  /** Invoices: the re-issue that replaces it. */
  replacedBy: string | null;
  /** Re-issues: the invoice it replaces. */
  replaces: string | null;
  /** Invoices: the credit notes' total_ore together (≤ 0); credit notes 0. */
  creditedOre: number;
  /** Invoices: total after credits (what the customer owes before payments); credit notes 0. */
  netTotalOre: number;
  paidOre: number;
  /** Invoices: what is left to pay after credits and payments; credit notes 0. */
  remainingOre: number;
}

/**
 * The status of one invoice. Credits and re-issue first (a replaced or credited invoice is not
 * owed); with payments: paid in full, more than owed (also any payment of a credited invoice),
 * part paid, or overdue when its due date has passed (`today`, YYYY-MM-DD) and it is not paid.
 */
export function invoiceStatus(
  inv: { totalOre: number; netOre: number; creditedOre: number; creditedNetOre: number; replacedBy: string | null; dueDate: string },
  payments?: InvoicePayments & { today: string },
): InvoiceStatus {
  const fullyCredited = inv.totalOre + inv.creditedOre === 0 && inv.netOre + inv.creditedNetOre === 0;
  const owed = inv.totalOre + inv.creditedOre;
  if (payments && payments.paidOre > 0 && payments.paidOre > owed) return 'overpaid';
  if (inv.replacedBy !== null) return 'replaced_by';
  if (fullyCredited) return 'credited';
  if (payments) {
    if (payments.paidOre === owed) return 'paid';
    if (payments.today > inv.dueDate) return 'overdue';
    if (payments.paidOre > 0) return 'partly_paid';
  }
  return inv.creditedOre !== 0 ? 'partly_credited' : 'final';
}

/**
 * Statuses and links of a set of documents. Credit notes and re-issues whose counterpart is not
 * in `docs` still name it when `numbers` knows its id (a credit note of another period's invoice
 * cannot exist: it carries its invoice's period).
 */
export function buildLedger(docs: LedgerDocument[], opts: { payments?: Map<number, InvoicePayments>; today?: string } = {}): LedgerEntry[] {
  const byId = new Map(docs.map((d) => [d.id, d]));
  const creditsOf = new Map<number, LedgerDocument[]>();
  const replacedBy = new Map<number, LedgerDocument>();
  for (const d of docs) {
    if (d.kind === 'credit_note' && d.creditOf !== null) creditsOf.set(d.creditOf, [...(creditsOf.get(d.creditOf) ?? []), d]);
    if (d.kind === 'invoice' && d.reissueOf !== null) replacedBy.set(d.reissueOf, d);
  }
  return docs.map((d): LedgerEntry => {
    if (d.kind === 'credit_note') {
      return {
        ...d,
        status: 'final',
        creditedBy: [],
        credits: d.creditOf !== null ? (byId.get(d.creditOf)?.number ?? null) : null,
        replacedBy: null,
        replaces: null,
        creditedOre: 0,
        netTotalOre: 0,
        paidOre: 0,
        remainingOre: 0,
      };
    }
    const notes = (creditsOf.get(d.id) ?? []).slice().sort((a, b) => a.id - b.id);
    const creditedOre = notes.reduce((s, n) => s + n.totalOre, 0);
    const creditedNetOre = notes.reduce((s, n) => s + n.netOre, 0);
    const replacement = replacedBy.get(d.id)?.number ?? null;
    const paid = opts.payments?.get(d.id);
    const status = invoiceStatus(
      { totalOre: d.totalOre, netOre: d.netOre, creditedOre, creditedNetOre, replacedBy: replacement, dueDate: d.dueDate },
      opts.payments ? { paidOre: paid?.paidOre ?? 0, today: opts.today ?? '9999-12-31' } : undefined,
    );
    const paidOre = paid?.paidOre ?? 0;
    return {
      ...d,
      status,
      creditedBy: notes.map((n) => n.number),
      credits: null,
      replacedBy: replacement,
      replaces: d.reissueOf !== null ? (byId.get(d.reissueOf)?.number ?? null) : null,
      creditedOre,
      netTotalOre: d.totalOre + creditedOre,
      paidOre,
      // Never below zero: what is paid beyond it is the customer's credit balance (receivables).
      remainingOre: Math.max(0, d.totalOre + creditedOre - paidOre),
    };
  });
}

/** The money of a set of documents, as the period report's JSON names it (öre). */
export interface LedgerTotals {
  /** Invoices' total_ore, incl. moms. */
  invoiced_ore: number;
  /** Credit notes' total_ore (negative). */
  credited_ore: number;
  /** The two together. */
  total_ore: number;
  /** After credits, excl. moms. */
  net_ore: number;
  vat_ore: number;
  rounding_ore: number;
}

export function ledgerTotals(docs: Pick<LedgerDocument, 'kind' | 'netOre' | 'vatOre' | 'roundingOre' | 'totalOre'>[]): LedgerTotals {
  const t: LedgerTotals = { invoiced_ore: 0, credited_ore: 0, total_ore: 0, net_ore: 0, vat_ore: 0, rounding_ore: 0 };
  for (const d of docs) {
    if (d.kind === 'invoice') t.invoiced_ore += d.totalOre;
    else t.credited_ore += d.totalOre;
    t.total_ore += d.totalOre;
    t.net_ore += d.netOre;
    t.vat_ore += d.vatOre;
    t.rounding_ore += d.roundingOre;
  }
  return t;
}

/** Swedish words for a status, as the console, the CLI and the texts show it (one word each everywhere). */
export const STATUS_SV: Record<InvoiceStatus, string> = {
  final: 'Obetald', // issued, nothing paid, not yet due
  partly_credited: 'Delvis krediterad',
  credited: 'Krediterad',
  replaced_by: 'Ersatt',
  partly_paid: 'Delbetald',
  paid: 'Betald',
  overpaid: 'Överbetald',
  overdue: 'Förfallen',
};

/** "Krediterad av K1, K2 · ersatt av F10400": the links of one entry, in Swedish. */
export function linksSv(e: Pick<LedgerEntry, 'creditedBy' | 'credits' | 'replacedBy' | 'replaces'>): string {
  const parts: string[] = [];
  if (e.credits) parts.push(`krediterar ${e.credits}`);
  if (e.creditedBy.length) parts.push(`krediterad av ${e.creditedBy.join(', ')}`);
  if (e.replacedBy) parts.push(`ersatt av ${e.replacedBy}`);
  if (e.replaces) parts.push(`ersätter ${e.replaces}`);
  return parts.join(' · ');
}
