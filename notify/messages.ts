// Swedish notification texts. Inputs are already formatted strings (amounts, dates), so
// these stay plain templates with no locale logic.

export const PRODUCT_NAME = 'OneStop Reporting';

/** Webhook `type` per notification event (the event names of notification_deliveries). */
export const WEBHOOK_EVENT_TYPES = {
  draft_ready: 'invoice.draft_ready',
  invoice_final: 'invoice.finalised',
  credit_ready: 'credit_note.draft_ready',
  payment_reminder: 'invoice.payment_reminder',
} as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[keyof typeof WEBHOOK_EVENT_TYPES];

export interface EmailText {
  subject: string;
  text: string;
}

export interface DraftReadyInput {
  customerName: string;
  /** The partner the customer is sold through. */
  partnerName: string;
  /** e.g. '2024-11' */
  period: string;
  /** e.g. '12 345 kr' */
  totalText: string;
  previewUrl?: string;
  /** What changed since the previous final invoice, already formatted, one line each. */
  review?: DraftReviewText;
}

export interface DraftReviewText {
  /** e.g. 'Jämfört med F10123 (2024-10, 2 113,00 kr): +243,00 kr (+11.5 %)' or the first-invoice note. */
  comparison: string;
  /** e.g. 'Portalanvändare: 1 → 2 (+195,00 kr)' */
  lines: string[];
  /** e.g. 'user p2: user added as portal_user' */
  facts: string[];
  /** e.g. 'four_eyes: …' ; empty when unflagged. */
  flags: string[];
  /** Why it waits, e.g. 'flagged: first_invoice'. */
  waitsBecause: string | null;
}

/** At most this many facts in the e-mail; `drafts explain` shows them all. */
const FACTS_IN_EMAIL = 20;

function reviewLines(r: DraftReviewText): string[] {
  const out = ['', r.comparison];
  if (r.lines.length) out.push(...r.lines.map((l) => `  ${l}`));
  if (r.facts.length) {
    out.push('', 'Förändringar i användningen:', ...r.facts.slice(0, FACTS_IN_EMAIL).map((f) => `  ${f}`));
    if (r.facts.length > FACTS_IN_EMAIL) out.push(`  … och ${r.facts.length - FACTS_IN_EMAIL} till (month-close drafts explain)`);
  }
  out.push('', r.flags.length ? 'Flaggor:' : 'Flaggor: inga', ...r.flags.map((f) => `  ${f}`));
  if (r.waitsBecause) out.push(`Kräver godkännande: ${r.waitsBecause}`);
  return out;
}

export function draftReadyEmail(input: DraftReadyInput): EmailText {
  const lines = [
    'Hej!',
    '',
    `Fakturaunderlaget för ${input.customerName} avseende ${PRODUCT_NAME} ${input.period} är klart för granskning.`,
    '',
    `Preliminärt belopp att betala: ${input.totalText}`,
    `Återförsäljare: ${input.partnerName}`,
  ];
  if (input.review) lines.push(...reviewLines(input.review));
  if (input.previewUrl) lines.push(`Förhandsgranska underlaget: ${input.previewUrl}`);
  lines.push(
    '',
    'Detta är ett utkast och ingen faktura. Den slutliga fakturan skickas när underlaget har godkänts.',
    '',
    'Vänliga hälsningar',
    PRODUCT_NAME,
  );
  return {
    subject: `Fakturaunderlag för granskning – ${PRODUCT_NAME} ${input.period}`,
    text: lines.join('\n') + '\n',
  };
}

export interface InvoiceFinalInput {
  /** 'faktura' (default) or 'kreditfaktura'. */
  documentNoun?: 'faktura' | 'kreditfaktura';
  /** Who issues the invoice, e.g. 'Exempelbolaget AB'; shown in the subject and signature. */
  sellerName: string;
  customerName: string;
  /** The partner the customer is sold through. */
  partnerName: string;
  invoiceNumber: string;
  period: string;
  /** The amount without sign, e.g. '12 345,00 kr'; a credit note's is the amount to get back. */
  totalText: string;
  /** e.g. '2024-12-30'; a credit note has none. */
  dueDate?: string | null;
  ocr?: string | null;
  bankgiro: string;
  /** A credit note: the invoice it credits. */
  creditOf?: string | null;
  /** A re-issue: the invoice it replaces and the credit notes that cancelled that one. */
  replaces?: { invoice: string; creditNotes: string[] } | null;
}

export function invoiceFinalEmail(input: InvoiceFinalInput): EmailText {
  if ((input.documentNoun ?? 'faktura') === 'kreditfaktura') return creditNoteFinalEmail(input);
  const replaces = input.replaces
    ? [
        '',
        `Fakturan ersätter faktura ${input.replaces.invoice}` +
          (input.replaces.creditNotes.length ? `, som krediterats med ${input.replaces.creditNotes.join(', ')}` : '') +
          `. Betala endast denna faktura.`,
      ]
    : [];
  const lines = [
    'Hej!',
    '',
    `Här kommer faktura ${input.invoiceNumber} till ${input.customerName} för ${PRODUCT_NAME} ${input.period}. Fakturan finns bifogad som PDF och som e-faktura (Peppol BIS Billing 3.0, XML).`,
    ...replaces,
    '',
    `Att betala: ${input.totalText}`,
    `Förfallodatum: ${input.dueDate ?? '–'}`,
    `Bankgiro: ${input.bankgiro}`,
    `OCR-nummer: ${input.ocr ?? '–'}`,
    `Återförsäljare: ${input.partnerName}`,
    '',
    'Ange OCR-numret när du betalar, så kopplas betalningen till rätt faktura.',
    '',
    'Vänliga hälsningar',
    input.sellerName,
  ];
  return {
    subject: `Faktura ${input.invoiceNumber} från ${input.sellerName} – ${PRODUCT_NAME} ${input.period}`,
    text: lines.join('\n') + '\n',
  };
}

/** A kreditfaktura asks for no payment: no due date, bankgiro or OCR instruction. */
function creditNoteFinalEmail(input: InvoiceFinalInput): EmailText {
  const lines = [
    'Hej!',
    '',
    `Här kommer kreditfaktura ${input.invoiceNumber} till ${input.customerName} för ${PRODUCT_NAME} ${input.period}. Kreditfakturan finns bifogad som PDF och som e-faktura (Peppol BIS Billing 3.0, XML).`,
    '',
    ...(input.creditOf ? [`Krediterar faktura: ${input.creditOf}`] : []),
    `Att återfå: ${input.totalText}`,
    `Återförsäljare: ${input.partnerName}`,
    '',
    `Ni behöver inte betala något. Beloppet räknas av mot faktura ${input.creditOf ?? 'som krediteras'}; har den redan betalats återbetalar vi beloppet till er.`,
    '',
    'Vänliga hälsningar',
    input.sellerName,
  ];
  return {
    subject: `Kreditfaktura ${input.invoiceNumber} från ${input.sellerName} – ${PRODUCT_NAME} ${input.period}`,
    text: lines.join('\n') + '\n',
  };
}

export interface CreditReadyInput {
  invoiceNumber: string;
  customerId: string;
  period: string;
  totalText: string;
  reason: string;
  requestedBy: string;
  /** What finance approves: `month-close invoices credit-approve <id>`. */
  workflowId: string;
}

export function creditReadyEmail(input: CreditReadyInput): EmailText {
  const lines = [
    'Hej!',
    '',
    `${input.requestedBy} vill kreditera faktura ${input.invoiceNumber} (kund ${input.customerId}, ${input.period}).`,
    `Orsak: ${input.reason}`,
    `Belopp att kreditera: ${input.totalText}`,
    '',
    `Godkänn: month-close invoices credit-approve ${input.workflowId} --by NAMN`,
    `Avslå: month-close invoices credit-reject ${input.workflowId} --by NAMN --reason TEXT`,
    '',
    'Vänliga hälsningar',
    PRODUCT_NAME,
  ];
  return { subject: `Kreditfaktura för granskning – faktura ${input.invoiceNumber}`, text: lines.join('\n') + '\n' };
}
