import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { explainDraft, parsePeriod, policyVerdict } from '../billing';
import { DEFAULT_APPROVAL_POLICY } from '../infra/config';
import { createDb, migrate } from '../infra/db';
import { freePort } from '../devenv/ports';
import { startEmbeddedPostgres } from '../devenv/postgres';
import { listDrafts } from '../store/reviews';
import { median, progress } from './support';

// How long `month-close drafts list --json` takes for a period of N drafts, on an
// embedded PostgreSQL of its own: N customers, each with a draft, its stored review, and
// approvals as a real period has them (most by the policy, some by people, a few four-eyes).
//
//   npx tsx bench/drafts-list.ts [N=10000] [runs=5]

const N = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 5);
const PERIOD = '2024-11';
const BIN = path.resolve(__dirname, '../bin/month-close.js');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-drafts-list-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'month_close' });
  const db = createDb(pg.databaseUrl, { min: 0, max: 4 });
  try {
    await migrate(db);
    progress(`seeding ${N} drafts with their reviews …`);
    await seed(db, N);

    const inProcess: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const list = await listDrafts(db, PERIOD);
      inProcess.push(performance.now() - t);
      if (list.drafts.length !== N) throw new Error(`listed ${list.drafts.length} drafts, expected ${N}`);
    }
    const env = { ...process.env, DATABASE_URL: pg.databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:1', LOG_LEVEL: 'warn' };
    const cli: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [BIN, 'drafts', 'list', '--period', PERIOD, '--json'], { env, maxBuffer: 1 << 30 });
      cli.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`drafts list failed: ${r.stderr}`);
      bytes = r.stdout.length;
    }
    // What any command costs before it does anything: node, the TypeScript loader, the CLI's modules.
    const start = performance.now();
    spawnSync(process.execPath, [BIN, '--help'], { env });
    const startupMs = performance.now() - start;
    console.log(`drafts list --json, ${N.toLocaleString('en-US')} drafts (median of ${RUNS}):`);
    console.log(`  the command, end to end     ${Math.round(median(cli))} ms (${(bytes / 2 ** 20).toFixed(1)} MB of JSON; node + tsx start-up alone ${Math.round(startupMs)} ms)`);
    console.log(`  listDrafts() in process     ${Math.round(median(inProcess))} ms`);
  } finally {
    await db.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** N customers, each with one snapshot, one draft and its stored review; approvals like a real period. */
async function seed(db: ReturnType<typeof createDb>, n: number): Promise<void> {
  const period = parsePeriod(PERIOD);
  await db('partners').insert({ partner_id: 'P-BENCH', name: 'Bench partner' });
  const ids = Array.from({ length: n }, (_, i) => `B${String(i + 1).padStart(6, '0')}`);
  const buyer = { name: 'Bench AB', street: 'Storgatan 1', postalCode: '411 38', city: 'Göteborg', country: 'SE' };
  await db.batchInsert(
    'customers',
    ids.map((id) => ({ customer_id: id, name: `Kund ${id} AB`, org_number: '556123-4567', vat_number: 'SE556123456701', billing_email: `a@${id}.example`, street: 'Storgatan 1', postal_code: '411 38', city: 'Göteborg', country: 'SE', partner_id: 'P-BENCH', monthly_billing_from: '2024-01-01' })),
    1000,
  );
  const snapshotIds: number[] = [];
  for (let i = 0; i < n; i += 1000) {
    const rows = ids.slice(i, i + 1000).map((id) => ({ customer_id: id, period: PERIOD, content_hash: id, snapshot: JSON.stringify({ customerId: id, period: PERIOD, modules: ['smart'], users: [], companies: [] }), event_count: 1, max_seq: 1 }));
    snapshotIds.push(...(await db('usage_snapshots').insert(rows).returning('id')).map((r: { id: number }) => r.id));
  }
  const draftIds: number[] = [];
  for (let i = 0; i < n; i += 1000) {
    const rows = ids.slice(i, i + 1000).map((id, k) => {
      const total = 200_000 + ((i + k) % 97) * 1_000;
      const rated = { customerId: id, period: PERIOD, lines: [{ article: 'smart', description: 'OneStop Reporting - Smart', legacyDescription: 'x', quantity: 1, unitPriceOre: total, amountOre: total, vatPercent: 25, proRata: null }], vatBreakdown: [], netOre: total, vatOre: 0, roundingOre: 0, totalOre: total, vatTreatment: 'domestic' };
      return { customer_id: id, period: PERIOD, version: 1, snapshot_id: snapshotIds[i + k], status: 'awaiting_approval', rated: JSON.stringify(rated), buyer: JSON.stringify(buyer), net_ore: total, vat_ore: 0, rounding_ore: 0, total_ore: total, workflow_run_key: `bench/${id}` };
    });
    draftIds.push(...(await db('drafts').insert(rows).returning('id')).map((r: { id: number }) => r.id));
  }
  // Reviews from the real rules: most change a little against the previous invoice, some a lot.
  const reviews = ids.map((id, i) => {
    const total = 200_000 + (i % 97) * 1_000;
    const previousTotal = i % 10 === 0 ? total * 2 : i % 37 === 0 ? null : total - (i % 5) * 1_000;
    const e = explainDraft({
      customerId: id,
      period: PERIOD,
      lines: [{ article: 'smart', description: 'OneStop Reporting - Smart', quantity: 1, amountOre: total }],
      totalOre: total,
      snapshot: { customerId: id, period: PERIOD, modules: ['smart'], users: [], companies: [] },
      previous: previousTotal === null ? null : { number: `F${10_000 + i}`, period: '2024-10', totalOre: previousTotal, lines: [{ article: 'smart', description: 'OneStop Reporting - Smart', quantity: 1, amountOre: previousTotal }], snapshot: null },
      contradictions: [],
      lateEvents: [],
    });
    const v = policyVerdict(e, DEFAULT_APPROVAL_POLICY);
    return { draft_id: draftIds[i], customer_id: id, period: PERIOD, total_ore: total, previous_total_ore: e.previous?.total_ore ?? null, change_ore: e.change_ore, change_bp: e.change_bp, flags: v.flags.map((f) => f.code), flag_details: JSON.stringify(v.flags), explanation: JSON.stringify({ ...e, flags: v.flags.map((f) => f.code) }), approvals_needed: v.approvalsNeeded, auto_approve_reason: v.autoApprove, waits_because: v.waitsBecause, policy_version: v.policyVersion, escalate_after_ms: v.escalateAfterMs };
  });
  await db.batchInsert('draft_reviews', reviews, 1000);
  const approvals = reviews
    .filter((r, i) => r.auto_approve_reason !== null || i % 3 === 0)
    .map((r) => ({ draft_id: r.draft_id, customer_id: r.customer_id, period: PERIOD, decision: 'approved', decided_by: r.auto_approve_reason ? 'policy' : 'Anna Ekonom', via: r.auto_approve_reason ? 'policy' : 'approve_all', decided_at: new Date(period.endMs + 3_600_000), policy_version: r.policy_version }));
  await db.batchInsert('approvals', approvals, 1000);
  progress(`seeded: ${n} drafts, ${approvals.length} approvals, ${reviews.filter((r) => r.flags.length > 0).length} flagged`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
