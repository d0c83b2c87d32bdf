import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { ARTICLE_INFO } from '../billing/articles';
import { ARTICLES } from '../billing/types';
import { openCsv } from './csv-reader';
import { ImportRun } from './import-run';
import type { ImportReport } from './report';
import { checkCount, checkDate, checkOneLine, quote } from './validate';

// The price list is effective-dated and append-only: a price, once in force, is never
// edited (bills already computed from it must stay explainable). A change of price is a
// new row with a later valid_from. One transaction per file.

export const PRICE_COLUMNS = [
  'article', 'description', 'legacy_description', 'unit_price_ore', 'vat_percent', 'included_quantity', 'valid_from',
] as const;
type Column = (typeof PRICE_COLUMNS)[number];

const VAT_PERCENT = '25'; // billing-rules.md: moms 25 %
/** Positive whole öre below 10,000,000 kr (billing-rules.md): sums of them stay exact. */
export const MAX_UNIT_PRICE_ORE = 999_999_999;

interface PriceRow {
  article: string;
  description: string;
  legacy_description: string;
  unit_price_ore: number;
  vat_percent: number;
  included_quantity: number;
  valid_from: string; // YYYY-MM-DD
}

export async function importPrices(db: Db, filePath: string): Promise<ImportReport> {
  const csv = await openCsv(filePath, PRICE_COLUMNS); // a bad header refuses the file here, before any write
  try {
    return await db.transaction(async (trx) => {
      const run = await ImportRun.start(trx, 'prices', filePath);
      const stored = await loadPrices(trx);
      for await (const record of csv) {
        const reason = record.problem ?? checkPrice(record.values);
        if (reason) {
          await run.reject(record, record.values.article, reason);
          continue;
        }
        const price = toPrice(record.values);
        const key = `${price.article}|${price.valid_from}`;
        const existing = stored.get(key);
        if (existing && samePrice(existing, price)) run.duplicate();
        else if (existing) {
          await run.reject(
            record,
            price.article,
            `a price for ${price.article} from ${price.valid_from} already exists with other values; ` +
              'prices are effective-dated: add a row with a new valid_from',
          );
        } else {
          await trx('price_items').insert({ ...price, import_batch_id: run.batchId });
          stored.set(key, price);
          run.accept();
        }
      }
      return run.finish();
    });
  } finally {
    csv.close();
  }
}

/** Why a row is not a usable price, or null. The first problem found is reported. */
export function checkPrice(v: Record<Column, string>): string | null {
  if (!includes(ARTICLES, v.article)) return `unknown article ${quote(v.article)} (expected one of ${ARTICLES.join(', ')})`;
  const info = ARTICLE_INFO[v.article];
  return (
    checkOneLine(PRICE_COLUMNS, v) ??
    // The description is printed on the invoice as is: it must be the one billing-rules.md fixes.
    exactly('description', v.description, info.description, v.article) ??
    exactly('legacy_description', v.legacy_description, info.legacyDescription, v.article) ??
    checkUnitPrice(v.unit_price_ore) ??
    (v.vat_percent === VAT_PERCENT ? null : `vat_percent ${quote(v.vat_percent)} is not ${VAT_PERCENT}: these articles carry Swedish standard-rate VAT; reverse charge is decided per customer`) ??
    checkIncluded(v.article, v.included_quantity) ??
    checkDate('valid_from', v.valid_from)
  );
}

function includes<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

function exactly(column: string, value: string, expected: string, article: string): string | null {
  if (value === expected) return null;
  return `${column} of ${article} must be exactly "${expected}"${value === '' ? ', not empty' : `, not ${quote(value)}${difference(value, expected)}`}`;
}

/** Where two texts first differ, when they differ by a look-alike (an en dash from autocorrect, a no-break space). */
function difference(value: string, expected: string): string {
  const [a, b] = [[...value], [...expected]];
  const i = a.findIndex((c, k) => c !== b[k]);
  if (i === -1 || i >= b.length || a.length !== b.length) return '';
  const code = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return ` (character ${i + 1} is ${code(a[i])} where ${code(b[i])} "${b[i]}" is expected)`;
}

function checkUnitPrice(value: string): string | null {
  if (/^\d+[.,]\d*$/.test(value)) return `unit_price_ore ${quote(value)} is not a whole number of öre: 1 495,00 kr is written 149500`;
  return checkCount('unit_price_ore', value, { min: 1, max: MAX_UNIT_PRICE_ORE });
}

// Only extra_company uses an included quantity (companies included in the price); on any
// other article a non-zero value would look like it changes the bill while it does not.
function checkIncluded(article: string, value: string): string | null {
  const problem = checkCount('included_quantity', value, { max: 2 ** 31 - 1 }); // an int column
  if (problem || article === 'extra_company' || Number(value) === 0) return problem;
  return `included_quantity ${value} applies to extra_company only: write 0 for ${article}`;
}

function toPrice(v: Record<Column, string>): PriceRow {
  return {
    article: v.article,
    description: v.description,
    legacy_description: v.legacy_description,
    unit_price_ore: Number(v.unit_price_ore),
    vat_percent: Number(v.vat_percent),
    included_quantity: Number(v.included_quantity),
    valid_from: v.valid_from,
  };
}

function samePrice(a: PriceRow, b: PriceRow): boolean {
  return PRICE_COLUMNS.every((c) => a[c] === b[c]);
}

async function loadPrices(trx: Knex.Transaction): Promise<Map<string, PriceRow>> {
  const rows: PriceRow[] = await trx('price_items').select(
    'article', 'description', 'legacy_description',
    trx.raw('unit_price_ore::float8 AS unit_price_ore'), // a number whatever pg's bigint parser is
    'vat_percent', 'included_quantity',
    trx.raw(`to_char(valid_from, 'YYYY-MM-DD') AS valid_from`),
  );
  return new Map(rows.map((r) => [`${r.article}|${r.valid_from}`, r]));
}
