import type { Db } from '../infra/db';
import type { CustomerTerms } from '../billing/types';
import type { BuyerInfo } from '../pdf/invoice-document';
import { EU_COUNTRIES, isReverseCharge, vatNumberProblem } from '../billing/vat-number';

export interface CustomerRecord extends BuyerInfo {
  billingEmail: string;
  monthlyBillingFrom: string;
  prepaidThrough: string | null;
  peppolEndpoint: string | null;
}

function isoDate(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    // pg returns DATE columns as local-midnight Dates; read the calendar date back in local time.
    const y = value.getFullYear();
    const m = String(value.getMonth() + 1).padStart(2, '0');
    const d = String(value.getDate()).padStart(2, '0');
    return `${y}-${m}-${d}`;
  }
  return String(value).slice(0, 10);
}

export async function loadCustomer(db: Db, customerId: string): Promise<CustomerRecord | null> {
  const row = await db('customers')
    .join('partners', 'partners.partner_id', 'customers.partner_id')
    .where('customers.customer_id', customerId)
    .first('customers.*', 'partners.name as partner_name');
  return row ? customerRecord(row) : null;
}

/** Many customers in one query (a page of a list), by id; unknown ids are absent. */
export async function loadCustomers(db: Db, customerIds: string[]): Promise<Map<string, CustomerRecord>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db('customers')
    .join('partners', 'partners.partner_id', 'customers.partner_id')
    .whereIn('customers.customer_id', customerIds)
    .select('customers.*', 'partners.name as partner_name');
  return new Map(rows.map((row: Record<string, any>) => [row.customer_id as string, customerRecord(row)]));
}

function customerRecord(row: Record<string, any>): CustomerRecord {
  return {
    customerId: row.customer_id,
    name: row.name,
    orgNumber: row.org_number,
    vatNumber: row.vat_number || null,
    street: row.street,
    postalCode: row.postal_code,
    city: row.city,
    country: row.country.trim(),
    partnerId: row.partner_id,
    partnerName: row.partner_name,
    buyerReference: row.buyer_reference,
    billingEmail: row.billing_email,
    monthlyBillingFrom: isoDate(row.monthly_billing_from)!,
    prepaidThrough: isoDate(row.prepaid_through),
    peppolEndpoint: row.peppol_endpoint,
  };
}

/**
 * Reverse charge applies to a business buyer in another EU country (mervärdesskattelagen)
 * whose VAT number is of that country (billing-rules.md).
 */
export function customerTerms(c: CustomerRecord): CustomerTerms {
  const reverse = isReverseCharge(c.country, c.vatNumber);
  return {
    customerId: c.customerId,
    monthlyBillingFrom: c.monthlyBillingFrom,
    prepaidThrough: c.prepaidThrough,
    vatTreatment: reverse ? 'reverse_charge' : 'domestic',
  };
}

/** What is wrong with the master data for invoicing, if anything (empty: fine). */
export function masterDataProblems(c: CustomerRecord): string[] {
  const problems: string[] = [];
  if (!c.vatNumber) problems.push('no VAT number (momsregistreringsnummer)');
  // Imports refuse such numbers; this catches rows stored before they did.
  else if (vatNumberProblem(c.country, c.vatNumber)) problems.push(`VAT number ${c.vatNumber} ${vatNumberProblem(c.country, c.vatNumber)}`);
  if (!c.orgNumber) problems.push('no organisation number');
  if (!c.street || !c.postalCode || !c.city) problems.push('incomplete address');
  if (c.country !== 'SE' && !EU_COUNTRIES.has(c.country)) problems.push(`country ${c.country} is outside the EU: export invoicing is not supported`);
  return problems;
}

export { isoDate };
