import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parsePeriod } from '../billing';
import { approveAllWaiting, approveDraft, DecisionRefused } from '../client/drafts';
import { startMonthlyClose, type CloseSettings } from '../client/close';
import { countByState, periodStatus } from '../client/status';
import { closeRunsOf } from '../store/close-runs';
import type { Db } from '../infra/db';
import { listDrafts } from '../store/reviews';

// The demo's finance review, kept apart from run-demo.ts: the month before the
// period is closed first, so every draft of the period has a previous final invoice to be
// compared with; then finance lets the policy work, approves the unflagged rest in bulk and
// looks at each flagged draft on its own (two people for four eyes).

export const SECOND_APPROVER = 'Bertil Controller';

/**
 * Split usage.csv (in arrival order) where the period's first event arrives: the rows before
 * reached us before the previous month was closed; the rest after, including the previous
 * month's late arrivals, which the review reports as late events.
 */
export function splitUsageAtPeriod(usageCsv: string, period: string): { before: string; after: string } {
  const [header, ...rows] = fs.readFileSync(usageCsv, 'utf8').trimEnd().split('\n');
  const startMs = parsePeriod(period).startMs;
  // occurred_at is the third column and never quoted.
  const cut = rows.findIndex((r) => Date.parse(r.split(',')[2]!) >= startMs);
  const at = cut < 0 ? rows.length : cut;
  const before = path.join(path.dirname(usageCsv), 'usage-before-close.csv');
  const after = path.join(path.dirname(usageCsv), 'usage-after-close.csv');
  fs.writeFileSync(before, [header, ...rows.slice(0, at)].join('\n') + '\n');
  fs.writeFileSync(after, [header, ...rows.slice(at)].join('\n') + '\n');
  return { before, after };
}

/** Close the month before the period and approve all of it (first invoices, all flagged). */
export async function closeMonthBefore(db: Db, client: Client, settings: CloseSettings, period: string, by: string, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  const { handle } = await startMonthlyClose(client, settings, period);
  await handle.result();
  const decisions = await approveAllWaiting(db, client, period, by, { includeFlagged: true });
  await waitUntilSettled(db, client, period);
  say(`  ${period}: ${decisions.filter((d) => d.outcome === 'approved').length} first invoices approved and final (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export interface ReviewResult {
  policyVersion: string;
  autoApproved: number;
  approvedInBulk: number;
  approvedOneByOne: number;
  fourEyes: number;
  flagged: { customerId: string; flags: string; why: string }[];
}

/** Finance on the period: bulk-approve what is unflagged, then each flagged draft on its own. */
export async function reviewAsFinance(db: Db, client: Client, period: string, by: string, policyVersion: string, say: (line: string) => void): Promise<ReviewResult> {
  const bulk = await approveAllWaiting(db, client, period, by);
  const approvedInBulk = bulk.filter((d) => d.outcome === 'approved').length;
  const skipped = bulk.filter((d) => d.outcome === 'skipped');
  say(`  approve --all: ${approvedInBulk} approved, ${skipped.length} flagged left for their own approval`);
  let approvedOneByOne = 0;
  let fourEyes = 0;
  for (const d of skipped) {
    try {
      const first = await approveDraft(client, period, d.customerId, by, d.draftVersion ?? undefined);
      if (first.outcome === 'needs_second') {
        fourEyes += 1;
        await approveDraft(client, period, d.customerId, SECOND_APPROVER, d.draftVersion ?? undefined);
      }
      approvedOneByOne += 1;
    } catch (err) {
      if (!(err instanceof DecisionRefused)) throw err;
      say(`  ${d.customerId}: ${err.message}`);
    }
  }
  await waitUntilSettled(db, client, period);
  const list = await listDrafts(db, period);
  return {
    policyVersion,
    autoApproved: list.drafts.filter((d) => d.state === 'auto_approved').length,
    approvedInBulk,
    approvedOneByOne,
    fourEyes,
    flagged: list.drafts
      .filter((d) => d.flags.length > 0)
      .map((d) => ({ customerId: d.customer_id, flags: d.flags.join(', '), why: d.flag_details.map((f) => f.detail).join('; ') })),
  };
}

/** The summary's lines about the review. */
export function reviewSummaryLines(r: ReviewResult): string[] {
  const byPerson = r.approvedInBulk + r.approvedOneByOne;
  return [
    `Finance review (policy ${r.policyVersion}; see 'month-close policy show'):`,
    `  auto-approved by the policy   ${r.autoApproved}`,
    `  needed a person               ${byPerson} (${r.approvedInBulk} unflagged in one approve --all, ${r.approvedOneByOne} flagged one by one, ${r.fourEyes} of them by two people)`,
    `  flagged                       ${r.flagged.length}${r.flagged.length ? ':' : ''}`,
    ...r.flagged.map((f) => `    ${f.customerId.padEnd(8)} ${f.flags}: ${f.why}`),
  ];
}

async function waitUntilSettled(db: Db, client: Client, period: string): Promise<void> {
  for (;;) {
    const counts = countByState(await periodStatus(await closeRunsOf(db, period), client, period));
    if (counts.running === 0 && counts.awaiting_approval === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
