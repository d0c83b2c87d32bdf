import path from 'node:path';
import type { Knex } from 'knex';
import { fileSha256, rawLine, rowSha256, type CsvRecord } from './csv-reader';
import type { ImportKind, ImportReport } from './report';
import { shortKey } from './validate';

const REJECTION_BATCH = 1000;

/** A JS array as one bind parameter: pg sends it as a PostgreSQL array (nulls included,
 *  which knex's types do not admit). Used with unnest() to write many rows per statement. */
export function arrayParam(values: readonly (string | number | null)[]): Knex.Value {
  return values as unknown as Knex.Value;
}

interface PendingRejection {
  rowSha256: string;
  line: number;
  key: string | null;
  reason: string;
  raw: string;
}

/**
 * One import of one file, inside the caller's transaction: its import_batches row, the
 * counts, and the rejection log. rejected_rows is keyed by (kind, row content, reason), so
 * importing the same file again records no new rejections.
 */
export class ImportRun {
  readonly report: ImportReport;
  private pending: PendingRejection[] = [];

  private constructor(
    private readonly trx: Knex.Transaction,
    readonly batchId: string,
    private readonly fileName: string,
    kind: ImportKind,
    file: string,
  ) {
    this.report = { kind, file, accepted: 0, duplicates: 0, rejected: [] };
  }

  static async start(trx: Knex.Transaction, kind: ImportKind, filePath: string): Promise<ImportRun> {
    const fileName = path.basename(filePath);
    const [row] = await trx('import_batches')
      .insert({ kind, file_name: fileName, file_sha256: await fileSha256(filePath) })
      .returning('id');
    return new ImportRun(trx, String(row.id), fileName, kind, filePath);
  }

  accept(): void {
    this.report.accepted++;
  }

  duplicate(): void {
    this.report.duplicates++;
  }

  async reject(record: CsvRecord<string>, key: string, reason: string): Promise<void> {
    this.report.rejected.push({ line: record.line, key: shortKey(key), reason });
    this.pending.push({ rowSha256: rowSha256(record), line: record.line, key: key || null, reason, raw: rawLine(record) });
    if (this.pending.length >= REJECTION_BATCH) await this.flushRejections();
  }

  async finish(): Promise<ImportReport> {
    await this.flushRejections();
    const { accepted, duplicates, rejected } = this.report;
    await this.trx('import_batches')
      .where({ id: this.batchId })
      .update({ accepted, duplicates, rejected: rejected.length, finished_at: this.trx.raw('clock_timestamp()') });
    // Some rejections are found when a batch is written, after later rows were checked.
    rejected.sort((a, b) => a.line - b.line);
    return this.report;
  }

  private async flushRejections(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.trx.raw(
      `INSERT INTO rejected_rows (kind, row_sha256, file_name, line, row_key, reason, raw, import_batch_id)
       SELECT ?, r.row_sha256, ?, r.line, r.row_key, r.reason, r.raw, ?::bigint
       FROM unnest(?::text[], ?::int[], ?::text[], ?::text[], ?::text[]) AS r(row_sha256, line, row_key, reason, raw)
       ON CONFLICT (kind, row_sha256, reason) DO NOTHING`,
      [
        this.report.kind,
        this.fileName,
        this.batchId,
        arrayParam(rows.map((r) => r.rowSha256)),
        arrayParam(rows.map((r) => r.line)),
        arrayParam(rows.map((r) => r.key)),
        arrayParam(rows.map((r) => r.reason)),
        arrayParam(rows.map((r) => r.raw)),
      ],
    );
  }
}
