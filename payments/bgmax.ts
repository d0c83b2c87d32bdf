import { PaymentFileError } from './errors';
import { kept } from './kept';
import type { UnmatchedReason } from './reasons';
import { bankgiroDigits, type BankPayment, type IgnoredEntry, type PaymentFile, type PaymentPart, type PaymentSink } from './types';

// Bankgirot's BgMax (legacy; banks move to camt.054 during 2026): 80-character records, ISO
// 8859-1. 01 start, 05 opening of a deposit (payee bankgiro, currency), 20 payment, 21
// deduction, 22/23 extra references, 25 information, 26 name, 27/28 address, 29 org number, 15
// deposit (its total and count), 70 end (the file's counts). Amounts are öre. Reference code 2
// means the reference is a checked OCR number. Positions below are 1-based as in the manual.
// Read in pieces, record by record: a deposit's payments go to the sink once its deposit
// record (15) agrees with them.

const field = (rec: string, from: number, to: number) => rec.slice(from - 1, to);

interface ExtraReference {
  line: number;
  /** Record 23 ("extra referensnummerpost minus"): a credit the payer deducted from the payment. */
  negative: boolean;
  amountOre: number;
  ocr: string | null;
  noOcrReason: UnmatchedReason | null;
}

interface PendingPayment {
  payment: BankPayment;
  line: number;
  /** The payment record's reference code 3: its reference field lists the references, which follow as extra records. */
  listsReferences: boolean;
  extras: ExtraReference[];
}

/** A reference as its reference code says: 2 is an OCR number Bankgirot checked; others are not. */
function referenceOf(code: string, ref: string): { ocr: string | null; noOcrReason: UnmatchedReason | null } {
  if (code === '2') return { ocr: kept(ref), noOcrReason: null };
  return { ocr: null, noOcrReason: { code: 'bgmax_not_ocr', facts: { referenceCode: kept(code), reference: ref ? kept(ref) : null } } };
}

/**
 * A payment with extra reference records (22 positive, 23 negative) split into its parts. The
 * payment record's amount is the money paid (what the deposit adds up); each extra reference
 * carries its own amount, 23's a credit the payer deducted (e.g. a credit note's OCR). The
 * payment record's own reference (unless code 3, a listing of the references that follow)
 * takes what is left, so the parts always add up to the payment. When the extra records carry
 * no amounts (zeros, as in Bankgirot's example file), the parts are left for the matching to
 * fill with each invoice's open amount.
 */
function splitByReferences(pending: PendingPayment): BankPayment {
  const { payment, extras } = pending;
  if (extras.length === 0) return payment;
  const part = (i: number, r: { ocr: string | null; noOcrReason: UnmatchedReason | null }, amountOre: number | null): PaymentPart => ({
    reference: i === 0 ? payment.reference : `${payment.reference}-${i + 1}`,
    amountOre,
    ocr: r.ocr,
    noOcrReason: r.noOcrReason,
  });
  const own = pending.listsReferences ? [] : [{ ocr: payment.ocr, noOcrReason: payment.noOcrReason }];
  const whole = (reason: UnmatchedReason): BankPayment => ({ ...payment, ocr: null, noOcrReason: reason });
  if (extras.every((e) => e.amountOre === 0)) {
    if (extras.some((e) => e.negative)) return whole({ code: 'deducted_without_amount', facts: {} });
    return { ...payment, ocr: null, noOcrReason: null, parts: [...own, ...extras].map((r, i) => part(i, r, null)) };
  }
  const signed = extras.map((e) => (e.negative ? -e.amountOre : e.amountOre));
  const rest = payment.amountOre - signed.reduce((s, a) => s + a, 0);
  if (rest < 0) return whole({ code: 'references_exceed_payment', facts: { referencesOre: payment.amountOre - rest, paymentOre: payment.amountOre } });
  // What the references do not take stays with the payment record's reference (unmatched when it is a listing).
  const first = rest > 0 ? [own[0] ?? { ocr: null, noOcrReason: { code: 'rest_unnamed', facts: {} } as UnmatchedReason }] : [];
  const amounts = [...(rest > 0 ? [rest] : []), ...signed];
  return { ...payment, ocr: null, noOcrReason: null, parts: [...first, ...extras].map((r, i) => part(i, r, amounts[i])) };
}

export function isBgMax(head: string): boolean {
  return head.startsWith('01BGMAX');
}

export interface BgMaxReader {
  write(text: string): void;
  /** Ends the file; returns its id (from the start record). */
  end(): string;
}

/** Reads a BgMax file written to it in pieces (decoded as ISO 8859-1). */
export function bgmaxReader(file: string, sellerBankgiro: string, sink: PaymentSink): BgMaxReader {
  const seller = bankgiroDigits(sellerBankgiro);
  let messageId = '';
  let inDeposit = false;
  let depositPayments: PendingPayment[] = [];
  let depositSumOre = 0;
  let depositCount = 0;
  let last: PendingPayment | null = null;
  /** The last payment record was a deduction (21): its extra, name and address records go with it. */
  let afterDeduction = false;
  const counts = { payment: 0, deduction: 0, extra: 0, deposit: 0 };
  let ended = false;
  let carry = '';
  let lineNo = 0;
  /** Empty lines seen but not yet judged: fine at the end of the file, a fault before a record. */
  let emptyLines = 0;

  const fail = (line: number, reason: string): never => {
    throw new PaymentFileError(file, line, reason);
  };
  const digits = (line: number, text: string, what: string): number => {
    if (!/^\d+$/.test(text)) fail(line, `${what} ${JSON.stringify(text)} is not digits`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) fail(line, `${what} is too large`);
    return n;
  };

  const record = (rec: string) => {
    lineNo += 1;
    if (rec === '') {
      emptyLines += 1;
      return;
    }
    if (emptyLines > 0) fail(lineNo - emptyLines, 'a BgMax record is 80 characters, this one is 0');
    const line = lineNo;
    if (rec.length !== 80) fail(line, `a BgMax record is 80 characters, this one is ${rec.length}`);
    if (ended) fail(line, 'a record after the end record (70)');
    const tk = rec.slice(0, 2);
    if (line === 1 && tk !== '01') fail(line, 'the first record must be the start record (01)');
    switch (tk) {
      case '01':
        if (line !== 1) fail(line, 'a second start record (01)');
        if (field(rec, 3, 22).trim() !== 'BGMAX') fail(line, 'the start record does not name the layout BGMAX');
        messageId = `BGMAX-${field(rec, 25, 44).trim()}`;
        if (field(rec, 45, 45) === 'T') fail(line, 'a test file (test mark T) from Bankgirot; import only production files (P)');
        break;
      case '05': {
        if (inDeposit) fail(line, 'an opening record (05) before the previous deposit record (15)');
        inDeposit = true;
        depositPayments = [];
        depositSumOre = 0;
        depositCount = 0;
        const payee = String(digits(line, field(rec, 3, 12), 'payee bankgiro'));
        if (payee !== seller) fail(line, `the deposit is for bankgiro ${payee}, not the seller's ${sellerBankgiro}`);
        const currency = field(rec, 23, 25);
        if (currency !== 'SEK') fail(line, `currency ${JSON.stringify(currency)}, not SEK`);
        break;
      }
      case '20':
      case '21': {
        if (!inDeposit) fail(line, `a payment record (${tk}) outside a deposit (05 … 15)`);
        const amountOre = digits(line, field(rec, 38, 55), 'amount');
        const referenceCode = field(rec, 56, 56);
        const bgcNumber = field(rec, 58, 69).trim();
        if (!/^\d{12}$/.test(bgcNumber)) fail(line, `Bankgirot's serial number (BGC-nummer) ${JSON.stringify(bgcNumber)} is not 12 digits`);
        const reference = `BGC${bgcNumber}`;
        const ref = field(rec, 13, 37).trim();
        const senderBg = field(rec, 3, 12).replace(/^0+/, '');
        depositCount += 1;
        if (tk === '21') {
          counts.deduction += 1;
          depositSumOre -= amountOre;
          sink.ignored({ reference, amountOre: -amountOre, reason: { code: 'bgmax_deduction', facts: { deductionCode: field(rec, 71, 71), reference: ref ? kept(ref) : null } } });
          last = null;
          afterDeduction = true;
          break;
        }
        counts.payment += 1;
        depositSumOre += amountOre;
        const { ocr, noOcrReason } = referenceOf(referenceCode, ref);
        last = { line, listsReferences: referenceCode === '3', extras: [], payment: { reference, amountOre, bookingDate: '', payer: senderBg ? `bankgiro ${senderBg}` : null, ocr, noOcrReason } };
        afterDeduction = false;
        depositPayments.push(last);
        break;
      }
      case '22':
      case '23': {
        // Not part of the deposit's total or count (15): only of the end record's (70).
        counts.extra += 1;
        if (afterDeduction) break; // the deduction, references and all, is booked by hand
        if (!last) fail(line, `an extra reference record (${tk}) without the payment (20) it belongs to`);
        const serial = field(rec, 58, 69).trim();
        if (`BGC${serial}` !== last!.payment.reference) fail(line, `an extra reference record (${tk}) with Bankgirot's serial number ${serial}, not that of the payment (${last!.payment.reference.slice(3)}) it follows`);
        last!.extras.push({ line, negative: tk === '23', amountOre: digits(line, field(rec, 38, 55), 'amount'), ...referenceOf(field(rec, 56, 56), field(rec, 13, 37).trim()) });
        break;
      }
      case '25':
      case '27':
      case '28':
      case '29':
        if (!inDeposit) fail(line, `record ${tk} outside a deposit`);
        break;
      case '26':
        if (afterDeduction) break;
        if (!last) fail(line, 'a name record (26) without the payment (20) it belongs to');
        last!.payment.payer = field(rec, 3, 37).trim() || last!.payment.payer;
        break;
      case '15': {
        if (!inDeposit) fail(line, 'a deposit record (15) without its opening record (05)');
        const date = field(rec, 38, 45);
        if (!/^\d{8}$/.test(date)) fail(line, `payment date ${JSON.stringify(date)} is not YYYYMMDD`);
        const bookingDate = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
        const total = digits(line, field(rec, 51, 68), 'deposit amount');
        const currency = field(rec, 69, 71);
        if (currency !== 'SEK') fail(line, `deposit currency ${JSON.stringify(currency)}, not SEK`);
        const count = digits(line, field(rec, 72, 79), 'number of payments');
        if (total !== depositSumOre) fail(line, `the deposit says ${(total / 100).toFixed(2)} but its payments sum to ${(depositSumOre / 100).toFixed(2)}`);
        if (count !== depositCount) fail(line, `the deposit says ${count} payments but holds ${depositCount}`);
        for (const pending of depositPayments) {
          const p = splitByReferences(pending);
          sink.payment({ ...p, reference: kept(p.reference), payer: p.payer && kept(p.payer), ocr: p.ocr && kept(p.ocr), parts: p.parts?.map((x) => ({ ...x, reference: kept(x.reference) })), bookingDate });
        }
        counts.deposit += 1;
        inDeposit = false;
        last = null;
        afterDeduction = false;
        break;
      }
      case '70': {
        if (inDeposit) fail(line, 'the end record (70) inside a deposit: its deposit record (15) is missing');
        const said = {
          payment: digits(line, field(rec, 3, 10), 'number of payment records'),
          deduction: digits(line, field(rec, 11, 18), 'number of deduction records'),
          extra: digits(line, field(rec, 19, 26), 'number of extra reference records'),
          deposit: digits(line, field(rec, 27, 34), 'number of deposit records'),
        };
        for (const k of Object.keys(said) as (keyof typeof said)[]) {
          if (said[k] !== counts[k]) fail(line, `the end record says ${said[k]} ${k} records but the file holds ${counts[k]}`);
        }
        ended = true;
        break;
      }
      default:
        fail(line, `unknown record type ${JSON.stringify(tk)}`);
    }
  };

  return {
    write(text) {
      const lines = (carry + text).split(/\r?\n/);
      carry = lines.pop()!;
      for (const rec of lines) record(rec);
    },
    end() {
      if (carry !== '') record(carry);
      carry = '';
      if (!ended) fail(lineNo - emptyLines, 'no end record (70): the file is cut short');
      return messageId;
    },
  };
}

/** A whole BgMax file given as one string, read at once. */
export function parseBgMax(src: string, file: string, sellerBankgiro: string): PaymentFile {
  const payments: BankPayment[] = [];
  const ignored: IgnoredEntry[] = [];
  const reader = bgmaxReader(file, sellerBankgiro, { payment: (p) => payments.push(p), ignored: (i) => ignored.push(i) });
  reader.write(src);
  return { format: 'bgmax', messageId: reader.end(), payments, ignored };
}
