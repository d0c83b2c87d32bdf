import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES, draftReadyEmail, invoiceFinalEmail } from '../../notify/messages';

describe('messages', () => {
  it('draft ready: subject names product and period, text links the preview when given', () => {
    const input = { customerName: 'Kund AB', partnerName: 'Ekonomipartner i Väst AB', period: '2024-11', totalText: '12 345 kr' };
    const withLink = draftReadyEmail({ ...input, previewUrl: 'https://example.se/p/1' });
    expect(withLink.subject).toBe('Fakturaunderlag för granskning – OneStop Reporting 2024-11');
    expect(withLink.text).toContain('Kund AB');
    expect(withLink.text).toContain('12 345 kr');
    expect(withLink.text).toContain('Återförsäljare: Ekonomipartner i Väst AB');
    expect(withLink.text).toContain('https://example.se/p/1');
    expect(draftReadyEmail(input).text).not.toContain('Förhandsgranska');
  });

  it('final invoice: subject and payment details', () => {
    const { subject, text } = invoiceFinalEmail({
      sellerName: 'Säljbolaget AB',
      customerName: 'Kund AB',
      partnerName: 'Ekonomipartner i Väst AB',
      invoiceNumber: '1001',
      period: '2024-11',
      totalText: '12 345 kr',
      dueDate: '2024-12-30',
      ocr: '10010000012',
      bankgiro: '123-4567',
    });
    expect(subject).toBe('Faktura 1001 från Säljbolaget AB – OneStop Reporting 2024-11');
    for (const part of ['Att betala: 12 345 kr', 'Förfallodatum: 2024-12-30', 'Bankgiro: 123-4567', 'OCR-nummer: 10010000012', 'Återförsäljare: Ekonomipartner i Väst AB']) {
      expect(text).toContain(part);
    }
  });

  it('webhook event types', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual({ draft_ready: 'invoice.draft_ready', invoice_final: 'invoice.finalised', credit_ready: 'credit_note.draft_ready' });
  });
});
