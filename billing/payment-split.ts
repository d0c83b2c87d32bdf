// One unmatched payment booked by hand against one or several invoices (`payments assign REF
// --invoice F10001 --invoice F10002=1234,50`): which share each invoice gets, and why a request
// is refused, as data. Pure: the store finds the invoices and what each has open; the CLI says a
// refusal in English (`assignRefusalText`), the console in Swedish (billing/payment-split-sv.ts).

/** One `--invoice` as written: the number, and the amount in öre when one was named. */
export interface InvoiceShare {
  invoice: string;
  amountOre: number | null;
}

export type AssignRefusal =
  | { code: 'no_payment'; reference: string }
  | { code: 'already_booked'; reference: string; invoices: string[]; assignedBy: string | null }
  | { code: 'no_invoices' }
  | { code: 'share_syntax'; text: string }
  | { code: 'amount_not_positive'; invoice: string }
  | { code: 'invoice_twice'; invoice: string }
  /** Unknown, or a credit note's number. */
  | { code: 'no_invoice'; invoice: string }
  /** Credited in full: nothing is to be paid on it. */
  | { code: 'invoice_credited'; invoice: string }
  | { code: 'different_customers'; invoices: { invoice: string; customerId: string }[] }
  | { code: 'amounts_exceed_payment'; namedOre: number; paymentOre: number }
  /** Every invoice has an amount and they leave part of the payment unbooked. */
  | { code: 'rest_unassigned'; restOre: number; lastInvoice: string }
  /** An invoice before the last would receive nothing: nothing open, or the payment is used up. */
  | { code: 'nothing_for_invoice'; invoice: string; openOre: number };

/** What an invoice has open before this payment (total + credits − payments so far; may be ≤ 0). */
export interface OpenInvoice {
  invoice: string;
  openOre: number;
  /** The amount named for it, in öre; null: up to what it has open (the last: the rest). */
  amountOre: number | null;
}

export type Split = { ok: true; parts: { invoice: string; amountOre: number }[] } | { ok: false; refusal: AssignRefusal };

/**
 * The payment split in the order given: a named amount is that invoice's; an invoice without
 * one receives up to what it has open of what the named amounts leave; the last invoice takes
 * the rest (beyond what it has open: an overpayment, the customer's credit balance). Every part
 * is above zero and the parts add up to the payment exactly, or the request is refused whole.
 */
export function splitPayment(paymentOre: number, invoices: OpenInvoice[]): Split {
  const refuse = (refusal: AssignRefusal): Split => ({ ok: false, refusal });
  if (invoices.length === 0) return refuse({ code: 'no_invoices' });
  const namedOre = invoices.reduce((s, i) => s + (i.amountOre ?? 0), 0);
  if (namedOre > paymentOre) return refuse({ code: 'amounts_exceed_payment', namedOre, paymentOre });
  let unnamedLeft = paymentOre - namedOre;
  const parts: { invoice: string; amountOre: number }[] = [];
  invoices.forEach((inv, i) => {
    const last = i === invoices.length - 1;
    const amountOre = inv.amountOre ?? (last ? unnamedLeft : Math.min(Math.max(0, inv.openOre), unnamedLeft));
    if (inv.amountOre === null) unnamedLeft -= amountOre;
    parts.push({ invoice: inv.invoice, amountOre });
  });
  const lastOne = invoices[invoices.length - 1]!;
  if (unnamedLeft > 0) return refuse({ code: 'rest_unassigned', restOre: unnamedLeft, lastInvoice: lastOne.invoice });
  const empty = invoices.findIndex((_, i) => parts[i]!.amountOre <= 0);
  if (empty >= 0) return refuse({ code: 'nothing_for_invoice', invoice: invoices[empty]!.invoice, openOre: invoices[empty]!.openOre });
  return { ok: true, parts };
}

const INVOICE_NUMBER = /^([A-Za-z]{0,10})(\d{1,16})$/;

/** An invoice number's series and number; null when it is not one (e.g. "F10042"). */
export function invoiceNumberParts(text: string): { series: string; number: number } | null {
  const m = INVOICE_NUMBER.exec(text.trim());
  return m ? { series: m[1]!.toUpperCase(), number: Number(m[2]) } : null;
}

/** An sv-SE amount in kronor ("1 234,50", "1234,5", "1234") as öre; null when it is not one. */
export function kronorToOre(text: string): number | null {
  const m = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,13})(?:,(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]!.replace(/\D/g, '')) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** One `--invoice` argument: "F10001" or "F10001=1234,50" (kronor, sv-SE). */
export function parseInvoiceShare(text: string): InvoiceShare | AssignRefusal {
  const [number, amount, ...more] = text.split('=');
  const parts = invoiceNumberParts(number ?? '');
  if (!parts || more.length > 0) return { code: 'share_syntax', text };
  const invoice = `${parts.series}${parts.number}`;
  if (amount === undefined) return { invoice, amountOre: null };
  const ore = kronorToOre(amount);
  if (ore === null) return { code: 'share_syntax', text };
  if (ore <= 0) return { code: 'amount_not_positive', invoice };
  return { invoice, amountOre: ore };
}

/**
 * Several shares in one line (the console's field), e.g. "F10001 F10002=1 234,50" or
 * "F10001; F10002": separated by semicolons, new lines, ", " or spaces before the next number.
 */
export function parseInvoiceShares(text: string): InvoiceShare[] | AssignRefusal {
  // An item is a number with an optional "=amount"; the amount may group thousands with spaces.
  const item = /([A-Za-z]{0,10}\d{1,16}(?:\s*=\s*(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d{1,2})?)?)(?:\s*[;\n]\s*|,\s+|\s+(?=[A-Za-z])|\s*$)/y;
  const trimmed = text.trim();
  const shares: InvoiceShare[] = [];
  item.lastIndex = 0;
  while (item.lastIndex < trimmed.length) {
    const at = item.lastIndex;
    const m = item.exec(trimmed);
    if (!m) return { code: 'share_syntax', text: trimmed.slice(at, at + 40) };
    const share = parseInvoiceShare(m[1]!.replace(/\s*=\s*/, '='));
    if ('code' in share) return share;
    shares.push(share);
  }
  return shares;
}

/** Checks a request's shares before any lookup: at least one, none twice. */
export function sharesProblem(shares: InvoiceShare[]): AssignRefusal | null {
  if (shares.length === 0) return { code: 'no_invoices' };
  const seen = new Set<string>();
  for (const s of shares) {
    if (seen.has(s.invoice)) return { code: 'invoice_twice', invoice: s.invoice };
    seen.add(s.invoice);
  }
  return null;
}

const kr = (ore: number) => (ore / 100).toFixed(2);

/** The refusal as the CLI, logs and `--json` errors say it. */
export function assignRefusalText(r: AssignRefusal): string {
  switch (r.code) {
    case 'no_payment':
      return `no payment with reference ${r.reference}; see 'month-close receivables list' for the unmatched ones`;
    case 'already_booked':
      return `payment ${r.reference} is already booked against ${r.invoices.join(', ')}${r.assignedBy ? ` (assigned by ${r.assignedBy})` : ' (by its OCR)'}`;
    case 'no_invoices':
      return '--invoice: name at least one invoice';
    case 'share_syntax':
      return `--invoice ${JSON.stringify(r.text.slice(0, 60))}: write NUMBER or NUMBER=KRONOR, e.g. F10001 or F10001=1234,50`;
    case 'amount_not_positive':
      return `--invoice ${r.invoice}: the amount must be above 0`;
    case 'invoice_twice':
      return `--invoice ${r.invoice} is named twice: name each invoice once`;
    case 'no_invoice':
      return `no invoice ${r.invoice} (a payment is assigned to an invoice, not a credit note)`;
    case 'invoice_credited':
      return `${r.invoice} is credited in full: nothing is to be paid on it`;
    case 'different_customers':
      return `the invoices are of different customers (${r.invoices.map((i) => `${i.invoice}: ${i.customerId}`).join(', ')}): one payment is assigned to one customer's invoices`;
    case 'amounts_exceed_payment':
      return `the amounts named add up to ${kr(r.namedOre)}, more than the payment of ${kr(r.paymentOre)}`;
    case 'rest_unassigned':
      return `the amounts named leave ${kr(r.restOre)} of the payment unassigned: the last invoice takes the rest, so leave out the amount of ${r.lastInvoice}`;
    case 'nothing_for_invoice':
      return `${r.invoice} would receive nothing (it has ${kr(r.openOre)} open; the invoices before it take the rest of the payment): leave it out or name its amount`;
  }
}
