import { formatReport, importCustomers, importPartners, importPrices, importUsage, type ImportReport } from '../imports';
import type { Db } from '../infra/db';
import type { DemoDataFiles } from './demo-data';

// The demo tenant set loaded into a database as a customer's data would arrive: through the
// real CSV imports, partners before the customers that name them. The demo, the drill and the
// bench load it this way, with the same subscribers.

/** Import prices, partners, customers and `usageCsv` (all of the usage unless said); `report` gets each import's summary. */
export async function importDemoData(db: Db, files: DemoDataFiles, report: (what: string, summary: string[]) => void, usageCsv = files.usageCsv): Promise<ImportReport[]> {
  const reports: ImportReport[] = [];
  for (const [what, run] of [
    ['prices', () => importPrices(db, files.pricesCsv)],
    ['partners', () => importPartners(db, files.partnersCsv)],
    ['customers', () => importCustomers(db, files.customersCsv)],
    ['usage', () => importUsage(db, usageCsv)],
  ] as const) {
    const r = await run();
    reports.push(r);
    report(what, formatReport(r).split('\n'));
  }
  return reports;
}

/** Finance gets drafts and invoices by e-mail; each partner gets its invoices as a signed webhook. */
export async function seedDemoSubscribers(db: Db, opts: { webhookUrl: string; financeEmail: string; secretPrefix?: string }): Promise<void> {
  await db('subscribers').insert({ role: 'finance', channel: 'email', address: opts.financeEmail, events: ['draft_ready', 'invoice_final'] }).onConflict().ignore();
  const partners = await db('partners').select('partner_id');
  for (const p of partners) {
    await db('subscribers')
      .insert({
        partner_id: p.partner_id,
        role: 'partner',
        channel: 'webhook',
        address: `${opts.webhookUrl}/${p.partner_id}`,
        secret: `${opts.secretPrefix ?? 'demo-secret'}-${p.partner_id}`,
        events: ['invoice_final'],
      })
      .onConflict()
      .ignore();
  }
}
