import { parsePeriod } from '../billing';
import type { RatedInvoice } from '../billing/types';
import type { InvoiceDocument } from '../pdf/invoice-document';
import { renderInvoicePdf } from '../pdf/render-invoice';
import type { CustomerRecord } from '../store/customers';
import { putDocument } from '../store/documents';
import { findStoredEInvoice, storeEInvoice, type StoredEInvoice } from '../store/einvoices';
import { isFirstMonthlyInvoice, loadIssuedInvoice, type IssuedInvoice } from '../store/invoices';
import { logger } from '../infra/logger';
import { eInvoiceFile } from '../peppol/einvoice';
import type { ActivityDeps } from './deps';

// PDFs are stored (content-addressed) and only their SHA-256 travels through Temporal.

export function documentActivities({ db, config }: ActivityDeps) {
  return {
    async renderDraftPdf(input: { draftId: number }): Promise<{ sha256: string }> {
      const draft = await db('drafts').where({ id: input.draftId }).first();
      if (draft.pdf_sha256) return { sha256: draft.pdf_sha256 };
      const period = parsePeriod(draft.period);
      const doc: InvoiceDocument = {
        kind: 'draft',
        seller: config.seller,
        buyer: draft.buyer as CustomerRecord,
        period: { id: period.id, firstDay: period.firstDay, lastDay: period.lastDay },
        number: null,
        issueDate: null,
        dueDate: null,
        ocr: null,
        paymentTermsDays: config.paymentTermsDays,
        invoice: draft.rated as RatedInvoice,
      };
      if (await isFirstMonthlyInvoice(db, draft.customer_id, draft.period)) doc.firstMonthly = true;
      const content = await renderInvoicePdf(doc);
      // The document and the reference to it commit together: a reference can never point at
      // a document row that was not committed.
      const sha256 = await db.transaction(async (trx) => {
        const stored = await putDocument(trx, {
          content,
          contentType: 'application/pdf',
          fileName: `utkast-${draft.customer_id}-${draft.period}-v${draft.version}.pdf`,
        });
        await trx('drafts').where({ id: input.draftId }).update({ pdf_sha256: stored });
        return stored;
      });
      return { sha256 };
    },

    /**
     * The final PDF and, from the same document value, the Peppol e-invoice; rendering the same
     * issued invoice again gives the same bytes, and a retry finds what is stored.
     */
    async renderInvoicePdf(input: { invoiceId: number }): Promise<{ sha256: string; xmlSha256?: string | null }> {
      const issued = await loadIssuedInvoice(db, input.invoiceId);
      const xml = await issueEInvoice(db, issued);
      const existing = await db('invoice_documents').where({ invoice_id: input.invoiceId }).first();
      if (existing) return { sha256: existing.pdf_sha256, xmlSha256: xml?.sha256 ?? null };
      const content = await renderInvoicePdf(issued.document);
      const noun = issued.document.creditOf ? 'kreditfaktura' : 'faktura';
      const sha256 = await db.transaction(async (trx) => {
        const stored = await putDocument(trx, { content, contentType: 'application/pdf', fileName: `${noun}-${issued.document.number}.pdf` });
        await trx('invoice_documents').insert({ invoice_id: input.invoiceId, pdf_sha256: stored }).onConflict('invoice_id').ignore();
        return stored;
      });
      return { sha256, xmlSha256: xml?.sha256 ?? null };
    },
  };
}

/** The invoice's e-invoice, built and stored once (keyed by invoice id); null when the buyer cannot get one. */
async function issueEInvoice(db: ActivityDeps['db'], issued: IssuedInvoice): Promise<StoredEInvoice | null> {
  const stored = await findStoredEInvoice(db, issued.id);
  if (stored) return stored;
  const file = eInvoiceFile(issued.document, issued.number);
  if ('unavailable' in file) {
    logger.warn({ invoice: issued.number, reason: file.unavailable }, 'no e-invoice for this invoice');
    return null;
  }
  return storeEInvoice(db, issued.id, file);
}
