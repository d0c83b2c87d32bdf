import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../infra/db';
import { importCustomers, importPartners, toJson, formatReport } from '../../imports';
import { loadCustomer } from '../../store/customers';
import { createTestDatabase } from '../support/database';
import { fixtureDir, lines, tableCounts } from './fixtures';

const HEADER = 'partner_id,name,org_number,email,street,postal_code,city,country';
const CUSTOMER_HEADER = 'customer_id,name,org_number,vat_number,billing_email,street,postal_code,city,country,partner_id,monthly_billing_from,prepaid_through';

let db: Db;
let drop: () => Promise<void>;
const files = fixtureDir();

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
});
afterAll(async () => {
  await drop();
  files.remove();
});

const versions = (id: string) => db('partner_versions').where({ partner_id: id }).orderBy('id').pluck('data');

describe('importPartners', () => {
  it('inserts partners with a first version, and importing them again changes nothing', async () => {
    const file = files.write(
      'partners.csv',
      lines(
        HEADER,
        'P-NORR,"Norrsken Affärssystem, AB",556677-1233,faktura@norrsken.example,Storgatan 12,903 26,Umeå,SE',
        'P-FI,Kumppani Oy,1234567-8,laskutus@kumppani.example,Mannerheimintie 1,00100,Helsinki,FI',
      ),
    );
    expect(toJson(await importPartners(db, file))).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await db('partners').where({ partner_id: 'P-NORR' }).first('name', 'org_number', 'email', 'street', 'postal_code', 'city', 'country')).toEqual({
      name: 'Norrsken Affärssystem, AB', org_number: '556677-1233', email: 'faktura@norrsken.example', street: 'Storgatan 12',
      postal_code: '903 26', city: 'Umeå', country: 'SE',
    });
    expect(await versions('P-NORR')).toEqual([expect.objectContaining({ partner_id: 'P-NORR', name: 'Norrsken Affärssystem, AB' })]);

    const before = await tableCounts(db);
    expect(toJson(await importPartners(db, file))).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    expect(await tableCounts(db)).toEqual({ ...before, import_batches: before.import_batches + 1 });
    expect(await db('import_batches').orderBy('id').pluck('kind')).toEqual(['partners', 'partners']);
  });

  it('updates a changed partner, keeping the old data as a version; customers see the new name', async () => {
    await importCustomers(
      db,
      files.write('customers.csv', lines(CUSTOMER_HEADER, 'C-1,Kund AB,556036-0793,SE556036079301,a@kund.se,Gatan 1,111 22,Stockholm,SE,P-NORR,2024-11-01,')),
    );
    const file = files.write('renamed.csv', lines(HEADER, 'P-NORR,Norrsken Norr AB,556677-1233,faktura@norrsken.example,Storgatan 12,903 26,Umeå,SE'));
    expect(toJson(await importPartners(db, file))).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await versions('P-NORR')).map((v: { name: string }) => v.name)).toEqual(['Norrsken Affärssystem, AB', 'Norrsken Norr AB']);
    // The invoice and the e-mails take the partner's name from here (store/customers.ts).
    expect((await loadCustomer(db, 'C-1'))?.partnerName).toBe('Norrsken Norr AB');
  });

  it('completes a partner created before partners were imported (name only)', async () => {
    await db('partners').insert({ partner_id: 'P-OLD', name: 'P-OLD' });
    const file = files.write('old.csv', lines(HEADER, 'P-OLD,Gamla Partnern AB,556210-9875,info@gamla.example,Stortorget 3,211 22,Malmö,SE'));
    expect(toJson(await importPartners(db, file))).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await db('partners').where({ partner_id: 'P-OLD' }).first('name', 'city')).toEqual({ name: 'Gamla Partnern AB', city: 'Malmö' });
  });

  it('rejects bad rows with their line and reason, keeping the good ones', async () => {
    const ok = 'Partner AB,556677-1233,p@partner.example,Gatan 1,111 22,Stockholm,SE';
    const file = files.write(
      'bad.csv',
      lines(
        HEADER,
        `-bad,${ok}`, // 2
        'B-1,,556677-1233,p@partner.example,Gatan 1,111 22,Stockholm,SE', // 3
        'B-2,Partner AB,556677-1234,p@partner.example,Gatan 1,111 22,Stockholm,SE', // 4
        'B-3,Partner AB,556677-1233,not-an-email,Gatan 1,111 22,Stockholm,SE', // 5
        'B-4,Partner AB,556677-1233,p@partner.example,Gatan 1,11122x,Stockholm,SE', // 6
        'B-5,Partner AB,556677-1233,p@partner.example,Gatan 1,111 22,Stockholm,Sverige', // 7
        'B-6,Partner AB,556677-1233,p@partner.example,,111 22,Stockholm,SE', // 8
        `B-7,${ok}`, // 9
        'B-7,Other AB,556677-1233,p@partner.example,Gatan 1,111 22,Stockholm,SE', // 10
      ),
    );
    const report = await importPartners(db, file);
    expect(toJson(report).rejected.map((r) => [r.line, r.partner_id, r.reason])).toEqual([
      [2, '-bad', `partner_id "-bad" is malformed: use letters, digits, '_', '.' or '-' (at most 64)`],
      [3, 'B-1', 'name is empty'],
      [4, 'B-2', 'org_number "556677-1234" has a wrong check digit'],
      [5, 'B-3', 'email "not-an-email" is not an e-mail address'],
      [6, 'B-4', 'postal_code "11122x" is not a Swedish postal code (NNN NN)'],
      [7, 'B-5', 'country "Sverige" is not an ISO 3166 two-letter code in capitals (e.g. SE)'],
      [8, 'B-6', 'street is empty'],
      [10, 'B-7', 'partner "B-7" appears earlier in this file (line 9) with other values'],
    ]);
    expect(formatReport(report).split('\n')[0]).toBe(`partners import of ${file}: 1 accepted, 0 duplicates, 8 rejected`);
    expect(await db('partners').where('partner_id', 'like', 'B-%').pluck('partner_id')).toEqual(['B-7']);
    expect(await db('rejected_rows').where({ kind: 'partners' }).pluck('line')).toHaveLength(8);
  });
});
