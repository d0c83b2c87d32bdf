// Swedish notification texts. Inputs are already formatted strings (amounts, dates), so
// these stay plain templates with no locale logic.

export const PRODUCT_NAME = 'OneStop Reporting';

/** Webhook `type` per notification event (the event names of notification_deliveries). */
export const WEBHOOK_EVENT_TYPES = {
  draft_ready: 'invoice.draft_ready',
  invoice_final: 'invoice.finalised',
} as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[keyof typeof WEBHOOK_EVENT_TYPES];

export interface EmailText {
  subject: string;
  text: string;
}

export interface DraftReadyInput {
  customerName: string;
  /** e.g. '2024-11' */
  period: string;
  /** e.g. '12 345 kr' */
  totalText: string;
  previewUrl?: string;
  /** What changed since the previous final invoice (issue #10), already formatted, one line each. */
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
  /** Who issues the invoice, e.g. 'Exempelbolaget AB'; shown in the subject and signature. */
  sellerName: string;
  customerName: string;
  invoiceNumber: string;
  period: string;
  totalText: string;
  /** e.g. '2024-12-30' */
  dueDate: string;
  ocr: string;
  bankgiro: string;
}

export function invoiceFinalEmail(input: InvoiceFinalInput): EmailText {
  const lines = [
    'Hej!',
    '',
    `Här kommer faktura ${input.invoiceNumber} till ${input.customerName} för ${PRODUCT_NAME} ${input.period}. Fakturan finns bifogad som PDF.`,
    '',
    `Att betala: ${input.totalText}`,
    `Förfallodatum: ${input.dueDate}`,
    `Bankgiro: ${input.bankgiro}`,
    `OCR-nummer: ${input.ocr}`,
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
