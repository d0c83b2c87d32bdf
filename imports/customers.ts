import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { openCsv } from './csv-reader';
import { ImportRun } from './import-run';
import type { ImportReport } from './report';
import { NOT_A_COUNTRY, vatNumberProblem } from '../billing/vat-number';
import { checkDate, checkId, checkOneLine, checkOptionalDate, checkText, luhnValid, quote } from './validate';

// Customers are upserted: a new id is inserted, a changed row updates the customer, an
// identical row is a duplicate. Every insert and update also records the full new data in
// customer_versions, so an update never loses the old values. One transaction per file.

export const CUSTOMER_COLUMNS = [
  'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code',
  'city', 'country', 'partner_id', 'monthly_billing_from', 'prepaid_through',
] as const;
type Column = (typeof CUSTOMER_COLUMNS)[number];

/** A customer's master data as the CSV carries it (empty optional values are null). */
export interface CustomerData {
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
}

export async function importCustomers(db: Db, filePath: string): Promise<ImportReport> {
  const csv = await openCsv(filePath, CUSTOMER_COLUMNS); // a bad header refuses the file here, before any write
  try {
    return await db.transaction(async (trx) => {
      const run = await ImportRun.start(trx, 'customers', filePath);
      const stored = await loadCustomers(trx);
      const partners = new Set<string>(await trx('partners').pluck('partner_id'));
      // The first row of each customer in this file. A later row with other values is
      // rejected rather than applied: "last row wins" would make a re-import flip the
      // customer back and forth instead of changing nothing.
      const firstInFile = new Map<string, { line: number; data: CustomerData }>();

      for await (const record of csv) {
        const id = record.values.customer_id;
        const reason = record.problem ?? checkCustomer(record.values);
        if (reason) {
          await run.reject(record, id, reason);
          continue;
        }
        const data = toCustomer(record.values);
        const first = firstInFile.get(id);
        if (first && !sameCustomer(first.data, data)) {
          await run.reject(record, id, `customer ${quote(id)} appears earlier in this file (line ${first.line}) with other values`);
          continue;
        }
        if (!first) firstInFile.set(id, { line: record.line, data });

        const current = stored.get(id);
        if (current && sameCustomer(current, data)) {
          run.duplicate();
          continue;
        }
        if (!partners.has(data.partner_id)) {
          // Partners are not imported separately: the first customer of a partner creates it.
          await trx('partners').insert({ partner_id: data.partner_id, name: data.partner_id }).onConflict('partner_id').ignore();
          partners.add(data.partner_id);
        }
        if (current) {
          await trx('customers')
            .where({ customer_id: id })
            .update({ ...data, import_batch_id: run.batchId, updated_at: trx.fn.now() });
        } else {
          // buyer_reference and peppol_endpoint are not in the CSV: they stay null.
          await trx('customers').insert({ ...data, import_batch_id: run.batchId });
        }
        await trx('customer_versions').insert({ customer_id: id, data: JSON.stringify(data), import_batch_id: run.batchId });
        stored.set(id, data);
        run.accept();
      }
      return run.finish();
    });
  } finally {
    csv.close();
  }
}

/** Why a row is not a usable customer, or null. The first problem found is reported. */
export function checkCustomer(v: Record<Column, string>): string | null {
  const country = /^[A-Z]{2}$/.test(v.country) && !NOT_A_COUNTRY[v.country] ? v.country : null;
  return (
    checkId('customer_id', v.customer_id) ??
    checkOneLine(CUSTOMER_COLUMNS, v) ??
    checkText('name', v.name, MAX_NAME) ??
    (country ? null : checkCountry(v.country)) ??
    checkOrgNumber(v.org_number, country === 'SE') ??
    checkVatNumber(v.vat_number, v.org_number, country!) ??
    checkEmail(v.billing_email) ??
    checkText('street', v.street, MAX_NAME) ??
    checkPostalCode(v.postal_code, country === 'SE') ??
    checkText('city', v.city, MAX_CITY) ??
    checkId('partner_id', v.partner_id) ??
    checkDate('monthly_billing_from', v.monthly_billing_from) ??
    checkOptionalDate('prepaid_through', v.prepaid_through)
  );
}

// Lengths that fit an invoice's address block; longer is a shifted or merged column.
const MAX_NAME = 200;
const MAX_CITY = 100;

function checkCountry(value: string): string {
  const alias = NOT_A_COUNTRY[value];
  if (alias) return `country ${quote(value)} is not a country code: ${alias}`;
  return `country ${quote(value)} is not an ISO 3166 two-letter code in capitals (e.g. SE)`;
}

function checkOrgNumber(value: string, swedish: boolean): string | null {
  if (!swedish) return checkText('org_number', value, 40); // other countries' company numbers have no common format
  if (value === '') return 'org_number is empty';
  if (!/^\d{6}-\d{4}$/.test(value)) return `org_number ${quote(value)} is not a Swedish organisation number (NNNNNN-NNNN)`;
  if (!luhnValid(value.replace('-', ''))) return `org_number ${quote(value)} has a wrong check digit`;
  return null;
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

function checkPostalCode(value: string, swedish: boolean): string | null {
  if (!swedish) return checkText('postal_code', value, 20);
  if (value === '') return 'postal_code is empty';
  return /^\d{3} ?\d{2}$/.test(value) ? null : `postal_code ${quote(value)} is not a Swedish postal code (NNN NN)`;
}

function checkEmail(value: string): string | null {
  if (value === '') return 'billing_email is empty';
  return /^[^\s@,;<>]+@[^\s@,;<>]+\.[A-Za-z]{2,}$/.test(value) && value.length <= 254
    ? null
    : `billing_email ${quote(value)} is not an e-mail address`;
}

function toCustomer(v: Record<Column, string>): CustomerData {
  return { ...v, vat_number: v.vat_number || null, prepaid_through: v.prepaid_through || null };
}

function sameCustomer(a: CustomerData, b: CustomerData): boolean {
  return CUSTOMER_COLUMNS.every((c) => a[c] === b[c]);
}

async function loadCustomers(trx: Knex.Transaction): Promise<Map<string, CustomerData>> {
  const rows: CustomerData[] = await trx('customers').select(
    'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code', 'city', 'country',
    'partner_id',
    trx.raw(`to_char(monthly_billing_from, 'YYYY-MM-DD') AS monthly_billing_from`),
    trx.raw(`to_char(prepaid_through, 'YYYY-MM-DD') AS prepaid_through`),
  );
  return new Map(rows.map((r) => [r.customer_id, r]));
}
