import { formatQuantity, formatSek } from '../billing/format';
import type { PaymentReason } from './reasons';

// A payment's reason (payments/reasons.ts) as the people who read it see it (finance's page, the
// CLI's text): Swedish, built from the facts, amounts in sv-SE kronor. One sentence without a
// closing full stop, as a table cell shows it.

const quoted = (text: string) => `”${text}”`;

/** The reason in Swedish. */
export function reasonSv(r: PaymentReason): string {
  switch (r.code) {
    case 'no_ocr':
      return 'Inget OCR-nummer angivet';
    case 'ocr_check_digits':
      return `OCR-numret ${r.facts.ocr} har fel kontrollsiffra`;
    case 'unknown_ocr':
      return `Ingen faktura har OCR-numret ${r.facts.ocr}`;
    case 'bgmax_not_ocr':
      return `Inget OCR-nummer (BgMax referenskod ${r.facts.referenceCode}${r.facts.reference ? `, referens ${quoted(r.facts.reference)}` : ''})`;
    case 'unknown_credit_ocr':
      return `Avdragen kredit (BgMax-post 23) med OCR-numret ${r.facts.ocr}, som ingen av våra kreditfakturor har`;
    case 'deducted_without_amount':
      return 'Avdragen referens (BgMax-post 23) utan belopp: bokför den för hand';
    case 'references_exceed_payment':
      return `Extra referenserna (BgMax-post 22/23) summerar till ${formatSek(r.facts.referencesOre)}, mer än inbetalningens ${formatSek(r.facts.paymentOre)}: bokför den för hand`;
    case 'references_without_amounts':
      return (
        `Anger ${formatQuantity(r.facts.ocrs.length)} referenser (${r.facts.ocrs.map((o) => o ?? 'utan OCR-nummer').join(', ')}) utan belopp för var och en, ` +
        'och är inte exakt vad fakturorna har öppet tillsammans: bokför den för hand'
      );
    case 'rest_unnamed':
      return 'Den del av inbetalningen som ingen extra referens anger';
    case 'several_references':
      return 'Betalningen anger flera referenser (BgMax-post 22/23): bokför den för hand';
    case 'not_seller_account':
      return r.facts.account === null ? `Inget konto angivet, inte säljarens bankgiro ${r.facts.sellerBankgiro}` : `Kontot ${r.facts.account} är inte säljarens bankgiro ${r.facts.sellerBankgiro}`;
    case 'debit':
      return 'En debitering (bara insättningar är inbetalningar)';
    case 'not_credit':
      return `${r.facts.indicator === null ? 'Utan angiven riktning' : `Riktningen ${r.facts.indicator}`} (bara insättningar är inbetalningar)`;
    case 'not_booked':
      return `${r.facts.status === null ? 'Utan status' : `Status ${r.facts.status}`}, inte bokförd (BOOK)`;
    case 'not_sek':
      return `Valutan ${r.facts.currency}, inte SEK`;
    case 'bgmax_deduction':
      return `Ett avdrag (avdragspost, kod ${r.facts.deductionCode}) på ${r.facts.reference === null ? 'en betalning utan referens' : `referens ${r.facts.reference}`}: bokför det för hand`;
    case 'unrecognised':
      return r.facts.of === 'ignored' ? 'Inte en inbetalning till en faktura' : 'Kunde inte matchas mot en faktura automatiskt';
  }
}
