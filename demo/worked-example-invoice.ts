// The worked example of billing-rules.md (period 2024-11) as an InvoiceDocument.

import type { InvoiceLine, RatedInvoice } from '../billing/types';
import type { InvoiceDocument, SellerConfig } from '../pdf/invoice-document';

export const SELLER: SellerConfig = {
  name: 'Exempelbolaget Rapport & Analys AB',
  street: 'Gjörwellsgatan 22',
  postalCode: '112 60',
  city: 'Stockholm',
  country: 'SE',
  orgNumber: '556677-8899',
  vatNumber: 'SE556677889901',
  bankgiro: '5402-9681',
  fSkatt: true,
  registeredOffice: 'Stockholm',
  email: 'faktura@example.se',
  phone: '08-123 456 00',
};

function line(
  article: InvoiceLine['article'],
  description: string,
  legacyDescription: string,
  quantity: number,
  unitPriceOre: number,
): InvoiceLine {
  return { article, description, legacyDescription, quantity, unitPriceOre, amountOre: quantity * unitPriceOre, vatPercent: 25, proRata: null };
}

export const WORKED_EXAMPLE: RatedInvoice = {
  customerId: 'C-1001',
  period: '2024-11',
  lines: [
    line('smart', 'OneStop Reporting - Smart', 'OneStop Reporting Integration Fee', 1, 149_500),
    line('extra_company', 'OneStop Reporting - Extra företag', 'OneStop Reporting Number of companies (Volume)', 2, 29_500),
    line('superuser', 'OneStop Reporting - Superanvändare', 'OneStop Reporting Superuser', 1, 39_500),
    line('portal_user', 'OneStop Reporting - Portalanvändare', 'OneStop Reporting Portaluser', 2, 19_500),
  ],
  vatBreakdown: [{ vatPercent: 25, vatCategory: 'S', baseOre: 287_000, vatOre: 71_750 }],
  netOre: 287_000,
  vatOre: 71_750,
  roundingOre: 50,
  totalOre: 358_800,
  vatTreatment: 'domestic',
};

export function finalInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    kind: 'final',
    seller: SELLER,
    buyer: {
      customerId: 'C-1001',
      name: 'Åkesson & Öberg "Bygg" AB',
      orgNumber: '556123-4567',
      vatNumber: 'SE556123456701',
      street: 'Storgatan 1',
      postalCode: '411 38',
      city: 'Göteborg',
      country: 'SE',
      partnerId: 'P-042',
      partnerName: 'Ekonomipartner i Väst AB',
      buyerReference: 'Åsa Ärlig',
    },
    period: { id: '2024-11', firstDay: '2024-11-01', lastDay: '2024-11-30' },
    number: '10042',
    issueDate: '2024-12-02',
    dueDate: '2025-01-01',
    ocr: '1004274',
    paymentTermsDays: 30,
    invoice: WORKED_EXAMPLE,
    creditOf: null,
    ...overrides,
  };
}

export function draftInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return finalInvoice({ kind: 'draft', number: null, issueDate: null, dueDate: null, ocr: null, ...overrides });
}
