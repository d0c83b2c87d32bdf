// Why a bank payment is left unmatched, or a bank entry is not a payment at all, as data: a code
// and the facts. The import stores it so (payments.unmatched_code / unmatched_facts); `--json` and
// logs read the English `reasonText` builds (the wording they always had), people read the Swedish
// `reasonSv` (payments/reason-sv.ts) builds from the same facts.

/** Why a payment (or a part of one) could not be matched to an invoice by itself. */
export type UnmatchedReason =
  | { code: 'no_ocr'; facts: Record<string, never> }
  | { code: 'ocr_check_digits'; facts: { ocr: string } }
  | { code: 'unknown_ocr'; facts: { ocr: string } }
  /** BgMax: a reference code other than 2 (a checked OCR); `reference` as the payer wrote it, null when blank. */
  | { code: 'bgmax_not_ocr'; facts: { referenceCode: string; reference: string | null } }
  /** BgMax record 23 naming an OCR none of our credit notes has. */
  | { code: 'unknown_credit_ocr'; facts: { ocr: string } }
  | { code: 'deducted_without_amount'; facts: Record<string, never> }
  | { code: 'references_exceed_payment'; facts: { referencesOre: number; paymentOre: number } }
  /** BgMax 22/23 without amounts, not exactly what the named invoices have open together; null: a reference without an OCR. */
  | { code: 'references_without_amounts'; facts: { ocrs: (string | null)[] } }
  | { code: 'rest_unnamed'; facts: Record<string, never> }
  /** An earlier import's wording for a payment naming several references (rows converted by migration 017). */
  | { code: 'several_references'; facts: Record<string, never> };

/** Why an entry of a bank file is not a payment (listed, never stored as one). */
export type IgnoredReason =
  /** `account`: the IBAN or account the file names, null when it names none. */
  | { code: 'not_seller_account'; facts: { account: string | null; sellerBankgiro: string } }
  | { code: 'debit'; facts: Record<string, never> }
  /** A credit/debit indicator other than CRDT and DBIT (or none). */
  | { code: 'not_credit'; facts: { indicator: string | null } }
  | { code: 'not_booked'; facts: { status: string | null } }
  | { code: 'not_sek'; facts: { currency: string } }
  /** BgMax record 21: a deduction, `reference` null when blank. */
  | { code: 'bgmax_deduction'; facts: { deductionCode: string; reference: string | null } };

/** A stored reason no code knew when it was converted (kept as it was), of an unmatched payment or an ignored entry. */
export type UnrecognisedReason = { code: 'unrecognised'; facts: { text: string; of: 'unmatched' | 'ignored' } };

export type PaymentReason = UnmatchedReason | IgnoredReason | UnrecognisedReason;
export type PaymentReasonCode = PaymentReason['code'];

/** Every code once (the record makes the compiler check the list is whole). */
const CODES: Record<PaymentReasonCode, true> = {
  no_ocr: true, ocr_check_digits: true, unknown_ocr: true, bgmax_not_ocr: true, unknown_credit_ocr: true, deducted_without_amount: true, references_exceed_payment: true,
  references_without_amounts: true, rest_unnamed: true, several_references: true,
  not_seller_account: true, debit: true, not_credit: true, not_booked: true, not_sek: true, bgmax_deduction: true, unrecognised: true,
};
export const PAYMENT_REASON_CODES = Object.keys(CODES) as PaymentReasonCode[];

/** Öre as the readers' English always wrote them: "1234.50". */
const dotted = (ore: number) => (ore / 100).toFixed(2);

/** The reason as `--json`, the logs and the CLI's errors say it, in English. */
export function reasonText(r: PaymentReason): string {
  switch (r.code) {
    case 'no_ocr':
      return 'no OCR reference';
    case 'ocr_check_digits':
      return `OCR ${r.facts.ocr} fails its check digits`;
    case 'unknown_ocr':
      return `no invoice has OCR ${r.facts.ocr}`;
    case 'bgmax_not_ocr':
      return `no OCR (BgMax reference code ${r.facts.referenceCode}${r.facts.reference ? `, reference ${JSON.stringify(r.facts.reference)}` : ''})`;
    case 'unknown_credit_ocr':
      return `a deducted credit (BgMax record 23) with OCR ${r.facts.ocr}, which no credit note of ours has`;
    case 'deducted_without_amount':
      return 'a deducted reference (record 23) without its amount: assign it by hand';
    case 'references_exceed_payment':
      return `its extra references (records 22/23) add up to ${dotted(r.facts.referencesOre)}, more than the payment of ${dotted(r.facts.paymentOre)}: assign it by hand`;
    case 'references_without_amounts':
      return `names ${r.facts.ocrs.length} references (${r.facts.ocrs.map((o) => o ?? '(no OCR)').join(', ')}) without an amount for each, and is not exactly what their invoices have open together: assign it by hand`;
    case 'rest_unnamed':
      return 'the part of the payment no extra reference names';
    case 'several_references':
      return 'the payment names several references (extra reference records 22/23): assign it by hand';
    case 'not_seller_account':
      return `account ${r.facts.account ?? '(none)'} is not the seller's bankgiro ${r.facts.sellerBankgiro}`;
    case 'debit':
      return 'a debit (only credits are payments)';
    case 'not_credit':
      return `a ${r.facts.indicator} (only credits are payments)`;
    case 'not_booked':
      return `status ${r.facts.status ?? '(none)'}, not booked (BOOK)`;
    case 'not_sek':
      return `currency ${r.facts.currency}, not SEK`;
    case 'bgmax_deduction':
      return `a deduction (avdragspost, code ${r.facts.deductionCode}) on reference ${r.facts.reference ?? '(none)'}: book it by hand`;
    case 'unrecognised':
      return r.facts.text;
  }
}

/** A reason as its stored columns hold it (code, facts); a code this version does not know is kept as unrecognised text. */
export function storedReason(code: string, facts: unknown, of: 'unmatched' | 'ignored'): PaymentReason {
  if (!Object.hasOwn(CODES, code)) return { code: 'unrecognised', facts: { text: code, of } };
  return { code, facts: facts ?? {} } as PaymentReason;
}
