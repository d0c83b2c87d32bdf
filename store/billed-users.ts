import { addDays, billedRoleOf, countingStart, periodContaining, selectPriceList, stockholmDate, stockholmMidnightMs, type Period } from '../billing';
import type { Role } from '../billing/types';
import type { Db } from '../infra/db';
import { customerTerms, loadCustomer } from './customers';
import { loadPriceItems } from './prices';
import { foldBilledUsage } from './rating';

// The customer admin's view of the month so far: which users are billed, under which article,
// and on how many days they were active. Users and roles come from the same fold as the bill
// (foldBilledUsage) and the article from the same choice as rating (billedRoleOf), so this list
// and the invoice cannot disagree about who is billed.

export interface BilledUser {
  userId: string;
  /** Roles held while active in the counted part of the period, sorted. */
  roles: Role[];
  /** The article the user is billed under (the dearest role held). */
  article: Role | null;
  /** Stockholm days of the counted part, up to `asOf`, on which the user was active. */
  activeDays: number;
  activeNow: boolean;
}

export interface BilledUsers {
  period: string;
  /** The instant the list describes: now, or the period's end once it has ended. */
  asOfMs: number;
  countedFrom: string | null;
  users: BilledUser[];
}

interface Interval {
  from: number;
  to: number;
}

/** Distinct Stockholm dates touched by the intervals inside [fromMs, toMs). */
export function activeDays(intervals: Interval[], fromMs: number, toMs: number): number {
  const days = new Set<string>();
  for (const i of intervals) {
    const a = Math.max(i.from, fromMs);
    const b = Math.min(i.to, toMs);
    if (a >= b) continue;
    const last = stockholmDate(b - 1);
    for (let d = stockholmDate(a); d <= last; d = addDays(d, 1)) days.add(d);
  }
  return days.size;
}

/** Each user's active intervals from its activated/deactivated events (contradicting ones skipped, as the fold does). */
async function userIntervals(db: Db, customerId: string, period: Period, untilMs: number): Promise<Map<string, Interval[]>> {
  const rows = await db('usage_events')
    .where({ customer_id: customerId, subject_type: 'user' })
    .whereIn('action', ['activated', 'deactivated'])
    .where('occurred_at', '<', new Date(Math.min(period.endMs, untilMs)))
    .orderBy([{ column: 'occurred_at' }, { column: 'seq' }])
    .select('subject_id', 'action', 'occurred_at');
  const open = new Map<string, number>();
  const out = new Map<string, Interval[]>();
  for (const r of rows) {
    const t = (r.occurred_at as Date).getTime();
    if (r.action === 'activated') {
      if (!open.has(r.subject_id)) open.set(r.subject_id, t);
    } else if (open.has(r.subject_id)) {
      out.set(r.subject_id, [...(out.get(r.subject_id) ?? []), { from: open.get(r.subject_id)!, to: t }]);
      open.delete(r.subject_id);
    }
  }
  for (const [id, from] of open) out.set(id, [...(out.get(id) ?? []), { from, to: Number.POSITIVE_INFINITY }]);
  return out;
}

/** The billed users of the period containing `nowMs` (the month so far), as of `nowMs`. */
export async function billedUsers(db: Db, customerId: string, nowMs: number): Promise<BilledUsers> {
  const period = periodContaining(nowMs);
  const customer = await loadCustomer(db, customerId);
  const countedFrom = customer ? countingStart(customerTerms(customer), period) : null;
  const fromMs = countedFrom ? stockholmMidnightMs(countedFrom) : period.startMs;
  const asOfMs = Math.min(nowMs, period.endMs);
  const [usage, intervals, priceItems] = await Promise.all([foldBilledUsage(db, customerId, period), userIntervals(db, customerId, period, asOfMs), loadPriceItems(db)]);
  let prices: ReturnType<typeof selectPriceList>['prices'] | null = null;
  try {
    prices = selectPriceList(priceItems, period).prices;
  } catch {
    prices = null; // no price list in force: the article falls back to the higher role
  }
  const priceOf = (role: Role) => prices?.[role] ?? { unitPriceOre: 0 };
  const users = usage.snapshot.users.map((u): BilledUser => {
    const mine = intervals.get(u.userId) ?? [];
    return {
      userId: u.userId,
      roles: u.roles,
      article: billedRoleOf(u, priceOf),
      activeDays: activeDays(mine, fromMs, asOfMs),
      activeNow: mine.some((i) => i.to === Number.POSITIVE_INFINITY),
    };
  });
  return { period: period.id, asOfMs, countedFrom, users };
}
