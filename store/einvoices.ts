import type { Db } from '../infra/db';
import type { EInvoiceFile } from '../peppol/einvoice';
import { getDocument, putDocument } from './documents';

// The Peppol e-invoice of an issued invoice or credit note, stored content-addressed beside
// its PDF (built in peppol/einvoice.ts).

export interface StoredEInvoice {
  sha256: string;
  documentType: 'Invoice' | 'CreditNote';
}

/** The e-invoice stored for an invoice, if any: a retry finds it and builds nothing again. */
export async function findStoredEInvoice(db: Db, invoiceId: number): Promise<StoredEInvoice | null> {
  const existing = await db('invoice_xml_documents').where({ invoice_id: invoiceId }).first();
  return existing ? { sha256: existing.xml_sha256, documentType: existing.document_type } : null;
}

/** Stores the file once per invoice. */
export async function storeEInvoice(db: Db, invoiceId: number, file: EInvoiceFile): Promise<StoredEInvoice> {
  // The document and the reference to it commit together, as for the PDFs.
  const sha256 = await db.transaction(async (trx) => {
    const stored = await putDocument(trx, { content: Buffer.from(file.xml, 'utf8'), contentType: 'application/xml', fileName: file.fileName });
    await trx('invoice_xml_documents').insert({ invoice_id: invoiceId, xml_sha256: stored, document_type: file.documentType }).onConflict('invoice_id').ignore();
    return stored;
  });
  return { sha256, documentType: file.documentType };
}

export async function loadEInvoice(db: Db, invoiceId: number): Promise<{ sha256: string; content: Buffer; fileName: string } | null> {
  const row = await db('invoice_xml_documents').where({ invoice_id: invoiceId }).first();
  if (!row) return null;
  const doc = await getDocument(db, row.xml_sha256);
  return doc ? { sha256: row.xml_sha256, content: doc.content, fileName: doc.fileName } : null;
}
