import type { Db } from '../infra/db';
import { logger } from '../infra/logger';
import { PeppolError } from '../peppol/errors';
import { buildUbl, ublDocumentType } from '../peppol/ubl';
import { getDocument, putDocument } from './documents';
import type { IssuedInvoice } from './invoices';

// The Peppol e-invoice of an issued invoice or credit note, stored content-addressed beside
// its PDF. Built from the same InvoiceDocument as the PDF, so the two cannot disagree.

export interface StoredEInvoice {
  sha256: string;
  documentType: 'Invoice' | 'CreditNote';
}

/** Render and store once; a retry finds the stored one. Null when the buyer cannot get one. */
export async function storeEInvoice(db: Db, issued: IssuedInvoice): Promise<StoredEInvoice | null> {
  const existing = await db('invoice_xml_documents').where({ invoice_id: issued.id }).first();
  if (existing) return { sha256: existing.xml_sha256, documentType: existing.document_type };
  let xml: string;
  try {
    xml = buildUbl(issued.document);
  } catch (err) {
    // The PDF is the legal invoice; a buyer without a Peppol address gets no XML, and says why.
    if (err instanceof PeppolError) {
      logger.warn({ invoice: issued.number, reason: err.message }, 'no e-invoice for this invoice');
      return null;
    }
    throw err;
  }
  const documentType = ublDocumentType(issued.document);
  const fileName = `${documentType === 'CreditNote' ? 'kreditfaktura' : 'faktura'}-${issued.number}.xml`;
  // The document and the reference to it commit together, as for the PDFs.
  const sha256 = await db.transaction(async (trx) => {
    const stored = await putDocument(trx, { content: Buffer.from(xml, 'utf8'), contentType: 'application/xml', fileName });
    await trx('invoice_xml_documents').insert({ invoice_id: issued.id, xml_sha256: stored, document_type: documentType }).onConflict('invoice_id').ignore();
    return stored;
  });
  return { sha256, documentType };
}

export async function loadEInvoice(db: Db, invoiceId: number): Promise<{ sha256: string; content: Buffer; fileName: string } | null> {
  const row = await db('invoice_xml_documents').where({ invoice_id: invoiceId }).first();
  if (!row) return null;
  const doc = await getDocument(db, row.xml_sha256);
  return doc ? { sha256: row.xml_sha256, content: doc.content, fileName: doc.fileName } : null;
}
