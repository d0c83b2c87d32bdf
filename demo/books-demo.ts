import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { stockholmDate } from '../billing';
import { booksSettings, exportBooks } from '../books/export';
import { lockPeriod } from '../books/period-lock';
import { periodReport, type PeriodReport } from '../books/period-report';
import type { CloseSettings } from '../client/close';
import { approveDraft } from '../client/drafts';
import { rerunCustomers } from '../client/rerun';
import { importCustomers } from '../imports';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { statusQuery } from '../contracts/close-messages';
import { closeWorkflowId } from '../contracts/workflow-ids';
import { csvField } from './demo-data';
import { shownPath } from './out-dir';

// The demo's close of the books (issue #21): finance corrects the customer whose close failed on
// its master data (a customers import with the VAT number) and re-runs it, approves its draft,
// reports the month complete, locks it and exports the vouchers as SIE 4I to out/books/.

export interface BooksDemoResult {
  corrected: { customerId: string; reason: string; invoiceNumber: string | null }[];
  report: PeriodReport;
  batch: number | null;
  file: string | null;
  vouchers: number;
  firstNumber: number | null;
  lastNumber: number | null;
}

/** Rows of the customers CSV for `ids`, each with a VAT number made from its organisation number. */
function correctedCustomersCsv(customersCsv: string, ids: Set<string>): string {
  const rows = parse(fs.readFileSync(customersCsv, 'utf8'), { columns: true }) as Record<string, string>[];
  const header = Object.keys(rows[0]);
  const fixed: Record<string, string>[] = rows.filter((r) => ids.has(r.customer_id)).map((r) => ({ ...r, vat_number: `SE${r.org_number.replace('-', '')}01` }));
  return [header.join(','), ...fixed.map((r) => header.map((k) => csvField(r[k] ?? '')).join(','))].join('\n') + '\n';
}

export async function closeTheBooks(
  db: Db,
  client: Client,
  settings: CloseSettings,
  config: AppConfig,
  input: { period: string; customersCsv: string; outDir: string; by: string },
  say: (line: string) => void,
): Promise<BooksDemoResult> {
  const { period, by } = input;
  const failed: { customer_id: string; reason: string | null }[] = await db('close_runs').where({ period, state: 'failed' }).select('customer_id', 'reason');
  const corrected: BooksDemoResult['corrected'] = [];
  if (failed.length) {
    const file = path.join(input.outDir, 'input', 'customers-corrected.csv');
    fs.writeFileSync(file, correctedCustomersCsv(input.customersCsv, new Set(failed.map((f) => f.customer_id))));
    const imported = await importCustomers(db, file);
    say(`Finance corrects ${failed.length} customer(s) that failed (customers import of ${shownPath(file)}: ${imported.accepted} accepted) and re-runs them …`);
    await rerunCustomers(client, settings, period, failed.map((f) => f.customer_id));
    for (const f of failed) {
      const handle = client.workflow.getHandle(closeWorkflowId(period, f.customer_id));
      for (let state = ''; !['awaiting_approval', 'final', 'failed', 'nothing_to_bill'].includes(state); await new Promise((r) => setTimeout(r, 200))) {
        state = (await handle.query(statusQuery).catch(() => null))?.state ?? '';
      }
      if ((await handle.query(statusQuery)).state === 'awaiting_approval') await approveDraft(client, period, f.customer_id, by);
      const done = await handle.result().catch(() => null);
      corrected.push({ customerId: f.customer_id, reason: f.reason ?? '', invoiceNumber: done?.invoiceNumber ?? null });
    }
  }

  const report = await periodReport(db, period);
  say(`Period report ${period}: ${report.complete ? 'complete' : 'NOT complete'} (${Object.entries(report.counts).map(([b, n]) => `${b} ${n}`).join(', ')})`);
  if (!report.complete) return { corrected, report, batch: null, file: null, vouchers: 0, firstNumber: null, lastNumber: null };
  const locked = await lockPeriod(db, { period, by, reason: 'Månaden rapporterad komplett (demo)', now: new Date() });
  const exported = await exportBooks(db, booksSettings(config), { today: stockholmDate(Date.now()), by });
  let file: string | null = null;
  if (exported.content) {
    file = path.join(input.outDir, 'books', `verifikationer-${exported.batch}-B${exported.first_number}-${exported.last_number}.si`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, exported.content);
  }
  return { corrected, report: locked, batch: exported.batch, file, vouchers: exported.vouchers, firstNumber: exported.first_number, lastNumber: exported.last_number };
}
