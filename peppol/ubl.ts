// Peppol BIS Billing 3.0 (EN 16931, UBL 2.1) from the same InvoiceDocument the PDF is drawn
// from: nothing is computed here that the invoice did not already decide, only written out.
// Pure and deterministic: the same document value gives the same bytes. Element order follows
// the UBL 2.1 schema (a wrong order fails the XSD).

import type { InvoiceDocument } from '../pdf/invoice-document';
import type { InvoiceLine } from '../billing/types';
import { buyerEndpoint, orgDigits } from './endpoint';
import { PeppolError } from './errors';

const CUSTOMIZATION = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
const PROFILE = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
const NS = {
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  Invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  CreditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
};
/** Used when the customer's data names no buyer reference (PEPPOL-EN16931-R003 needs one). */
export const DEFAULT_BUYER_REFERENCE_PREFIX = 'Kundnummer ';

export { PeppolError };

/** `Invoice` for an invoice, `CreditNote` for a credit note (a document with creditOf). */
export function ublDocumentType(d: InvoiceDocument): 'Invoice' | 'CreditNote' {
  return d.creditOf ? 'CreditNote' : 'Invoice';
}

export function buildUbl(d: InvoiceDocument): string {
  if (d.kind !== 'final' || !d.number || !d.issueDate || !d.dueDate || !d.ocr) {
    throw new PeppolError('only a final invoice or credit note (number, dates, OCR) has an e-invoice');
  }
  const root = ublDocumentType(d);
  const credit = root === 'CreditNote';
  // A credit note is stored with negative amounts; UBL's CreditNote states them positive.
  const sign = credit ? -1 : 1;
  const inv = d.invoice;
  const reverse = inv.vatTreatment === 'reverse_charge';
  const lineCategory = reverse ? 'AE' : 'S';
  const x = new Xml();

  x.open(root, { xmlns: NS[root], 'xmlns:cac': NS.cac, 'xmlns:cbc': NS.cbc });
  x.leaf('cbc:CustomizationID', CUSTOMIZATION);
  x.leaf('cbc:ProfileID', PROFILE);
  x.leaf('cbc:ID', d.number);
  x.leaf('cbc:IssueDate', d.issueDate);
  if (!credit) x.leaf('cbc:DueDate', d.dueDate);
  x.leaf(credit ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode', credit ? '381' : '380');
  if (credit && d.creditReason) x.leaf('cbc:Note', `Orsak: ${d.creditReason}`);
  if (reverse) x.leaf('cbc:Note', 'Omvänd betalningsskyldighet');
  x.leaf('cbc:DocumentCurrencyCode', 'SEK');
  x.leaf('cbc:BuyerReference', d.buyer.buyerReference?.trim() || `${DEFAULT_BUYER_REFERENCE_PREFIX}${d.buyer.customerId}`);
  x.open('cac:InvoicePeriod');
  x.leaf('cbc:StartDate', d.period.firstDay);
  x.leaf('cbc:EndDate', d.period.lastDay);
  x.close();
  if (credit) {
    x.open('cac:BillingReference');
    x.open('cac:InvoiceDocumentReference');
    x.leaf('cbc:ID', d.creditOf!);
    if (d.creditOfIssueDate) x.leaf('cbc:IssueDate', d.creditOfIssueDate);
    x.close();
    x.close();
  }
  seller(x, d);
  buyer(x, d);
  if (!credit) {
    // Bankgiro (SE-R-008..012) with the OCR as the payment reference.
    x.open('cac:PaymentMeans');
    x.leaf('cbc:PaymentMeansCode', '30', { name: 'Credit transfer' });
    x.leaf('cbc:PaymentID', d.ocr);
    x.open('cac:PayeeFinancialAccount');
    x.leaf('cbc:ID', d.seller.bankgiro.replace(/\D/g, ''));
    x.open('cac:FinancialInstitutionBranch');
    x.leaf('cbc:ID', 'SE:BANKGIRO');
    x.close();
    x.close();
    x.close();
  }
  x.open('cac:PaymentTerms');
  x.leaf('cbc:Note', credit ? `Krediterar faktura ${d.creditOf}.` : `${d.paymentTermsDays} dagar netto. ${d.seller.lateInterestText ?? 'Dröjsmålsränta enligt räntelagen.'}`);
  x.close();

  x.open('cac:TaxTotal');
  x.leaf('cbc:TaxAmount', amount(sign * inv.vatOre), { currencyID: 'SEK' });
  for (const row of inv.vatBreakdown) {
    x.open('cac:TaxSubtotal');
    x.leaf('cbc:TaxableAmount', amount(sign * row.baseOre), { currencyID: 'SEK' });
    x.leaf('cbc:TaxAmount', amount(sign * row.vatOre), { currencyID: 'SEK' });
    taxCategory(x, 'cac:TaxCategory', row.vatCategory, row.vatPercent, true);
    x.close();
  }
  x.close();

  x.open('cac:LegalMonetaryTotal');
  x.leaf('cbc:LineExtensionAmount', amount(sign * inv.netOre), { currencyID: 'SEK' });
  x.leaf('cbc:TaxExclusiveAmount', amount(sign * inv.netOre), { currencyID: 'SEK' });
  x.leaf('cbc:TaxInclusiveAmount', amount(sign * (inv.netOre + inv.vatOre)), { currencyID: 'SEK' });
  if (inv.roundingOre !== 0) x.leaf('cbc:PayableRoundingAmount', amount(sign * inv.roundingOre), { currencyID: 'SEK' });
  x.leaf('cbc:PayableAmount', amount(sign * inv.totalOre), { currencyID: 'SEK' });
  x.close();

  inv.lines.forEach((l, i) => invoiceLine(x, credit, i + 1, l, sign, lineCategory));
  x.close();
  return x.toString();
}

function seller(x: Xml, d: InvoiceDocument): void {
  const s = d.seller;
  const org = orgDigits(s.orgNumber);
  x.open('cac:AccountingSupplierParty');
  x.open('cac:Party');
  x.leaf('cbc:EndpointID', org, { schemeID: '0007' });
  x.open('cac:PartyName');
  x.leaf('cbc:Name', s.name);
  x.close();
  address(x, s);
  partyTaxScheme(x, s.vatNumber, 'VAT');
  // SE-R-005: F-skatt as a second tax scheme that is not VAT.
  if (s.fSkatt) partyTaxScheme(x, 'Godkänd för F-skatt', 'TAX');
  x.open('cac:PartyLegalEntity');
  x.leaf('cbc:RegistrationName', s.name);
  x.leaf('cbc:CompanyID', org, { schemeID: '0007' });
  x.leaf('cbc:CompanyLegalForm', `Styrelsens säte: ${s.registeredOffice}`);
  x.close();
  x.open('cac:Contact');
  x.leaf('cbc:ElectronicMail', s.email);
  x.close();
  x.close();
  x.close();
}

function buyer(x: Xml, d: InvoiceDocument): void {
  const b = d.buyer;
  const endpoint = buyerEndpoint(b);
  x.open('cac:AccountingCustomerParty');
  x.open('cac:Party');
  x.leaf('cbc:EndpointID', endpoint.id, { schemeID: endpoint.scheme });
  x.open('cac:PartyIdentification');
  x.leaf('cbc:ID', b.customerId);
  x.close();
  x.open('cac:PartyName');
  x.leaf('cbc:Name', b.name);
  x.close();
  address(x, b);
  if (b.vatNumber) partyTaxScheme(x, b.vatNumber, 'VAT');
  x.open('cac:PartyLegalEntity');
  x.leaf('cbc:RegistrationName', b.name);
  // Scheme 0007 is Bolagsverket's number: only a Swedish buyer's org number carries it.
  if (b.country === 'SE') x.leaf('cbc:CompanyID', orgDigits(b.orgNumber), { schemeID: '0007' });
  else x.leaf('cbc:CompanyID', b.orgNumber);
  x.close();
  x.close();
  x.close();
}

function address(x: Xml, a: { street: string; city: string; postalCode: string; country: string }): void {
  x.open('cac:PostalAddress');
  x.leaf('cbc:StreetName', a.street);
  x.leaf('cbc:CityName', a.city);
  x.leaf('cbc:PostalZone', a.postalCode);
  x.open('cac:Country');
  x.leaf('cbc:IdentificationCode', a.country);
  x.close();
  x.close();
}

function partyTaxScheme(x: Xml, companyId: string, scheme: string): void {
  x.open('cac:PartyTaxScheme');
  x.leaf('cbc:CompanyID', companyId);
  x.open('cac:TaxScheme');
  x.leaf('cbc:ID', scheme);
  x.close();
  x.close();
}

function taxCategory(x: Xml, element: string, category: 'S' | 'AE', percent: number, withReason: boolean): void {
  x.open(element);
  x.leaf('cbc:ID', category);
  x.leaf('cbc:Percent', String(category === 'AE' ? 0 : percent));
  if (category === 'AE' && withReason) {
    // BR-AE-10: a reverse-charge breakdown states why no VAT is charged.
    x.leaf('cbc:TaxExemptionReasonCode', 'VATEX-EU-AE');
    x.leaf('cbc:TaxExemptionReason', 'Omvänd betalningsskyldighet');
  }
  x.open('cac:TaxScheme');
  x.leaf('cbc:ID', 'VAT');
  x.close();
  x.close();
}

function invoiceLine(x: Xml, credit: boolean, id: number, l: InvoiceLine, sign: number, category: 'S' | 'AE'): void {
  x.open(credit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine');
  x.leaf('cbc:ID', String(id));
  if (l.proRata) x.leaf('cbc:Note', `Pro rata ${l.proRata.billedDays}/${l.proRata.daysInMonth} dagar`);
  x.leaf(credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', String(sign * l.quantity), { unitCode: 'C62' });
  x.leaf('cbc:LineExtensionAmount', amount(sign * l.amountOre), { currencyID: 'SEK' });
  x.open('cac:Item');
  x.leaf('cbc:Name', l.description);
  x.open('cac:SellersItemIdentification');
  x.leaf('cbc:ID', l.article);
  x.close();
  taxCategory(x, 'cac:ClassifiedTaxCategory', category, l.vatPercent, false);
  x.close();
  x.open('cac:Price');
  x.leaf('cbc:PriceAmount', netPrice(sign * l.amountOre, sign * l.quantity, l.unitPriceOre), { currencyID: 'SEK' });
  x.close();
  x.close();
}

/**
 * The net price that multiplied by the quantity gives the line amount (PEPPOL-EN16931-R120):
 * the unit price, except on a pro rata or partly credited line, where it is amount / quantity
 * to six decimals (prices may have more than two).
 */
function netPrice(amountOre: number, quantity: number, unitPriceOre: number): string {
  if (quantity === 0) return amount(unitPriceOre);
  if (amountOre === quantity * unitPriceOre) return amount(unitPriceOre);
  const micro = (BigInt(amountOre) * 10_000n * 2n + BigInt(quantity)) / (2n * BigInt(quantity)); // 1e-6 SEK, half up (amounts ≥ 0)
  const s = micro.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`.replace(/0{1,4}$/, '');
}

/** öre → "1234.50" (two decimals, as EN 16931 wants every amount). */
export function amount(ore: number): string {
  if (!Number.isSafeInteger(ore)) throw new PeppolError(`amount must be whole öre, got ${ore}`);
  const abs = Math.abs(ore);
  return `${ore < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A tiny indenting XML writer: enough for UBL, escapes text and attributes. */
class Xml {
  private out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  private stack: string[] = [];
  open(name: string, attrs: Record<string, string> = {}): void {
    this.out.push(`${this.pad()}<${name}${attributes(attrs, name)}>`);
    this.stack.push(name);
  }
  close(): void {
    const name = this.stack.pop();
    this.out.push(`${this.pad()}</${name}>`);
  }
  leaf(name: string, value: string, attrs: Record<string, string> = {}): void {
    // PEPPOL-EN16931-R008: no empty elements.
    if (value.trim() === '') throw new PeppolError(`${name} would be empty`);
    this.out.push(`${this.pad()}<${name}${attributes(attrs, name)}>${escape(value, name)}</${name}>`);
  }
  toString(): string {
    return `${this.out.join('\n')}\n`;
  }
  private pad(): string {
    return '  '.repeat(this.stack.length);
  }
}

function attributes(attrs: Record<string, string>, element: string): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escape(v, `${element}/@${k}`)}"`)
    .join('');
}

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other
 * than tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF.
 */
const NOT_XML_1_0 = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text as element content or attribute value. What XML 1.0 cannot carry is refused, naming the
 * element (the e-invoice must stay well-formed; inputs are checked long before, infra/free-text.ts);
 * tab, line feed and carriage return are written as references so a parser keeps them as they are.
 */
export function escape(text: string, where: string): string {
  const bad = NOT_XML_1_0.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new PeppolError(`${where} contains U+${code} at character ${bad.index + 1}, which XML 1.0 cannot carry`);
  }
  return text.replace(/[&<>"'\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' })[c]!);
}
