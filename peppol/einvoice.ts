// The e-invoice file of an issued invoice or credit note, built from the same InvoiceDocument as
// its PDF so the two cannot disagree. Pure: storing it is store/einvoices.ts's job.

import type { InvoiceDocument } from '../pdf/invoice-document';
import { PeppolError } from './errors';
import { buildUbl, ublDocumentType } from './ubl';

export interface EInvoiceFile {
  xml: string;
  documentType: 'Invoice' | 'CreditNote';
  fileName: string;
}

/**
 * The Peppol BIS 3.0 file, or why this buyer cannot get one: the PDF is the legal invoice, so a
 * buyer without a Peppol address gets none and the caller says why instead of failing.
 */
export function eInvoiceFile(document: InvoiceDocument, number: string): EInvoiceFile | { unavailable: string } {
  let xml: string;
  try {
    xml = buildUbl(document);
  } catch (err) {
    if (err instanceof PeppolError) return { unavailable: err.message };
    throw err;
  }
  const documentType = ublDocumentType(document);
  return { xml, documentType, fileName: `${documentType === 'CreditNote' ? 'kreditfaktura' : 'faktura'}-${number}.xml` };
}
