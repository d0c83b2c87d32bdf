import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../infra/db';

/** A temporary directory for one test file's CSV fixtures. */
export function fixtureDir(): { write(name: string, content: string | Buffer): string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-imports-'));
  return {
    write(name, content) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      return file;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** CSV text from lines, each ended by a newline. */
export function lines(...rows: string[]): string {
  return rows.map((r) => `${r}\n`).join('');
}

/** Row counts of the tables imports write, to show that something changed nothing. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = ['partners', 'partner_versions', 'customers', 'customer_versions', 'price_items', 'usage_events', 'rejected_rows', 'import_batches'];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [{ n }] = await db(t).count<{ n: string }[]>({ n: '*' });
    counts[t] = Number(n);
  }
  return counts;
}

/** Customers straight into the table, for tests of the usage import. */
export async function insertCustomers(db: Db, ids: string[]): Promise<void> {
  await db('partners').insert({ partner_id: 'P-1', name: 'Partner One' }).onConflict('partner_id').ignore();
  await db('customers')
    .insert(
      ids.map((customer_id) => ({
        customer_id,
        name: `Customer ${customer_id}`,
        org_number: '556123-4567',
        vat_number: 'SE556123456701',
        billing_email: 'billing@example.se',
        street: 'Storgatan 1',
        postal_code: '111 22',
        city: 'Stockholm',
        country: 'SE',
        partner_id: 'P-1',
        monthly_billing_from: '2024-11-01',
      })),
    )
    .onConflict('customer_id')
    .ignore();
}
