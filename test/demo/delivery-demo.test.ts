import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDemoData } from '../../demo/demo-data';
import { customerToMisaddress } from '../../demo/delivery-demo';
import { parsePeriod, previousPeriod } from '../../billing/period';
import { foldUsage, rowsOf } from '../support/demo-usage';

// The demo's bounced e-mail needs a customer that is invoiced in the closed month: at small
// sizes the first customer invoiced the month before was sometimes the one that churned (nothing
// to bill), and no e-mail bounced.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the customer whose billing e-mail the demo mistypes', () => {
  it('is invoiced in the closed month, at every size from 10 to 30', async () => {
    let churnedCameFirst = 0;
    for (const period of ['2024-11', '2025-03', '2026-11', '2026-12']) {
      for (let size = 10; size <= 30; size++) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'delivery-demo-test-'));
        dirs.push(dir);
        const files = await writeDemoData(dir, { customers: size, period });
        const data = { customers: rowsOf(files.customersCsv), usage: rowsOf(files.usageCsv) };
        // Billed for a month: usage in it, on monthly billing by then and not prepaid through all of it.
        const billable = (id: string) => {
          const p = parsePeriod(id);
          const onMonthly = new Set(
            data.customers.filter((c) => c.monthly_billing_from! <= p.lastDay && (c.prepaid_through === '' || c.prepaid_through! < p.lastDay)).map((c) => c.customer_id!),
          );
          return new Set([...foldUsage(p, data)].filter(([cid, s]) => s.snapshot.modules.length > 0 && onMonthly.has(cid)).map(([cid]) => cid));
        };
        // Invoiced the month before: every customer with usage then (the one without a VAT number fails, the pick skips it).
        const invoicedBefore = billable(previousPeriod(parsePeriod(period)).id);
        const pick = customerToMisaddress(data.customers, invoicedBefore, files.expected.nothingToBill);
        const label = `${size} customers, ${period}`;
        expect(pick, label).not.toBeNull();
        expect(billable(period).has(pick!.customer_id!), `${label}: ${pick!.customer_id} is billed in the period`).toBe(true);
        expect(files.expected.badMasterData, label).not.toContain(pick!.customer_id);
        if (customerToMisaddress(data.customers, invoicedBefore, [])!.customer_id === files.expected.nothingToBill[0]) churnedCameFirst++;
      }
    }
    // The case that once broke the demo is among these sizes.
    expect(churnedCameFirst).toBeGreaterThan(0);
  });
});
