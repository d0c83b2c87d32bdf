import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { ARTICLES } from '../billing/types';
import { openCsv } from './csv-reader';
import { ImportRun } from './import-run';
import type { ImportReport } from './report';
import { checkCount, checkDate, checkRequired } from './validate';

// The price list is effective-dated and append-only: a price, once in force, is never
// edited (bills already computed from it must stay explainable). A change of price is a
// new row with a later valid_from. One transaction per file.

export const PRICE_COLUMNS = [
  'article', 'description', 'legacy_description', 'unit_price_ore', 'vat_percent', 'included_quantity', 'valid_from',
] as const;
type Column = (typeof PRICE_COLUMNS)[number];

const VAT_RATES = ['0', '6', '12', '25']; // the Swedish rates

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
  if (!(ARTICLES as readonly string[]).includes(v.article)) return `unknown article "${v.article}" (expected one of ${ARTICLES.join(', ')})`;
  return (
    checkRequired('description', v.description) ??
    checkCount('unit_price_ore', v.unit_price_ore) ??
    (VAT_RATES.includes(v.vat_percent) ? null : `vat_percent "${v.vat_percent}" is not a Swedish VAT rate (${VAT_RATES.join(', ')})`) ??
    checkCount('included_quantity', v.included_quantity, 2 ** 31 - 1) ??
    checkDate('valid_from', v.valid_from)
  );
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
