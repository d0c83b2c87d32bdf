import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { ACTIONS, MODULES, ROLES, SUBJECT_TYPES } from '../billing/types';
import { openCsv, type CsvRecord } from './csv-reader';
import { arrayParam, ImportRun } from './import-run';
import type { ImportReport } from './report';
import { checkId, checkOneLine, parseIsoTime, quote } from './validate';

// Usage events are appended, never changed. The whole file is one transaction (a crash
// leaves nothing of it), read as a stream and written in batches, so memory stays bounded
// for files of millions of rows. Event ids are idempotency keys: the database's unique
// constraint finds repeats, within the file and across imports, without a set in memory.
//
// Only the row itself is judged here. Whether an event contradicts the state (deactivating
// what is not active, …) depends on events that may arrive later and out of order, so that
// is judged when a period is folded (usage_contradictions), not at import.

export const USAGE_COLUMNS = ['event_id', 'customer_id', 'occurred_at', 'subject_type', 'subject_id', 'action', 'role'] as const;
type Column = (typeof USAGE_COLUMNS)[number];

/** Rows per INSERT; each batch is one round trip of column arrays. */
export const USAGE_BATCH_ROWS = 5000;
const FUTURE_TOLERANCE_MS = 5 * 60_000; // clocks of the portal and of this machine differ a little
const MAX_ID_LENGTH = 200;

export interface ImportUsageOptions {
  /** The current time, for the "in the future" check (tests pin it). */
  now?: Date;
  /** Called after each written batch with the number of data rows read so far. */
  onProgress?: (rows: number) => void;
}

interface PendingEvent {
  record: CsvRecord<Column>;
  role: string | null;
}

export async function importUsage(db: Db, filePath: string, opts: ImportUsageOptions = {}): Promise<ImportReport> {
  const now = (opts.now ?? new Date()).getTime();
  const csv = await openCsv(filePath, USAGE_COLUMNS); // a bad header refuses the file here, before any write
  try {
    // Customers number in the thousands: one query up front instead of one per row.
    const customers = new Set<string>(await db('customers').pluck('customer_id'));
    return await db.transaction(async (trx) => {
      const run = await ImportRun.start(trx, 'usage', filePath);
      let batch: PendingEvent[] = [];
      let rows = 0;
      // One batch is written while the next is read and checked: parsing and the database
      // then work at the same time. Batches are still written one after another, in order.
      let writing: Promise<void> = Promise.resolve();
      const flush = async () => {
        await writing;
        if (batch.length === 0) return;
        const [full, readSoFar] = [batch, rows];
        batch = [];
        writing = insertEvents(trx, run, full).then(() => opts.onProgress?.(readSoFar));
        writing.catch(() => undefined); // awaited at the next flush; no unhandled rejection meanwhile
      };
      try {
        for await (const record of csv) {
          rows++;
          const reason = record.problem ?? checkEvent(record.values, customers, now);
          if (reason) await run.reject(record, record.values.event_id, reason);
          else batch.push({ record, role: record.values.role || null });
          if (batch.length >= USAGE_BATCH_ROWS) await flush();
        }
        await flush();
        await writing;
      } catch (err) {
        await writing.catch(() => undefined); // let the statement in flight end before the rollback
        throw err;
      }
      return run.finish();
    });
  } finally {
    csv.close();
  }
}

/** Why a row cannot be an event, or null. The first problem found is reported. */
export function checkEvent(v: Record<Column, string>, customers: ReadonlySet<string>, nowMs: number): string | null {
  if (v.event_id === '') return 'event_id is empty';
  if (v.event_id.length > MAX_ID_LENGTH) return `event_id is longer than ${MAX_ID_LENGTH} characters`;
  const multiLine = checkOneLine(USAGE_COLUMNS, v);
  if (multiLine) return multiLine;

  const badId = checkId('customer_id', v.customer_id);
  if (badId) return badId;
  if (!customers.has(v.customer_id)) return `unknown customer ${quote(v.customer_id)}${caseHint(v.customer_id, customers)}`;

  const time = parseIsoTime('occurred_at', v.occurred_at);
  if (!time.ok) return time.reason;
  if (time.epochMs > nowMs + FUTURE_TOLERANCE_MS) return `occurred_at ${quote(v.occurred_at)} is in the future`;

  if (!includes(SUBJECT_TYPES, v.subject_type)) return `unknown subject_type ${quote(v.subject_type)} (expected ${SUBJECT_TYPES.join(', ')})`;
  if (v.subject_id === '') return 'subject_id is empty';
  if (v.subject_id.length > MAX_ID_LENGTH) return `subject_id is longer than ${MAX_ID_LENGTH} characters`;
  if (v.subject_type === 'module' && !includes(MODULES, v.subject_id)) return `unknown module ${quote(v.subject_id)} (expected ${MODULES.join(', ')})`;

  if (!includes(ACTIONS, v.action)) return `unknown action ${quote(v.action)} (expected ${ACTIONS.join(', ')})`;
  if (v.action === 'role_changed' && v.subject_type !== 'user') return `role_changed applies to users only, not to a ${v.subject_type}`;

  if (v.subject_type !== 'user') return v.role === '' ? null : `role must be empty for a ${v.subject_type}`;
  if (v.role === '') {
    if (v.action === 'deactivated') return null; // the role a user had is known from earlier events
    return v.action === 'activated' ? 'role is required when a user is activated' : 'role is required for role_changed (the new role)';
  }
  if (!includes(ROLES, v.role)) return `unknown role ${quote(v.role)} (expected ${ROLES.join(', ')})`;
  return null;
}

/** " (ids are case-sensitive: C-1 is known)" when the id differs from a known one only in case. */
function caseHint(id: string, customers: ReadonlySet<string>): string {
  if (customers.size > 100_000) return ''; // a scan per bad row; fine for the customers there are
  const lower = id.toLowerCase();
  for (const known of customers) if (known.toLowerCase() === lower) return ` (ids are case-sensitive: ${known} is known)`;
  return '';
}

function includes(list: readonly string[], value: string): boolean {
  return list.includes(value);
}

/** The events as one array per column, in the order of the SQL's unnest(). */
function eventArrays(events: PendingEvent[]): Knex.Value[] {
  const column = (name: Column) => arrayParam(events.map((e) => e.record.values[name]));
  const role = arrayParam(events.map((e) => e.role));
  return [column('event_id'), column('customer_id'), column('occurred_at'), column('subject_type'), column('subject_id'), column('action'), role];
}

/**
 * Insert a batch in file order (`seq` is the arrival order that breaks ties in occurred_at).
 * Rows whose event_id is already stored, by an earlier import or earlier in this file,
 * are skipped by ON CONFLICT and then compared with the stored event.
 */
async function insertEvents(trx: Knex.Transaction, run: ImportRun, batch: PendingEvent[]): Promise<void> {
  if (batch.length === 0) return;
  const arrays = eventArrays(batch);
  const { rows } = await trx.raw<{ rows: { event_id: string }[] }>(
    `INSERT INTO usage_events (event_id, customer_id, occurred_at, subject_type, subject_id, action, role, import_batch_id)
     SELECT e.event_id, e.customer_id, e.occurred_at, e.subject_type, e.subject_id, e.action, e.role, ?::bigint
     FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY
       AS e(event_id, customer_id, occurred_at, subject_type, subject_id, action, role, ord)
     ORDER BY e.ord
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [run.batchId, ...arrays],
  );

  // The first row of an event id in the batch is the one inserted (ORDER BY ord).
  const inserted = new Set(rows.map((r) => r.event_id));
  const conflicts: PendingEvent[] = [];
  for (const e of batch) {
    if (inserted.delete(e.record.values.event_id)) run.accept();
    else conflicts.push(e);
  }
  if (conflicts.length === 0) return;

  // Same event id: identical content is a duplicate (an idempotent retry); anything else
  // is a reuse of the id that must not silently change or add to a bill.
  const differences = await compareWithStored(trx, conflicts);
  for (const [i, e] of conflicts.entries()) {
    const differs = differences[i];
    if (differs.length === 0) run.duplicate();
    else await run.reject(e.record, e.record.values.event_id, `event id reused with different content (${differs.join(', ')} differ${differs.length === 1 ? 's' : ''})`);
  }
}

/** For each event, the names of the columns where it differs from the stored event of its id. */
async function compareWithStored(trx: Knex.Transaction, events: PendingEvent[]): Promise<string[][]> {
  const { rows } = await trx.raw<{ rows: { ord: string; differs: string[] }[] }>(
    `SELECT c.ord, array_remove(ARRAY[
         CASE WHEN u.customer_id <> c.customer_id THEN 'customer_id' END,
         CASE WHEN u.occurred_at <> c.occurred_at THEN 'occurred_at' END,
         CASE WHEN u.subject_type <> c.subject_type THEN 'subject_type' END,
         CASE WHEN u.subject_id <> c.subject_id THEN 'subject_id' END,
         CASE WHEN u.action <> c.action THEN 'action' END,
         CASE WHEN u.role IS DISTINCT FROM c.role THEN 'role' END
       ], NULL) AS differs
     FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY
       AS c(event_id, customer_id, occurred_at, subject_type, subject_id, action, role, ord)
     JOIN usage_events u ON u.event_id = c.event_id`,
    eventArrays(events),
  );
  const byOrd = new Map(rows.map((r) => [Number(r.ord), r.differs]));
  return events.map((_, i) => {
    const differs = byOrd.get(i + 1);
    if (!differs) throw new Error(`event ${events[i].record.values.event_id} conflicted but is not stored`);
    return differs;
  });
}
