import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../infra/db';
import { importCustomers, importPartners, toJson, InputError } from '../../imports';
import { createTestDatabase } from '../support/database';
import { fixtureDir, lines, tableCounts } from './fixtures';

const HEADER = 'customer_id,name,org_number,vat_number,billing_email,street,postal_code,city,country,partner_id,monthly_billing_from,prepaid_through';

let db: Db;
let drop: () => Promise<void>;
const files = fixtureDir();

const PARTNERS = lines(
  'partner_id,name,org_number,email,street,postal_code,city,country',
  'P-NORTH,Norrsken Affärssystem AB,556677-1233,faktura@norrsken.example,Storgatan 12,903 26,Umeå,SE',
  'P-SOUTH,Südpartner GmbH,HRB 999,info@suedpartner.example,Marktplatz 1,80331,München,DE',
  'P-1,Partner Ett AB,559012-3450,p1@partner.example,Kungsgatan 40,111 35,Stockholm,SE',
);

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  expect(toJson(await importPartners(db, files.write('partners.csv', PARTNERS)))).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
});
afterAll(async () => {
  await drop();
  files.remove();
});

const stored = (id: string) =>
  db('customers')
    .where({ customer_id: id })
    .first(
      'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code', 'city', 'country', 'partner_id', 'buyer_reference',
      db.raw(`to_char(monthly_billing_from, 'YYYY-MM-DD') AS monthly_billing_from`),
      db.raw(`to_char(prepaid_through, 'YYYY-MM-DD') AS prepaid_through`),
    );
const versions = (id: string) => db('customer_versions').where({ customer_id: id }).orderBy('id').pluck('data');

describe('importCustomers', () => {
  it('inserts customers of known partners and records a first version', async () => {
    const file = files.write(
      'customers.csv',
      lines(
        HEADER,
        'ACME-1,"Acme, AB",556036-0793,SE556036079301,faktura@acme.se,Storgatan 1,111 22,Stockholm,SE,P-NORTH,2024-11-01,2024-11-15',
        'BETA-2,Beta AB,556703-7485,,ekonomi@beta.se,"Box 12, Kungsgatan 5",411 19,Göteborg,SE,P-NORTH,2024-12-01,',
        'GAMMA.3,Gamma GmbH,HRB 12345,DE123456789,rechnung@gamma.de,Hauptstraße 3,10115,Berlin,DE,P-SOUTH,2024-11-01,',
      ),
    );
    expect(toJson(await importCustomers(db, file))).toEqual({ accepted: 3, duplicates: 0, rejected: [] });

    expect(await stored('ACME-1')).toEqual({
      name: 'Acme, AB',
      org_number: '556036-0793',
      vat_number: 'SE556036079301',
      billing_email: 'faktura@acme.se',
      street: 'Storgatan 1',
      postal_code: '111 22',
      city: 'Stockholm',
      country: 'SE',
      partner_id: 'P-NORTH',
      buyer_reference: null,
      monthly_billing_from: '2024-11-01',
      prepaid_through: '2024-11-15',
    });
    // A missing VAT number is accepted here; the monthly close reports it for the customer.
    expect(await stored('BETA-2')).toMatchObject({ vat_number: null, prepaid_through: null, street: 'Box 12, Kungsgatan 5' });
    expect(await versions('ACME-1')).toEqual([expect.objectContaining({ customer_id: 'ACME-1', name: 'Acme, AB', vat_number: 'SE556036079301' })]);

    // The same file again: all duplicates, nothing changes.
    const before = await tableCounts(db);
    expect(toJson(await importCustomers(db, file))).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await tableCounts(db)).toEqual({ ...before, import_batches: before.import_batches + 1 });
  });

  it('refuses a customer whose partner is not known, and creates no partner', async () => {
    const file = files.write(
      'unknown-partner.csv',
      lines(
        HEADER,
        'U-1,Utan Partner AB,556036-0793,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-X,2024-11-01,',
        'U-2,Med Partner AB,556036-0793,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,',
      ),
    );
    expect(toJson(await importCustomers(db, file))).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [{ line: 2, customer_id: 'U-1', key: 'U-1', reason: 'partner P-X is not known: import partners first' }],
    });
    expect(await db('partners').where({ partner_id: 'P-X' }).first()).toBeUndefined();
    expect(await db('customers').where('customer_id', 'like', 'U-%').pluck('customer_id')).toEqual(['U-2']);
  });

  it('updates a changed customer and records the new data as a version', async () => {
    const file = files.write(
      'changed.csv',
      lines(
        HEADER,
        'ACME-1,"Acme, AB",556036-0793,SE556036079301,invoices@acme.se,Storgatan 1,111 22,Stockholm,SE,P-NORTH,2024-11-01,2024-11-15',
        'BETA-2,Beta AB,556703-7485,,ekonomi@beta.se,"Box 12, Kungsgatan 5",411 19,Göteborg,SE,P-NORTH,2024-12-01,',
      ),
    );
    expect(toJson(await importCustomers(db, file))).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await stored('ACME-1')).toMatchObject({ billing_email: 'invoices@acme.se' });
    const history = await versions('ACME-1');
    expect(history.map((v: { billing_email: string }) => v.billing_email)).toEqual(['faktura@acme.se', 'invoices@acme.se']);
    expect(await versions('BETA-2')).toHaveLength(1);
  });

  it('rejects rows with bad master data, each with its reason', async () => {
    const ok = 'Name AB,556123-4567,SE556123456701,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,';
    const file = files.write(
      'bad.csv',
      Buffer.concat([
        Buffer.from(
          lines(
            HEADER,
            `-bad,${ok}`, // 2
            'C-3,,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 3
            'C-4,Name AB,556123-4568,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 4
            'C-5,Name AB,5561234567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 5
            'C-6,Name AB,556123-4567,SE556036079301,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 6
            'C-7,Name AB,556123-4567,SE5561234567,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 7
            'C-8,Name AB,556123-4567,,not-an-email,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 8
            'C-9,Name AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,se,P-1,2024-11-01,', // 9
            'C-10,Name AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-02-30,', // 10
            'C-11,Name AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,15/11/2024', // 11
            'C-12,Name AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,,2024-11-01,', // 12
            'C-13,Name AB,HRB 1,de123,a@b.se,Gatan 1,10115,Berlin,DE,P-1,2024-11-01,', // 13
            'C-14,Name AB,556123-4567,,a@b.se,,111 22,Stockholm,SE,P-1,2024-11-01,', // 14
            'C-15,Acme, AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,', // 15
          ),
        ),
        Buffer.from('C-16,Malm\xf6 AB,556123-4567,,a@b.se,Gatan 1,111 22,Malm\xf6,SE,P-1,2024-11-01,\n', 'latin1'), // 16
        Buffer.from(lines(`C-17,${ok}`)), // 17
      ]),
    );
    const report = toJson(await importCustomers(db, file));
    expect(report.accepted).toBe(1);
    expect(report.rejected.map((r) => [r.line, r.customer_id, r.reason])).toEqual([
      [2, '-bad', `customer_id "-bad" is malformed: use letters, digits, '_', '.' or '-' (at most 64)`],
      [3, 'C-3', 'name is empty'],
      [4, 'C-4', 'org_number "556123-4568" has a wrong check digit'],
      [5, 'C-5', 'org_number "5561234567" is not a Swedish organisation number (NNNNNN-NNNN)'],
      [6, 'C-6', 'vat_number "SE556036079301" does not match org_number 556123-4567'],
      [7, 'C-7', 'vat_number "SE5561234567" is not a VAT number of SE (SE and the 10-digit organisation number and 01, no spaces or dots)'],
      [8, 'C-8', 'billing_email "not-an-email" is not an e-mail address'],
      [9, 'C-9', 'country "se" is not an ISO 3166 two-letter code in capitals (e.g. SE)'],
      [10, 'C-10', 'monthly_billing_from "2024-02-30" is not a date (YYYY-MM-DD)'],
      [11, 'C-11', 'prepaid_through "15/11/2024" is not a date (YYYY-MM-DD)'],
      [12, 'C-12', 'partner_id is empty'],
      [13, 'C-13', 'vat_number "de123" does not start with a country prefix in capitals: it must start with DE'],
      [14, 'C-14', 'street is empty'],
      [15, 'C-15', 'expected 12 fields, found 13 (a value containing a comma must be in double quotes)'],
      [16, 'C-16', 'not valid UTF-8: save the file as UTF-8'],
    ]);
    expect(await db('customers').where('customer_id', 'like', 'C-%').pluck('customer_id')).toEqual(['C-17']);
    expect(await db('rejected_rows').where({ kind: 'customers', file_name: 'bad.csv' }).orderBy('line').pluck('line')).toEqual(report.rejected.map((r) => r.line));
  });

  it('keeps the good rows when a date is out of range', async () => {
    const row = (id: string, from: string, prepaid: string) =>
      `${id},Year AB,556123-4567,SE556123456701,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,${from},${prepaid}`;
    const file = files.write(
      'years.csv',
      lines(HEADER, row('Y-1', '2024-11-01', ''), row('Y-2', '0000-06-01', ''), row('Y-3', '2024-11-01', '0000-01-31'), row('Y-4', '3000-01-01', '')),
    );
    expect(toJson(await importCustomers(db, file)).rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'monthly_billing_from "0000-06-01" is out of range: dates must be in the years 2000-2999'],
      [4, 'prepaid_through "0000-01-31" is out of range: dates must be in the years 2000-2999'],
      [5, 'monthly_billing_from "3000-01-01" is out of range: dates must be in the years 2000-2999'],
    ]);
    expect(await db('customers').where('customer_id', 'like', 'Y-%').pluck('customer_id')).toEqual(['Y-1']);
  });

  it('refuses a VAT number of another country, which would reverse-charge the wrong buyer', async () => {
    const row = (id: string, vat: string, country: string) => `${id},Buyer,REG 1,${vat},a@b.eu,Street 1,1000,City,${country},P-1,2024-11-01,`;
    const file = files.write(
      'vat.csv',
      lines(
        HEADER,
        row('V-1', 'DE123456789', 'FR'), // 2
        row('V-2', 'FR12345678901', 'FR'), // 3
        row('V-3', 'GR123456789', 'GR'), // 4
        row('V-4', 'EL123456789', 'GR'), // 5
        row('V-5', 'EL123456789', 'EL'), // 6
        row('V-6', 'XI123456789', 'XI'), // 7
        row('V-7', 'XI123456789', 'GB'), // 8: a UK buyer; the close refuses it as outside the EU
        row('V-8', 'FI1234567', 'FI'), // 9
        row('V-9', 'SE556036079301', 'NO'), // 10
      ),
    );
    expect(toJson(await importCustomers(db, file)).rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, `vat_number "DE123456789" has the prefix DE, but the customer's country is FR: it must start with FR`],
      [4, `vat_number "GR123456789" has the prefix GR, but the customer's country is GR: it must start with EL (Greek VAT numbers start with EL)`],
      [6, 'country "EL" is not a country code: EL is the VAT prefix of Greece; its country code is GR'],
      [7, 'country "XI" is not a country code: XI is the VAT prefix of Northern Ireland (for goods); its country code is GB'],
      [9, 'vat_number "FI1234567" is not a VAT number of FI (FI and 8 digits, no spaces or dots)'],
      [10, `vat_number "SE556036079301" has the prefix SE, but the customer's country is NO: it must start with NO`],
    ]);
    expect(await db('customers').where('customer_id', 'like', 'V-%').orderBy('customer_id').pluck('customer_id')).toEqual(['V-2', 'V-4', 'V-7']);
  });

  it('refuses values that would break an invoice, quoting long ones shortened', async () => {
    const ok = (id: string) => `${id},Name AB,556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,`;
    const file = files.write(
      'text.csv',
      lines(
        HEADER,
        `T-1,"Name\nAB",556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,`, // 2-3
        `T-2,${'N'.repeat(201)},556123-4567,,a@b.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,`, // 4
        `T-3,Name AB,556123-4567,,a@b.se,Gatan 1,11122x,Stockholm,SE,P-1,2024-11-01,`, // 5
        `T-4,Name AB,556123-4567,,${'a'.repeat(10_000)},Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,`, // 6
        ok('T-5'), // 7
      ),
    );
    expect(toJson(await importCustomers(db, file)).rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'name contains a line break (after "Name"): a value must be one line of text'],
      [4, 'name is 201 characters long: at most 200'],
      [5, 'postal_code "11122x" is not a Swedish postal code (NNN NN)'],
      [6, `billing_email "${'a'.repeat(60)}…" (10000 characters) is not an e-mail address`],
    ]);
    expect(await db('customers').where('customer_id', 'like', 'T-%').pluck('customer_id')).toEqual(['T-5']);
  });

  it('rejects a second row of the same customer with other values, also on re-import', async () => {
    const file = files.write(
      'twice.csv',
      lines(
        HEADER,
        'D-1,Delta AB,556677-8899,,a@delta.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,',
        'D-1,Delta AB,556677-8899,,a@delta.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,',
        'D-1,Delta Sverige AB,556677-8899,,a@delta.se,Gatan 1,111 22,Stockholm,SE,P-1,2024-11-01,',
      ),
    );
    const rejected = [{ line: 4, customer_id: 'D-1', key: 'D-1', reason: 'customer "D-1" appears earlier in this file (line 2) with other values' }];
    expect(toJson(await importCustomers(db, file))).toEqual({ accepted: 1, duplicates: 1, rejected });
    const before = await tableCounts(db);
    expect(toJson(await importCustomers(db, file))).toEqual({ accepted: 0, duplicates: 2, rejected });
    expect(await tableCounts(db)).toEqual({ ...before, import_batches: before.import_batches + 1 });
    expect(await stored('D-1')).toMatchObject({ name: 'Delta AB' });
  });

  it('refuses a file with missing or unknown columns before writing anything', async () => {
    const before = await tableCounts(db);
    const missing = files.write('missing.csv', lines(HEADER.replace(',prepaid_through', ''), 'E-1,E AB,556123-4567,,a@b.se,G 1,111 22,Sthlm,SE,P-1,2024-11-01'));
    await expect(importCustomers(db, missing)).rejects.toThrow(`${missing}:1: missing column "prepaid_through"; the header must be: ${HEADER} (optional: buyer_reference)`);
    const extra = files.write('extra.csv', lines(`${HEADER},discount`, 'E-1,E AB,556123-4567,,a@b.se,G 1,111 22,Sthlm,SE,P-1,2024-11-01,,10'));
    const err = await importCustomers(db, extra).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).reason).toBe(`unknown column "discount"; the header must be: ${HEADER} (optional: buyer_reference)`);
    expect(await tableCounts(db)).toEqual(before);
  });

  it('takes an optional buyer_reference column; a file without it keeps the stored reference', async () => {
    const row = 'REF-1,Ref AB,556036-0793,SE556036079301,faktura@ref.se,Storgatan 1,111 22,Stockholm,SE,P-NORTH,2024-11-01,';
    const withRef = files.write('with-ref.csv', lines(`${HEADER},buyer_reference`, `${row},Inköp 4711`));
    expect(toJson(await importCustomers(db, withRef))).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await stored('REF-1')).buyer_reference).toBe('Inköp 4711');
    // The same row without the column changes nothing.
    expect(toJson(await importCustomers(db, files.write('without-ref.csv', lines(HEADER, row))))).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect((await stored('REF-1')).buyer_reference).toBe('Inköp 4711');
    // An empty value clears it; an unknown column is still refused.
    expect(toJson(await importCustomers(db, files.write('empty-ref.csv', lines(`${HEADER},buyer_reference`, `${row},`))))).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await stored('REF-1')).buyer_reference).toBeNull();
    await expect(importCustomers(db, files.write('bad.csv', lines(`${HEADER},buyer_ref`, `${row},x`)))).rejects.toThrow(/unknown column "buyer_ref".*\(optional: buyer_reference\)/);
  });
});
