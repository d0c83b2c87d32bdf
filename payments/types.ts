import type { IgnoredReason, UnmatchedReason } from './reasons';

// What a bank file says, whatever its format: the payments to the seller's bankgiro, and what
// the file held that is not one (listed with the reason, never stored).

export type PaymentFileFormat = 'camt.054.001.02' | 'camt.054.001.08' | 'bgmax';

export interface BankPayment {
  /** The bank's reference of this one payment: the same payment in two files has the same one. */
  reference: string;
  amountOre: number;
  /** YYYY-MM-DD, the booking (deposit) date. */
  bookingDate: string;
  payer: string | null;
  /** The structured creditor reference (OCR) as written, or null when the payer gave none. */
  ocr: string | null;
  /** Why the payment carries no usable OCR even if `ocr` is set (e.g. BgMax reference code 5). */
  noOcrReason: UnmatchedReason | null;
  /**
   * A payment naming several references (BgMax extra reference records 22/23): the parts it is
   * split into, each matched on its own; then `ocr` and `noOcrReason` are not used. Stored as
   * one row per part, all or none.
   */
  parts?: PaymentPart[];
}

export interface PaymentPart {
  /** The part's own reference: the payment's for its first part, with "-2", "-3"… for the others. */
  reference: string;
  /**
   * What the part is of the payment (negative: a credit the payer deducted, BgMax record 23);
   * null when the bank gave no amount per reference: the payment then covers each named
   * invoice's open amount, and only if it is exactly their sum.
   */
  amountOre: number | null;
  ocr: string | null;
  noOcrReason: UnmatchedReason | null;
}

export interface IgnoredEntry {
  reference: string;
  amountOre: number | null;
  reason: IgnoredReason;
}

/** Where a reader hands what it read, entry by entry (deposit by deposit). */
export interface PaymentSink {
  payment(p: BankPayment): void;
  ignored(i: IgnoredEntry): void;
}

export interface PaymentFile {
  format: PaymentFileFormat;
  /** The file's own id (camt GrpHdr/MsgId, BgMax start record's time stamp). */
  messageId: string;
  payments: BankPayment[];
  ignored: IgnoredEntry[];
}

/** The seller's bankgiro as 7-8 digits (config writes it with a dash). */
export function bankgiroDigits(bankgiro: string): string {
  return bankgiro.replace(/\D/g, '');
}

/** "1234.50" → 123450 öre, exactly; null when it is not an amount with at most two decimals. */
export function decimalToOre(text: string): number | null {
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
