import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/database';
import { fixtureDir, insertCustomers, lines } from './fixtures';

// What a user sees from `month-close usage import FILE` for files that are not what it
// expects: exit code 2, the file, the line and the reason, in a few hundred characters.

const BIN = path.resolve(__dirname, '../../bin/month-close.js');
const HEADER = 'event_id,customer_id,occurred_at,subject_type,subject_id,action,role';
const files = fixtureDir();
let env: NodeJS.ProcessEnv;
let drop: () => Promise<void>;

beforeAll(async () => {
  const test = await createTestDatabase();
  await insertCustomers(test.db, ['C-1']);
  drop = test.drop;
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: test.databaseUrl, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await drop();
  files.remove();
});

function importUsage(file: string, ...flags: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'usage', 'import', file, ...flags], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('usage import of a file that is not what it should be', () => {
  it('exits 2 naming the file, the line and the reason', async () => {
    const empty = files.write('empty.csv', '');
    const pdf = files.write('usage.pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
    const semicolons = files.write('usage-sv.csv', lines(HEADER.replace(/,/g, ';'), 'E-1;C-1;2024-11-01T10:00:00Z;module;smart;activated;'));
    const headerOnly = files.write('header.csv', lines(HEADER));
    const [e, p, s, h] = await Promise.all([importUsage(empty), importUsage(pdf), importUsage(semicolons), importUsage(headerOnly)]);

    expect([e.code, e.stderr]).toEqual([2, `month-close: ${empty}:1: the file is empty (0 bytes): expected a header row (${HEADER})\n`]);
    expect(p.code).toBe(2);
    expect(p.stderr).toBe(`month-close: ${pdf}:1: the file is a PDF document, not a CSV text file: save it as CSV UTF-8 (comma-separated)\n`);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`${semicolons}:1: the file is separated by ';'`);
    // An export of a day without events is not an error.
    expect([h.code, h.stdout]).toEqual([0, `usage import of ${headerOnly}: 0 accepted, 0 duplicates, 0 rejected\n`]);
  });

  it('keeps the output short when a value is 10,000 characters long', async () => {
    const huge = 'x'.repeat(10_000);
    const file = files.write('huge.csv', lines(HEADER, `${huge},C-1,2024-11-01T10:00:00Z,${huge},k1,activated,`, `E-2,C-1,2024-11-01T10:00:00Z,${huge},k1,activated,`));
    const [text, json] = await Promise.all([importUsage(file), importUsage(file, '--json')]);
    expect(text.code).toBe(2);
    expect(text.stdout.split('\n').slice(1)).toEqual([
      `line 2: ${'x'.repeat(60)}… (10000 characters): event_id is longer than 200 characters`,
      `line 3: E-2: unknown subject_type "${'x'.repeat(60)}…" (10000 characters) (expected user, module, company)`,
      '',
    ]);
    expect(json.code).toBe(2);
    expect(json.stdout.length).toBeLessThan(1000);
  });
});
