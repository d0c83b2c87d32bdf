import { formatSek } from './format';
import type { AssignRefusal } from './payment-split';

// Why booking a payment by hand was refused (billing/payment-split.ts), as finance reads it in
// the console: Swedish, from the refusal's facts, amounts in sv-SE kronor. A whole sentence.

/** The refusal in Swedish. */
export function assignRefusalSv(r: AssignRefusal): string {
  switch (r.code) {
    case 'no_payment':
      return `Det finns ingen inbetalning med referensen ${r.reference}.`;
    case 'already_booked':
      return `Inbetalningen ${r.reference} är redan bokförd mot ${r.invoices.length > 1 ? `fakturorna ${r.invoices.join(', ')}` : 'en faktura'} och kan inte flyttas.`;
    case 'no_invoices':
      return 'Skriv fakturanumret som inbetalningen ska bokföras mot.';
    case 'share_syntax':
      return `”${r.text.slice(0, 40)}” går inte att läsa: skriv fakturanummer, och vid behov belopp i kronor, t.ex. F10001 F10002=1 234,50.`;
    case 'amount_not_positive':
      return `Beloppet för ${r.invoice} måste vara större än 0.`;
    case 'invoice_twice':
      return `Faktura ${r.invoice} är angiven två gånger: ange varje faktura en gång.`;
    case 'no_invoice':
      return `Det finns ingen faktura med nummer ${r.invoice}. En inbetalning bokförs mot en faktura (t.ex. F10042), inte mot en kreditfaktura.`;
    case 'invoice_credited':
      return `Faktura ${r.invoice} är helt krediterad: det finns inget att betala på den.`;
    case 'different_customers':
      return `Fakturorna tillhör olika kunder (${r.invoices.map((i) => `${i.invoice}: ${i.customerId}`).join(', ')}). En inbetalning bokförs bara mot en kunds fakturor.`;
    case 'amounts_exceed_payment':
      return `De angivna beloppen blir ${formatSek(r.namedOre)}, mer än inbetalningens ${formatSek(r.paymentOre)}.`;
    case 'rest_unassigned':
      return `De angivna beloppen lämnar ${formatSek(r.restOre)} av inbetalningen obokförda. Den sista fakturan tar resten: ange inget belopp för ${r.lastInvoice}.`;
    case 'nothing_for_invoice':
      return `Faktura ${r.invoice} skulle inte få något (${formatSek(Math.max(0, r.openOre))} kvar att betala, och fakturorna före den tar resten av inbetalningen): ta bort den eller ange ett belopp.`;
  }
}
