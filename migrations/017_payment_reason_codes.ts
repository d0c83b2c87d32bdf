import type { Knex } from 'knex';

// Why a payment is unmatched (and why a bank entry is ignored) was stored as English text, which
// the console turned back into Swedish by regular expressions. It is stored as a code and its
// facts now (payments/reasons.ts); the text of rows stored before is read into codes here, once,
// by the wordings the imports wrote until then. A text none of them matches is kept whole as
// `unrecognised`.

type Reason = { code: string; facts: Record<string, unknown> };
type Reading = [RegExp, (m: string[]) => Reason];

const reason = (code: string, facts: Record<string, unknown> = {}): Reason => ({ code, facts });
/** "1234.50" (the readers' English amounts) as öre. */
const ore = (dotted: string) => Math.round(Number(dotted) * 100);
const none = (text: string) => (text === '(none)' ? null : text);

const UNMATCHED: Reading[] = [
  [/^no OCR reference$/, () => reason('no_ocr')],
  [/^OCR (\S+) fails its check digits$/, (m) => reason('ocr_check_digits', { ocr: m[1] })],
  [/^no invoice has OCR (\S+)$/, (m) => reason('unknown_ocr', { ocr: m[1] })],
  [/^no OCR \(BgMax reference code (\w)(?:, reference (".*"))?\)$/, (m) => reason('bgmax_not_ocr', { referenceCode: m[1], reference: m[2] ? (JSON.parse(m[2]) as string) : null })],
  [/^a deducted credit \(BgMax record 23\) with OCR (\S+), which no credit note of ours has$/, (m) => reason('unknown_credit_ocr', { ocr: m[1] })],
  [/^a deducted reference \(record 23\) without its amount/, () => reason('deducted_without_amount')],
  [/^its extra references \(records 22\/23\) add up to ([\d.]+), more than the payment of ([\d.]+)/, (m) => reason('references_exceed_payment', { referencesOre: ore(m[1]!), paymentOre: ore(m[2]!) })],
  [/^names \d+ references \((.*)\) without an amount for each/, (m) => reason('references_without_amounts', { ocrs: m[1]!.split(', ').map((o) => (o === '(no OCR)' ? null : o)) })],
  [/^the part of the payment no extra reference names$/, () => reason('rest_unnamed')],
  [/^the payment names several references/, () => reason('several_references')],
];

const IGNORED: Reading[] = [
  [/^account (\S+) is not the seller's bankgiro (\S+)$/, (m) => reason('not_seller_account', { account: none(m[1]!), sellerBankgiro: m[2] })],
  [/^a debit \(only credits are payments\)$/, () => reason('debit')],
  [/^a (\S+) \(only credits are payments\)$/, (m) => reason('not_credit', { indicator: m[1] === 'null' ? null : m[1] })],
  [/^status (\S+), not booked \(BOOK\)$/, (m) => reason('not_booked', { status: none(m[1]!) })],
  [/^currency (\S*), not SEK$/, (m) => reason('not_sek', { currency: m[1] })],
  [/^a deduction \(avdragspost, code (\w)\) on reference (.*): book it by hand$/, (m) => reason('bgmax_deduction', { deductionCode: m[1], reference: none(m[2]!) })],
];

function read(table: Reading[], text: string, of: 'unmatched' | 'ignored'): Reason {
  for (const [pattern, facts] of table) {
    const m = pattern.exec(text);
    if (m) return facts([...m]);
  }
  return reason('unrecognised', { text, of });
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.text('unmatched_code'); // payments/reasons.ts: why it was not matched when it arrived
    t.jsonb('unmatched_facts');
  });
  // Rows assigned since are recorded for good (the trigger refuses any change); their reason is
  // converted like the others, with the trigger set aside for this one statement per wording.
  await knex.raw('ALTER TABLE payments DISABLE TRIGGER payments_assign_once');
  const texts: string[] = await knex('payments').whereNotNull('unmatched_reason').distinct('unmatched_reason').pluck('unmatched_reason');
  for (const text of texts) {
    const r = read(UNMATCHED, text, 'unmatched');
    await knex('payments').where({ unmatched_reason: text }).update({ unmatched_code: r.code, unmatched_facts: JSON.stringify(r.facts) });
  }
  const silent = reason('unrecognised', { text: 'unmatched', of: 'unmatched' });
  await knex('payments').whereNull('invoice_id').whereNull('unmatched_reason').update({ unmatched_code: silent.code, unmatched_facts: JSON.stringify(silent.facts) });
  await knex.raw('ALTER TABLE payments ENABLE TRIGGER payments_assign_once');
  await knex.schema.alterTable('payments', (t) => t.dropColumn('unmatched_reason'));
  // A payment the import left unmatched always says why.
  await knex.raw('ALTER TABLE payments ADD CONSTRAINT payments_unmatched_has_code CHECK (invoice_id IS NOT NULL OR unmatched_code IS NOT NULL)');

  // Each import's ignored entries: [{reference, amount_ore, reason}] → [{reference, amount_ore, reason_code, reason_facts}].
  const imports: { id: number; ignored: { reference: string; amount_ore: number | null; reason?: string }[] }[] = await knex('payment_imports').whereRaw("ignored <> '[]'::jsonb").select('id', 'ignored');
  for (const imp of imports) {
    const ignored = imp.ignored.map(({ reason: text, ...entry }) => {
      const r = read(IGNORED, text ?? '', 'ignored');
      return { ...entry, reason_code: r.code, reason_facts: r.facts };
    });
    await knex('payment_imports').where({ id: imp.id }).update({ ignored: JSON.stringify(ignored) });
  }
}

/** The English the imports wrote, from a code and its facts (for `down` only). */
function english(code: string, f: Record<string, any>): string {
  const dotted = (o: number) => (o / 100).toFixed(2);
  const texts: Record<string, () => string> = {
    no_ocr: () => 'no OCR reference',
    ocr_check_digits: () => `OCR ${f.ocr} fails its check digits`,
    unknown_ocr: () => `no invoice has OCR ${f.ocr}`,
    bgmax_not_ocr: () => `no OCR (BgMax reference code ${f.referenceCode}${f.reference ? `, reference ${JSON.stringify(f.reference)}` : ''})`,
    unknown_credit_ocr: () => `a deducted credit (BgMax record 23) with OCR ${f.ocr}, which no credit note of ours has`,
    deducted_without_amount: () => 'a deducted reference (record 23) without its amount: assign it by hand',
    references_exceed_payment: () => `its extra references (records 22/23) add up to ${dotted(f.referencesOre)}, more than the payment of ${dotted(f.paymentOre)}: assign it by hand`,
    references_without_amounts: () => `names ${f.ocrs.length} references (${f.ocrs.map((o: string | null) => o ?? '(no OCR)').join(', ')}) without an amount for each, and is not exactly what their invoices have open together: assign it by hand`,
    rest_unnamed: () => 'the part of the payment no extra reference names',
    several_references: () => 'the payment names several references (extra reference records 22/23): assign it by hand',
    not_seller_account: () => `account ${f.account ?? '(none)'} is not the seller's bankgiro ${f.sellerBankgiro}`,
    debit: () => 'a debit (only credits are payments)',
    not_credit: () => `a ${f.indicator} (only credits are payments)`,
    not_booked: () => `status ${f.status ?? '(none)'}, not booked (BOOK)`,
    not_sek: () => `currency ${f.currency}, not SEK`,
    bgmax_deduction: () => `a deduction (avdragspost, code ${f.deductionCode}) on reference ${f.reference ?? '(none)'}: book it by hand`,
  };
  return texts[code]?.() ?? String(f.text ?? code);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE payments DROP CONSTRAINT payments_unmatched_has_code');
  await knex.schema.alterTable('payments', (t) => t.text('unmatched_reason'));
  await knex.raw('ALTER TABLE payments DISABLE TRIGGER payments_assign_once');
  const rows: { id: number; unmatched_code: string; unmatched_facts: Record<string, unknown> }[] = await knex('payments').whereNotNull('unmatched_code').select('id', 'unmatched_code', 'unmatched_facts');
  for (const r of rows) await knex('payments').where({ id: r.id }).update({ unmatched_reason: english(r.unmatched_code, r.unmatched_facts ?? {}) });
  await knex.raw('ALTER TABLE payments ENABLE TRIGGER payments_assign_once');
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumn('unmatched_facts');
    t.dropColumn('unmatched_code');
  });
  const imports: { id: number; ignored: { reference: string; amount_ore: number | null; reason_code: string; reason_facts: Record<string, unknown> }[] }[] = await knex('payment_imports').whereRaw("ignored <> '[]'::jsonb").select('id', 'ignored');
  for (const imp of imports) {
    const ignored = imp.ignored.map(({ reason_code, reason_facts, ...entry }) => ({ ...entry, reason: english(reason_code, reason_facts ?? {}) }));
    await knex('payment_imports').where({ id: imp.id }).update({ ignored: JSON.stringify(ignored) });
  }
}
