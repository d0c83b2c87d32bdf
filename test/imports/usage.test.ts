import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../infra/db';
import { importUsage, toJson, formatReport, InputError } from '../../imports';
import { USAGE_BATCH_ROWS } from '../../imports/usage';
import { createTestDatabase } from '../support/database';
import { fixtureDir, insertCustomers, lines, tableCounts } from './fixtures';

const HEADER = 'event_id,customer_id,occurred_at,subject_type,subject_id,action,role';
const NOW = new Date('2024-12-02T12:00:00Z');

let db: Db;
let drop: () => Promise<void>;
const files = fixtureDir();

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  await insertCustomers(db, ['C-1', 'C-2']);
});
afterAll(async () => {
  await drop();
  files.remove();
});
beforeEach(async () => {
  await db('usage_events').del();
  await db('rejected_rows').del();
  await db('import_batches').del();
});

const run = (file: string) => importUsage(db, file, { now: NOW });

describe('importUsage', () => {
  it('stores good rows in file order and records the import', async () => {
    const file = files.write(
      'good.csv',
      lines(
        HEADER,
        'E-1,C-1,2024-11-01T00:00:00Z,module,smart,activated,',
        'E-2,C-1,2024-11-01T01:00:00+01:00,user,u1,activated,portal_user',
        'E-3,C-1,2024-11-15T12:00:00.250+01:00,user,u1,role_changed,superuser',
        'E-4,C-2,2024-11-20T08:00:00-0500,company,k1,activated,',
        'E-5,C-1,2024-11-30T10:00:00Z,user,u1,deactivated,',
      ),
    );
    const report = await run(file);
    expect(toJson(report)).toEqual({ accepted: 5, duplicates: 0, rejected: [] });

    const stored = await db('usage_events')
      .select('event_id', 'customer_id', db.raw(`to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at`), 'subject_type', 'subject_id', 'action', 'role')
      .orderBy('seq');
    expect(stored).toEqual([
      { event_id: 'E-1', customer_id: 'C-1', at: '2024-11-01T00:00:00.000', subject_type: 'module', subject_id: 'smart', action: 'activated', role: null },
      { event_id: 'E-2', customer_id: 'C-1', at: '2024-11-01T00:00:00.000', subject_type: 'user', subject_id: 'u1', action: 'activated', role: 'portal_user' },
      { event_id: 'E-3', customer_id: 'C-1', at: '2024-11-15T11:00:00.250', subject_type: 'user', subject_id: 'u1', action: 'role_changed', role: 'superuser' },
      { event_id: 'E-4', customer_id: 'C-2', at: '2024-11-20T13:00:00.000', subject_type: 'company', subject_id: 'k1', action: 'activated', role: null },
      { event_id: 'E-5', customer_id: 'C-1', at: '2024-11-30T10:00:00.000', subject_type: 'user', subject_id: 'u1', action: 'deactivated', role: null },
    ]);

    const [batch] = await db('import_batches').select();
    expect(batch).toMatchObject({ kind: 'usage', file_name: 'good.csv', accepted: 5, duplicates: 0, rejected: 0 });
    expect(batch.file_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(batch.finished_at).not.toBeNull();
  });

  it('rejects each bad row with its line and reason and keeps the good rows', async () => {
    const file = files.write(
      'mixed.csv',
      Buffer.concat([
        Buffer.from(
          lines(
            HEADER,
            'E-10,C-1,2024-02-30T00:00:00Z,module,smart,activated,', // 2
            'E-11,C-1,2024-11-01T10:00:00,module,smart,activated,', // 3
            'E-12,C-1,1 Nov 2024,module,smart,activated,', // 4
            'E-13,C-1,2024-11-01T10:00:00Z,user,u1,activated,admin', // 5
            'E-14,C-1,2024-11-01T10:00:00Z,module,budget,activated,', // 6
            'E-15,C-9,2024-11-01T10:00:00Z,module,smart,activated,', // 7
            'E-16,c 1,2024-11-01T10:00:00Z,module,smart,activated,', // 8
            'E-17,C-1,2024-12-02T12:06:00Z,module,smart,activated,', // 9: 6 minutes ahead of now
            'E-18,C-1,2024-12-02T12:04:00Z,module,smart,activated,', // 10: within the clock tolerance
            'E-19,C-1,2024-11-01T10:00:00Z,module,smart,role_changed,', // 11
            'E-20,C-1,2024-11-01T10:00:00Z,module,smart,activated,superuser', // 12
            'E-21,C-1,2024-11-01T10:00:00Z,user,u2,activated,', // 13
            ',C-1,2024-11-01T10:00:00Z,user,u2,activated,portal_user', // 14
            'E-22,C-1,2024-11-01T10:00:00Z,team,t1,activated,', // 15
            'E-23,C-1,2024-11-01T10:00:00Z,user,u3,paused,portal_user', // 16
            'E-24,C-1,2024-11-01T10:00:00Z,user,"u 4, the',
            'second line",activated,portal_user', // 17-18: a quoted line break is read, then refused
            'E-25,C-1,2024-11-01T10:00:00Z,user,u5,activated,portal_user,extra', // 19
          ),
        ),
        Buffer.from('E-26,C-1,2024-11-01T10:00:00Z,user,G\xf6ran,activated,portal_user\n', 'latin1'), // 20
        Buffer.from(lines('E-27,C-2,2024-11-01T10:00:00Z,company,k1,activated,')), // 21
      ]),
    );
    const report = await run(file);
    expect(toJson(report)).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { line: 2, event_id: 'E-10', key: 'E-10', reason: 'occurred_at "2024-02-30T00:00:00Z" is not a valid date and time' },
        { line: 3, event_id: 'E-11', key: 'E-11', reason: 'occurred_at "2024-11-01T10:00:00" has no time zone: add Z or an offset such as +01:00' },
        { line: 4, event_id: 'E-12', key: 'E-12', reason: 'occurred_at "1 Nov 2024" is not an ISO 8601 time (e.g. 2024-11-01T10:00:00Z)' },
        { line: 5, event_id: 'E-13', key: 'E-13', reason: 'unknown role "admin" (expected superuser, portal_user, archive_user)' },
        { line: 6, event_id: 'E-14', key: 'E-14', reason: 'unknown module "budget" (expected smart, komplett)' },
        { line: 7, event_id: 'E-15', key: 'E-15', reason: 'unknown customer "C-9"' },
        { line: 8, event_id: 'E-16', key: 'E-16', reason: `customer_id "c 1" is malformed: use letters, digits, '_', '.' or '-' (at most 64)` },
        { line: 9, event_id: 'E-17', key: 'E-17', reason: 'occurred_at "2024-12-02T12:06:00Z" is in the future' },
        { line: 11, event_id: 'E-19', key: 'E-19', reason: 'role_changed applies to users only, not to a module' },
        { line: 12, event_id: 'E-20', key: 'E-20', reason: 'role must be empty for a module' },
        { line: 13, event_id: 'E-21', key: 'E-21', reason: 'role is required when a user is activated' },
        { line: 14, event_id: '', key: '', reason: 'event_id is empty' },
        { line: 15, event_id: 'E-22', key: 'E-22', reason: 'unknown subject_type "team" (expected user, module, company)' },
        { line: 16, event_id: 'E-23', key: 'E-23', reason: 'unknown action "paused" (expected activated, deactivated, role_changed)' },
        { line: 17, event_id: 'E-24', key: 'E-24', reason: 'subject_id contains a line break (after "u 4, the"): a value must be one line of text' },
        { line: 19, event_id: 'E-25', key: 'E-25', reason: 'expected 7 fields, found 8 (a value containing a comma must be in double quotes)' },
        { line: 20, event_id: 'E-26', key: 'E-26', reason: 'not valid UTF-8: save the file as UTF-8' },
      ],
    });
    expect(await db('usage_events').orderBy('seq').pluck('event_id')).toEqual(['E-18', 'E-27']);

    const log = await db('rejected_rows').orderBy('line').select('kind', 'file_name', 'line', 'row_key', 'reason', 'raw');
    expect(log).toHaveLength(17);
    expect(log[3]).toEqual({
      kind: 'usage',
      file_name: 'mixed.csv',
      line: 5,
      row_key: 'E-13',
      reason: 'unknown role "admin" (expected superuser, portal_user, archive_user)',
      raw: 'E-13,C-1,2024-11-01T10:00:00Z,user,u1,activated,admin',
    });
    expect(log.find((r) => r.line === 20)?.raw).toBe('E-26,C-1,2024-11-01T10:00:00Z,user,G\uFFFDran,activated,portal_user');
    expect(log.find((r) => r.line === 14)?.row_key).toBeNull();

    expect(formatReport(report).split('\n').slice(0, 2)).toEqual([
      `usage import of ${file}: 2 accepted, 0 duplicates, 17 rejected`,
      'line 2: E-10: occurred_at "2024-02-30T00:00:00Z" is not a valid date and time',
    ]);
    expect(formatReport(report)).toContain('\nline 14: event_id is empty\n');
  });

  it('keeps the good rows when a time is out of range, and never sends it to the database', async () => {
    // Year 0 once aborted the whole file with PostgreSQL's "date/time field value out of range".
    const file = files.write(
      'years.csv',
      lines(
        HEADER,
        'Y-1,C-1,2024-11-01T10:00:00Z,module,smart,activated,', // 2
        'Y-2,C-1,0000-06-01T00:00:00Z,module,smart,activated,', // 3
        'Y-3,C-1,1999-12-31T23:59:59Z,module,smart,activated,', // 4
        'Y-4,C-1,3000-01-01T00:00:00Z,module,smart,activated,', // 5
        'Y-5,C-1,2000-01-01T00:00:00+01:00,module,smart,activated,', // 6: 1999 in UTC, 2000 as written: fine
      ),
    );
    const range = 'is out of range: times must be in the years 2000-2999';
    expect(toJson(await run(file))).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { line: 3, event_id: 'Y-2', key: 'Y-2', reason: `occurred_at "0000-06-01T00:00:00Z" ${range}` },
        { line: 4, event_id: 'Y-3', key: 'Y-3', reason: `occurred_at "1999-12-31T23:59:59Z" ${range}` },
        { line: 5, event_id: 'Y-4', key: 'Y-4', reason: `occurred_at "3000-01-01T00:00:00Z" ${range}` },
      ],
    });
    expect(await db('usage_events').orderBy('seq').pluck('event_id')).toEqual(['Y-1', 'Y-5']);
    expect(await db('rejected_rows').orderBy('line').pluck('line')).toEqual([3, 4, 5]);
  });

  it('quotes a huge value shortened, and refuses control characters', async () => {
    const huge = 'x'.repeat(10_000);
    const file = files.write(
      'long.csv',
      lines(
        HEADER,
        `L-1,C-1,2024-11-01T10:00:00Z,user,u1,activated,${huge}`, // 2
        `L-2,C-1,2024-11-01T10:00:00Z,user,"u\tx",activated,portal_user`, // 3: a tab
        `L-3,C-1,2024-11-01T10:00:00Z,user,u1,activated,portal_user`, // 4
      ),
    );
    const report = await run(file);
    expect(toJson(report).rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, `unknown role "${'x'.repeat(60)}…" (10000 characters) (expected superuser, portal_user, archive_user)`],
      [3, 'subject_id contains a tab (after "u"): a value must be one line of text'],
    ]);
    expect(formatReport(report).length).toBeLessThan(500);
    expect(report.accepted).toBe(1);
  });

  it('tells a new user how to fix the usual slips', async () => {
    const file = files.write(
      'slips.csv',
      lines(
        HEADER,
        'S-1,c-1,2024-11-01T10:00:00Z,module,smart,activated,', // 2
        'S-2,C-1,2024-11-01 10:00:00Z,module,smart,activated,', // 3: as a database or Excel writes it
        'S-3,C-1,2024-11-01T10:00:00Z,module,Smart,activated,', // 4
        'S-4,C-1,2024-11-01T10:00:00Z,user,u1,activated,Portal user', // 5
      ),
    );
    expect(toJson(await run(file)).rejected.map((r) => [r.line, r.reason])).toEqual([
      [2, 'unknown customer "c-1" (ids are case-sensitive: C-1 is known)'],
      [3, 'occurred_at "2024-11-01 10:00:00Z" is not an ISO 8601 time: write a T between the date and the time'],
      [4, 'unknown module "Smart" (expected smart, komplett)'],
      [5, 'unknown role "Portal user" (expected superuser, portal_user, archive_user)'],
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const file = files.write(
      'again.csv',
      lines(
        HEADER,
        'E-30,C-1,2024-11-01T10:00:00Z,module,smart,activated,',
        'E-31,C-1,2024-11-01T10:00:00Z,user,u1,activated,admin',
        'E-32,C-1,2024-11-01T10:00:00Z,user,u1,activated,portal_user',
        'E-30,C-1,2024-11-01T10:00:00Z,module,smart,activated,',
      ),
    );
    const first = toJson(await run(file));
    expect(first).toEqual({ accepted: 2, duplicates: 1, rejected: [{ line: 3, event_id: 'E-31', key: 'E-31', reason: 'unknown role "admin" (expected superuser, portal_user, archive_user)' }] });
    const before = await tableCounts(db);

    const second = toJson(await run(file));
    expect(second).toEqual({ ...first, accepted: 0, duplicates: 3 });
    const third = toJson(await run(file));
    expect(third).toEqual(second);

    // Each import is logged in import_batches; nothing else changes.
    expect(await tableCounts(db)).toEqual({ ...before, import_batches: before.import_batches + 2 });
  });

  it('treats a repeated event id as a duplicate when identical and rejects it when the content differs', async () => {
    const a = files.write(
      'a.csv',
      lines(
        HEADER,
        'E-40,C-1,2024-11-01T10:00:00Z,user,u1,activated,portal_user',
        'E-40,C-1,2024-11-01T11:00:00+01:00,user,u1,activated,portal_user', // the same instant: identical
        'E-40,C-1,2024-11-01T10:00:00Z,user,u1,activated,superuser', // same id, other role
      ),
    );
    expect(toJson(await run(a))).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: [{ line: 4, event_id: 'E-40', key: 'E-40', reason: 'event id reused with different content (role differs)' }],
    });

    const b = files.write(
      'b.csv',
      lines(
        HEADER,
        'E-41,C-2,2024-11-02T10:00:00Z,company,k1,activated,',
        'E-40,C-1,2024-11-01T10:00:00Z,user,u1,activated,portal_user', // identical to a.csv
        'E-40,C-2,2024-11-03T10:00:00Z,user,u1,deactivated,', // reused by another import
      ),
    );
    expect(toJson(await run(b))).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: [
        { line: 4, event_id: 'E-40', key: 'E-40', reason: 'event id reused with different content (customer_id, occurred_at, action, role differ)' },
      ],
    });
    expect(await db('usage_events').where({ event_id: 'E-40' }).first('role')).toEqual({ role: 'portal_user' });
  });

  it('finds repeats across write batches, keeping file order', async () => {
    const rows = [HEADER];
    const total = USAGE_BATCH_ROWS + 100;
    for (let i = 1; i <= total; i++) rows.push(`B-${i},C-1,2024-11-01T10:00:00Z,user,u${i},activated,portal_user`);
    rows.push('B-3,C-1,2024-11-01T10:00:00Z,user,u3,activated,portal_user'); // identical, in the second batch
    rows.push(`B-${total},C-1,2024-11-01T10:00:00Z,user,other,activated,portal_user`); // same batch as its original
    const progress: number[] = [];
    const report = await importUsage(db, files.write('batches.csv', lines(...rows)), { now: NOW, onProgress: (n) => progress.push(n) });
    expect(toJson(report)).toEqual({
      accepted: total,
      duplicates: 1,
      rejected: [{ line: total + 3, event_id: `B-${total}`, key: `B-${total}`, reason: 'event id reused with different content (subject_id differs)' }],
    });
    expect(progress).toEqual([USAGE_BATCH_ROWS, total + 2]);
    const seqOrder = await db('usage_events').orderBy('seq').pluck('event_id');
    expect(seqOrder.slice(0, 3)).toEqual(['B-1', 'B-2', 'B-3']);
    expect(seqOrder.at(-1)).toBe(`B-${total}`);
  });

  it('accepts nothing from a file of only bad rows, and logs each once', async () => {
    const file = files.write(
      'bad.csv',
      lines(
        HEADER,
        'E-50,C-404,2024-11-01T10:00:00Z,module,smart,activated,',
        'E-51,C-1,2024-11-01T10:00:00Z,module,smart,activated,admin',
        'E-52,C-1,2024-11-01T10:00:00Z,user,u\0x,activated,portal_user', // PostgreSQL text cannot hold NUL
      ),
    );
    const report = await run(file);
    expect(toJson(report)).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: [
        { line: 2, event_id: 'E-50', key: 'E-50', reason: 'unknown customer "C-404"' },
        { line: 3, event_id: 'E-51', key: 'E-51', reason: 'role must be empty for a module' },
        { line: 4, event_id: 'E-52', key: 'E-52', reason: 'contains a NUL character: is this a text file?' },
      ],
    });
    expect(await tableCounts(db)).toMatchObject({ usage_events: 0, rejected_rows: 3, import_batches: 1 });
    expect(await db('rejected_rows').where({ line: 4 }).first('raw')).toEqual({ raw: 'E-52,C-1,2024-11-01T10:00:00Z,user,u\uFFFDx,activated,portal_user' });
    await run(file);
    expect(await tableCounts(db)).toMatchObject({ usage_events: 0, rejected_rows: 3, import_batches: 2 });
  });

  it('refuses a file with missing columns before writing anything', async () => {
    const before = await tableCounts(db);
    const file = files.write('nocol.csv', lines('event_id,customer_id,occurred_at,subject_type,subject_id,action', 'E-60,C-1,2024-11-01T10:00:00Z,module,smart,activated'));
    const err = await run(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`${file}:1: missing column "role"; the header must be: ${HEADER}`);
    expect(await tableCounts(db)).toEqual(before);
  });

  it('keeps nothing of a file whose CSV breaks after good rows', async () => {
    const before = await tableCounts(db);
    const rows = [HEADER];
    for (let i = 1; i <= USAGE_BATCH_ROWS + 10; i++) rows.push(`Q-${i},C-1,2024-11-01T10:00:00Z,user,u${i},activated,portal_user`);
    rows.push('Q-x,C-1,2024-11-01T10:00:00Z,user,"unclosed,activated,portal_user');
    const err = await run(files.write('broken.csv', lines(...rows))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(USAGE_BATCH_ROWS + 12);
    expect(await tableCounts(db)).toEqual(before); // the first batch was written, then rolled back
  });

  it('refuses an empty file and accepts a header-only file', async () => {
    const empty = files.write('empty.csv', '');
    await expect(run(empty)).rejects.toThrow(`${empty}:1: the file is empty (0 bytes): expected a header row (${HEADER})`);
    expect(toJson(await run(files.write('header.csv', `${HEADER}\r\n`)))).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
  });
});
