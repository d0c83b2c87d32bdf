import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import type { ImportReport } from './report';
import {
  checkCountry, checkEmail, checkId, checkOneLine, checkOrgNumber, checkPostalCode, checkText, countryCode, MAX_CITY, MAX_NAME,
} from './validate';
import { importVersioned, type VersionedTable } from './versioned-upsert';

// Partners (the resellers customers are sold through) are master data like customers:
// upserted with every version kept (see versioned-upsert.ts). Their name is on the invoice
// and in the e-mails, so every column is required.

export const PARTNER_COLUMNS = ['partner_id', 'name', 'org_number', 'email', 'street', 'postal_code', 'city', 'country'] as const;
type Column = (typeof PARTNER_COLUMNS)[number];

export interface PartnerData {
  [column: string]: string | null;
  partner_id: string;
  name: string;
  org_number: string;
  email: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
}

const PARTNERS: VersionedTable<Column, PartnerData> = {
  kind: 'partners',
  noun: 'partner',
  table: 'partners',
  versionsTable: 'partner_versions',
  key: 'partner_id',
  columns: PARTNER_COLUMNS,
  check: checkPartner,
  toData: (v) => ({ ...v }),
  load: loadPartners,
};

export function importPartners(db: Db, filePath: string): Promise<ImportReport> {
  return importVersioned(db, filePath, PARTNERS);
}

/** Why a row is not a usable partner, or null. The first problem found is reported. */
export function checkPartner(v: Record<Column, string>): string | null {
  const swedish = countryCode(v.country) === 'SE';
  return (
    checkId('partner_id', v.partner_id) ??
    checkOneLine(PARTNER_COLUMNS, v) ??
    checkText('name', v.name, MAX_NAME) ??
    checkCountry(v.country) ??
    checkOrgNumber(v.org_number, swedish) ??
    checkEmail('email', v.email) ??
    checkText('street', v.street, MAX_NAME) ??
    checkPostalCode(v.postal_code, swedish) ??
    checkText('city', v.city, MAX_CITY)
  );
}

async function loadPartners(trx: Knex.Transaction): Promise<Map<string, PartnerData>> {
  // Partners from before `partners import` existed have only a name: they read as changed.
  const rows: PartnerData[] = await trx('partners').select(...PARTNER_COLUMNS);
  return new Map(rows.map((r) => [r.partner_id, r]));
}
