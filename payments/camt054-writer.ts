// Writes a camt.054 bankgiro credit notification as a Swedish bank sends one, version 02 or 08:
// one notification for the bankgiro, one entry (Ntry) per deposit, one TxDtls per payment with
// its OCR as a structured creditor reference (SCOR). For the demo, the bench and the tests; the
// tests validate what it writes against the ISO 20022 schemas.

export interface CamtPaymentSpec {
  reference: string;
  amountOre: number;
  payer: string;
  /** Omitted: the payer wrote no OCR (only a free-text message). */
  ocr?: string;
  message?: string;
  currency?: string;
}

export interface CamtEntrySpec {
  reference: string;
  bookingDate: string;
  cdtDbt?: 'CRDT' | 'DBIT';
  status?: 'BOOK' | 'PDNG' | 'INFO';
  currency?: string;
  /** The entry's amount; by default the sum of its payments (set it to write a file that disagrees). */
  amountOre?: number;
  /** By default the number of payments. */
  batchCount?: number;
  payments: CamtPaymentSpec[];
}

export interface CamtFileSpec {
  version: '02' | '08';
  messageId: string;
  createdAt: string;
  /** Bankgiro digits, e.g. 54029681. */
  bankgiro: string;
  /** An IBAN instead of a bankgiro: a notification for another kind of account. */
  iban?: string;
  entries: CamtEntrySpec[];
  /** Writes TxsSummry (counts and sums of the entries); `creditSumOre` overrides the sum. */
  summary?: { creditSumOre?: number };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const oreToDecimal = (ore: number) => `${Math.trunc(ore / 100)}.${String(Math.abs(ore) % 100).padStart(2, '0')}`;

/** The document as text; `chunks` lets a caller write 100,000 payments without one giant join. */
export function* camt054Chunks(spec: CamtFileSpec): Generator<string> {
  const v8 = spec.version === '08';
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.${spec.version}">\n<BkToCstmrDbtCdtNtfctn>\n`;
  yield `<GrpHdr><MsgId>${esc(spec.messageId)}</MsgId><CreDtTm>${spec.createdAt}</CreDtTm></GrpHdr>\n`;
  yield `<Ntfctn><Id>${esc(spec.messageId)}-1</Id><CreDtTm>${spec.createdAt}</CreDtTm>\n`;
  const account = spec.iban ? `<Id><IBAN>${spec.iban}</IBAN></Id>` : `<Id><Othr><Id>${spec.bankgiro}</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id>`;
  yield `<Acct>${account}<Ccy>SEK</Ccy></Acct>\n`;
  if (spec.summary) {
    const amountOf = (e: CamtEntrySpec) => e.amountOre ?? e.payments.reduce((s, p) => s + p.amountOre, 0);
    const credits = spec.entries.filter((e) => (e.cdtDbt ?? 'CRDT') === 'CRDT');
    const creditSum = spec.summary.creditSumOre ?? credits.reduce((s, e) => s + amountOf(e), 0);
    const all = spec.entries.reduce((s, e) => s + amountOf(e), 0) - credits.reduce((s, e) => s + amountOf(e), 0) + creditSum;
    yield `<TxsSummry><TtlNtries><NbOfNtries>${spec.entries.length}</NbOfNtries><Sum>${oreToDecimal(all)}</Sum></TtlNtries>`;
    yield `<TtlCdtNtries><NbOfNtries>${credits.length}</NbOfNtries><Sum>${oreToDecimal(creditSum)}</Sum></TtlCdtNtries></TxsSummry>\n`;
  }
  for (const e of spec.entries) {
    const ccy = e.currency ?? 'SEK';
    const amount = e.amountOre ?? e.payments.reduce((s, p) => s + p.amountOre, 0);
    const status = e.status ?? 'BOOK';
    yield `<Ntry><Amt Ccy="${ccy}">${oreToDecimal(amount)}</Amt><CdtDbtInd>${e.cdtDbt ?? 'CRDT'}</CdtDbtInd>`;
    yield v8 ? `<Sts><Cd>${status}</Cd></Sts>` : `<Sts>${status}</Sts>`;
    yield `<BookgDt><Dt>${e.bookingDate}</Dt></BookgDt><ValDt><Dt>${e.bookingDate}</Dt></ValDt><AcctSvcrRef>${esc(e.reference)}</AcctSvcrRef>`;
    yield `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n`;
    yield `<NtryDtls><Btch><NbOfTxs>${e.batchCount ?? e.payments.length}</NbOfTxs></Btch>\n`;
    for (const p of e.payments) {
      const name = v8 ? `<Pty><Nm>${esc(p.payer)}</Nm></Pty>` : `<Nm>${esc(p.payer)}</Nm>`;
      const rmt = p.ocr !== undefined
        ? `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${esc(p.ocr)}</Ref></CdtrRefInf></Strd></RmtInf>`
        : p.message !== undefined ? `<RmtInf><Ustrd>${esc(p.message)}</Ustrd></RmtInf>` : '';
      yield `<TxDtls><Refs><AcctSvcrRef>${esc(p.reference)}</AcctSvcrRef></Refs><AmtDtls><TxAmt><Amt Ccy="${p.currency ?? ccy}">${oreToDecimal(p.amountOre)}</Amt></TxAmt></AmtDtls><RltdPties><Dbtr>${name}</Dbtr></RltdPties>${rmt}</TxDtls>\n`;
    }
    yield `</NtryDtls></Ntry>\n`;
  }
  yield `</Ntfctn>\n</BkToCstmrDbtCdtNtfctn>\n</Document>\n`;
}

export function camt054Xml(spec: CamtFileSpec): string {
  return [...camt054Chunks(spec)].join('');
}
