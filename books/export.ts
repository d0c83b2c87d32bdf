import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { PROJECT_ROOT } from '../infra/paths';
import { writeSie, type SieVoucher } from './sie';
import { paymentVoucherSource } from '../payments/vouchers';
import { accountNames, invoiceVoucherSource, type BooksSettings, type PendingVoucher, type VoucherSource } from './vouchers';

// `month-close books export` (issue #21): every voucher not exported before, as one recorded
// batch; numbered per series without gaps in the order exported; a batch can be written again
// byte-identically from what it recorded (its vouchers' rows, its #GEN date and the settings it
// was written with); nothing is ever exported in two batches (unique source row).

/** One series' numbers in a batch. */
export interface SeriesNumbers {
  first: number;
  last: number;
  vouchers: number;
}

export interface ExportResult {
  batch: number | null;
  vouchers: number;
  /** The invoice series' (B) first and last number when the batch has invoices, else the payment series' (C). */
  first_number: number | null;
  last_number: number | null;
  /** Every series in the batch. */
  series: Record<string, SeriesNumbers>;
  /** The file's bytes; null when nothing was new. */
  content: Buffer | null;
  sha256: string | null;
}

export function booksSettings(config: AppConfig): BooksSettings {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return { program: { name: 'month-close', version: pkg.version }, company: { name: config.seller.name, orgNumber: config.seller.orgNumber }, books: config.books };
}

/** The sources of every export: invoices and credit notes first, then payments (series C), then any the caller adds. */
export function voucherSources(extra: VoucherSource[] = []): VoucherSource[] {
  return [invoiceVoucherSource, paymentVoucherSource, ...extra];
}

interface Numbered extends PendingVoucher {
  source: string;
  series: string;
  number: number;
}

function fileOf(settings: BooksSettings, generatedOn: string, vouchers: Numbered[]): Buffer {
  const sie: SieVoucher[] = vouchers.map((v) => ({ series: v.series, number: v.number, date: v.date, text: v.text, rows: v.rows }));
  return writeSie({ program: settings.program, generatedOn, company: settings.company, accounts: accountNames(settings.books), vouchers: sie });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A batch's numbers: per series, and as first/last those of the invoice series when the batch
 * has invoices or credit notes, else of the payment series. Vouchers are numbered in date order,
 * so a payment booked before the invoices must not make C's numbers read as the batch's.
 */
export function batchNumbers(numbered: readonly { series: string; number: number }[], settings: BooksSettings): Pick<ExportResult, 'first_number' | 'last_number' | 'series'> {
  const series: Record<string, SeriesNumbers> = {};
  for (const v of numbered) {
    const s = (series[v.series] ??= { first: v.number, last: v.number, vouchers: 0 });
    s.first = Math.min(s.first, v.number);
    s.last = Math.max(s.last, v.number);
    s.vouchers += 1;
  }
  const main = series[settings.books.voucherSeries] ?? series[settings.books.paymentSeries] ?? Object.values(series)[0];
  return { first_number: main?.first ?? null, last_number: main?.last ?? null, series };
}

/** Export what is new as one batch (nothing recorded when nothing is new). `today` is #GEN (YYYY-MM-DD). */
export async function exportBooks(db: Db, settings: BooksSettings, opts: { today: string; by?: string | null; sources?: VoucherSource[] }): Promise<ExportResult> {
  const sources = opts.sources ?? voucherSources();
  return db.transaction(async (trx) => {
    // One export at a time: the numbers of a series follow on from the last batch.
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('books-export'))");
    const pending: (PendingVoucher & { source: string; series: string; rank: number })[] = [];
    for (const [rank, s] of sources.entries()) {
      for (const v of await s.vouchers(trx, settings)) pending.push({ ...v, source: s.source, series: s.series(settings), rank });
    }
    if (pending.length === 0) return { batch: null, vouchers: 0, first_number: null, last_number: null, series: {}, content: null, sha256: null };
    pending.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.rank - b.rank || a.order - b.order));
    const next = new Map<string, number>();
    for (const series of new Set(pending.map((p) => p.series))) {
      const row = await trx('books_vouchers').where({ series }).max('number as max').first();
      next.set(series, (row?.max ?? 0) + 1);
    }
    const numbered: Numbered[] = pending.map((p) => {
      const number = next.get(p.series)!;
      next.set(p.series, number + 1);
      return { ...p, number };
    });
    const content = fileOf(settings, opts.today, numbered);
    const hash = sha256(content);
    const [batch] = await trx('books_batches')
      .insert({ generated_on: opts.today, settings: JSON.stringify(settings), vouchers: numbered.length, file_sha256: hash, created_by: opts.by ?? null })
      .returning('id');
    for (let i = 0; i < numbered.length; i += 1000) {
      await trx('books_vouchers').insert(
        numbered.slice(i, i + 1000).map((v, k) => ({ batch_id: batch.id, source: v.source, source_id: v.sourceId, series: v.series, number: v.number, position: i + k })),
      );
    }
    return { batch: batch.id, vouchers: numbered.length, ...batchNumbers(numbered, settings), content, sha256: hash };
  });
}

/** A recorded batch written again, byte for byte; refused when it cannot be (it says why). */
export async function rewriteBatch(db: Db, batchId: number, extra: VoucherSource[] = []): Promise<ExportResult> {
  const batch = await db('books_batches').where({ id: batchId }).first();
  if (!batch) throw new BatchNotFound(`no books batch ${batchId}; see 'month-close books batches'`);
  const settings = batch.settings as BooksSettings;
  const recorded: { source: string; source_id: number; series: string; number: number }[] = await db('books_vouchers').where({ batch_id: batchId }).orderBy('position').select('source', 'source_id', 'series', 'number');
  const bySource = new Map<string, Map<number, PendingVoucher>>();
  for (const s of voucherSources(extra)) {
    const ids = recorded.filter((r) => r.source === s.source).map((r) => r.source_id);
    if (ids.length) bySource.set(s.source, new Map((await s.vouchers(db as Knex, settings, ids)).map((v) => [v.sourceId, v])));
  }
  const numbered: Numbered[] = recorded.map((r) => {
    const v = bySource.get(r.source)?.get(r.source_id);
    if (!v) throw new Error(`batch ${batchId}: voucher ${r.series} ${r.number} (${r.source} ${r.source_id}) can no longer be read`);
    return { ...v, source: r.source, series: r.series, number: r.number };
  });
  const content = fileOf(settings, batch.generated_on, numbered);
  if (sha256(content) !== batch.file_sha256) throw new Error(`batch ${batchId} would not be written byte-identically (sha256 ${sha256(content)}, recorded ${batch.file_sha256})`);
  return { batch: batchId, vouchers: numbered.length, ...batchNumbers(numbered, settings), content, sha256: batch.file_sha256 };
}

export class BatchNotFound extends Error {}

/** "serie B nr 1–12, serie C nr 1–4": a batch's numbers as finance reads them. */
export function seriesText(series: Record<string, SeriesNumbers>): string {
  return Object.entries(series)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => `serie ${name} nr ${s.first}–${s.last}`)
    .join(', ');
}

export async function listBatches(db: Db): Promise<{ id: number; generated_on: string; vouchers: number; created_by: string | null; created_at: Date; first_number: number; last_number: number; series: string }[]> {
  return db('books_batches as b')
    .join('books_vouchers as v', 'v.batch_id', 'b.id')
    .groupBy('b.id', 'v.series')
    .orderBy('b.id', 'desc')
    .select('b.id', 'b.generated_on', 'b.vouchers', 'b.created_by', 'b.created_at', 'v.series', db.raw('min(v.number)::int as first_number'), db.raw('max(v.number)::int as last_number'));
}
