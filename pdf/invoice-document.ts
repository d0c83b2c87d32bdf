// Everything the invoice PDF shows, in one value: the renderer computes nothing about
// money, it only lays out what rating and finalisation decided.

import type { RatedInvoice } from '../billing/types';

/** The seller's own data: configuration, not code (may move to a config module later). */
export interface SellerConfig {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2, e.g. 'SE'. */
  country: string;
  orgNumber: string; // e.g. 556677-8899
  vatNumber: string; // momsregistreringsnummer, SE + 10 digits + 01
  bankgiro: string; // e.g. 5402-9681
  fSkatt: boolean; // prints "Godkänd för F-skatt" when true
  registeredOffice: string; // styrelsens säte, e.g. Stockholm
  email: string;
  phone?: string;
  /** Replaces the default "Dröjsmålsränta enligt räntelagen." */
  lateInterestText?: string;
}

export interface BuyerInfo {
  customerId: string;
  name: string;
  orgNumber: string;
  vatNumber: string | null;
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  partnerId: string;
  partnerName: string;
  buyerReference: string | null; // "Er referens"
  /** Peppol endpoint "SCHEME:ID" when it is not the org number under 0007 (optional). */
  peppolEndpoint?: string | null;
}

export interface InvoicePeriod {
  id: string; // YYYY-MM
  firstDay: string; // YYYY-MM-DD
  lastDay: string; // YYYY-MM-DD
}

export interface InvoiceDocument {
  /** A draft carries no number, dates or OCR and is stamped UTKAST. */
  kind: 'draft' | 'final';
  seller: SellerConfig;
  buyer: BuyerInfo;
  period: InvoicePeriod;
  number: string | null;
  issueDate: string | null; // YYYY-MM-DD
  dueDate: string | null; // YYYY-MM-DD
  ocr: string | null;
  paymentTermsDays: number;
  invoice: RatedInvoice;
  /** Number of the invoice this credit note corrects; set only on a kreditfaktura. */
  creditOf?: string | null;
  /** The corrected invoice's issue date and why it is credited (kreditfaktura only). */
  creditOfIssueDate?: string | null;
  creditReason?: string | null;
  /** A re-issue: the fully credited invoice it replaces and the credit notes that cancelled it. */
  replaces?: { invoice: string; invoiceIssueDate: string; creditNotes: string[] } | null;
  /**
   * The customer's first monthly invoice after quarterly billing: it carries a note on the
   * change and each line's old description (the seed's notice promised both).
   */
  firstMonthly?: boolean;
}
