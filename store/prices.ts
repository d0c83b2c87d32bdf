import type { Db } from '../infra/db';
import type { Article, PriceItem } from '../billing/types';
import { isoDate } from './customers';

/** Every price row; the rating picks the one in force per article and period. */
export async function loadPriceItems(db: Db): Promise<PriceItem[]> {
  const rows = await db('price_items').select('*').orderBy(['article', 'valid_from']);
  return rows.map((r) => ({
    article: r.article as Article,
    description: r.description,
    legacyDescription: r.legacy_description,
    unitPriceOre: Number(r.unit_price_ore),
    vatPercent: r.vat_percent,
    includedQuantity: r.included_quantity,
    validFrom: isoDate(r.valid_from)!,
  }));
}
