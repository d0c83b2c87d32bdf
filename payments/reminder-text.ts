import { formatSek } from '../billing/format';

// The payment reminder (betalningspåminnelse) in Swedish, for the e-mail and the PDF: invoice
// number, due date, what remains to pay, bankgiro and OCR; a fee only when configured.

export interface ReminderFacts {
  reminder: number;
  sellerName: string;
  sellerOrgNumber: string;
  sellerEmail: string;
  customerName: string;
  invoiceNumber: string;
  invoiceDate: string;
  dueDate: string;
  /** The date the reminder is made (Stockholm). */
  date: string;
  totalOre: number;
  paidOre: number;
  creditedOre: number;
  remainingOre: number;
  feeOre: number;
  bankgiro: string;
  ocr: string;
}

export function reminderTitle(f: ReminderFacts): string {
  return f.reminder === 1 ? 'Betalningspåminnelse' : `Betalningspåminnelse ${f.reminder}`;
}

/** The facts as label/value rows, in the order both the e-mail and the PDF show them. */
export function reminderRows(f: ReminderFacts): [string, string][] {
  return [
    ['Fakturanummer', f.invoiceNumber],
    ['Fakturadatum', f.invoiceDate],
    ['Förfallodatum', f.dueDate],
    ['Fakturabelopp', formatSek(f.totalOre)],
    ...(f.creditedOre !== 0 ? ([['Krediterat', formatSek(f.creditedOre)]] as [string, string][]) : []),
    ...(f.paidOre !== 0 ? ([['Betalt', formatSek(f.paidOre)]] as [string, string][]) : []),
    ['Kvar att betala', formatSek(f.remainingOre)],
    ...(f.feeOre > 0 ? ([['Påminnelseavgift', formatSek(f.feeOre)], ['Att betala', formatSek(f.remainingOre + f.feeOre)]] as [string, string][]) : []),
    ['Bankgiro', f.bankgiro],
    ['OCR-nummer', f.ocr],
  ];
}

export function reminderBody(f: ReminderFacts): string[] {
  return [
    `Enligt vår bokföring är faktura ${f.invoiceNumber}, som förföll till betalning ${f.dueDate}, inte betald i sin helhet.`,
    `Vänligen betala ${formatSek(f.remainingOre + f.feeOre)} till bankgiro ${f.bankgiro} och ange OCR-nummer ${f.ocr}, så kopplas betalningen till rätt faktura.`,
    'Har du redan betalat kan du bortse från denna påminnelse. Har du frågor om fakturan, svara på detta e-postmeddelande.',
  ];
}

export function reminderEmail(f: ReminderFacts): { subject: string; text: string } {
  const width = Math.max(...reminderRows(f).map(([l]) => l.length)) + 2;
  const lines = [
    'Hej!',
    '',
    ...reminderBody(f).flatMap((p) => [p, '']),
    ...reminderRows(f).map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    '',
    `${reminderTitle(f)} bifogad som PDF.`,
    '',
    'Vänliga hälsningar',
    f.sellerName,
  ];
  return { subject: `${reminderTitle(f)}: faktura ${f.invoiceNumber} från ${f.sellerName}`, text: lines.join('\n') + '\n' };
}
