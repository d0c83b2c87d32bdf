// BgMax files for tests, written from Bankgirot's record layouts (80 characters, 1-based
// positions, numbers right-aligned with zeros, text left-aligned with spaces).

type Field = [from: number, to: number, value: string | number];

export function bgRecord(tk: string, fields: Field[]): string {
  const chars = (tk + ' '.repeat(78)).split('');
  for (const [from, to, value] of fields) {
    const width = to - from + 1;
    const text = typeof value === 'number' ? String(value).padStart(width, '0') : value.padEnd(width, ' ');
    if (text.length !== width) throw new Error(`field ${from}-${to}: ${JSON.stringify(text)} is not ${width} wide`);
    chars.splice(from - 1, width, ...text.split(''));
  }
  return chars.join('');
}

export interface BgPayment {
  ocr?: string;
  /** Reference code: 2 = checked OCR (default with an ocr), 0 = none, 5 = wrong reference. */
  code?: string;
  amountOre: number;
  bgcNumber: string;
  name?: string;
  deduction?: boolean;
  /** One extra reference record 22 without an amount. */
  extraReference?: string;
  /** The payment record's reference field as written (e.g. a listing with code 3); default the ocr. */
  reference?: string;
  /** Extra reference records: 22, or 23 when `negative`; Bankgirot's serial number is the payment's unless given. */
  extras?: { ocr: string; amountOre?: number; negative?: boolean; code?: string; bgcNumber?: string }[];
}

export interface BgDeposit {
  bankgiro: string;
  date: string; // YYYYMMDD
  payments: BgPayment[];
  /** Overrides what the deposit record (15) says. */
  saysTotalOre?: number;
  saysCount?: number;
  currency?: string;
}

export function bgmaxFile(deposits: BgDeposit[], opts: { endSays?: Partial<Record<'payment' | 'deduction' | 'extra' | 'deposit', number>>; test?: boolean } = {}): string {
  const recs = [bgRecord('01', [[3, 22, 'BGMAX'], [23, 24, 1], [25, 44, '20250430061200123456'], [45, 45, opts.test ? 'T' : 'P']])];
  const counts = { payment: 0, deduction: 0, extra: 0, deposit: 0 };
  for (const d of deposits) {
    recs.push(bgRecord('05', [[3, 12, Number(d.bankgiro)], [23, 25, d.currency ?? 'SEK']]));
    let total = 0;
    for (const p of d.payments) {
      const code = p.code ?? (p.ocr ? '2' : '0');
      const tk = p.deduction ? '21' : '20';
      recs.push(bgRecord(tk, [[3, 12, 9912346], [13, 37, p.reference ?? p.ocr ?? ''], [38, 55, p.amountOre], [56, 56, code], [57, 57, '1'], [58, 69, p.bgcNumber], [70, 70, '0'], ...(p.deduction ? ([[71, 71, '1']] as Field[]) : [])]));
      if (p.deduction) counts.deduction++;
      else counts.payment++;
      total += p.deduction ? -p.amountOre : p.amountOre;
      const extras = [...(p.extraReference ? [{ ocr: p.extraReference }] : []), ...(p.extras ?? [])];
      for (const e of extras) {
        recs.push(bgRecord(e.negative ? '23' : '22', [[3, 12, 9912346], [13, 37, e.ocr], [38, 55, e.amountOre ?? 0], [56, 56, e.code ?? '2'], [57, 57, '1'], [58, 69, e.bgcNumber ?? p.bgcNumber], [70, 70, '0']]));
        counts.extra++;
      }
      if (p.name) recs.push(bgRecord('26', [[3, 37, p.name]]));
    }
    recs.push(bgRecord('15', [[3, 37, '1234567890'], [38, 45, d.date], [46, 50, 1], [51, 68, d.saysTotalOre ?? total], [69, 71, d.currency ?? 'SEK'], [72, 79, d.saysCount ?? d.payments.length], [80, 80, 'K']]));
    counts.deposit++;
  }
  const c = { ...counts, ...opts.endSays };
  recs.push(bgRecord('70', [[3, 10, c.payment], [11, 18, c.deduction], [19, 26, c.extra], [27, 34, c.deposit]]));
  return recs.join('\r\n') + '\r\n';
}
