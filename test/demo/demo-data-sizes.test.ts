import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoData } from '../../demo/demo-data';
import { parsePeriod, previousPeriod } from '../../billing/period';
import type { EventContradiction } from '../../billing/types';
import { checkEvent } from '../../imports/usage';
import { foldUsage, isMalformedCustomer, isUnknownModule, isUnknownRole, rowsOf, type Row } from '../support/demo-usage';

// `month-close demo --customers N` accepts 10 to 20000: the generator must give every size its
// special customers and its five deliberately bad usage rows (sizes 11 and 12 once crashed
// picking the duplicate, when no ordinary customer had a row in the period).

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every intended case of the generated files, checked by content as the imports and the fold see them. */
async function expectEveryIntendedCase(customers: number, period: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-data-sizes-'));
  dirs.push(dir);
  const files = await writeDemoData(dir, { customers, period });
  const p = parsePeriod(period);
  const data = { customers: rowsOf(files.customersCsv), usage: rowsOf(files.usageCsv) };
  const label = `${customers} customers, ${period}`;
  expect(data.customers, label).toHaveLength(customers);
  expect(files.expected.events, label).toBe(data.usage.length);

  // 1-3: the rows the usage import rejects, one each and nothing else.
  const known = new Set(data.customers.map((c) => c.customer_id!));
  const rejected = data.usage.filter((r) => checkEvent(r as Parameters<typeof checkEvent>[0], known, p.endMs + 86_400_000) !== null);
  expect(rejected.filter(isUnknownRole), `${label}: unknown role`).toHaveLength(1);
  expect(rejected.filter(isUnknownModule), `${label}: unknown module`).toHaveLength(1);
  expect(rejected.filter(isMalformedCustomer), `${label}: malformed customer id`).toHaveLength(1);
  expect(rejected, label).toHaveLength(3);

  // 4: one row delivered twice, the same content.
  const byId = new Map<string, Row[]>();
  for (const r of data.usage) byId.set(r.event_id!, [...(byId.get(r.event_id!) ?? []), r]);
  const repeated = [...byId.values()].filter((rows) => rows.length > 1);
  expect(repeated, `${label}: duplicate`).toHaveLength(1);
  expect(repeated[0]![1], `${label}: duplicate`).toEqual(repeated[0]![0]);

  // 5: the only contradiction of the whole history, in the period: a second deactivation of a
  // user whose earlier deactivation is in the file.
  const contradictions: EventContradiction[] = [];
  for (let q = p, i = 0; i < 4; q = previousPeriod(q), i++) {
    for (const s of foldUsage(q, data).values()) contradictions.push(...s.contradictions);
  }
  expect(contradictions, `${label}: contradictions`).toHaveLength(1);
  const second = data.usage.find((r) => r.event_id === contradictions[0]!.eventId)!;
  expect(second.action, label).toBe('deactivated');
  expect(Date.parse(second.occurred_at!), label).toBeGreaterThanOrEqual(p.startMs);
  const earlier = data.usage.filter(
    (r) => r.customer_id === second.customer_id && r.subject_id === second.subject_id && r.action === 'deactivated' && r.event_id !== second.event_id,
  );
  expect(earlier.length, `${label}: ${second.customer_id}'s ${second.subject_id} left before`).toBeGreaterThan(0);

  expect(files.expected.usage, label).toEqual({ accepted: byId.size - 3, duplicates: 1, rejected: 3, contradictions: 1 });
  // The special customers: one churned before the period, one without a VAT number.
  expect(files.expected.nothingToBill, label).toHaveLength(1);
  expect(files.expected.badMasterData, label).toHaveLength(1);
  const empty = [...foldUsage(p, data)].filter(([, s]) => s.snapshot.modules.length === 0).map(([id]) => id);
  expect(empty, label).toEqual(files.expected.nothingToBill);
}

describe('writeDemoData at every size the demo accepts', () => {
  const small = Array.from({ length: 21 }, (_, i) => 10 + i);
  // The demo closes the month before today; a few periods: an ordinary one, a DST month, a year's end.
  for (const period of ['2024-11', '2025-03', '2026-11', '2026-12']) {
    it(`gives each size from 10 to 30 every intended case (period ${period})`, async () => {
      for (const customers of small) await expectEveryIntendedCase(customers, period);
    });
  }

  it('gives large sizes every intended case (200, 1000, 2000; 20000 generates in ~25 s, not run here)', async () => {
    for (const customers of [200, 1000, 2000]) await expectEveryIntendedCase(customers, '2026-11');
  }, 180_000);
});
