import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Knex } from 'knex';
import { isValidOcr, paymentOutcome } from '../billing';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { assertSchemaValid, openPaymentFile } from '../payments/read-file';
import { reasonText, storedReason, type IgnoredReason, type PaymentReason, type PaymentReasonCode, type UnmatchedReason } from '../payments/reasons';
import type { BankPayment, PaymentFileFormat } from '../payments/types';
import { formatInvoiceNumber } from './invoices';

// `payments import`: a bank file's payments matched to invoices by OCR, in one transaction, read
// and stored batch by batch. The same bank reference is recorded once, whichever file brings it
// again; a refused file (its own totals, another bankgiro, not schema-valid) stores nothing: its
// transaction is rolled back, whichever batch found the fault. Imports take a transaction-scoped
// advisory lock, so two at once cannot both count the same invoice as unpaid.

/** Imports and assignments, one at a time: both count what an invoice has open. */
export const IMPORT_LOCK = 22_022;
/** Payments matched and stored per round trip: bounds what the import holds at once. */
const BATCH = 5_000;

export interface UnmatchedJson {
  reference: string;
  amount_ore: number;
  payer: string | null;
  /** In English (payments/reasons.ts reasonText); `reason_code` is the code, payments/reason-sv.ts the Swedish. */
  reason: string;
  reason_code: PaymentReasonCode;
  /** The day the bank booked it (YYYY-MM-DD). */
  booking_date: string;
}

export interface IgnoredJson {
  reference: string;
  amount_ore: number | null;
  reason: string;
  reason_code: PaymentReasonCode;
}

/**
 * An unmatched payment or an ignored entry as the store hands it on: its JSON, and `why`, the
 * reason as data, for the Swedish (payments/reason-sv.ts). `why` is left out of `--json`
 * (`withoutWhy`): the contract has the English `reason` and its `reason_code`.
 */
export type UnmatchedPayment = UnmatchedJson & { why: PaymentReason };
export type IgnoredEntryOut = IgnoredJson & { why: PaymentReason };

function unmatchedPayment(p: { reference: string; amount_ore: number; payer: string | null; booking_date: string }, why: PaymentReason): UnmatchedPayment {
  return { reference: p.reference, amount_ore: p.amount_ore, payer: p.payer, reason: reasonText(why), reason_code: why.code, booking_date: p.booking_date, why };
}

/** An unmatched payment's stored row (its unmatched_code and unmatched_facts). */
export function storedUnmatched(row: { reference: string; amount_ore: number; payer: string | null; booking_date: string; unmatched_code: string; unmatched_facts: unknown }): UnmatchedPayment {
  return unmatchedPayment(row, storedReason(row.unmatched_code, row.unmatched_facts, 'unmatched'));
}

/** An entry as `--json` prints it. */
export function withoutWhy<T extends { why: unknown }>({ why: _why, ...json }: T): Omit<T, 'why'> {
  return json;
}

/** What importPaymentFile returns; `paymentImportJson` makes it the `--json` document. */
export type PaymentImport = Omit<PaymentImportJson, 'unmatched' | 'ignored'> & { unmatched: UnmatchedPayment[]; ignored: IgnoredEntryOut[] };

export function paymentImportJson(r: PaymentImport): PaymentImportJson {
  return { ...r, unmatched: r.unmatched.map(withoutWhy), ignored: r.ignored.map(withoutWhy) };
}

export interface PaymentImportJson {
  file: string;
  format: PaymentFileFormat;
  /** Payments in the file (ignored entries not counted). */
  payments: number;
  /** Matched by OCR to an invoice: paid in full, partly or beyond (the next three). */
  matched: number;
  paid: number;
  partly_paid: number;
  overpaid: number;
  duplicates: number;
  unmatched: UnmatchedJson[];
  ignored: IgnoredJson[];
  /** Per matched payment: the invoice and what the payment did to it. */
  applied: { reference: string; invoice: string; amount_ore: number; outcome: 'paid' | 'partly_paid' | 'overpaid'; remaining_ore: number; overpaid_ore: number }[];
}

interface InvoiceBalance {
  id: number;
  number: string;
  customerId: string;
  /** total + credited - paid so far (may go below zero: an overpayment). */
  due: number;
}

/** Per invoice: total incl. moms + its credit notes (negative) − payments recorded. */
export async function invoiceBalances(db: Db, where: { ocrs?: string[]; ids?: number[] }): Promise<Map<number, InvoiceBalance & { ocr: string }>> {
  const rows = await db.raw(
    `SELECT i.id, i.series, i.number, i.customer_id, i.ocr, i.total_ore
        + COALESCE((SELECT SUM(c.total_ore) FROM invoices c WHERE c.credit_of = i.id AND c.kind = 'credit_note'), 0)
        - COALESCE((SELECT SUM(p.amount_ore) FROM payments p WHERE p.invoice_id = i.id), 0) AS due
       FROM invoices i
      WHERE i.kind = 'invoice' AND ${where.ocrs ? 'i.ocr = ANY(?::text[])' : 'i.id = ANY(?::bigint[])'}`,
    [(where.ocrs ?? where.ids ?? []) as string[]],
  );
  const out = new Map<number, InvoiceBalance & { ocr: string }>();
  for (const r of rows.rows) out.set(Number(r.id), { id: Number(r.id), number: formatInvoiceNumber(r.series, Number(r.number)), customerId: r.customer_id, ocr: r.ocr, due: Number(r.due) });
  return out;
}

interface Row {
  reference: string;
  amount_ore: number;
  booking_date: string;
  payer: string | null;
  ocr: string | null;
  invoice_id: number | null;
  customer_id: string | null;
  unmatched_code: string | null;
  /** JSON text of the reason's facts. */
  unmatched_facts: string | null;
}

/**
 * Imports one bank file; throws PaymentFileError (nothing stored) when the file is refused.
 * `bytes` best comes from `readBankFile` (shared memory: the schema check reads it in place).
 */
export async function importPaymentFile(db: Db, config: Pick<AppConfig, 'seller' | 'ocrLengthDigit'>, filePath: string, bytes: Uint8Array): Promise<PaymentImport> {
  const name = path.basename(filePath);
  const opened = openPaymentFile(bytes, name, config.seller.bankgiro);
  const result: PaymentImport = {
    file: name,
    format: opened.format,
    payments: 0,
    matched: 0,
    paid: 0,
    partly_paid: 0,
    overpaid: 0,
    duplicates: 0,
    unmatched: [],
    ignored: [],
    applied: [],
  };
  await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [IMPORT_LOCK]);
    // The import's own row first, its figures once the whole file is read: its payments refer to it.
    const [imp] = await trx('payment_imports')
      .insert({ file_name: name, file_sha256: createHash('sha256').update(bytes).digest('hex'), format: opened.format, message_id: '', payments: 0, matched: 0, unmatched: 0, duplicates: 0, ignored: '[]' })
      .returning('id');
    // Batch by batch as the file is read: what one batch stored, the next one sees (the same
    // bank reference again is a duplicate; an invoice's payments so far count against it). The
    // next batch is read from the file while PostgreSQL inserts the previous one.
    let inserting: Promise<void> = Promise.resolve();
    try {
      for (const batch of opened.batches(BATCH)) {
        result.payments += batch.length;
        await inserting;
        const rows = await matchBatch(trx, batch, result, config.ocrLengthDigit);
        inserting = insertRows(trx, imp.id, rows);
        inserting.catch(() => undefined); // its failure is thrown where it is awaited, not as an unhandled rejection meanwhile
        await new Promise<void>((resolve) => setImmediate(resolve)); // the insert is on its way before the next piece is read
      }
      await inserting;
    } finally {
      await inserting.catch(() => undefined); // a refusal found while a batch was being inserted waits for that insert
    }
    result.ignored = opened.ignored.map((i) => ({ reference: i.reference, amount_ore: i.amountOre, reason: reasonText(i.reason), reason_code: i.reason.code, why: i.reason }));
    await trx('payment_imports').where({ id: imp.id }).update({
      message_id: opened.messageId(),
      payments: result.payments,
      matched: result.matched,
      unmatched: result.unmatched.length,
      duplicates: result.duplicates,
      ignored: JSON.stringify(opened.ignored.map((i) => storedIgnored(i.reference, i.amountOre, i.reason))),
    });
    // The schema check ran beside all of this; a file it refuses leaves nothing behind.
    await assertSchemaValid(opened, name);
  });
  return result;
}

/** The references a payment is stored under: its own, or its parts' when it names several. */
const referencesOf = (p: BankPayment) => (p.parts ? p.parts.map((x) => x.reference) : [p.reference]);

/** Matches one batch of a file's payments against what is stored (inside the import's transaction); returns its rows. */
async function matchBatch(trx: Db, batch: BankPayment[], result: PaymentImport, ocrLengthDigit: boolean): Promise<Row[]> {
  const known = new Set<string>();
  const r = await trx.raw('SELECT reference FROM payments WHERE reference = ANY(?::text[])', [batch.flatMap(referencesOf)]);
  for (const row of r.rows) known.add(row.reference);
  const usable = (x: { ocr: string | null; noOcrReason: UnmatchedReason | null }) => x.ocr !== null && x.noOcrReason === null && isValidOcr(x.ocr, { lengthDigit: ocrLengthDigit });
  const fresh = batch.filter((p) => !referencesOf(p).some((ref) => known.has(ref)));
  const units = fresh.flatMap((p) => p.parts ?? [{ ...p, amountOre: p.amountOre as number | null }]);
  const invoiceOcrs = [...new Set(units.filter((u) => (u.amountOre === null || u.amountOre >= 0) && usable(u)).map((u) => u.ocr!))];
  const creditOcrs = [...new Set(units.filter((u) => u.amountOre !== null && u.amountOre < 0 && usable(u)).map((u) => u.ocr!))];
  const byId = new Map<number, InvoiceBalance>();
  const byOcr = new Map<string, InvoiceBalance>();
  if (invoiceOcrs.length > 0) {
    for (const b of (await invoiceBalances(trx, { ocrs: invoiceOcrs })).values()) {
      byId.set(b.id, b);
      byOcr.set(b.ocr, b);
    }
  }
  // A deducted credit (BgMax record 23) names one of our credit notes: it counts against the invoice that note credits.
  const byCreditOcr = new Map<string, InvoiceBalance>();
  if (creditOcrs.length > 0) {
    const notes: { ocr: string; credit_of: number }[] = (await trx.raw("SELECT ocr, credit_of FROM invoices WHERE kind = 'credit_note' AND credit_of IS NOT NULL AND ocr = ANY(?::text[])", [creditOcrs])).rows;
    const missing = [...new Set(notes.map((n) => Number(n.credit_of)).filter((id) => !byId.has(id)))];
    if (missing.length > 0) for (const b of (await invoiceBalances(trx, { ids: missing })).values()) byId.set(b.id, b);
    for (const n of notes) byCreditOcr.set(n.ocr, byId.get(Number(n.credit_of))!);
  }

  const rows: Row[] = [];
  const unmatched = (p: BankPayment, reference: string, amountOre: number, ocr: string | null, reason: UnmatchedReason) => {
    rows.push({ reference, amount_ore: amountOre, booking_date: p.bookingDate, payer: p.payer, ocr, invoice_id: null, customer_id: null, unmatched_code: reason.code, unmatched_facts: JSON.stringify(reason.facts) });
    result.unmatched.push(unmatchedPayment({ reference, amount_ore: amountOre, payer: p.payer, booking_date: p.bookingDate }, reason));
  };
  const apply = (p: BankPayment, reference: string, amountOre: number, ocr: string | null, inv: InvoiceBalance) => {
    const outcome = paymentOutcome(amountOre, inv.due);
    inv.due -= amountOre;
    rows.push({ reference, amount_ore: amountOre, booking_date: p.bookingDate, payer: p.payer, ocr, invoice_id: inv.id, customer_id: inv.customerId, unmatched_code: null, unmatched_facts: null });
    result.matched += 1;
    result[outcome] += 1;
    result.applied.push({ reference, invoice: inv.number, amount_ore: amountOre, outcome, remaining_ore: Math.max(0, inv.due), overpaid_ore: Math.max(0, -inv.due) });
  };
  const matchOne = (p: BankPayment, u: { reference: string; amountOre: number; ocr: string | null; noOcrReason: UnmatchedReason | null }) => {
    const credit = u.amountOre < 0;
    const inv = usable(u) ? (credit ? byCreditOcr : byOcr).get(u.ocr!) : undefined;
    const reason: UnmatchedReason | null = u.noOcrReason
      ?? (u.ocr === null ? { code: 'no_ocr', facts: {} }
      : !usable(u) ? { code: 'ocr_check_digits', facts: { ocr: u.ocr } }
      : !inv ? { code: credit ? 'unknown_credit_ocr' : 'unknown_ocr', facts: { ocr: u.ocr } }
      : null);
    if (reason) unmatched(p, u.reference, u.amountOre, u.ocr, reason);
    else apply(p, u.reference, u.amountOre, u.ocr, inv!);
  };

  for (const p of batch) {
    const refs = referencesOf(p);
    if (refs.some((ref) => known.has(ref))) {
      result.duplicates += 1;
      continue;
    }
    for (const ref of refs) known.add(ref); // the same reference twice in one batch is recorded once too
    if (!p.parts) {
      matchOne(p, p);
    } else if (p.parts.every((x) => x.amountOre !== null)) {
      // Deducted credits first: the invoice they reduce is then settled by the part that pays it.
      const parts = [...p.parts].sort((a, b) => Number(a.amountOre! >= 0) - Number(b.amountOre! >= 0));
      for (const x of parts) matchOne(p, { ...x, amountOre: x.amountOre! });
    } else {
      // No amount per reference: the payment covers every named invoice's open amount, or it is left whole for finance.
      const invs = p.parts.map((x) => (usable(x) ? byOcr.get(x.ocr!) : undefined));
      const open = invs.reduce((sum, inv) => sum + (inv && inv.due > 0 ? inv.due : 0), 0);
      if (invs.every((inv) => inv && inv.due > 0) && new Set(invs).size === invs.length && open === p.amountOre) {
        p.parts.forEach((x, i) => apply(p, x.reference, invs[i]!.due, x.ocr, invs[i]!));
      } else {
        unmatched(p, p.reference, p.amountOre, null, { code: 'references_without_amounts', facts: { ocrs: p.parts.map((x) => x.ocr) } });
      }
    }
  }
  return rows;
}

/** An ignored entry as payment_imports.ignored keeps it: the reason as its code and facts. */
function storedIgnored(reference: string, amountOre: number | null, reason: IgnoredReason) {
  return { reference, amount_ore: amountOre, reason_code: reason.code, reason_facts: reason.facts };
}

/** Stores a batch's rows (a duplicate-free batch: matchBatch left out what is stored). */
async function insertRows(trx: Db, importId: unknown, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  // One column as one bind parameter: pg sends it as a PostgreSQL array (nulls included, which
  // knex's types do not admit).
  const col = (k: keyof Row) => rows.map((row) => row[k]) as unknown as Knex.Value;
  await trx.raw(
    `INSERT INTO payments (import_id, reference, amount_ore, booking_date, payer, ocr, invoice_id, customer_id, unmatched_code, unmatched_facts)
     SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::date[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::jsonb[])`,
    [importId as Knex.Value, col('reference'), col('amount_ore'), col('booking_date'), col('payer'), col('ocr'), col('invoice_id'), col('customer_id'), col('unmatched_code'), col('unmatched_facts')],
  );
}

/** What was paid per invoice (matched or assigned payments), for the ledger. */
export async function paidByInvoice(db: Db, invoiceIds: number[]): Promise<Map<number, { paidOre: number }>> {
  const paid = new Map<number, { paidOre: number }>();
  if (invoiceIds.length === 0) return paid;
  const rows = await db.raw('SELECT invoice_id, SUM(amount_ore)::bigint AS paid FROM payments WHERE invoice_id = ANY(?::bigint[]) GROUP BY invoice_id', [invoiceIds]);
  for (const r of rows.rows) paid.set(Number(r.invoice_id), { paidOre: Number(r.paid) });
  return paid;
}
