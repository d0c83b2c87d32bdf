import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { formatSek, ocrFromBase, stockholmDate } from '../billing';
import { signalSettled } from '../client/payment-reminders';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { camt054Xml, type CamtPaymentSpec } from '../payments/camt054-writer';
import { importPaymentFile, type PaymentImportJson } from '../store/payments';
import { invoicePaymentRows, listReceivables } from '../store/receivables';
import { shownPath } from './out-dir';

// The bank pays back (issue #22): the demo writes the camt.054 its bank would send for the
// period's invoices (most paid in full, a few partly, one paid twice, one payment with an OCR
// nobody has), imports it, imports it again (every payment a duplicate), and prints receivables.

export async function demoPayments(db: Db, client: Client, config: AppConfig, period: string, outDir: string, say: (line: string) => void): Promise<PaymentImportJson> {
  const issued = await db('invoices').where({ period, kind: 'invoice' }).pluck('id');
  const open = (await invoicePaymentRows(db, { invoiceIds: issued })).filter((r) => r.totalOre + r.creditedOre - r.paidOre > 0);
  const ocrOf = new Map((await db('invoices').whereIn('id', open.map((r) => r.id)).select('id', 'ocr', db.raw("buyer->>'name' as name"))).map((r) => [r.id, r]));
  const payments: CamtPaymentSpec[] = [];
  const today = stockholmDate(Date.now());
  open.forEach((r, i) => {
    const due = r.totalOre + r.creditedOre - r.paidOre;
    const { ocr, name } = ocrOf.get(r.id)!;
    const reference = `${today.replace(/-/g, '')}-BG-${String(i + 1).padStart(6, '0')}`;
    if (i % 10 === 9) return; // not paid yet: stays open, reminded after the grace days
    if (i % 25 === 4) payments.push({ reference, amountOre: Math.floor(due / 2), payer: name.toUpperCase(), ocr }); // partly
    else payments.push({ reference, amountOre: due, payer: name.toUpperCase(), ocr });
    if (i === 0) payments.push({ reference: `${reference}-B`, amountOre: due, payer: name.toUpperCase(), ocr }); // paid twice: a credit balance
  });
  // A well-formed OCR that no invoice has (an invoice number far beyond the series).
  payments.push({ reference: `${today.replace(/-/g, '')}-BG-999999`, amountOre: 12_500, payer: 'OKÄND BETALARE AB', ocr: ocrFromBase('9999999', { lengthDigit: config.ocrLengthDigit }) });
  const xml = camt054Xml({
    version: '08',
    messageId: `BG${config.seller.bankgiro.replace('-', '')}-${today}`,
    createdAt: `${today}T06:00:00`,
    bankgiro: config.seller.bankgiro.replace('-', ''),
    entries: [{ reference: `${today.replace(/-/g, '')}-BG-DEPOSIT`, bookingDate: today, payments }],
    summary: {},
  });
  const file = path.join(outDir, 'bank', `camt054-${today}.xml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, xml);

  const result = await importPaymentFile(db, config, file, Buffer.from(xml));
  await signalSettled({ client: async () => client }, [...new Set(result.applied.filter((a) => a.outcome !== 'partly_paid').map((a) => a.invoice))]);
  say(`Bank file ${shownPath(file)} (camt.054.001.08, ${payments.length} payments) imported: ${result.matched} matched (${result.paid} paid, ${result.partly_paid} partly, ${result.overpaid} overpaid), ${result.unmatched.length} unmatched (${result.unmatched.map((u) => `${u.payer} ${formatSek(u.amount_ore)}: ${u.reason}`).join('; ')})`);
  const again = await importPaymentFile(db, config, file, Buffer.from(xml));
  say(`The same file again: ${again.duplicates} duplicates, ${again.matched} new (each bank reference is recorded once).`);
  const rec = await listReceivables(db, { today });
  say(
    `Receivables: ${rec.invoices.length} open invoices, ${formatSek(rec.buckets.not_due)} not yet due, ${formatSek(rec.buckets['1-30'] + rec.buckets['31-60'] + rec.buckets['61-90'] + rec.buckets.over_90)} overdue; ` +
      `credit balances ${formatSek(rec.credit_balances.reduce((s, c) => s + c.amount_ore, 0))}; on 1510 ${formatSek(rec.total_ore)}; ${rec.unmatched.length} unmatched payment(s) for finance to assign`,
  );
  return result;
}
