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

  it('draft ready: carries what changed since the previous invoice, the facts and the flags', () => {
    const { text } = draftReadyEmail({
      customerName: 'Kund AB',
      partnerName: 'Partner AB',
      period: '2024-11',
      totalText: '2 356 kr',
      review: {
        comparison: 'Jämfört med F10001 (2024-10, 2 113,00 kr): +243,00 kr (+11.5 %)',
        lines: ['OneStop Reporting - Portalanvändare: 1 → 2 (+195,00 kr)'],
        facts: Array.from({ length: 22 }, (_, i) => `user u${i}: user added as portal_user`),
        flags: ['new_article: new: superuser'],
        waitsBecause: 'flagged: new_article',
      },
    });
    expect(text).toContain('Jämfört med F10001 (2024-10, 2 113,00 kr): +243,00 kr (+11.5 %)');
    expect(text).toContain('  OneStop Reporting - Portalanvändare: 1 → 2 (+195,00 kr)');
    expect(text).toContain('  user u19: user added as portal_user');
    expect(text).not.toContain('user u20:');
    expect(text).toContain('… och 2 till (month-close drafts explain)');
    expect(text).toContain('Flaggor:\n  new_article: new: superuser');
    expect(text).toContain('Kräver godkännande: flagged: new_article');
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

  it('credit note: what comes back, never a payment instruction', () => {
    const { subject, text } = invoiceFinalEmail({
      documentNoun: 'kreditfaktura',
      sellerName: 'Säljbolaget AB',
      customerName: 'Kund AB',
      partnerName: 'Ekonomipartner i Väst AB',
      invoiceNumber: 'K5001',
      period: '2024-11',
      totalText: '244,00 kr',
      dueDate: '2025-01-01',
      ocr: '500117',
      bankgiro: '123-4567',
      creditOf: 'F10042',
    });
    expect(subject).toBe('Kreditfaktura K5001 från Säljbolaget AB – OneStop Reporting 2024-11');
    expect(text).toContain('Att återfå: 244,00 kr');
    expect(text).toContain('Krediterar faktura: F10042');
    for (const forbidden of ['Att betala', 'OCR', 'Förfallodatum', 'Bankgiro', '−']) expect(text).not.toContain(forbidden);
  });

  it('re-issue: names the invoice and credit note it replaces', () => {
    const { text } = invoiceFinalEmail({
      sellerName: 'Säljbolaget AB', customerName: 'Kund AB', partnerName: 'P AB', invoiceNumber: 'F10050', period: '2024-11',
      totalText: '3 588,00 kr', dueDate: '2025-01-01', ocr: '1005071', bankgiro: '123-4567',
      replaces: { invoice: 'F10042', creditNotes: ['K5001'] },
    });
    expect(text).toContain('Fakturan ersätter faktura F10042, som krediterats med K5001. Betala endast denna faktura.');
  });

  it('webhook event types', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual({ draft_ready: 'invoice.draft_ready', invoice_final: 'invoice.finalised', credit_ready: 'credit_note.draft_ready', payment_reminder: 'invoice.payment_reminder' });
  });
});
