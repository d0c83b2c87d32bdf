import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { openCsv, type CsvRecord } from './csv-reader';
import { ImportRun } from './import-run';
import type { ImportKind, ImportReport } from './report';
import { quote } from './validate';

// Master data (customers, partners) is upserted: a new id is inserted, a changed row updates
// the record, an identical row is a duplicate. Every insert and update also records the full
// new data in the versions table, so an update never loses the old values. One transaction
// per file.

type Data = Record<string, string | null>;
type Outcome<D> = { reject: string } | 'duplicate' | { write: D; isNew: boolean };

export interface VersionedTable<C extends string, D extends Data> {
  kind: Extract<ImportKind, 'customers' | 'partners'>;
  /** e.g. 'customer', in messages. */
  noun: string;
  table: string;
  versionsTable: string;
  key: C & keyof D;
  columns: readonly C[];
  /** Columns a file may leave out; without one, a record keeps the value it has. */
  optional?: readonly C[];
  /** Why a row is not usable on its own, or null. */
  check(values: Record<C, string>): string | null;
  /** The record from a row; `stored` is the record now (for columns the file leaves out). */
  toData(values: Record<C, string>, inFile: ReadonlySet<C>, stored: D | undefined): D;
  /** The stored records by key, as toData would produce them. */
  load(trx: Knex.Transaction): Promise<Map<string, D>>;
  /** Checks against other stored data (loaded once per file), e.g. that a customer's partner is known. */
  prepare?(trx: Knex.Transaction): Promise<(data: D) => string | null>;
}

export async function importVersioned<C extends string, D extends Data>(db: Db, filePath: string, spec: VersionedTable<C, D>): Promise<ImportReport> {
  const optional = spec.optional ?? [];
  const csv = await openCsv(filePath, spec.columns, optional); // a bad header refuses the file here, before any write
  const inFile = new Set<C>(csv.columns);
  try {
    return await db.transaction(async (trx) => {
      const run = await ImportRun.start(trx, spec.kind, filePath);
      const stored = await spec.load(trx);
      const refuse = (await spec.prepare?.(trx)) ?? (() => null);
      // The first row of each id in this file. A later row with other values is rejected
      // rather than applied: "last row wins" would make a re-import flip the record back and
      // forth instead of changing nothing.
      const firstInFile = new Map<string, { line: number; data: D }>();
      const same = (a: D, b: D) => [...spec.columns, ...optional].every((c) => a[c] === b[c]);

      const judge = (record: CsvRecord<C>): Outcome<D> => {
        const id = record.values[spec.key];
        const reason = record.problem ?? spec.check(record.values);
        if (reason) return { reject: reason };
        const data = spec.toData(record.values, inFile, stored.get(id));
        const first = firstInFile.get(id);
        if (first && !same(first.data, data)) return { reject: `${spec.noun} ${quote(id)} appears earlier in this file (line ${first.line}) with other values` };
        if (!first) firstInFile.set(id, { line: record.line, data });
        const current = stored.get(id);
        if (current && same(current, data)) return 'duplicate';
        const refused = refuse(data);
        return refused ? { reject: refused } : { write: data, isNew: !current };
      };

      for await (const record of csv) {
        const outcome = judge(record);
        if (outcome === 'duplicate') run.duplicate();
        else if ('reject' in outcome) await run.reject(record, record.values[spec.key], outcome.reject);
        else {
          await write(trx, spec, run.batchId, outcome.write, outcome.isNew);
          stored.set(record.values[spec.key], outcome.write);
          run.accept();
        }
      }
      return run.finish();
    });
  } finally {
    csv.close();
  }
}

async function write<C extends string, D extends Data>(trx: Knex.Transaction, spec: VersionedTable<C, D>, batchId: string, data: D, isNew: boolean) {
  const id = data[spec.key] as string;
  if (isNew) await trx(spec.table).insert({ ...data, import_batch_id: batchId });
  else await trx(spec.table).where({ [spec.key]: id }).update({ ...data, import_batch_id: batchId, updated_at: trx.fn.now() });
  await trx(spec.versionsTable).insert({ [spec.key]: id, data: JSON.stringify(data), import_batch_id: batchId });
}
