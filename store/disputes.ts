import type { Db } from '../infra/db';

// A disputed invoice (the customer contests it) gets no payment reminder until the dispute is
// resolved. Who disputed and resolved it, when and why, is kept.

/** Why, as a code the console turns into Swedish (the message stays for the CLI). */
export type DisputeRefusal = 'no_invoice' | 'already_disputed' | 'not_disputed';

export class DisputeRefused extends Error {
  constructor(
    message: string,
    readonly code: DisputeRefusal,
  ) {
    super(message);
  }
}

/** The numbers (e.g. F10042) of the invoices under an open dispute: few at any time. */
export async function disputedInvoiceNumbers(db: Db): Promise<Set<string>> {
  const rows = await db('invoice_disputes as d').join('invoices as i', 'i.id', 'd.invoice_id').whereNull('d.resolved_at').select('i.series', 'i.number');
  return new Set(rows.map((r: { series: string; number: number }) => `${r.series}${r.number}`));
}

async function invoiceId(db: Db, number: string): Promise<number> {
  const m = /^([A-Za-z]{0,10})(\d{1,16})$/.exec(number.trim());
  const row = m ? await db('invoices').where({ series: m[1], number: Number(m[2]), kind: 'invoice' }).first('id') : null;
  if (!row) throw new DisputeRefused(`no invoice ${number}`, 'no_invoice');
  return row.id;
}

export async function disputeInvoice(db: Db, input: { number: string; by: string; reason: string }): Promise<void> {
  const id = await invoiceId(db, input.number);
  if (await db('invoice_disputes').where({ invoice_id: id }).whereNull('resolved_at').first('id')) throw new DisputeRefused(`invoice ${input.number} is already disputed`, 'already_disputed');
  await db('invoice_disputes').insert({ invoice_id: id, disputed_by: input.by, reason: input.reason });
}

export async function resolveDispute(db: Db, input: { number: string; by: string; now: Date }): Promise<void> {
  const id = await invoiceId(db, input.number);
  const n = await db('invoice_disputes').where({ invoice_id: id }).whereNull('resolved_at').update({ resolved_by: input.by, resolved_at: input.now });
  if (n === 0) throw new DisputeRefused(`invoice ${input.number} is not disputed`, 'not_disputed');
}
