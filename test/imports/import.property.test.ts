// Random files of good and bad rows, for each importer, against the real database: a bad row
// never costs a good one, is never stored, and is reported on its own line; every data row
// is counted exactly once (accepted + duplicates + rejected).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_INFO } from '../../billing/articles';
import { ARTICLES, type Article } from '../../billing/types';
import type { Db } from '../../infra/db';
import { importCustomers, importPrices, importUsage, type ImportReport } from '../../imports';
import { createTestDatabase } from '../support/database';
import { fixtureDir, insertCustomers } from './fixtures';

const NOW = new Date('2024-12-02T12:00:00Z');
const RUNS = 30;

let db: Db;
let drop: () => Promise<void>;
const files = fixtureDir();
let fileNo = 0;

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  await insertCustomers(db, ['C-1', 'C-2']);
});
afterAll(async () => {
  await drop();
  files.remove();
});

/** A generated row: its fields once it is given a unique key, and whether it must be accepted. */
interface Row {
  [fc.toStringMethod]?: () => string;
  good: boolean;
  fields: (key: string) => string[];
}

const csvField = (v: string) => (/[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
// Counterexamples print as the row's text, shortened, not as the closure's source.
const row = (isGood: boolean, fields: Row['fields']): Row => ({
  good: isGood,
  fields,
  [fc.toStringMethod]: () => `${isGood ? 'good' : 'bad'}: ${fields('KEY').join(',').slice(0, 120)}`,
});
const good = (fields: Row['fields']) => row(true, fields);
const bad = (fields: Row['fields']) => row(false, fields);

/** Bad values of the kinds that once reached the database or a bill. */
const BAD_DATES = ['0000-06-01', '0001-01-01', '1969-12-31', '1999-12-31', '3000-01-01', '9999-12-31', '2023-02-29', '2024-13-01'];
const BAD_COUNTS = ['0', '-1', '1000000000', '9007199254740991', '99999999999999999999999', '1495,00', '1e5', ' 1 000'];
const HUGE = 'x'.repeat(10_000);
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dateArb = fc
  .record({ y: fc.integer({ min: 2000, max: 2999 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
  .map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);

/** Import `rows` (after a header) and check the invariants; returns the keys of the good rows. */
async function importAndCheck(
  header: string,
  rows: Row[],
  keyOf: (i: number) => string,
  importer: (file: string) => Promise<ImportReport>,
  storedKeys: (batchId: string) => Promise<string[]>,
): Promise<void> {
  const keys = rows.map((_, i) => keyOf(i));
  const lines = rows.map((r, i) => r.fields(keys[i]).map(csvField).join(','));
  const report = await importer(files.write(`property-${++fileNo}.csv`, [header, ...lines].map((l) => `${l}\n`).join('')));

  // Rows hold no line breaks, so data row i is on line i + 2.
  const badLines = rows.flatMap((r, i) => (r.good ? [] : [i + 2]));
  expect(report.accepted + report.duplicates + report.rejected.length).toBe(rows.length);
  expect(report.duplicates).toBe(0);
  expect(report.rejected.map((r) => r.line)).toEqual(badLines);
  for (const r of report.rejected) expect(r.reason.length).toBeLessThan(300);

  const [{ id: batchId }] = await db('import_batches').orderBy('id', 'desc').limit(1).select('id');
  const goodKeys = keys.filter((_, i) => rows[i].good);
  expect((await storedKeys(String(batchId))).sort()).toEqual([...goodKeys].sort());
  // Logged once per content and reason (an earlier run may have logged the same bad row).
  const badRaw = lines.filter((_, i) => !rows[i].good);
  const logged = new Set<string>(await db('rejected_rows').where({ kind: report.kind }).whereIn('raw', badRaw).pluck('raw'));
  expect(badRaw.filter((raw) => !logged.has(raw))).toEqual([]);
}

describe('imports of random good and bad rows', () => {
  it('usage: every good event stored, no bad one', async () => {
    const time = fc
      .record({ ms: fc.integer({ min: Date.UTC(2000, 0, 1, 14), max: NOW.getTime() }), zone: fc.constantFrom('Z', '+01:00', '-05:00', '+0530') })
      .map(({ ms, zone }) => {
        const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
        return `${new Date(ms + offset * 60_000).toISOString().slice(0, 19)}${zone}`;
      });
    const event = (at: string, subject: [string, string, string, string], customer = 'C-1') => (key: string) => [key, customer, at, ...subject];
    const subject = fc.constantFrom<[string, string, string, string]>(
      ['module', 'smart', 'activated', ''],
      ['module', 'komplett', 'deactivated', ''],
      ['user', 'u1', 'activated', 'portal_user'],
      ['user', 'u2', 'role_changed', 'superuser'],
      ['company', 'k1', 'activated', ''],
    );
    const goodRow = fc.record({ at: time, s: subject, c: fc.constantFrom('C-1', 'C-2') }).map(({ at, s, c }) => good(event(at, s, c)));
    const badRow = fc.oneof(
      fc.record({ d: fc.constantFrom(...BAD_DATES), s: subject }).map(({ d, s }) => bad(event(`${d}T00:00:00Z`, s))),
      subject.map((s) => bad(event('2024-12-03T12:00:00Z', s))), // in the future
      subject.map((s) => bad(event('2024-11-01T10:00:00Z', s, 'C-404'))),
      time.map((at) => bad(event(at, ['user', 'u1', 'activated', 'admin']))),
      time.map((at) => bad(event(at, ['user', 'u\tx', 'activated', 'portal_user']))),
      time.map((at) => bad(event(at, ['user', HUGE, 'activated', 'portal_user']))),
      time.map((at) => bad((key) => [`${key}-${HUGE}`, 'C-1', at, 'module', 'smart', 'activated', ''])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 3, arbitrary: goodRow }, { weight: 2, arbitrary: badRow }), { minLength: 1, maxLength: 12 }), async (rows) => {
        const file = fileNo + 1;
        await importAndCheck(
          'event_id,customer_id,occurred_at,subject_type,subject_id,action,role',
          rows,
          (i) => `P${file}-${i}`,
          (f) => importUsage(db, f, { now: NOW }),
          (batchId) => db('usage_events').where({ import_batch_id: batchId }).pluck('event_id'),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('customers: every good customer stored, no bad one', async () => {
    const customer = (over: Partial<Record<'name' | 'vat' | 'country' | 'email' | 'postal' | 'from' | 'prepaid', string>>) => (key: string) => {
      const fi = over.country === 'FI';
      return [
        key, over.name ?? 'Prop AB', fi ? '1234567-8' : '556036-0793', over.vat ?? (fi ? 'FI12345678' : 'SE556036079301'),
        over.email ?? 'a@b.se', 'Gatan 1', over.postal ?? (fi ? '00100' : '111 22'), 'Stad', over.country ?? 'SE', 'P-1',
        over.from ?? '2024-11-01', over.prepaid ?? '',
      ];
    };
    const goodRow = fc
      .record({ country: fc.constantFrom('SE', 'FI'), from: dateArb, prepaid: fc.oneof(fc.constant(''), dateArb, fc.constantFrom('2000-01-01', '2999-12-31')) })
      .map((o) => good(customer(o)));
    const badRow = fc.oneof(
      fc.constantFrom(...BAD_DATES).map((from) => bad(customer({ from }))),
      fc.constantFrom(...BAD_DATES).map((prepaid) => bad(customer({ prepaid }))),
      fc.constantFrom('DE123456789', 'FR12345678901', 'se556036079301', 'SE 556036079301').map((vat) => bad(customer({ country: 'FI', vat }))),
      fc.constantFrom('EL', 'UK', 'XI', 'se', 'Sweden').map((country) => bad(customer({ country, vat: '' }))),
      fc.constantFrom('Prop\tAB', HUGE, '').map((name) => bad(customer({ name }))),
      fc.constantFrom(HUGE, 'a@b', '').map((email) => bad(customer({ email }))),
      fc.constantFrom('1112', '111 22 33', 'S-111 22').map((postal) => bad(customer({ postal }))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 3, arbitrary: goodRow }, { weight: 2, arbitrary: badRow }), { minLength: 1, maxLength: 12 }), async (rows) => {
        const file = fileNo + 1;
        await importAndCheck(
          'customer_id,name,org_number,vat_number,billing_email,street,postal_code,city,country,partner_id,monthly_billing_from,prepaid_through',
          rows,
          (i) => `PC${file}-${i}`,
          (f) => importCustomers(db, f),
          (batchId) => db('customers').where({ import_batch_id: batchId }).pluck('customer_id'),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('prices: every good price stored, no bad one', async () => {
    // Keys are article|valid_from; each row gets a day of its own so that good rows never collide.
    let day = 0;
    const nextDate = () => new Date(Date.UTC(2100, 0, 1) + day++ * 86_400_000).toISOString().slice(0, 10);
    type Over = Partial<Record<'description' | 'legacy' | 'price' | 'vat' | 'included' | 'from', string>>;
    const price = (article: Article, over: Over) => (key: string) => [
      article, over.description ?? ARTICLE_INFO[article].description, over.legacy ?? ARTICLE_INFO[article].legacyDescription,
      over.price ?? '39500', over.vat ?? '25', over.included ?? (article === 'extra_company' ? '1' : '0'), over.from ?? key.split('|')[1],
    ];
    const article = fc.constantFrom(...ARTICLES);
    const goodRow = fc
      .record({ a: article, price: fc.oneof(fc.integer({ min: 1, max: 999_999_999 }), fc.constantFrom(1, 999_999_999)) })
      .map(({ a, price: p }) => ({ article: a, row: good(price(a, { price: String(p) })) }));
    const badRow = fc.oneof(
      fc.record({ a: article, p: fc.constantFrom(...BAD_COUNTS) }).map(({ a, p }) => ({ article: a, row: bad(price(a, { price: p })) })),
      fc.record({ a: article, from: fc.constantFrom(...BAD_DATES) }).map(({ a, from }) => ({ article: a, row: bad(price(a, { from })) })),
      fc.record({ a: article, d: fc.constantFrom('OneStop Reporting', 'onestop reporting - smart', HUGE, '') }).map(({ a, d }) => ({ article: a, row: bad(price(a, { description: d })) })),
      article.map((a) => ({ article: a, row: bad(price(a, { legacy: ARTICLE_INFO[a].description })) })),
      article.map((a) => ({ article: a, row: bad(price(a, { vat: '0' })) })),
      fc.constantFrom('2147483648', '-1', '1.5').map((included) => ({ article: 'extra_company' as Article, row: bad(price('extra_company', { included })) })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 3, arbitrary: goodRow }, { weight: 2, arbitrary: badRow }), { minLength: 1, maxLength: 12 }), async (generated) => {
        const keys = generated.map((g) => `${g.article}|${nextDate()}`);
        await importAndCheck(
          'article,description,legacy_description,unit_price_ore,vat_percent,included_quantity,valid_from',
          generated.map((g) => g.row),
          (i) => keys[i],
          (f) => importPrices(db, f),
          async (batchId) =>
            (await db('price_items').where({ import_batch_id: batchId }).select('article', db.raw(`to_char(valid_from, 'YYYY-MM-DD') AS valid_from`))).map(
              (r: { article: string; valid_from: string }) => `${r.article}|${r.valid_from}`,
            ),
        );
      }),
      { numRuns: RUNS },
    );
  });
});
