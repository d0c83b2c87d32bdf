import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import type { Db } from '../infra/db';
import { startSandbox } from '../devenv/sandbox';
import { importUsage } from '../imports/usage';

// Benchmark of `usage import`: generates a realistic usage CSV (streamed to a temporary
// file), imports it into a real PostgreSQL and reports throughput and peak memory.
// Run: npx tsx bench/import-usage.ts [rows]   (starts its own embedded services)

export interface UsageBenchResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  baselineRssMb: number;
  /** CPU time of this Node process during the import (PostgreSQL's is not included). */
  nodeCpuSeconds: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  fileMb: number;
}

const CUSTOMERS = 1_000;
const ROLES = ['superuser', 'portal_user', 'archive_user'];

export async function benchImportUsage(db: Db, rows = 1_000_000): Promise<UsageBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-'));
  const file = path.join(dir, 'usage.csv');
  try {
    await createCustomers(db);
    await writeUsageCsv(file, rows);
    const fileMb = fs.statSync(file).size / 2 ** 20;

    global.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    let peakHeap = process.memoryUsage().heapUsed;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    const sampler = setInterval(sample, 100);

    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const report = await importUsage(db, file).finally(() => clearInterval(sampler));
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    sample();

    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    return {
      rows,
      seconds: Math.round(seconds * 10) / 10,
      rowsPerSecond: Math.round(rows / seconds),
      peakRssMb: mb(peakRss),
      peakHeapUsedMb: mb(peakHeap),
      baselineRssMb: mb(baselineRss),
      nodeCpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      accepted: report.accepted,
      duplicates: report.duplicates,
      rejected: report.rejected.length,
      fileMb: Math.round(fileMb),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const customerId = (i: number) => `C-${String(i).padStart(4, '0')}`;

async function createCustomers(db: Db): Promise<void> {
  await db('partners').insert({ partner_id: 'BENCH', name: 'Bench partner' }).onConflict('partner_id').ignore();
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
    customer_id: customerId(i + 1),
    name: `Kund ${i + 1} AB`,
    org_number: '556123-4567',
    vat_number: 'SE556123456701',
    billing_email: `faktura${i + 1}@example.se`,
    street: 'Storgatan 1',
    postal_code: '111 22',
    city: 'Stockholm',
    country: 'SE',
    partner_id: 'BENCH',
    monthly_billing_from: '2024-01-01',
  }));
  await db.batchInsert('customers', customers, 500);
}

/**
 * A month-and-a-half of portal events over 1,000 tenants: mostly users coming, going and
 * changing roles, some companies and modules; about 0.1 % are re-sent events (duplicates)
 * and 0.05 % carry an unknown role (rejected). Written in chunks, honouring backpressure.
 */
async function writeUsageCsv(file: string, rows: number): Promise<void> {
  let seed = 42;
  const random = () => {
    // mulberry32: small, deterministic, and good enough for test data
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const end = Date.now() - 3_600_000;
  const span = 45 * 86_400_000;

  const out = fs.createWriteStream(file);
  out.write('event_id,customer_id,occurred_at,subject_type,subject_id,action,role\n');
  let chunk: string[] = [];
  let previous = '';
  for (let n = 1; n <= rows; n++) {
    let line: string;
    if (previous && random() < 0.001) {
      line = previous; // the portal re-sent an event
    } else {
      const customer = customerId(1 + Math.floor(random() * CUSTOMERS));
      const at = new Date(end - Math.floor(random() * span));
      // Half the events carry a Stockholm offset instead of Z.
      const occurredAt = random() < 0.5 ? at.toISOString() : `${new Date(at.getTime() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
      const kind = random();
      let tail: string;
      if (kind < 0.8) {
        const action = pick(['activated', 'activated', 'deactivated', 'role_changed']);
        const role = random() < 0.0005 ? 'admin' : action === 'deactivated' ? '' : pick(ROLES);
        tail = `user,u-${Math.floor(random() * 200)},${action},${role}`;
      } else if (kind < 0.95) {
        tail = `company,k-${Math.floor(random() * 8)},${pick(['activated', 'deactivated'])},`;
      } else {
        tail = `module,${pick(['smart', 'komplett'])},${pick(['activated', 'deactivated'])},`;
      }
      line = `evt-${n.toString(36)}-${customer},${customer},${occurredAt},${tail}`;
    }
    previous = line;
    chunk.push(line);
    if (chunk.length === 1_000 || n === rows) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end();
  await once(out, 'finish');
}

if (require.main === module) {
  void (async () => {
    const rows = Number(process.argv[2] ?? 1_000_000);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-services-'));
    const sandbox = await startSandbox({ dataDir });
    try {
      const result = await benchImportUsage(sandbox.db, rows);
      console.log(JSON.stringify(result, null, 2));
    } finally {
      await sandbox.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
