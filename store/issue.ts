import type { Knex } from 'knex';
import type { RatedInvoice } from '../billing/types';

// Issuing a document of a gapless series (invoices F…, credit notes K…), inside the caller's
// transaction: the series' counter row is locked until it commits, so a rollback leaves no gap
// and two issuers never take one number. Never a sequence: sequences skip on rollback.

export interface IssueRow {
  kind: 'invoice' | 'credit_note';
  series: string;
  firstNumber: number;
  /** The invoice row's other columns; number, the amounts and the VAT breakdown are filled in here. */
  columns(number: number): Record<string, unknown>;
  rated: RatedInvoice;
}

/** Takes the series' next number, inserts the document and its lines, advances the counter. */
export async function issueDocument(trx: Knex.Transaction, doc: IssueRow): Promise<{ id: number; number: number }> {
  await trx('invoice_number_series').insert({ series: doc.series, next_number: doc.firstNumber }).onConflict('series').ignore();
  const counter = await trx('invoice_number_series').where({ series: doc.series }).forUpdate().first('next_number');
  const number: number = counter.next_number;
  const { rated } = doc;
  const [row] = await trx('invoices')
    .insert({
      ...doc.columns(number),
      kind: doc.kind,
      series: doc.series,
      number,
      vat_treatment: rated.vatTreatment,
      vat_breakdown: JSON.stringify(rated.vatBreakdown),
      net_ore: rated.netOre,
      vat_ore: rated.vatOre,
      rounding_ore: rated.roundingOre,
      total_ore: rated.totalOre,
    })
    .returning(['id']);
  await trx('invoice_lines').insert(
    rated.lines.map((l, position) => ({
      invoice_id: row.id,
      position,
      article: l.article,
      description: l.description,
      legacy_description: l.legacyDescription,
      quantity: l.quantity,
      unit_price_ore: l.unitPriceOre,
      amount_ore: l.amountOre,
      vat_percent: l.vatPercent,
      pro_rata: l.proRata ? JSON.stringify(l.proRata) : null,
    })),
  );
  await trx('invoice_number_series').where({ series: doc.series }).update({ next_number: number + 1 });
  return { id: row.id, number };
}
