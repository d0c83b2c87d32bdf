import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { formatSek } from '../billing';
import type { CloseSettings } from '../client/close';
import { decideCredit, requestCredit } from '../client/credit';
import { creditRequestReads } from '../store/credits';
import type { Db } from '../infra/db';
import { loadEInvoice } from '../store/einvoices';
import { formatInvoiceNumber } from '../store/invoices';
import { creditStatusQuery } from '../contracts/credit-messages';

// The demo's corrections and e-invoices, kept apart from the close's summary:
// one customer gets a credit note through finance approval, and every final invoice and
// credit note of the period is written as its Peppol BIS 3.0 XML under out/einvoices/.

/** Credits one portal user of the first invoice that has one (or the whole first invoice). */
export async function demoCreditNote(db: Db, client: Client, settings: CloseSettings, period: string, approver: string, say: (line: string) => void): Promise<string | null> {
  const withUser = await db('invoices as i')
    .join('invoice_lines as l', 'l.invoice_id', 'i.id')
    .where({ 'i.period': period, 'i.kind': 'invoice', 'l.article': 'portal_user' })
    .orderBy('i.number')
    .first('i.series', 'i.number', 'i.customer_id');
  const target = withUser ?? (await db('invoices').where({ period, kind: 'invoice' }).orderBy('number').first('series', 'number', 'customer_id'));
  if (!target) return null;
  const invoiceNumber = formatInvoiceNumber(target.series, target.number);
  const started = await requestCredit(creditRequestReads(db), client, settings, {
    invoiceNumber,
    requestedBy: 'Demo Operatör',
    reason: 'En portalanvändare avslutades före perioden (demo)',
    lines: withUser ? [{ article: 'portal_user', quantity: 1 }] : null,
    reissue: false,
  });
  const handle = client.workflow.getHandle(started.workflowId);
  while ((await handle.query(creditStatusQuery).catch(() => null))?.state !== 'awaiting_approval') await new Promise((r) => setTimeout(r, 200));
  await decideCredit(client, started.workflowId, { kind: 'approve', by: approver });
  const done = await handle.result();
  say(`Credit note ${done.creditNoteNumber} for ${target.customer_id} credits ${invoiceNumber} by ${formatSek(-(done.totalOre ?? 0))} (approved by ${approver}).`);
  return done.creditNoteNumber;
}

/** Every stored e-invoice of the period as <number>-<customer>.xml; returns how many. */
export async function writeEInvoices(db: Db, period: string, dir: string): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  const rows = await db('invoices').where({ period }).orderBy(['series', 'number']).select('id', 'series', 'number', 'customer_id');
  let written = 0;
  for (const r of rows) {
    const xml = await loadEInvoice(db, r.id);
    if (!xml) continue;
    fs.writeFileSync(path.join(dir, `${formatInvoiceNumber(r.series, r.number)}-${r.customer_id}.xml`), xml.content);
    written += 1;
  }
  return written;
}
