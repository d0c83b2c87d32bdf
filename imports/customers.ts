import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { openCsv } from './csv-reader';
import { ImportRun } from './import-run';
import type { ImportReport } from './report';
import { checkDate, checkId, checkRequired, isRealDate, luhnValid } from './validate';

// Customers are upserted: a new id is inserted, a changed row updates the customer, an
// identical row is a duplicate. Every insert and update also records the full new data in
// customer_versions, so an update never loses the old values. One transaction per file.

export const CUSTOMER_COLUMNS = [
  'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code',
  'city', 'country', 'partner_id', 'monthly_billing_from', 'prepaid_through',
] as const;
/** May be left out of the header; without it a customer keeps the buyer reference it has. */
export const OPTIONAL_CUSTOMER_COLUMNS = ['buyer_reference'] as const;
type Column = (typeof CUSTOMER_COLUMNS)[number] | (typeof OPTIONAL_CUSTOMER_COLUMNS)[number];

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
  buyer_reference: string | null; // Peppol BT-10 / "Er referens"
}

export async function importCustomers(db: Db, filePath: string): Promise<ImportReport> {
  const csv = await openCsv<Column>(filePath, CUSTOMER_COLUMNS, OPTIONAL_CUSTOMER_COLUMNS); // a bad header refuses the file here, before any write
  const hasReference = csv.columns.includes('buyer_reference');
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
        const data = toCustomer(record.values, hasReference ? undefined : (stored.get(id)?.buyer_reference ?? null));
        const first = firstInFile.get(id);
        if (first && !sameCustomer(first.data, data)) {
          await run.reject(record, id, `customer "${id}" appears earlier in this file (line ${first.line}) with other values`);
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
          // peppol_endpoint is not in the CSV: it stays null (the org number under 0007 is used).
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
  const country = /^[A-Z]{2}$/.test(v.country) ? v.country : null;
  return (
    checkId('customer_id', v.customer_id) ??
    checkRequired('name', v.name) ??
    (country ? null : `country "${v.country}" is not an ISO 3166 two-letter code in capitals (e.g. SE)`) ??
    checkOrgNumber(v.org_number, country === 'SE') ??
    checkVatNumber(v.vat_number, v.org_number, country === 'SE') ??
    checkEmail(v.billing_email) ??
    checkRequired('street', v.street) ??
    checkRequired('postal_code', v.postal_code) ??
    checkRequired('city', v.city) ??
    checkId('partner_id', v.partner_id) ??
    checkDate('monthly_billing_from', v.monthly_billing_from) ??
    (v.prepaid_through === '' || isRealDate(v.prepaid_through) ? null : `prepaid_through "${v.prepaid_through}" is not a date (YYYY-MM-DD)`) ??
    ((v.buyer_reference ?? '').length > 200 ? `buyer_reference is ${v.buyer_reference.length} characters: at most 200` : null)
  );
}

function checkOrgNumber(value: string, swedish: boolean): string | null {
  if (value === '') return 'org_number is empty';
  if (!swedish) return null; // other countries' company numbers have no common format
  if (!/^\d{6}-\d{4}$/.test(value)) return `org_number "${value}" is not a Swedish organisation number (NNNNNN-NNNN)`;
  if (!luhnValid(value.replace('-', ''))) return `org_number "${value}" has a wrong check digit`;
  return null;
}

// An empty VAT number is accepted: it is bad master data that the monthly close reports
// for the customer, not a reason to refuse the rest of the row.
function checkVatNumber(value: string, orgNumber: string, swedish: boolean): string | null {
  if (value === '') return null;
  if (swedish) {
    if (!/^SE\d{10}01$/.test(value)) return `vat_number "${value}" is not a Swedish VAT number (SE, 10 digits, 01)`;
    // A Swedish VAT number is the organisation number framed by SE and 01.
    if (value.slice(2, 12) !== orgNumber.replace('-', '')) return `vat_number "${value}" does not match org_number ${orgNumber}`;
    return null;
  }
  if (!/^[A-Z]{2}[A-Z0-9]{2,13}$/.test(value)) return `vat_number "${value}" is not a VAT number (2-letter prefix, then 2 to 13 letters or digits)`;
  return null;
}

function checkEmail(value: string): string | null {
  if (value === '') return 'billing_email is empty';
  return /^[^\s@,;<>]+@[^\s@,;<>]+\.[A-Za-z]{2,}$/.test(value) && value.length <= 254
    ? null
    : `billing_email "${value}" is not an e-mail address`;
}

/** `keepReference`: the stored buyer reference, when the file has no buyer_reference column. */
function toCustomer(v: Record<Column, string>, keepReference?: string | null): CustomerData {
  return { ...v, vat_number: v.vat_number || null, prepaid_through: v.prepaid_through || null, buyer_reference: keepReference !== undefined ? keepReference : v.buyer_reference || null };
}

function sameCustomer(a: CustomerData, b: CustomerData): boolean {
  return [...CUSTOMER_COLUMNS, ...OPTIONAL_CUSTOMER_COLUMNS].every((c) => a[c] === b[c]);
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
