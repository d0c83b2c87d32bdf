// Renders a Swedish invoice (or draft, or credit note) as an A4 PDF.
//
// Deterministic on purpose: the same InvoiceDocument always gives the same bytes, so a
// re-rendered final invoice can be compared with the stored one and retries are harmless.
// What pdfkit would otherwise vary: the creation date (set from the document's own dates)
// and the trailer file ID (set from a hash of the input). Font subset tags are derived
// from the font's registration order, so they are stable already.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { woffToSfnt } from './woff';
import PDFDocument from 'pdfkit';

import { formatAmount, formatPercent, formatQuantity, formatSek } from '../billing/format';
import { addDays } from '../billing/period';
import type { InvoiceDocument } from './invoice-document';

type Pdf = PDFKit.PDFDocument;

/** Bump when the layout changes, so file IDs of differently laid-out PDFs differ. */
const RENDERER_VERSION = 'invoice-pdf/1';

// Noto Sans (SIL OFL 1.1) from @fontsource/noto-sans. Its "latin" files cover Latin-1
// (å ä ö, U+00A0) plus U+2000–206F (– ’ “ ”) and U+2212, which WinAnsi Helvetica cannot show.
const FONT_FILES = {
  regular: '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff',
  bold: '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff',
} as const;
const REGULAR = 'NotoSans';
const BOLD = 'NotoSans-Bold';

/** A parsed font as pdfkit holds it (a fontkit Font); pdfkit takes one in place of the bytes. */
type ParsedFont = { _glyphs: Record<number, unknown> };

// The fonts' tables are parsed once per process: parsing them again for every PDF was about
// half of a render. Each document gets its own view of the parsed font with an empty glyph
// cache (as fontkit's own getVariation does), because a cached glyph keeps the characters it
// was first made for, which go into the PDF's text map (a space and U+00A0 share a glyph):
// shared glyphs would make a document's bytes depend on the documents rendered before it.
let parsedFonts: { regular: ParsedFont; bold: ParsedFont } | undefined;
function loadFonts(): { regular: ParsedFont; bold: ParsedFont } {
  parsedFonts ??= {
    regular: parseFont(woffToSfnt(readFileSync(require.resolve(FONT_FILES.regular)))),
    bold: parseFont(woffToSfnt(readFileSync(require.resolve(FONT_FILES.bold)))),
  };
  return { regular: freshView(parsedFonts.regular), bold: freshView(parsedFonts.bold) };
}

/** pdfkit's own font parser (its fontkit), reached through a throwaway document. */
function parseFont(sfnt: Buffer): ParsedFont {
  const doc = new PDFDocument({ autoFirstPage: false });
  doc.font(sfnt);
  return (doc as unknown as { _font: { font: ParsedFont } })._font.font;
}

function freshView(font: ParsedFont): ParsedFont {
  const view = Object.create(font) as ParsedFont;
  view._glyphs = {};
  return view;
}

// --- Page geometry (points; A4 = 595.28 × 841.89) ---
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const LEFT = 50;
const RIGHT = PAGE_W - 50;
const WIDTH = RIGHT - LEFT;
const FOOTER_TOP = 772;
const PAY_H = 84;
const PAY_TOP = FOOTER_TOP - 16 - PAY_H;
const META_X = 330;
const META_W = RIGHT - META_X;

const INK = '#1f2328';
const MUTED = '#5c636a';
const RULE = '#d0d5da';
const SHADE = '#f1f3f5';
const ALERT = '#b42318';

/** Table columns: x and width; numbers are right-aligned inside a 6 pt padding. */
const COLS = {
  desc: { x: LEFT, w: 262 },
  qty: { x: LEFT + 262, w: 48 },
  price: { x: LEFT + 310, w: 75 },
  vat: { x: LEFT + 385, w: 40 },
  amount: { x: LEFT + 425, w: WIDTH - 425 },
} as const;
const PAD = 6;

export async function renderInvoicePdf(input: InvoiceDocument): Promise<Buffer> {
  checkDocument(input);
  const fonts = loadFonts();
  const title = documentTitle(input);
  const fixedDate = new Date(`${input.kind === 'final' ? input.issueDate : input.period.lastDay}T00:00:00Z`);

  const pdf: Pdf = new PDFDocument({
    size: 'A4',
    // Zero margins: all positions are explicit, and pdfkit must never break pages itself.
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    bufferPages: true, // footers ("Sida N av M") are drawn once the page count is known
    compress: true,
    lang: 'sv-SE',
    displayTitle: true,
    info: {
      Title: title,
      Author: input.seller.name,
      Subject: `${input.buyer.name} – period ${input.period.id}`,
      Creator: 'month-close',
      Producer: 'month-close (PDFKit)',
      CreationDate: fixedDate,
      ModDate: fixedDate,
    },
  });
  // pdfkit hashes only the info dictionary into the trailer /ID; derive it from the whole
  // input instead, so two different invoices never share an ID (pdfkit is pinned exactly).
  (pdf as unknown as { _id: Uint8Array })._id = fileId(input);

  const done = collect(pdf);
  // pdfkit 0.20 takes a parsed font where its types say Buffer (PDFFontFactory.open).
  pdf.registerFont(REGULAR, fonts.regular as unknown as Buffer);
  pdf.registerFont(BOLD, fonts.bold as unknown as Buffer);
  layoutInvoice(pdf, input, title);
  pdf.end();
  return done;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDocument(d: InvoiceDocument): void {
  const dates: [string, string | null][] = [
    ['period.firstDay', d.period.firstDay],
    ['period.lastDay', d.period.lastDay],
  ];
  if (d.kind === 'final') {
    // A credit note asks for no payment, so it needs no due date or OCR reference.
    const required = isCredit(d) ? (['number', 'issueDate'] as const) : (['number', 'issueDate', 'dueDate', 'ocr'] as const);
    const missing = required.filter((k) => !d[k]);
    if (missing.length > 0) throw new Error(`a final ${isCredit(d) ? 'credit note' : 'invoice'} needs ${missing.join(', ')}`);
    dates.push(['issueDate', d.issueDate]);
    if (!isCredit(d)) dates.push(['dueDate', d.dueDate]);
  }
  // The PDF's dates come from these strings, so a malformed one must not slip through.
  for (const [name, value] of dates) {
    if (!value || !ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new Error(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
    }
  }
  if (d.invoice.lines.length === 0) throw new Error('an invoice needs at least one line');
}

/** A kreditfaktura: it corrects an invoice and never asks for payment. */
function isCredit(d: InvoiceDocument): boolean {
  return Boolean(d.creditOf);
}

/**
 * The days the document bills: the whole month, or, when a prepaid quarter ended inside it,
 * only the days after (every line of such a month carries the same pro rata days).
 */
export function billedDates(d: InvoiceDocument): { firstDay: string; lastDay: string; billedDays: number; daysInMonth: number } | null {
  const proRata = d.invoice.lines.find((l) => l.proRata)?.proRata;
  if (!proRata || proRata.billedDays >= proRata.daysInMonth) return null;
  return { firstDay: addDays(d.period.lastDay, 1 - proRata.billedDays), lastDay: d.period.lastDay, ...proRata };
}

function documentTitle(d: InvoiceDocument): string {
  const noun = d.creditOf ? 'Kreditfaktura' : 'Faktura';
  return d.kind === 'final' ? `${noun} ${d.number}` : `Utkast – ${noun.toLowerCase()} ${d.buyer.customerId} ${d.period.id}`;
}

function fileId(d: InvoiceDocument): Uint8Array {
  const digest = createHash('sha256').update(canonicalJson({ v: RENDERER_VERSION, d })).digest();
  return new Uint8Array(digest.subarray(0, 16));
}

/** JSON with sorted keys, so the same content hashes the same whatever the key order. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function collect(pdf: Pdf): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

// --- Drawing helpers ---

interface TextStyle {
  bold?: boolean;
  size?: number;
  color?: string;
  width?: number;
  align?: 'left' | 'right' | 'center';
}

function text(pdf: Pdf, s: string, x: number, y: number, style: TextStyle = {}): number {
  pdf
    .font(style.bold ? BOLD : REGULAR)
    .fontSize(style.size ?? 9)
    .fillColor(style.color ?? INK);
  const opts = style.width !== undefined ? { width: style.width, align: style.align ?? 'left' } : { lineBreak: false };
  pdf.text(s, x, y, opts);
  return style.width !== undefined ? pdf.heightOfString(s, { width: style.width }) : pdf.currentLineHeight();
}

function height(pdf: Pdf, s: string, width: number, style: TextStyle = {}): number {
  pdf.font(style.bold ? BOLD : REGULAR).fontSize(style.size ?? 9);
  return pdf.heightOfString(s, { width });
}

function hrule(pdf: Pdf, y: number, x1 = LEFT, x2 = RIGHT, color = RULE, w = 0.6): void {
  pdf.save().moveTo(x1, y).lineTo(x2, y).lineWidth(w).strokeColor(color).stroke().restore();
}

function countryName(code: string): string {
  return new Intl.DisplayNames(['sv'], { type: 'region' }).of(code.toUpperCase()) ?? code;
}

function addressLines(p: { street: string; postalCode: string; city: string; country: string }, showCountry: boolean): string[] {
  const lines = [p.street, `${p.postalCode} ${p.city}`];
  if (showCountry) lines.push(countryName(p.country));
  return lines;
}

// --- Layout ---

function layoutInvoice(pdf: Pdf, d: InvoiceDocument, title: string): void {
  const isDraft = d.kind === 'draft';
  let y = drawFirstPageHeader(pdf, d);

  // Table, breaking onto continuation pages when the rows do not fit.
  y = drawTableHeader(pdf, y);
  for (const line of d.invoice.lines) {
    const desc = line.proRata ? `${line.description} (${line.proRata.billedDays}/${line.proRata.daysInMonth} dagar)` : line.description;
    const rowH = height(pdf, desc, COLS.desc.w - 2 * PAD, { size: 9.5 }) + 2 * PAD;
    if (y + rowH > FOOTER_TOP - 16) {
      y = drawTableHeader(pdf, newPage(pdf, d, title));
    }
    text(pdf, desc, COLS.desc.x + PAD, y + PAD, { size: 9.5, width: COLS.desc.w - 2 * PAD });
    const cell = (s: string, c: { x: number; w: number }) =>
      text(pdf, s, c.x + PAD, y + PAD, { size: 9.5, width: c.w - 2 * PAD, align: 'right' });
    cell(formatQuantity(line.quantity), COLS.qty);
    cell(formatAmount(line.unitPriceOre), COLS.price);
    cell(formatPercent(line.vatPercent), COLS.vat);
    cell(formatAmount(line.amountOre), COLS.amount);
    y += rowH;
    hrule(pdf, y);
  }

  // Totals, VAT specification and notes stay together, above the payment box.
  y += 16;
  if (y + tailHeight(pdf, d) > PAY_TOP - 12) y = newPage(pdf, d, title);
  const totalsEnd = drawTotals(pdf, d, y);
  const specEnd = drawVatSpecification(pdf, d, y);
  drawNotes(pdf, d, Math.max(totalsEnd, specEnd) + 16);
  drawPaymentBox(pdf, d);

  // Page furniture needs the final page count.
  const range = pdf.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    pdf.switchToPage(range.start + i);
    drawFooter(pdf, d, i + 1, range.count);
    if (isDraft) drawDraftMark(pdf);
  }
}

function drawFirstPageHeader(pdf: Pdf, d: InvoiceDocument): number {
  const { seller, buyer } = d;
  const crossBorder = buyer.country.toUpperCase() !== seller.country.toUpperCase();

  // Seller, top left (logo-less letterhead).
  let sy = 44 + text(pdf, seller.name, LEFT, 44, { bold: true, size: 16, width: 265 }) + 2;
  for (const l of [...addressLines(seller, crossBorder), seller.email, ...(seller.phone ? [seller.phone] : [])]) {
    sy += text(pdf, l, LEFT, sy, { size: 8.5, color: MUTED, width: 265 });
  }

  // Title and meta box, top right.
  text(pdf, d.creditOf ? 'Kreditfaktura' : 'Faktura', META_X, 40, { bold: true, size: 22, width: META_W, align: 'right' });
  if (d.kind === 'draft') {
    text(pdf, 'Utkast – ej giltig som faktura', META_X, 72, { bold: true, size: 9.5, color: ALERT, width: META_W, align: 'right' });
  }
  const dash = '–';
  const isFinal = d.kind === 'final';
  const credit = isCredit(d);
  const meta: [string, string][] = [
    ['Fakturanummer', isFinal ? d.number! : dash],
    ['Fakturadatum', isFinal ? d.issueDate! : dash],
    // A credit note is not paid: no due date and no payment terms.
    ...(credit ? [] : [['Förfallodatum', isFinal ? d.dueDate! : dash] as [string, string]]),
    ['Kundnummer', buyer.customerId],
    ['Er referens', buyer.buyerReference ?? dash],
    ...(credit ? [] : [['Betalningsvillkor', `${d.paymentTermsDays} dagar netto`] as [string, string]]),
  ];
  if (d.creditOf) meta.push(['Krediterar faktura', d.creditOfIssueDate ? `${d.creditOf} (${d.creditOfIssueDate})` : d.creditOf]);
  if (d.replaces) meta.push(['Ersätter faktura', d.replaces.invoice]);
  const metaTop = 96;
  const rowH = 15;
  const metaH = meta.length * rowH + 12;
  pdf.save().roundedRect(META_X, metaTop, META_W, metaH, 3).fill(SHADE).restore();
  meta.forEach(([label, value], i) => {
    const ry = metaTop + 7 + i * rowH;
    text(pdf, `${label}:`, META_X + 10, ry, { size: 8.5, color: MUTED, width: 95 });
    text(pdf, value, META_X + 105, ry, { bold: true, size: 8.5, width: META_W - 115, align: 'right' });
  });

  // Buyer, left.
  let by = Math.max(sy + 16, 116);
  text(pdf, 'KÖPARE', LEFT, by, { bold: true, size: 7.5, color: MUTED });
  by += 12;
  by += text(pdf, buyer.name, LEFT, by, { bold: true, size: 11, width: 260 });
  for (const l of addressLines(buyer, crossBorder)) by += text(pdf, l, LEFT, by, { size: 9, width: 260 });
  by += 5;
  const buyerFacts = [
    `Organisationsnummer: ${buyer.orgNumber || dash}`,
    ...(buyer.vatNumber ? [`Momsregistreringsnummer: ${buyer.vatNumber}`] : []),
    `Kundnummer: ${buyer.customerId}`,
    `Återförsäljare: ${buyer.partnerName} (${buyer.partnerId})`,
  ];
  for (const l of buyerFacts) by += text(pdf, l, LEFT, by, { size: 8.5, color: MUTED, width: 260 });

  let y = Math.max(by, metaTop + metaH) + 22;
  const billed = billedDates(d);
  const periodText = billed
    ? `Period: ${billed.firstDay} – ${billed.lastDay} (${billed.billedDays} av ${billed.daysInMonth} dagar)`
    : `Period: ${d.period.firstDay} – ${d.period.lastDay}`;
  text(pdf, periodText, LEFT, y, { bold: true, size: 10 });
  y += 20;
  return y;
}

/** A continuation page: a slim header, then the caller goes on at the returned y. */
function newPage(pdf: Pdf, d: InvoiceDocument, title: string): number {
  pdf.addPage();
  text(pdf, d.seller.name, LEFT, 44, { bold: true, size: 11, width: 260 });
  text(pdf, `${title} (forts.)`, META_X, 44, { bold: true, size: 11, width: META_W, align: 'right' });
  hrule(pdf, 66);
  return 80;
}

function drawTableHeader(pdf: Pdf, y: number): number {
  const h = 20;
  pdf.save().rect(LEFT, y, WIDTH, h).fill(SHADE).restore();
  const head = (s: string, c: { x: number; w: number }, align: 'left' | 'right') =>
    text(pdf, s, c.x + PAD, y + 5.5, { bold: true, size: 8.5, color: MUTED, width: c.w - 2 * PAD, align });
  head('Beskrivning', COLS.desc, 'left');
  head('Antal', COLS.qty, 'right');
  head('À-pris', COLS.price, 'right');
  head('Moms', COLS.vat, 'right');
  head('Belopp', COLS.amount, 'right');
  hrule(pdf, y + h, LEFT, RIGHT, MUTED, 0.8);
  return y + h;
}

const TOTAL_ROW = 15;

function totalsRows(d: InvoiceDocument): [string, string][] {
  const inv = d.invoice;
  return [
    ['Summa exkl. moms', formatSek(inv.netOre)],
    ...inv.vatBreakdown.map((r): [string, string] => [`Moms ${formatPercent(r.vatPercent)}`, formatSek(r.vatOre)]),
    ['Öresavrundning', formatSek(inv.roundingOre, { signDisplay: 'exceptZero' })],
  ];
}

function tailHeight(pdf: Pdf, d: InvoiceDocument): number {
  const totals = totalsRows(d).length * TOTAL_ROW + 34;
  const spec = 30 + d.invoice.vatBreakdown.length * 14;
  return Math.max(totals, spec) + 16 + notesHeight(pdf, d);
}

function drawTotals(pdf: Pdf, d: InvoiceDocument, y: number): number {
  for (const [label, value] of totalsRows(d)) {
    text(pdf, label, META_X, y, { size: 9, width: 120 });
    text(pdf, value, META_X + 110, y, { size: 9, width: META_W - 110 - PAD, align: 'right' });
    y += TOTAL_ROW;
  }
  y += 3;
  hrule(pdf, y, META_X, RIGHT, INK, 1);
  y += 6;
  // "Att återfå" already says which way the money goes: the amount is shown without a minus.
  const refund = d.invoice.totalOre < 0;
  text(pdf, refund ? 'Att återfå' : 'Att betala', META_X, y, { bold: true, size: 12, width: 120 });
  text(pdf, formatSek(Math.abs(d.invoice.totalOre)), META_X + 110, y, { bold: true, size: 12, width: META_W - 110 - PAD, align: 'right' });
  return y + 20;
}

function drawVatSpecification(pdf: Pdf, d: InvoiceDocument, y: number): number {
  const cols = { rate: { x: LEFT, w: 70 }, base: { x: LEFT + 70, w: 110 }, vat: { x: LEFT + 180, w: 80 } };
  text(pdf, 'Momsspecifikation', LEFT, y, { bold: true, size: 9 });
  y += 15;
  text(pdf, 'Momssats', cols.rate.x, y, { size: 7.5, color: MUTED, width: cols.rate.w });
  text(pdf, 'Beskattningsunderlag', cols.base.x, y, { size: 7.5, color: MUTED, width: cols.base.w, align: 'right' });
  text(pdf, 'Momsbelopp', cols.vat.x, y, { size: 7.5, color: MUTED, width: cols.vat.w, align: 'right' });
  y += 12;
  hrule(pdf, y, LEFT, LEFT + 260);
  y += 3;
  for (const r of d.invoice.vatBreakdown) {
    text(pdf, formatPercent(r.vatPercent), cols.rate.x, y, { size: 8.5, width: cols.rate.w });
    text(pdf, formatSek(r.baseOre), cols.base.x, y, { size: 8.5, width: cols.base.w, align: 'right' });
    text(pdf, formatSek(r.vatOre), cols.vat.x, y, { size: 8.5, width: cols.vat.w, align: 'right' });
    y += 14;
  }
  return y;
}

function notes(d: InvoiceDocument): { heading: string; body: string }[] {
  const out: { heading: string; body: string }[] = [];
  if (d.invoice.vatTreatment === 'reverse_charge') {
    out.push({
      heading: 'Omvänd betalningsskyldighet',
      body:
        `Köparen redovisar momsen (artikel 196, direktiv 2006/112/EG). ` +
        `Säljarens momsregistreringsnummer: ${d.seller.vatNumber}. ` +
        `Köparens momsregistreringsnummer: ${d.buyer.vatNumber ?? '–'}.`,
    });
  }
  if (d.creditOf) {
    const dated = d.creditOfIssueDate ? ` daterad ${d.creditOfIssueDate}` : '';
    const reason = d.creditReason ? ` Orsak: ${d.creditReason}` : '';
    out.push({ heading: 'Kreditfaktura', body: `Denna kreditfaktura avser faktura ${d.creditOf}${dated} och minskar dess belopp.${reason}` });
  }
  if (d.replaces) {
    const notes = d.replaces.creditNotes;
    const by = notes.length ? `, som krediterats i sin helhet med ${notes.length > 1 ? 'kreditfakturorna' : 'kreditfaktura'} ${listSv(notes)}` : '';
    out.push({
      heading: 'Ersätter tidigare faktura',
      body: `Denna faktura ersätter faktura ${d.replaces.invoice} daterad ${d.replaces.invoiceIssueDate}${by}. Betala endast denna faktura.`,
    });
  }
  const billed = billedDates(d);
  if (billed) {
    out.push({
      heading: 'Delmånad',
      body:
        `Perioden före ${billed.firstDay} ingår i er förbetalda kvartalsavgift. ` +
        `Varje rad avser ${billed.billedDays} av månadens ${billed.daysInMonth} dagar (${billed.firstDay} – ${billed.lastDay}).`,
    });
  }
  if (d.firstMonthly) {
    const renamed = d.invoice.lines.filter((l) => l.legacyDescription && l.legacyDescription !== l.description);
    const seen = new Set<string>();
    const pairs = renamed.filter((l) => !seen.has(l.description) && seen.add(l.description)).map((l) => `${l.description} (tidigare ${l.legacyDescription})`);
    out.push({
      heading: 'Ny faktureringsmodell',
      body:
        `Detta är er första månadsfaktura. Tidigare fakturerades avgifterna kvartalsvis utifrån beställningen; ` +
        `nu faktureras de månadsvis för de användare, moduler och företag ni haft aktiva under föregående månad. ` +
        `Priserna är oförändrade.` +
        (pairs.length ? ` Avgifterna har fått nya beskrivningar: ${pairs.join('; ')}.` : ''),
    });
  }
  return out;
}

/** "A", "A och B", "A, B och C". */
function listSv(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} och ${items[items.length - 1]}`;
}

function notesHeight(pdf: Pdf, d: InvoiceDocument): number {
  return notes(d).reduce((h, n) => h + 13 + height(pdf, n.body, WIDTH, { size: 8.5 }) + 8, 0);
}

function drawNotes(pdf: Pdf, d: InvoiceDocument, y: number): number {
  for (const n of notes(d)) {
    text(pdf, n.heading, LEFT, y, { bold: true, size: 9.5 });
    y += 13;
    y += text(pdf, n.body, LEFT, y, { size: 8.5, width: WIDTH }) + 8;
  }
  return y;
}

function drawPaymentBox(pdf: Pdf, d: InvoiceDocument): void {
  if (isCredit(d)) return drawCreditBox(pdf, d);
  const isFinal = d.kind === 'final';
  const top = PAY_TOP;
  pdf.save().rect(LEFT, top, WIDTH, PAY_H).fill(SHADE).restore();
  pdf.save().rect(LEFT, top, WIDTH, 2.5).fill(INK).restore();
  text(pdf, 'Betalningsinformation', LEFT + 12, top + 9, { bold: true, size: 9 });

  const dash = '–';
  const credit = d.invoice.totalOre < 0;
  const fields: [string, string][] = [
    ['Bankgiro', isFinal ? d.seller.bankgiro : dash],
    ['OCR-nummer', isFinal ? d.ocr! : dash],
    [credit ? 'Att återfå' : 'Att betala', isFinal ? formatSek(d.invoice.totalOre) : dash],
    ['Förfallodatum', isFinal ? d.dueDate! : dash],
  ];
  const colW = (WIDTH - 24) / fields.length;
  fields.forEach(([label, value], i) => {
    const x = LEFT + 12 + i * colW;
    text(pdf, label, x, top + 25, { size: 7.5, color: MUTED, width: colW - 8 });
    text(pdf, value, x, top + 35, { bold: true, size: 12, width: colW - 8 });
  });

  const late = d.seller.lateInterestText ?? 'Dröjsmålsränta enligt räntelagen.';
  const terms = `Betalningsvillkor ${d.paymentTermsDays} dagar netto. ${late}`;
  let sentence: string;
  if (!isFinal) sentence = `Utkast – ej giltig som faktura. Betala inte; betalningsuppgifter anges på den slutliga fakturan.`;
  else if (credit) sentence = `Beloppet tillgodoräknas er och ska inte betalas. Ange OCR-nummer ${d.ocr} vid kontakt om denna kreditfaktura.`;
  else sentence = `Ange OCR-nummer ${d.ocr} vid betalning till bankgiro ${d.seller.bankgiro}. ${terms}`;
  text(pdf, sentence, LEFT + 12, top + 57, { size: 8, color: isFinal ? INK : ALERT, width: WIDTH - 24 });
}

/** Where an invoice has its payment box, a credit note says that nothing is to be paid. */
function drawCreditBox(pdf: Pdf, d: InvoiceDocument): void {
  const isFinal = d.kind === 'final';
  const top = PAY_TOP;
  pdf.save().rect(LEFT, top, WIDTH, PAY_H).fill(SHADE).restore();
  pdf.save().rect(LEFT, top, WIDTH, 2.5).fill(INK).restore();
  text(pdf, 'Kreditering', LEFT + 12, top + 9, { bold: true, size: 9 });
  const fields: [string, string][] = [
    ['Krediterar faktura', d.creditOf!],
    [d.invoice.totalOre < 0 ? 'Att återfå' : 'Kreditbelopp', isFinal ? formatSek(Math.abs(d.invoice.totalOre)) : '–'],
  ];
  const colW = (WIDTH - 24) / 4;
  fields.forEach(([label, value], i) => {
    const x = LEFT + 12 + i * colW;
    text(pdf, label, x, top + 25, { size: 7.5, color: MUTED, width: colW - 8 });
    text(pdf, value, x, top + 35, { bold: true, size: 12, width: colW - 8 });
  });
  const sentence = isFinal
    ? `Detta är ingen betalningsuppmaning. Beloppet räknas av mot faktura ${d.creditOf}; är den redan betald återbetalar vi beloppet till er.`
    : `Utkast – ej giltig som kreditfaktura.`;
  text(pdf, sentence, LEFT + 12, top + 57, { size: 8, color: isFinal ? INK : ALERT, width: WIDTH - 24 });
}

function drawFooter(pdf: Pdf, d: InvoiceDocument, page: number, pages: number): void {
  const s = d.seller;
  hrule(pdf, FOOTER_TOP, LEFT, RIGHT, RULE, 0.8);
  const y = FOOTER_TOP + 7;
  const style: TextStyle = { size: 7, color: MUTED };
  const column = (lines: string[], x: number, w: number) => {
    let ly = y;
    for (const l of lines) ly += text(pdf, l, x, ly, { ...style, width: w });
  };
  column([s.name, s.street, `${s.postalCode} ${s.city}`, countryName(s.country)], LEFT, 130);
  column(
    [
      `Organisationsnummer: ${s.orgNumber}`,
      `Momsregistreringsnummer: ${s.vatNumber}`,
      `Styrelsens säte: ${s.registeredOffice}`,
      ...(s.fSkatt ? ['Godkänd för F-skatt'] : []),
    ],
    LEFT + 140,
    190,
  );
  column([`Bankgiro: ${s.bankgiro}`, `E-post: ${s.email}`, ...(s.phone ? [`Telefon: ${s.phone}`] : [])], LEFT + 340, 155);
  text(pdf, `Sida ${page} av ${pages}`, LEFT + 340, y + 33, { ...style, width: WIDTH - 340, align: 'right' });
}

/** The big diagonal stamp on every draft page, drawn on top but faint. */
function drawDraftMark(pdf: Pdf): void {
  const word = 'UTKAST';
  const size = 120;
  pdf.save();
  pdf.rotate(-35, { origin: [PAGE_W / 2, PAGE_H / 2] });
  pdf.font(BOLD).fontSize(size).fillColor(ALERT).fillOpacity(0.12);
  const w = pdf.widthOfString(word);
  pdf.text(word, PAGE_W / 2 - w / 2, PAGE_H / 2 - size * 0.68, { lineBreak: false });
  pdf.restore();
}
