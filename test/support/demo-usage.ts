import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Period } from '../../billing/period';
import { buildSnapshot, compareEvents } from '../../billing/snapshot';
import type { Role, UsageEvent } from '../../billing/types';

// The demo data's CSV rows read back, and its deliberately bad usage rows found by content
// (demo/demo-data.ts, badRows), for the tests of the generator.

export type Row = Record<string, string>;

export const rowsOf = (file: string): Row[] => parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Row[];

export const isUnknownRole = (r: Row) => r.role === 'admin';
export const isUnknownModule = (r: Row) => r.subject_type === 'module' && r.subject_id === 'budget';
export const isMalformedCustomer = (r: Row) => !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(r.customer_id!);
export const isImportRejection = (r: Row) => isUnknownRole(r) || isUnknownModule(r) || isMalformedCustomer(r);

/** The accepted rows as the event store would hold them: duplicates dropped, arrival = file order. */
export function storedEvents(usage: Row[]): UsageEvent[] {
  const seen = new Set<string>();
  const events: UsageEvent[] = [];
  usage.forEach((r, i) => {
    if (isImportRejection(r) || seen.has(r.event_id!)) return;
    seen.add(r.event_id!);
    events.push({
      eventId: r.event_id!,
      customerId: r.customer_id!,
      occurredAtMs: Date.parse(r.occurred_at!),
      subjectType: r.subject_type as UsageEvent['subjectType'],
      subjectId: r.subject_id!,
      action: r.action as UsageEvent['action'],
      role: (r.role || null) as Role | null,
      arrivalSeq: i,
    });
  });
  return events;
}

/** Each customer's snapshot of period `p` from the stored events, as the close folds them. */
export function foldUsage(p: Period, data: { customers: Row[]; usage: Row[] }): Map<string, ReturnType<typeof buildSnapshot>> {
  const byCustomer = new Map<string, UsageEvent[]>();
  for (const e of storedEvents(data.usage)) {
    const list = byCustomer.get(e.customerId) ?? [];
    list.push(e);
    byCustomer.set(e.customerId, list);
  }
  const result = new Map<string, ReturnType<typeof buildSnapshot>>();
  for (const c of data.customers) {
    const events = (byCustomer.get(c.customer_id!) ?? []).sort(compareEvents);
    result.set(c.customer_id!, buildSnapshot(c.customer_id!, p, events));
  }
  return result;
}
