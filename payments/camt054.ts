import { PaymentFileError } from './errors';
import { bankgiroDigits, decimalToOre, type BankPayment, type IgnoredEntry, type PaymentFile, type PaymentSink } from './types';
import { kept } from './kept';
import type { IgnoredReason } from './reasons';
import { XmlError, XmlReader } from './xml';

// ISO 20022 camt.054 (bank-to-customer debit/credit notification), versions 02 and 08, as
// Swedish banks send bankgiro receivables. Each TxDtls of an entry is one payment (a bankgiro
// deposit is one Ntry of many); only booked (BOOK) credits (CRDT) in SEK to the seller's
// bankgiro count. The file's own figures must agree (transactions per batch, their sum against
// the entry, the notification's summary), else the file is refused whole. Read in pieces: each
// entry's payments go to the sink once the entry is complete and its figures agree.

export const CAMT_NAMESPACES = {
  'urn:iso:std:iso:20022:tech:xsd:camt.054.001.02': 'camt.054.001.02',
  'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08': 'camt.054.001.08',
} as const;

export function camtVersionOf(xmlHead: string): 'camt.054.001.02' | 'camt.054.001.08' | null {
  const m = /xmlns(?::\w+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.\d\d)["']/.exec(xmlHead);
  return m ? (CAMT_NAMESPACES[m[1] as keyof typeof CAMT_NAMESPACES] ?? null) : null;
}

interface Amount {
  ore: number;
  currency: string;
}

interface Tx {
  acctSvcrRef: string | null;
  endToEndId: string | null;
  amount: Amount | null;
  cdtDbt: string | null;
  payer: string | null;
  ocr: string | null;
}

interface Entry {
  line: number;
  index: number;
  amount: Amount | null;
  cdtDbt: string | null;
  status: string | null;
  bookingDate: string | null;
  acctSvcrRef: string | null;
  ntryRef: string | null;
  batchCount: number | null;
  batchTotal: Amount | null;
  txs: Tx[];
}

interface Notification {
  line: number;
  account: string | null;
  accountScheme: string | null;
  iban: string | null;
  entries: number;
  creditSumOre: number;
  debitSumOre: number;
  summary: { count: number | null; sum: number | null; creditCount: number | null; creditSum: number | null; debitCount: number | null; debitSum: number | null };
}

export interface Camt054Reader {
  write(text: string): void;
  /** Ends the document; returns its message id. */
  end(): string;
}

/** Reads a camt.054 written to it in pieces; payments and ignored entries go to `sink` entry by entry. */
export function camt054Reader(file: string, sellerBankgiro: string, sink: PaymentSink): Camt054Reader {
  const seller = bankgiroDigits(sellerBankgiro);
  const path: string[] = [];
  let text = '';
  let messageId = '';
  let ntfctn: Notification | null = null;
  let entry: Entry | null = null;
  let tx: Tx | null = null;
  let entryIndex = 0;
  let amountCcy = '';
  const fail = (line: number, reason: string): never => {
    throw new PaymentFileError(file, line, reason);
  };
  const parent = (k: number) => path[path.length - 1 - k];
  const amountOf = (): Amount => {
    const ore = decimalToOre(text);
    if (ore === null) fail(reader.line(), `amount ${JSON.stringify(text.trim().slice(0, 30))} is not a decimal with at most two decimals`);
    return { ore: ore!, currency: amountCcy };
  };
  const count = () => {
    if (!/^\d{1,15}$/.test(text.trim())) fail(reader.line(), `count ${JSON.stringify(text.trim().slice(0, 30))} is not a number`);
    return Number(text.trim());
  };
  /** What a payment keeps: a copy, not a window on the piece of the file it was read from. */
  const value = () => kept(text.trim());

  const finishEntry = (e: Entry) => {
    const n = ntfctn!;
    const entryRef = e.acctSvcrRef ?? (e.ntryRef ? `${n.account ?? n.iban}:${e.bookingDate}:${e.ntryRef}` : `${messageId}:${e.index}`);
    if (!e.amount) fail(e.line, 'an entry (Ntry) without its amount');
    // The file's own figures, checked before anything of it is believed.
    if (e.batchCount !== null && e.batchCount !== e.txs.length && e.txs.length > 0) {
      fail(e.line, `entry ${entryRef} says ${e.batchCount} transactions (Btch/NbOfTxs) but holds ${e.txs.length}`);
    }
    const txAmounts = e.txs.map((t) => t.amount ?? (e.txs.length === 1 ? e.amount : null));
    if (txAmounts.some((a) => a === null)) fail(e.line, `entry ${entryRef} has several transactions (TxDtls) and one without an amount`);
    if (e.txs.length > 0) {
      const sum = txAmounts.reduce((s, a) => s + a!.ore, 0);
      if (sum !== e.amount!.ore) fail(e.line, `entry ${entryRef}: its transactions sum to ${fmt(sum)} but the entry says ${fmt(e.amount!.ore)}`);
      if (e.batchTotal && e.batchTotal.ore !== sum) fail(e.line, `entry ${entryRef}: batch total (Btch/TtlAmt) ${fmt(e.batchTotal.ore)} but its transactions sum to ${fmt(sum)}`);
    }
    n.entries += 1;
    if (e.cdtDbt === 'CRDT') n.creditSumOre += e.amount!.ore;
    else if (e.cdtDbt === 'DBIT') n.debitSumOre += e.amount!.ore;

    const units = e.txs.length > 0 ? e.txs.map((t, i) => ({ t, amount: txAmounts[i]!, i })) : [{ t: null, amount: e.amount!, i: 0 }];
    for (const { t, amount, i } of units) {
      const reference = t?.acctSvcrRef ?? (t?.endToEndId && t.endToEndId !== 'NOTPROVIDED' ? t.endToEndId : `${entryRef}/${i + 1}`);
      const cdtDbt = t?.cdtDbt ?? e.cdtDbt;
      const why: IgnoredReason | null =
        n.accountScheme !== 'BGNR' ? { code: 'not_seller_account', facts: { account: n.iban ?? n.account, sellerBankgiro } }
        : cdtDbt === 'DBIT' ? { code: 'debit', facts: {} }
        : cdtDbt !== 'CRDT' ? { code: 'not_credit', facts: { indicator: cdtDbt && kept(cdtDbt) } }
        : e.status !== 'BOOK' ? { code: 'not_booked', facts: { status: e.status && kept(e.status) } }
        : amount.currency !== 'SEK' ? { code: 'not_sek', facts: { currency: kept(amount.currency) } }
        : null;
      if (why) {
        sink.ignored({ reference, amountOre: amount.ore, reason: why });
        continue;
      }
      if (!e.bookingDate) fail(e.line, `entry ${entryRef} is booked but has no booking date (BookgDt)`);
      sink.payment({ reference, amountOre: amount.ore, bookingDate: e.bookingDate!, payer: t?.payer ?? null, ocr: t?.ocr ?? null, noOcrReason: null });
    }
  };

  const finishNotification = (n: Notification) => {
    const s = n.summary;
    const check = (what: string, said: number | null, is: number, money: boolean) => {
      if (said !== null && said !== is) fail(n.line, `notification ${what} is ${money ? fmt(said) : said} by its summary (TxsSummry) but ${money ? fmt(is) : is} by its entries`);
    };
    check('entry count', s.count, n.entries, false);
    check('credit sum', s.creditSum, n.creditSumOre, true);
    check('debit sum', s.debitSum, n.debitSumOre, true);
    if (s.sum !== null && s.sum !== n.creditSumOre + n.debitSumOre) check('sum of entries', s.sum, n.creditSumOre + n.debitSumOre, true);
  };

  const reader = new XmlReader({
    open(name, attrs) {
      path.push(name);
      text = '';
      if (name === 'Amt' || name === 'TtlAmt') amountCcy = attrs.Ccy ?? '';
      if (name === 'Ntfctn') {
        ntfctn = { line: reader.line(), account: null, accountScheme: null, iban: null, entries: 0, creditSumOre: 0, debitSumOre: 0, summary: { count: null, sum: null, creditCount: null, creditSum: null, debitCount: null, debitSum: null } };
      } else if (name === 'Ntry' && ntfctn) {
        entry = { line: reader.line(), index: ++entryIndex, amount: null, cdtDbt: null, status: null, bookingDate: null, acctSvcrRef: null, ntryRef: null, batchCount: null, batchTotal: null, txs: [] };
      } else if (name === 'TxDtls' && entry) {
        tx = { acctSvcrRef: null, endToEndId: null, amount: null, cdtDbt: null, payer: null, ocr: null };
      }
    },
    text(t) {
      text += t;
    },
    close(name) {
      const up1 = parent(1);
      const up2 = parent(2);
      if (tx) {
        if (name === 'TxDtls') {
          entry!.txs.push(tx);
          tx = null;
        } else if (name === 'AcctSvcrRef' && up1 === 'Refs') tx.acctSvcrRef = value();
        else if (name === 'EndToEndId' && up1 === 'Refs') tx.endToEndId = value();
        else if (name === 'Amt' && ((up1 === 'TxAmt' && up2 === 'AmtDtls') || up1 === 'TxDtls')) tx.amount = amountOf();
        else if (name === 'CdtDbtInd' && up1 === 'TxDtls') tx.cdtDbt = text.trim();
        else if (name === 'Nm' && (up1 === 'Dbtr' || (up1 === 'Pty' && up2 === 'Dbtr'))) tx.payer = value();
        else if (name === 'Ref' && up1 === 'CdtrRefInf' && tx.ocr === null) tx.ocr = kept(text.trim().replace(/\s/g, ''));
      } else if (entry) {
        if (name === 'Ntry') {
          finishEntry(entry);
          entry = null;
        } else if (name === 'Amt' && up1 === 'Ntry') entry.amount = amountOf();
        else if (name === 'CdtDbtInd' && up1 === 'Ntry') entry.cdtDbt = text.trim();
        else if ((name === 'Sts' && up1 === 'Ntry' && entry.status === null && text.trim() !== '') || (name === 'Cd' && up1 === 'Sts' && up2 === 'Ntry')) entry.status = text.trim();
        else if ((name === 'Dt' || name === 'DtTm') && up1 === 'BookgDt') entry.bookingDate = kept(text.trim().slice(0, 10));
        else if (name === 'AcctSvcrRef' && up1 === 'Ntry') entry.acctSvcrRef = value();
        else if (name === 'NtryRef' && up1 === 'Ntry') entry.ntryRef = value();
        else if (name === 'NbOfTxs' && up1 === 'Btch') entry.batchCount = count();
        else if (name === 'TtlAmt' && up1 === 'Btch') entry.batchTotal = amountOf();
      } else if (ntfctn) {
        const n: Notification = ntfctn;
        if (name === 'Ntfctn') {
          finishNotification(n);
          ntfctn = null;
        } else if (name === 'Id' && up1 === 'Othr' && up2 === 'Id' && parent(3) === 'Acct') n.account = value();
        else if (name === 'Prtry' && up1 === 'SchmeNm' && up2 === 'Othr' && parent(4) === 'Acct') n.accountScheme = text.trim();
        else if (name === 'IBAN' && up1 === 'Id' && up2 === 'Acct') n.iban = value();
        else if (path.includes('TxsSummry')) {
          const where = up1 === 'TtlNtries' ? 'all' : up1 === 'TtlCdtNtries' ? 'credit' : up1 === 'TtlDbtNtries' ? 'debit' : null;
          if (where && name === 'NbOfNtries') n.summary[where === 'all' ? 'count' : where === 'credit' ? 'creditCount' : 'debitCount'] = count();
          // TtlNtries/Sum is the sum of all entries' absolute amounts; TtlNetNtry is not checked.
          if (where && (name === 'Sum')) n.summary[where === 'all' ? 'sum' : where === 'credit' ? 'creditSum' : 'debitSum'] = amountOf().ore;
        }
        if (name === 'Acct' && up1 === 'Ntfctn' && n.accountScheme === 'BGNR' && n.account !== null && bankgiroDigits(n.account) !== seller) {
          fail(reader.line(), `the notification is for bankgiro ${n.account}, not the seller's ${sellerBankgiro}`);
        }
      } else if (name === 'MsgId' && up1 === 'GrpHdr') {
        messageId = value();
      }
      path.pop();
      text = '';
    },
  });
  const notWellFormed = (err: unknown): never => {
    if (err instanceof XmlError) throw new PaymentFileError(file, err.line, `not well-formed XML: ${err.reason}`);
    throw err;
  };
  return {
    write(piece) {
      try {
        reader.write(piece);
      } catch (err) {
        notWellFormed(err);
      }
    },
    end() {
      try {
        reader.end();
      } catch (err) {
        notWellFormed(err);
      }
      if (!messageId) throw new PaymentFileError(file, null, 'no message id (GrpHdr/MsgId)');
      return messageId;
    },
  };
}

/** A whole camt.054 given as one string, read at once. */
export function parseCamt054(src: string, file: string, sellerBankgiro: string): PaymentFile {
  const version = camtVersionOf(src.slice(0, 2000));
  if (!version) throw new PaymentFileError(file, 1, 'not a camt.054.001.02 or .08 document (namespace urn:iso:std:iso:20022:tech:xsd:camt.054.001.0N)');
  const payments: BankPayment[] = [];
  const ignored: IgnoredEntry[] = [];
  const reader = camt054Reader(file, sellerBankgiro, { payment: (p) => payments.push(p), ignored: (i) => ignored.push(i) });
  reader.write(src);
  return { format: version, messageId: reader.end(), payments, ignored };
}

function fmt(ore: number): string {
  return (ore / 100).toFixed(2);
}
