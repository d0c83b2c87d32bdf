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
 * Mistypes the billing e-mail of the first customer (by id) invoiced in `invoicedIn`, through
 * the real customers import; null when no customer was invoiced.
 */
export async function mistypeBillingEmail(db: Db, input: { customersCsv: string; invoicedIn: string; dir: string }): Promise<Misaddressed | null> {
  const invoiced = new Set<string>(await db('invoices').where({ period: input.invoicedIn, kind: 'invoice' }).pluck('customer_id'));
  // Not a customer whose close fails on purpose (no VAT number): its invoice is sent only after the correction.
  const rows = (parse(fs.readFileSync(input.customersCsv, 'utf8'), { columns: true }) as Row[]).filter((r) => invoiced.has(r.customer_id!) && r.vat_number);
  const row = rows.sort((a, b) => a.customer_id!.localeCompare(b.customer_id!))[0];
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
