import { describe, expect, it } from 'vitest';
import { BUCKETS, periodReportJson, type PeriodReport } from '../../books/period-report';
import { formatReport } from '../../cli/commands/period';

// `period report`'s human text is Swedish (buckets, reasons, sv-SE numbers) while its `--json`
// keeps the codes and the stored English reasons, field for field. The report is built as
// books/period-report.ts leaves it, with the reasons the close and the rating really store.

const zero = { invoiced_ore: 0, credited_ore: 0, total_ore: 0, net_ore: 0, vat_ore: 0, rounding_ore: 0 };
const row = (customer_id: string, bucket: PeriodReport['customers'][number]['bucket'], reason: string | null, more: Partial<PeriodReport['customers'][number]> = {}) =>
  ({ customer_id, name: `Kund ${customer_id}`, bucket, invoice_number: null, total_ore: null, reason, close_state: null, failure: null, ...more });
const failedReason = 'customer C3 cannot be invoiced: no VAT number (momsregistreringsnummer)';
const customers: PeriodReport['customers'] = [
  row('C1', 'invoiced', 'krediterad av K10001', { invoice_number: 'F10001', total_ore: 1_234_567_50, close_state: 'final' }),
  row('C2', 'nothing_to_bill', 'no active modules, users or extra companies in 2024-11', { close_state: 'nothing_to_bill' }),
  row('C3', 'failed', `${failedReason}. Correct it with 'month-close customers import FILE', then 'month-close close rerun --period 2024-11 --customer C3'`, { close_state: 'failed', failure: { type: 'BadMasterData', reason: failedReason } }),
  row('C4', 'not_due', '2024-11 is prepaid through 2024-12-31 (quarterly billing)'),
  row('C5', 'not_due', 'monthly billing for customer C5 starts 2024-12-01; 2024-11 is not billed here'),
  row('C6', 'open', 'avslutet står som final utan faktura', { close_state: 'final' }),
  row('C7', 'open', 'utkastet väntar på godkännande', { close_state: 'awaiting_approval' }),
];
const report: PeriodReport = {
  period: '2024-11',
  complete: false,
  locked: false,
  lock: null,
  counts: { invoiced: 1, nothing_to_bill: 1, not_due: 2, failed: 1, open: 1_200 },
  customers,
  totals: { ...zero, invoiced_ore: 1_234_567_50, total_ore: 1_234_567_50 },
  exported: { ...zero, documents: 1_500, not_exported: 2 },
};

describe('period report as text', () => {
  const text = formatReport(report);

  it('names every bucket and reason in Swedish, with sv-SE numbers', () => {
    for (const label of ['Fakturerad', 'Inget att fakturera', 'Ej aktuell', 'Misslyckad', 'Öppen']) expect(text).toContain(label);
    expect(text).toContain('inga aktiva moduler, användare eller extra bolag under 2024-11');
    expect(text).toContain('2024-11 är förbetald till och med 2024-12-31 (kvartalsfakturering)');
    expect(text).toContain('månadsfaktureringen börjar 2024-12-01; 2024-11 faktureras inte här');
    expect(text).toContain('momsregistreringsnummer saknas');
    expect(text).toContain('avslutet står som slutlig utan faktura');
    // sv-SE groups thousands with a (narrow) no-break space.
    const spaced = text.replace(/[\u00a0\u202f]/g, ' ');
    expect(spaced).toContain('1 234 567,50 kr');
    expect(spaced).toContain('öppen 1 200');
    expect(spaced).toContain('1 500 verifikationer');
    expect(text).toMatch(/2024-11 är INTE komplett och inte låst\.$/);
  });

  it('has none of the English bucket codes or reasons', () => {
    for (const code of BUCKETS) expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
    expect(text).not.toMatch(/\b(invoiced|failed|open|nothing to bill|not due|no active modules|prepaid through|no VAT number|Correct it|customers import FILE|is not billed here)\b/i);
  });
});

describe('period report --json', () => {
  it('keeps its keys, codes and English reasons as before (the Swedish text is for people only)', () => {
    const json = periodReportJson(report);
    expect(Object.keys(json)).toEqual(['period', 'complete', 'locked', 'lock', 'counts', 'customers', 'totals', 'exported']);
    expect(Object.keys(json.customers[0]!)).toEqual(['customer_id', 'bucket', 'invoice_number', 'total_ore', 'reason', 'name', 'close_state']);
    expect(json.customers.map((c) => [c.bucket, c.reason])).toEqual(customers.map((c) => [c.bucket, c.reason]));
    expect(JSON.stringify(json.customers[2])).toBe(
      JSON.stringify({ customer_id: 'C3', bucket: 'failed', invoice_number: null, total_ore: null, reason: customers[2]!.reason, name: 'Kund C3', close_state: 'failed' }),
    );
  });
});
