import { snapshotActivities } from '../activities/snapshot';
import { parsePeriod, type Period } from '../billing';
import type { AppConfig } from '../infra/config';
import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { foldUsage } from '../store/usage';
import { median, now, printTable, progress, promisePool, round, stats, ticker, timed } from './support';

// Section 2: how fast a period's usage is folded into snapshots. Events are written straight
// into usage_events (one unnest INSERT per chunk), as consistent per-entity histories: users
// come, change role and leave, companies and modules are switched on and off.

export interface SnapshotBenchOptions {
  period: string;
  /** Events of the one large customer. */
  bigCustomerEvents: number;
  /** Customers of the many-customers period, and events each. */
  customers: number;
  eventsPerCustomer: number;
  concurrency: number;
  runs: number;
}

export interface SnapshotBenchResult {
  bigCustomer: {
    events: number;
    eventsBeforePeriodEnd: number;
    insertSeconds: number;
    insertRowsPerSecond: number;
    foldFirstMs: number;
    foldMedianMs: number;
    foldRunsMs: number[];
    foldEventsPerSecond: number;
    snapshotActivityMedianMs: number;
    snapshotUsers: number;
    contradictions: number;
  };
  period: {
    customers: number;
    eventsPerCustomer: number;
    insertSeconds: number;
    sequential: { seconds: number; customersPerSecond: number; p50Ms: number; p95Ms: number; maxMs: number };
    concurrent: { concurrency: number; seconds: number; customersPerSecond: number; p50Ms: number; p95Ms: number; maxMs: number };
    contradictions: number;
    projected10kCustomersSeconds: { sequential: number; concurrent: number };
    projected100kCustomersMinutes: { sequential: number; concurrent: number };
  };
}

/** mulberry32, seeded: the same options give the same events. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ROLES = ['superuser', 'portal_user', 'portal_user', 'portal_user', 'archive_user'] as const;

interface EventColumns {
  eventId: string[];
  customerId: string[];
  occurredAt: string[];
  subjectType: string[];
  subjectId: string[];
  action: string[];
  role: (string | null)[];
}

const emptyColumns = (): EventColumns => ({ eventId: [], customerId: [], occurredAt: [], subjectType: [], subjectId: [], action: [], role: [] });

/**
 * `n` events of one customer between `fromMs` and `toMs`, strictly increasing in time and
 * consistent: nothing is activated twice or deactivated while inactive, roles change only
 * while active. `users` is the size of the user pool.
 */
function customerEvents(customerId: string, n: number, fromMs: number, toMs: number, users: number, seed: number, push: (e: [string, string, string, string, string, string | null]) => void): void {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const userRole = new Map<number, string>(); // active users and their role
  const companies = new Set<number>([1]);
  let komplett = false;
  const step = (toMs - fromMs) / (n + 1);
  let i = 0;
  const at = () => new Date(Math.floor(fromMs + step * ++i)).toISOString();
  let count = 0;
  const emit = (type: string, id: string, action: string, role: string | null) => {
    push([`${customerId}-e${count}`, at(), type, id, action, role]);
    count += 1;
  };
  emit('module', 'smart', 'activated', null);
  if (n > 1) emit('company', 'k1', 'activated', null);
  while (count < n) {
    const r = random();
    if (r < 0.01) {
      emit('module', 'komplett', komplett ? 'deactivated' : 'activated', null);
      komplett = !komplett;
    } else if (r < 0.04) {
      const k = 2 + Math.floor(random() * 6);
      emit('company', `k${k}`, companies.has(k) ? 'deactivated' : 'activated', null);
      if (companies.has(k)) companies.delete(k);
      else companies.add(k);
    } else {
      const u = Math.floor(random() * users);
      const role = userRole.get(u);
      if (role === undefined) {
        const next = pick(ROLES);
        emit('user', `u${u}`, 'activated', next);
        userRole.set(u, next);
      } else if (random() < 0.55) {
        let next = pick(ROLES);
        while (next === role) next = pick(ROLES);
        emit('user', `u${u}`, 'role_changed', next);
        userRole.set(u, next);
      } else {
        emit('user', `u${u}`, 'deactivated', null);
        userRole.delete(u);
      }
    }
  }
}

async function insertColumns(db: Db, c: EventColumns): Promise<void> {
  if (c.eventId.length === 0) return;
  await db.raw(
    `INSERT INTO usage_events (event_id, customer_id, occurred_at, subject_type, subject_id, action, role)
     SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[])`,
    [c.eventId, c.customerId, c.occurredAt, c.subjectType, c.subjectId, c.action, c.role].map((a) => a as unknown as Knex.Value),
  );
}

/** Writes events for the given customers in chunks; returns the number written. */
async function writeEvents(db: Db, customers: { id: string; events: number; users: number; seed: number }[], fromMs: number, toMs: number, label: string): Promise<number> {
  const CHUNK = 20_000;
  let cols = emptyColumns();
  let written = 0;
  let lastReport = Date.now();
  const flush = async () => {
    await insertColumns(db, cols);
    written += cols.eventId.length;
    cols = emptyColumns();
    if (Date.now() - lastReport > 2000) {
      progress(`  ${label}: ${written.toLocaleString('en-US')} events written`);
      lastReport = Date.now();
    }
  };
  for (const c of customers) {
    const pending: [string, string, string, string, string, string | null][] = [];
    customerEvents(c.id, c.events, fromMs, toMs, c.users, c.seed, (e) => pending.push(e));
    for (const [eventId, occurredAt, subjectType, subjectId, action, role] of pending) {
      cols.eventId.push(eventId);
      cols.customerId.push(c.id);
      cols.occurredAt.push(occurredAt);
      cols.subjectType.push(subjectType);
      cols.subjectId.push(subjectId);
      cols.action.push(action);
      cols.role.push(role);
      if (cols.eventId.length >= CHUNK) await flush();
    }
  }
  await flush();
  return written;
}

async function insertCustomers(db: Db, ids: string[]): Promise<void> {
  await db('partners').insert({ partner_id: 'BENCH-SNAP', name: 'Bench partner' }).onConflict('partner_id').ignore();
  const rows = ids.map((id, i) => ({
    customer_id: id,
    name: `Snapshotkund ${i + 1} AB`,
    org_number: '556123-4567',
    vat_number: 'SE556123456701',
    billing_email: `faktura${i + 1}@example.se`,
    street: 'Storgatan 1',
    postal_code: '111 22',
    city: 'Stockholm',
    country: 'SE',
    partner_id: 'BENCH-SNAP',
    monthly_billing_from: '2020-01-01',
  }));
  await db.batchInsert('customers', rows, 1000);
}

/** Months before the period's end that the history of `months` months starts at. */
function historyStartMs(period: Period, months: number): number {
  let y = period.year;
  let m = period.month - months + 1;
  while (m < 1) {
    m += 12;
    y -= 1;
  }
  return parsePeriod(`${y}-${String(m).padStart(2, '0')}`).startMs;
}

export async function benchSnapshots(db: Db, config: AppConfig, opts: SnapshotBenchOptions): Promise<SnapshotBenchResult> {
  const period = parsePeriod(opts.period);
  const acts = snapshotActivities({ db, config, smtp: null, temporal: null, now: () => new Date() });

  // --- one customer with many events -------------------------------------------------
  const bigId = 'C-BIG';
  await insertCustomers(db, [bigId]);
  progress(`Snapshot: writing ${opts.bigCustomerEvents.toLocaleString('en-US')} events of one customer (24 months of history) …`);
  const bigUsers = Math.max(20, Math.round(opts.bigCustomerEvents / 50));
  const bigInsert = await timed(() =>
    writeEvents(db, [{ id: bigId, events: opts.bigCustomerEvents, users: bigUsers, seed: 7 }], historyStartMs(period, 24), period.endMs - 60_000, 'one customer'),
  );
  await db.raw('ANALYZE usage_events');

  progress(`Snapshot: folding ${bigId} for ${period.id}, ${opts.runs + 1} runs …`);
  const foldRuns: number[] = [];
  let folded: Awaited<ReturnType<typeof foldUsage>> | null = null;
  for (let r = 0; r <= opts.runs; r++) {
    const { ms, value } = await timed(() => foldUsage(db, bigId, period));
    foldRuns.push(ms);
    folded = value;
  }
  const [foldFirst, ...foldRest] = foldRuns;
  const activityRuns: number[] = [];
  for (let r = 0; r < opts.runs; r++) activityRuns.push((await timed(() => acts.snapshotUsage({ customerId: bigId, period: period.id }))).ms);

  const foldMedian = median(foldRest);
  const bigCustomer: SnapshotBenchResult['bigCustomer'] = {
    events: bigInsert.value,
    eventsBeforePeriodEnd: folded!.eventCount,
    insertSeconds: round(bigInsert.ms / 1000, 2),
    insertRowsPerSecond: Math.round(bigInsert.value / (bigInsert.ms / 1000)),
    foldFirstMs: round(foldFirst!, 1),
    foldMedianMs: round(foldMedian, 1),
    foldRunsMs: foldRest.map((x) => round(x, 1)),
    foldEventsPerSecond: Math.round(folded!.eventCount / (foldMedian / 1000)),
    snapshotActivityMedianMs: round(median(activityRuns), 1),
    snapshotUsers: folded!.snapshot.users.length,
    contradictions: folded!.contradictions.length,
  };
  printTable(`2a. Snapshot of one customer with ${bigCustomer.events.toLocaleString('en-US')} events (period ${period.id})`, ['measure', 'value'], [
    ['events written (unnest INSERT)', bigCustomer.events],
    ['insert rows/s', bigCustomer.insertRowsPerSecond],
    ['events folded (up to the period end)', bigCustomer.eventsBeforePeriodEnd],
    ['users in snapshot', bigCustomer.snapshotUsers],
    ['contradictions (should be 0)', bigCustomer.contradictions],
    ['foldUsage, first (cold) run ms', bigCustomer.foldFirstMs],
    [`foldUsage, median of ${opts.runs} ms`, bigCustomer.foldMedianMs],
    ['foldUsage runs ms', bigCustomer.foldRunsMs.join(' / ')],
    ['foldUsage events/s', bigCustomer.foldEventsPerSecond],
    [`snapshotUsage activity (fold+hash+store), median of ${opts.runs} ms`, bigCustomer.snapshotActivityMedianMs],
  ]);

  // --- a period of many customers ---------------------------------------------------------
  const ids = Array.from({ length: opts.customers }, (_, i) => `C-S${String(i + 1).padStart(6, '0')}`);
  progress(`Snapshot: writing ${opts.customers.toLocaleString('en-US')} customers × ${opts.eventsPerCustomer} events …`);
  const manyInsert = await timed(async () => {
    await insertCustomers(db, ids);
    return writeEvents(
      db,
      ids.map((id, i) => ({ id, events: opts.eventsPerCustomer, users: Math.max(3, Math.round(opts.eventsPerCustomer / 4)), seed: 1000 + i })),
      historyStartMs(period, 4),
      period.endMs - 60_000,
      'many customers',
    );
  });
  await db.raw('ANALYZE');

  const runPeriod = async (concurrency: number) => {
    await db('usage_snapshots').whereIn('customer_id', ids).delete();
    await db('usage_contradictions').where({ period: period.id }).delete();
    const latencies: number[] = [];
    let done = 0;
    let contradictions = 0;
    const started = now();
    const tick = ticker(3000, () => `  snapshotting (concurrency ${concurrency}): ${done.toLocaleString('en-US')}/${ids.length.toLocaleString('en-US')} customers`);
    try {
      await promisePool(ids, concurrency, async (customerId) => {
        const t = now();
        const ref = await acts.snapshotUsage({ customerId, period: period.id });
        latencies.push(now() - t);
        contradictions += ref.contradictions;
        done += 1;
      });
    } finally {
      tick.stop();
    }
    const seconds = (now() - started) / 1000;
    const s = stats(latencies);
    return { seconds: round(seconds, 2), customersPerSecond: Math.round(ids.length / seconds), p50Ms: round(s.p50, 2), p95Ms: round(s.p95, 2), maxMs: round(s.max, 1), contradictions };
  };
  progress(`Snapshot: ${opts.customers.toLocaleString('en-US')} customers one after another …`);
  const sequential = await runPeriod(1);
  progress(`Snapshot: ${opts.customers.toLocaleString('en-US')} customers, ${opts.concurrency} at a time …`);
  const concurrent = await runPeriod(opts.concurrency);

  const result: SnapshotBenchResult = {
    bigCustomer,
    period: {
      customers: opts.customers,
      eventsPerCustomer: opts.eventsPerCustomer,
      insertSeconds: round(manyInsert.ms / 1000, 2),
      sequential: { seconds: sequential.seconds, customersPerSecond: sequential.customersPerSecond, p50Ms: sequential.p50Ms, p95Ms: sequential.p95Ms, maxMs: sequential.maxMs },
      concurrent: {
        concurrency: opts.concurrency,
        seconds: concurrent.seconds,
        customersPerSecond: concurrent.customersPerSecond,
        p50Ms: concurrent.p50Ms,
        p95Ms: concurrent.p95Ms,
        maxMs: concurrent.maxMs,
      },
      contradictions: sequential.contradictions,
      projected10kCustomersSeconds: { sequential: round(10_000 / sequential.customersPerSecond, 1), concurrent: round(10_000 / concurrent.customersPerSecond, 1) },
      projected100kCustomersMinutes: {
        sequential: round(100_000 / sequential.customersPerSecond / 60, 1),
        concurrent: round(100_000 / concurrent.customersPerSecond / 60, 1),
      },
    },
  };
  const p = result.period;
  printTable(
    `2b. Snapshot of a period: ${p.customers.toLocaleString('en-US')} customers × ${p.eventsPerCustomer} events, via the snapshotUsage activity`,
    ['mode', 'seconds', 'customers/s', 'p50 ms', 'p95 ms', 'max ms', '10k customers (s)', '100k customers (min)'],
    [
      ['sequential', p.sequential.seconds, p.sequential.customersPerSecond, p.sequential.p50Ms, p.sequential.p95Ms, p.sequential.maxMs, p.projected10kCustomersSeconds.sequential, p.projected100kCustomersMinutes.sequential],
      [`concurrency ${p.concurrent.concurrency}`, p.concurrent.seconds, p.concurrent.customersPerSecond, p.concurrent.p50Ms, p.concurrent.p95Ms, p.concurrent.maxMs, p.projected10kCustomersSeconds.concurrent, p.projected100kCustomersMinutes.concurrent],
    ],
  );
  console.log(`  (events written in ${p.insertSeconds} s; contradictions found: ${p.contradictions}, should be 0)`);
  return result;
}
