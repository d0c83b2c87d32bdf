import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../infra/db';
import { ARTICLE_INFO } from '../../billing/articles';
import { importPrices, toJson, formatReport, InputError } from '../../imports';
import { createTestDatabase } from '../support/database';
import { fixtureDir, lines, tableCounts } from './fixtures';

const HEADER = 'article,description,legacy_description,unit_price_ore,vat_percent,included_quantity,valid_from';

// The price list of billing-rules.md's worked example.
const PRICE_LIST = lines(
  HEADER,
  'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,149500,25,0,2024-11-01',
  'komplett,OneStop Reporting - Komplett,OneStop Reporting Budgeting,299500,25,0,2024-11-01',
  'extra_company,OneStop Reporting - Extra företag,OneStop Reporting Number of companies (Volume),29500,25,1,2024-11-01',
  'superuser,OneStop Reporting - Superanvändare,OneStop Reporting Superuser,39500,25,0,2024-11-01',
  'portal_user,OneStop Reporting - Portalanvändare,OneStop Reporting Portaluser,19500,25,0,2024-11-01',
  'archive_user,OneStop Reporting - Arkivanvändare,OneStop Reporting Archiveuser,9500,25,0,2024-11-01',
);

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

describe('importPrices', () => {
  it('adds a price list, and importing it again changes nothing', async () => {
    const file = files.write('prices.csv', PRICE_LIST);
    expect(toJson(await importPrices(db, file))).toEqual({ accepted: 6, duplicates: 0, rejected: [] });
    const row = await db('price_items')
      .where({ article: 'extra_company' })
      .first('description', 'legacy_description', 'unit_price_ore', 'vat_percent', 'included_quantity', 'valid_from');
    expect(row).toEqual({
      description: 'OneStop Reporting - Extra företag',
      legacy_description: 'OneStop Reporting Number of companies (Volume)',
      unit_price_ore: 29500,
      vat_percent: 25,
      included_quantity: 1,
      valid_from: '2024-11-01',
    });

    const before = await tableCounts(db);
    expect(toJson(await importPrices(db, file))).toEqual({ accepted: 0, duplicates: 6, rejected: [] });
    expect(await tableCounts(db)).toEqual({ ...before, import_batches: before.import_batches + 1 });
  });

  it('refuses to change a price in force, and accepts the change with a new valid_from', async () => {
    const file = files.write(
      'change.csv',
      lines(
        HEADER,
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,155000,25,0,2024-11-01',
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,155000,25,0,2025-01-01',
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,160000,25,0,2025-01-01',
      ),
    );
    const report = await importPrices(db, file);
    const conflict =
      'a price for smart from 2024-11-01 already exists with other values; prices are effective-dated: add a row with a new valid_from';
    expect(toJson(report)).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { line: 2, article: 'smart', key: 'smart', reason: conflict },
        { line: 4, article: 'smart', key: 'smart', reason: conflict.replace('2024-11-01', '2025-01-01') },
      ],
    });
    expect(formatReport(report).split('\n')[1]).toBe(`line 2: smart: ${conflict}`);
    expect(await db('price_items').where({ article: 'smart' }).orderBy('valid_from').pluck('unit_price_ore')).toEqual([149500, 155000]);
  });

  it('rejects malformed prices with their reasons', async () => {
    const file = files.write(
      'bad.csv',
      lines(
        HEADER,
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,1495.00,25,0,2026-01-01', // 2
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,1 495,25,0,2026-01-01', // 3
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,-1,25,0,2026-01-01', // 4
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,149500,24,0,2026-01-01', // 5
        'budget,OneStop Reporting - Budget,Legacy,149500,25,0,2026-01-01', // 6
        'smart,,OneStop Reporting Integration Fee,149500,25,0,2026-01-01', // 7
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,149500,25,1.5,2026-01-01', // 8
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,149500,25,0,2026-02-30', // 9
        'smart,OneStop Reporting - Smart,OneStop Reporting Integration Fee,,25,0,2026-01-01', // 10
      ),
    );
    expect(toJson(await importPrices(db, file)).rejected.map((r) => [r.line, r.article, r.reason])).toEqual([
      [2, 'smart', 'unit_price_ore "1495.00" is not a whole number of öre: 1 495,00 kr is written 149500'],
      [3, 'smart', 'unit_price_ore "1 495" is not a whole number of digits only'],
      [4, 'smart', 'unit_price_ore "-1" is not a whole number of digits only'],
      [5, 'smart', 'vat_percent "24" is not 25: these articles carry Swedish standard-rate VAT; reverse charge is decided per customer'],
      [6, 'budget', 'unknown article "budget" (expected one of smart, komplett, extra_company, superuser, portal_user, archive_user)'],
      [7, 'smart', 'description of smart must be exactly "OneStop Reporting - Smart", not empty'],
      [8, 'smart', 'included_quantity "1.5" is not a whole number of digits only'],
      [9, 'smart', 'valid_from "2026-02-30" is not a date (YYYY-MM-DD)'],
      [10, 'smart', 'unit_price_ore is empty'],
    ]);
    expect(await db('price_items').where('valid_from', '>=', '2026-01-01').pluck('article')).toEqual([]);
  });

  it('refuses a description other than the article\'s, and prices out of range, keeping the good rows', async () => {
    const row = (article: keyof typeof ARTICLE_INFO, price: string, from: string, over: { d?: string; l?: string; vat?: string; inc?: string } = {}) =>
      [article, over.d ?? ARTICLE_INFO[article].description, over.l ?? ARTICLE_INFO[article].legacyDescription, price, over.vat ?? '25', over.inc ?? '0', from].join(',');
    const file = files.write(
      'rules.csv',
      lines(
        HEADER,
        row('superuser', '39500', '2027-01-01', { d: 'OneStop Reporting - Superuser' }), // 2
        row('superuser', '39500', '2027-02-01', { l: 'OneStop Reporting Portaluser' }), // 3
        row('superuser', '0', '2027-03-01'), // 4
        row('superuser', '1000000000', '2027-04-01'), // 5: 10,000,000 kr
        row('superuser', '9007199254740991', '2027-05-01'), // 6
        row('superuser', '999999999', '2027-06-01'), // 7: the largest price, fine
        row('superuser', '1', '2027-07-01'), // 8: the smallest price, fine
        row('superuser', '39500', '0000-01-01'), // 9
        row('superuser', '39500', '3000-01-01'), // 10
        row('superuser', '39500', '2027-08-01', { vat: '0' }), // 11
        row('superuser', '39500', '2027-09-01', { inc: '1' }), // 12
        row('extra_company', '29500', '2027-01-01', { inc: '2147483648' }), // 13: beyond the int column
        row('extra_company', '29500', '2027-02-01', { inc: '2' }), // 14: fine
      ),
    );
    const report = toJson(await importPrices(db, file));
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'description of superuser must be exactly "OneStop Reporting - Superanvändare", not "OneStop Reporting - Superuser"'],
      [3, 'legacy_description of superuser must be exactly "OneStop Reporting Superuser", not "OneStop Reporting Portaluser"'],
      [4, 'unit_price_ore 0 is too small: at least 1'],
      [5, 'unit_price_ore "1000000000" is too large: at most 999999999'],
      [6, 'unit_price_ore "9007199254740991" is too large: at most 999999999'],
      [9, 'valid_from "0000-01-01" is out of range: dates must be in the years 2000-2999'],
      [10, 'valid_from "3000-01-01" is out of range: dates must be in the years 2000-2999'],
      [11, 'vat_percent "0" is not 25: these articles carry Swedish standard-rate VAT; reverse charge is decided per customer'],
      [12, 'included_quantity 1 applies to extra_company only: write 0 for superuser'],
      [13, 'included_quantity "2147483648" is too large: at most 2147483647'],
    ]);
    expect(report.accepted).toBe(3);
    expect(await db('price_items').where('valid_from', '>=', '2027-01-01').orderBy(['article', 'valid_from']).pluck('unit_price_ore')).toEqual([29500, 999999999, 1]);
  });

  it('accepts a description written in decomposed Unicode, and points at a look-alike character', async () => {
    const info = ARTICLE_INFO.extra_company;
    const file = files.write(
      'lookalike.csv',
      lines(
        HEADER,
        `extra_company,${info.description.normalize('NFD')},${info.legacyDescription},29500,25,1,2028-01-01`, // as macOS writes ö
        `extra_company,${info.description.replace(' - ', ' \u2013 ')},${info.legacyDescription},29500,25,1,2028-02-01`, // Excel's autocorrect
      ),
    );
    const report = toJson(await importPrices(db, file));
    expect(report.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'description of extra_company must be exactly "OneStop Reporting - Extra företag", not "OneStop Reporting \u2013 Extra företag" (character 19 is U+2013 where U+002D "-" is expected)'],
    ]);
    expect(await db('price_items').where({ valid_from: '2028-01-01' }).pluck('description')).toEqual([info.description]);
  });

  it('refuses a file with an unknown column before writing anything', async () => {
    const before = await tableCounts(db);
    const file = files.write('currency.csv', lines(`${HEADER},currency`, 'smart,S,L,1,25,0,2027-01-01,SEK'));
    const err = await importPrices(db, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`${file}:1: unknown column "currency"; the header must be: ${HEADER}`);
    expect(await tableCounts(db)).toEqual(before);
  });
});
