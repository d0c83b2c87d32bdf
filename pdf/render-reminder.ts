import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { reminderBody, reminderRows, reminderTitle, type ReminderFacts } from '../payments/reminder-text';

// The payment reminder as a one-page A4 PDF. Deterministic like the invoice: the same facts give
// the same bytes (creation date from the reminder's date, file ID from the facts). PDF's
// standard Helvetica (WinAnsi) covers å ä ö, the en dash and the no-break space of sv-SE amounts.

export async function renderReminderPdf(f: ReminderFacts): Promise<Buffer> {
  const date = new Date(`${f.date}T00:00:00Z`);
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    lang: 'sv-SE',
    info: { Title: `${reminderTitle(f)} ${f.invoiceNumber}`, Author: f.sellerName, Creator: 'month-close', Producer: 'month-close (PDFKit)', CreationDate: date, ModDate: date },
  });
  (pdf as unknown as { _id: Uint8Array })._id = new Uint8Array(createHash('sha256').update(JSON.stringify(['reminder-pdf/1', f])).digest().subarray(0, 16));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const left = 60;
  const width = 475;
  pdf.font('Helvetica-Bold').fontSize(18).fillColor('#1f2328').text(reminderTitle(f), left, 70, { lineBreak: false });
  pdf.font('Helvetica').fontSize(10).text(f.sellerName, left, 100, { lineBreak: false });
  pdf.text(`Datum: ${f.date}`, 380, 100, { lineBreak: false });
  pdf.font('Helvetica-Bold').text(f.customerName, left, 140, { width });
  let y = 180;
  pdf.font('Helvetica').fontSize(10);
  for (const p of reminderBody(f)) {
    pdf.text(p, left, y, { width });
    y += pdf.heightOfString(p, { width }) + 8;
  }
  y += 10;
  for (const [label, value] of reminderRows(f)) {
    const strong = label === 'Kvar att betala' || label === 'Att betala' || label === 'OCR-nummer';
    pdf.font(strong ? 'Helvetica-Bold' : 'Helvetica').text(label, left, y, { lineBreak: false });
    pdf.text(value, left + 200, y, { lineBreak: false });
    y += 18;
  }
  pdf.font('Helvetica').fontSize(8).fillColor('#5c636a').text(`${f.sellerName} · Org.nr ${f.sellerOrgNumber} · ${f.sellerEmail}`, left, 780, { width, align: 'center' });
  pdf.end();
  return done;
}
