import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { renderInvoicePdf } from '../../pdf/render-invoice';
import { WORKED_EXAMPLE, draftInvoice, finalInvoice, SELLER } from '../../demo/worked-example-invoice';
import { mappedCodePoints, pdfText, plain } from './pdf-text';

/** raw: extracted text; text: the same with U+00A0 as a space; flat: text with wrapped lines joined. */
async function render(doc = finalInvoice()): Promise<{ pdf: Buffer; raw: string; text: string; flat: string; pages: number }> {
  const pdf = await renderInvoicePdf(doc);
  const pages = await pdfText(pdf);
  const raw = pages.join('\f');
  const text = plain(raw);
  return { pdf, raw, text, flat: text.replace(/\n/g, ' '), pages: pages.length };
}

const DESCRIPTIONS = [
  'OneStop Reporting - Smart',
  'OneStop Reporting - Extra företag',
  'OneStop Reporting - Superanvändare',
  'OneStop Reporting - Portalanvändare',
];

/** The trailer /ID entry, e.g. "[<ab12…> <ab12…>]". */
function fileId(pdf: Buffer): string {
  const m = /\/ID \[(<[0-9a-f]+> <[0-9a-f]+>)\]/.exec(pdf.toString('latin1'));
  if (!m) throw new Error('no /ID in trailer');
  return m[1]!;
}

describe('renderInvoicePdf: final invoice (worked example 2024-11)', () => {
  it('is a one-page A4 PDF', async () => {
    const { pdf, pages } = await render();
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pages).toBe(1);
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
  });

  it('carries every mandatory label', async () => {
    const { flat: text } = await render();
    for (const label of [
      'Faktura',
      'Fakturanummer: 10042',
      'Fakturadatum: 2024-12-02',
      'Förfallodatum: 2025-01-01',
      'Kundnummer: C-1001',
      'Er referens: Åsa Ärlig',
      'Betalningsvillkor: 30 dagar netto',
      'Beskrivning Antal À-pris Moms Belopp',
      'Summa exkl. moms 2 870,00 kr',
      'Moms 25 % 717,50 kr',
      'Öresavrundning +0,50 kr',
      'Att betala 3 588,00 kr',
      'Momsspecifikation',
      'Momssats Beskattningsunderlag Momsbelopp',
      '25 % 2 870,00 kr 717,50 kr',
      'Period: 2024-11-01 – 2024-11-30',
      'Dröjsmålsränta enligt räntelagen',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).not.toContain('UTKAST');
    expect(text).not.toContain('Kreditfaktura');
  });

  it('prints the lines with their exact descriptions, quantities, unit prices and amounts', async () => {
    const { text } = await render();
    expect(text).toContain('OneStop Reporting - Smart 1 1 495,00 25 % 1 495,00');
    expect(text).toContain('OneStop Reporting - Extra företag 2 295,00 25 % 590,00');
    expect(text).toContain('OneStop Reporting - Superanvändare 1 395,00 25 % 395,00');
    expect(text).toContain('OneStop Reporting - Portalanvändare 2 195,00 25 % 390,00');
  });

  it('keeps Swedish characters, &, quotes, – and U+00A0 extractable', async () => {
    const { pdf, raw } = await render();
    expect(raw).toContain('3 588,00 kr'); // pdfjs reports U+00A0 as a space…
    const mapped = mappedCodePoints(pdf); // …but the PDF maps it exactly
    for (const c of '\u00a0–åäöÅÖ&"') expect(mapped, `U+${c.codePointAt(0)!.toString(16)}`).toContain(c.codePointAt(0));
    expect(raw).toContain('Åkesson & Öberg "Bygg" AB');
    expect(raw).toContain('Göteborg');
    for (const d of DESCRIPTIONS) expect(raw).toContain(d);
  });

  it('has seller and buyer blocks with the legal details', async () => {
    const { text } = await render();
    for (const s of [
      SELLER.name,
      'Gjörwellsgatan 22',
      '112 60 Stockholm',
      'Organisationsnummer: 556677-8899',
      'Momsregistreringsnummer: SE556677889901',
      'Styrelsens säte: Stockholm',
      'Godkänd för F-skatt',
      'Storgatan 1',
      '411 38 Göteborg',
      'Organisationsnummer: 556123-4567',
      'Momsregistreringsnummer: SE556123456701',
      'Återförsäljare: Ekonomipartner i Väst AB (P-042)',
      'Sida 1 av 1',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('has a payment box with bankgiro, OCR, amount, due date and the OCR instruction', async () => {
    const { text } = await render();
    expect(text).toContain('Betalningsinformation');
    expect(text).toContain('Bankgiro OCR-nummer Att betala Förfallodatum');
    expect(text).toContain('5402-9681 1004274 3 588,00 kr 2025-01-01');
    expect(text).toContain('Ange OCR-nummer 1004274 vid betalning till bankgiro 5402-9681.');
  });

  it('omits "Godkänd för F-skatt" when the seller does not hold F-skatt', async () => {
    const { text } = await render(finalInvoice({ seller: { ...SELLER, fSkatt: false } }));
    expect(text).not.toContain('F-skatt');
    expect(text).toContain('Styrelsens säte: Stockholm');
  });

  it('uses the configured late-payment wording when given', async () => {
    const { flat } = await render(finalInvoice({ seller: { ...SELLER, lateInterestText: 'Dröjsmålsränta debiteras med 8 % över referensräntan.' } }));
    expect(flat).toContain('Dröjsmålsränta debiteras med 8 % över referensräntan.');
  });

  it('shows a pro rata line as "(15/30 dagar)" after the exact description', async () => {
    const lines = WORKED_EXAMPLE.lines.map((l, i) => (i === 0 ? { ...l, proRata: { billedDays: 15, daysInMonth: 30 } } : l));
    const { text } = await render(finalInvoice({ invoice: { ...WORKED_EXAMPLE, lines } }));
    expect(text).toContain('OneStop Reporting - Smart (15/30 dagar)');
  });

  it('refuses a final invoice without number, dates or OCR', async () => {
    await expect(renderInvoicePdf(finalInvoice({ ocr: null }))).rejects.toThrow(/ocr/);
    await expect(renderInvoicePdf(finalInvoice({ number: null, dueDate: null }))).rejects.toThrow(/number, dueDate/);
    await expect(renderInvoicePdf(finalInvoice({ issueDate: '2024-13-45' }))).rejects.toThrow(/issueDate/);
  });
});

describe('renderInvoicePdf: draft', () => {
  it('is stamped UTKAST and has no number, OCR or payment data', async () => {
    const { text } = await render(draftInvoice());
    expect(text).toContain('UTKAST');
    expect(text).toContain('Utkast – ej giltig som faktura');
    expect(text).toContain('Fakturanummer: –');
    expect(text).not.toContain('10042');
    expect(text).not.toContain('1004274');
    expect(text).not.toContain('OCR-nummer 1004274');
    expect(text).toContain('Bankgiro OCR-nummer Att betala Förfallodatum');
    expect(text).toContain('– – – –');
    // Same content otherwise: lines and totals.
    for (const d of DESCRIPTIONS) expect(text).toContain(d);
    expect(text).toContain('Att betala 3 588,00 kr');
  });

  it('ignores a number or OCR passed by mistake', async () => {
    const { text } = await render(draftInvoice({ number: '10042', ocr: '1004274', issueDate: '2024-12-02', dueDate: '2025-01-01' }));
    expect(text).not.toContain('10042');
    expect(text).not.toContain('1004274');
    expect(text).toContain('Fakturanummer: –');
  });
});

describe('renderInvoicePdf: reverse charge', () => {
  it('prints "Omvänd betalningsskyldighet" and both VAT numbers', async () => {
    const doc = finalInvoice({
      buyer: {
        ...finalInvoice().buyer,
        name: 'Suomen Raportointi Oy',
        orgNumber: '1234567-8',
        vatNumber: 'FI12345678',
        street: 'Mannerheimintie 1',
        postalCode: '00100',
        city: 'Helsinki',
        country: 'FI',
      },
      invoice: {
        ...WORKED_EXAMPLE,
        vatTreatment: 'reverse_charge',
        lines: WORKED_EXAMPLE.lines.map((l) => ({ ...l, vatPercent: 0 })),
        vatBreakdown: [{ vatPercent: 0, vatCategory: 'AE', baseOre: 287_000, vatOre: 0 }],
        vatOre: 0,
        roundingOre: 0,
        totalOre: 287_000,
      },
    });
    const { text } = await render(doc);
    expect(text).toContain('Omvänd betalningsskyldighet');
    expect(text).toContain('Säljarens momsregistreringsnummer: SE556677889901');
    expect(text).toContain('Köparens momsregistreringsnummer: FI12345678');
    expect(text).toContain('Finland');
    expect(text).toContain('Att betala 2 870,00 kr');

    const domestic = await render();
    expect(domestic.text).not.toContain('Omvänd betalningsskyldighet');
  });
});

describe('renderInvoicePdf: credit note', () => {
  it('is titled Kreditfaktura, refers to the corrected invoice and shows U+2212 minus', async () => {
    const inv = WORKED_EXAMPLE;
    const { pdf, raw, text } = await render(
      finalInvoice({
        number: '10043',
        ocr: '1004357',
        creditOf: '10042',
        invoice: {
          ...inv,
          lines: inv.lines.map((l) => ({ ...l, quantity: -l.quantity, amountOre: -l.amountOre })),
          vatBreakdown: [{ vatPercent: 25, vatCategory: 'S', baseOre: -287_000, vatOre: -71_750 }],
          netOre: -287_000,
          vatOre: -71_750,
          roundingOre: -50,
          totalOre: -358_800,
        },
      }),
    );
    expect(text).toContain('Kreditfaktura');
    expect(text).toContain('Krediterar faktura: 10042');
    expect(raw).toContain('Summa exkl. moms \u22122 870,00 kr');
    expect(mappedCodePoints(pdf)).toContain(0x2212);
    expect(text).toContain('Att återfå 3 588,00 kr');
  });

  it('never asks for payment: no due date, payment terms, payment box, OCR instruction or double negative', async () => {
    const inv = WORKED_EXAMPLE;
    const { text, flat } = await render(
      finalInvoice({
        number: 'K5001',
        ocr: '500117',
        creditOf: 'F10042',
        creditOfIssueDate: '2024-12-02',
        invoice: {
          ...inv,
          lines: [{ ...inv.lines[3]!, quantity: -1, amountOre: -19_500 }],
          vatBreakdown: [{ vatPercent: 25, vatCategory: 'S', baseOre: -19_500, vatOre: -4_875 }],
          netOre: -19_500,
          vatOre: -4_875,
          roundingOre: -25,
          totalOre: -24_400,
        },
      }),
    );
    expect(flat).toContain('Att återfå 244,00 kr');
    for (const forbidden of ['Att betala', 'Förfallodatum', 'dagar netto', 'OCR', 'Betalningsinformation', 'Bankgiro 5402', '−244,00']) {
      expect(flat).not.toContain(forbidden);
    }
    expect(flat).toContain('Detta är ingen betalningsuppmaning');
    expect(text).toContain('Krediterar faktura: F10042 (2024-12-02)');
  });
});

describe('renderInvoicePdf: what the customer is told', () => {
  it('a pro rata month shows the billed dates, not the whole month', async () => {
    const lines = WORKED_EXAMPLE.lines.map((l) => ({ ...l, proRata: { billedDays: 15, daysInMonth: 30 } }));
    const { flat } = await render(finalInvoice({ invoice: { ...WORKED_EXAMPLE, lines } }));
    expect(flat).toContain('Period: 2024-11-16 – 2024-11-30 (15 av 30 dagar)');
    expect(flat).not.toContain('2024-11-01 – 2024-11-30');
    expect(flat).toContain('Perioden före 2024-11-16 ingår i er förbetalda kvartalsavgift');
  });

  it('a re-issue names the invoice and the credit note it replaces', async () => {
    const { flat } = await render(finalInvoice({ number: 'F10050', replaces: { invoice: 'F10042', invoiceIssueDate: '2024-12-02', creditNotes: ['K5001'] } }));
    expect(flat).toContain('Ersätter faktura: F10042');
    expect(flat).toContain('Denna faktura ersätter faktura F10042 daterad 2024-12-02, som krediterats i sin helhet med kreditfaktura K5001.');
  });

  it('the first monthly invoice explains the move from quarterly billing with each line\'s old description', async () => {
    const { flat } = await render(finalInvoice({ firstMonthly: true }));
    expect(flat).toContain('Ny faktureringsmodell');
    expect(flat).toContain('Tidigare fakturerades avgifterna kvartalsvis');
    for (const l of WORKED_EXAMPLE.lines) expect(flat).toContain(`${l.description} (tidigare ${l.legacyDescription})`);
    expect((await render()).flat).not.toContain('kvartalsvis');
  });
});

describe('renderInvoicePdf: many lines', () => {
  it('breaks onto further pages with "Sida N av M" and the seller details on each', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({ ...WORKED_EXAMPLE.lines[i % 4]! }));
    const { text, pages } = await render(finalInvoice({ invoice: { ...WORKED_EXAMPLE, lines } }));
    expect(pages).toBeGreaterThan(1);
    const perPage = text.split('\f');
    perPage.forEach((p, i) => {
      expect(p).toContain(`Sida ${i + 1} av ${pages}`);
      expect(p).toContain('Organisationsnummer: 556677-8899');
      expect(p).toContain('Beskrivning Antal À-pris Moms Belopp');
    });
    expect(perPage[pages - 1]).toContain('Ange OCR-nummer 1004274');
    expect(perPage[0]).not.toContain('Ange OCR-nummer');
  });
});

describe('renderInvoicePdf: determinism', () => {
  it('gives byte-identical output for the same input', async () => {
    const a = await renderInvoicePdf(finalInvoice());
    const b = await renderInvoicePdf(finalInvoice());
    expect(a.equals(b)).toBe(true);
    const c = await renderInvoicePdf(draftInvoice());
    const d = await renderInvoicePdf(draftInvoice());
    expect(c.equals(d)).toBe(true);
  });

  it('renders the same bytes as before the fonts were shared between documents, in any order and at once', async () => {
    // The worked example's PDFs as the renderer has always made them: a stored invoice's PDF
    // must equal its re-render. (Also fails when Node's bundled zlib compresses differently.)
    const FINAL = '73047a6c4c9ad1001b176e98d0abf8ad9d621cde7356d2e17851b4e51b3e1d78';
    const DRAFT = '8660340af42c7c3c51ec09f8eef1bb55526c6a4db54459ef67eae9a5e6af5aba';
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const many = await Promise.all([finalInvoice(), draftInvoice(), finalInvoice({ buyer: { ...finalInvoice().buyer, buyerReference: 'Bo Ek' } }), draftInvoice()].map(renderInvoicePdf));
    expect(many.map(sha)).toEqual([FINAL, DRAFT, expect.any(String), DRAFT]);
    expect(sha(await renderInvoicePdf(finalInvoice()))).toBe(FINAL);
  });

  it('does not depend on key order, and sets dates from the invoice', async () => {
    const doc = finalInvoice();
    const reordered = Object.fromEntries(Object.entries(doc).reverse()) as typeof doc;
    const a = await renderInvoicePdf(doc);
    expect(a.equals(await renderInvoicePdf(reordered))).toBe(true);
    expect(a.toString('latin1')).toContain('(D:20241202000000Z)'); // CreationDate and ModDate
  });

  it('gives different invoices different file IDs', async () => {
    const a = fileId(await renderInvoicePdf(finalInvoice()));
    const b = fileId(await renderInvoicePdf(finalInvoice({ buyer: { ...finalInvoice().buyer, buyerReference: 'Bo Ek' } })));
    expect(a).not.toBe(b);
  });
});
