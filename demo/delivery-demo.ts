import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { importCustomers } from '../imports';
import type { Db } from '../infra/db';
import { listDeliveries } from '../store/notification-deliveries';
import { csvField } from './demo-data';

// The demo's bounced e-mail (docs/delivery-errors.md "Sending a failed delivery again"): before
// the month's close one customer's billing e-mail is mistyped in the customer register (the
// reserved domain .invalid, which the local mail catcher refuses with 550), so its invoice
// e-mail fails for good; after the close the customer's right address is imported again. The
// failed delivery is left for an operator: `demo --keep`'s console sends it again ("Skicka
// om"), as does `month-close deliveries resend ID`.

type Row = Record<string, string>;

function customersCsv(rows: Row[]): string {
  const header = Object.keys(rows[0]!);
  return [header.join(','), ...rows.map((r) => header.map((k) => csvField(r[k] ?? '')).join(','))].join('\n') + '\n';
}

export interface Misaddressed {
  customerId: string;
  wrong: string;
  right: string;
  row: Row;
}

/**
 * The customer whose billing e-mail the demo mistypes: the first by id that was invoiced in the
 * month before and will be invoiced again, i.e. neither churned before the closed month
 * (`nothingToBill`: it gets no invoice e-mail that could bounce) nor failing on purpose for its missing
 * VAT number (its invoice is sent only after that correction).
 */
export function customerToMisaddress(customers: readonly Row[], invoicedBefore: ReadonlySet<string>, nothingToBill: readonly string[]): Row | null {
  const candidates = customers.filter((r) => invoicedBefore.has(r.customer_id!) && !nothingToBill.includes(r.customer_id!) && r.vat_number);
  return [...candidates].sort((a, b) => a.customer_id!.localeCompare(b.customer_id!))[0] ?? null;
}

/**
 * Mistypes the billing e-mail of customerToMisaddress's pick, through the real customers import;
 * null when there is none.
 */
export async function mistypeBillingEmail(db: Db, input: { customersCsv: string; invoicedIn: string; nothingToBill: readonly string[]; dir: string }): Promise<Misaddressed | null> {
  const invoiced = new Set<string>(await db('invoices').where({ period: input.invoicedIn, kind: 'invoice' }).pluck('customer_id'));
  const row = customerToMisaddress(parse(fs.readFileSync(input.customersCsv, 'utf8'), { columns: true }) as Row[], invoiced, input.nothingToBill);
  if (!row) return null;
  const right = row.billing_email!;
  const wrong = right.replace(/\.[A-Za-z]+$/, '.invalid');
  const file = path.join(input.dir, 'customers-mistyped-email.csv');
  fs.writeFileSync(file, customersCsv([{ ...row, billing_email: wrong }]));
  const imported = await importCustomers(db, file);
  if (imported.accepted !== 1) throw new Error(`the demo could not mistype ${row.customer_id}'s billing e-mail: ${JSON.stringify(imported)}`);
  return { customerId: row.customer_id!, wrong, right, row };
}

/** Imports the customer's right billing e-mail again; returns the ids of its failed deliveries of `period`. */
export async function correctBillingEmail(db: Db, misaddressed: Misaddressed, input: { period: string; dir: string }): Promise<number[]> {
  const file = path.join(input.dir, 'customers-corrected-email.csv');
  fs.writeFileSync(file, customersCsv([misaddressed.row]));
  const imported = await importCustomers(db, file);
  if (imported.accepted !== 1) throw new Error(`the demo could not correct ${misaddressed.customerId}'s billing e-mail: ${JSON.stringify(imported)}`);
  return (await listDeliveries(db, { period: input.period, failed: true })).filter((d) => d.customer_id === misaddressed.customerId).map((d) => d.id);
}
