import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { vatNumberProblem } from '../billing/vat-number';
import type { ImportReport } from './report';
import {
  checkCountry, checkDate, checkEmail, checkId, checkOneLine, checkOptionalDate, checkOrgNumber, checkPostalCode, checkText,
  countryCode, MAX_CITY, MAX_NAME, quote,
} from './validate';
import { importVersioned, type VersionedTable } from './versioned-upsert';

// Customers are upserted with every version kept (see versioned-upsert.ts). A customer's
// partner must have been imported first (`partners import`).

export const CUSTOMER_COLUMNS = [
  'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code',
  'city', 'country', 'partner_id', 'monthly_billing_from', 'prepaid_through',
] as const;
/** May be left out of the header; without it a customer keeps the buyer reference it has. */
export const OPTIONAL_CUSTOMER_COLUMNS = ['buyer_reference'] as const;
type Column = (typeof CUSTOMER_COLUMNS)[number] | (typeof OPTIONAL_CUSTOMER_COLUMNS)[number];
const MAX_BUYER_REFERENCE = 200;

/** A customer's master data as the CSV carries it (empty optional values are null). */
export interface CustomerData {
  [column: string]: string | null;
  customer_id: string;
  name: string;
  org_number: string;
  vat_number: string | null;
  billing_email: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  partner_id: string;
  monthly_billing_from: string; // YYYY-MM-DD
  prepaid_through: string | null; // YYYY-MM-DD
  buyer_reference: string | null; // Peppol BT-10, "Er referens"
}

const CUSTOMERS: VersionedTable<Column, CustomerData> = {
  kind: 'customers',
  noun: 'customer',
  table: 'customers', // peppol_endpoint is not in the CSV: it stays as it is (the org number under 0007 is used)
  versionsTable: 'customer_versions',
  key: 'customer_id',
  columns: CUSTOMER_COLUMNS,
  optional: OPTIONAL_CUSTOMER_COLUMNS,
  check: checkCustomer,
  toData: (v, inFile, stored) => ({
    ...v,
    vat_number: v.vat_number || null,
    prepaid_through: v.prepaid_through || null,
    buyer_reference: inFile.has('buyer_reference') ? v.buyer_reference || null : (stored?.buyer_reference ?? null),
  }),
  load: loadCustomers,
  prepare: async (trx) => {
    const partners = new Set<string>(await trx('partners').pluck('partner_id'));
    return (data) => (partners.has(data.partner_id) ? null : `partner ${data.partner_id} is not known: import partners first`);
  },
};

export function importCustomers(db: Db, filePath: string): Promise<ImportReport> {
  return importVersioned(db, filePath, CUSTOMERS);
}

/** Why a row is not a usable customer, or null. The first problem found is reported. */
export function checkCustomer(v: Record<Column, string>): string | null {
  const country = countryCode(v.country);
  return (
    checkId('customer_id', v.customer_id) ??
    checkOneLine(CUSTOMER_COLUMNS, v) ??
    checkText('name', v.name, MAX_NAME) ??
    checkCountry(v.country) ??
    checkOrgNumber(v.org_number, country === 'SE') ??
    checkVatNumber(v.vat_number, v.org_number, country!) ??
    checkEmail('billing_email', v.billing_email) ??
    checkText('street', v.street, MAX_NAME) ??
    checkPostalCode(v.postal_code, country === 'SE') ??
    checkText('city', v.city, MAX_CITY) ??
    checkId('partner_id', v.partner_id) ??
    checkDate('monthly_billing_from', v.monthly_billing_from) ??
    checkOptionalDate('prepaid_through', v.prepaid_through) ??
    ((v.buyer_reference ?? '') === '' ? null : checkText('buyer_reference', v.buyer_reference, MAX_BUYER_REFERENCE))
  );
}

// An empty VAT number is accepted: it is bad master data that the monthly close reports
// for the customer, not a reason to refuse the rest of the row. A number of another country
// is refused: it would turn on reverse charge (0 %) for the wrong buyer.
function checkVatNumber(value: string, orgNumber: string, country: string): string | null {
  if (value === '') return null;
  const problem = vatNumberProblem(country, value);
  if (problem) return `vat_number ${quote(value)} ${problem}`;
  // A Swedish VAT number is the organisation number framed by SE and 01.
  if (country === 'SE' && value.slice(2, 12) !== orgNumber.replace('-', '')) return `vat_number ${quote(value)} does not match org_number ${orgNumber}`;
  return null;
}

async function loadCustomers(trx: Knex.Transaction): Promise<Map<string, CustomerData>> {
  const rows: CustomerData[] = await trx('customers').select(
    'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code', 'city', 'country',
    'partner_id', 'buyer_reference',
    trx.raw(`to_char(monthly_billing_from, 'YYYY-MM-DD') AS monthly_billing_from`),
    trx.raw(`to_char(prepaid_through, 'YYYY-MM-DD') AS prepaid_through`),
  );
  return new Map(rows.map((r) => [r.customer_id, r]));
}
