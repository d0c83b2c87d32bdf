import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoData, type DemoDataFiles } from '../../demo/demo-data';
import { parsePeriod, previousPeriod, type Period } from '../../billing/period';
import type { EventContradiction } from '../../billing/types';
import { importCustomers, importPartners, importPrices, importUsage } from '../../imports';
import { checkPartner } from '../../imports/partners';
import { checkCustomer } from '../../imports/customers';
import { checkPrice } from '../../imports/prices';
import { checkEvent } from '../../imports/usage';
import { createTestDatabase } from '../support/database';
import { luhnValid } from '../../billing/ocr';
import { foldUsage, isMalformedCustomer, isUnknownModule, isUnknownRole, rowsOf, type Row } from '../support/demo-usage';

const PERIOD = '2024-11';
const HEADERS = {
  partners: 'partner_id,name,org_number,email,street,postal_code,city,country',
  customers:
    'customer_id,name,org_number,vat_number,billing_email,street,postal_code,city,country,partner_id,monthly_billing_from,prepaid_through',
  usage: 'event_id,customer_id,occurred_at,subject_type,subject_id,action,role',
  prices: 'article,description,legacy_description,unit_price_ore,vat_percent,included_quantity,valid_from',
};

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-data-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const read = (file: string) => fs.readFileSync(file, 'utf8');

let files: DemoDataFiles;
let customers: Row[];
let usage: Row[];
let prices: Row[];
const period = parsePeriod(PERIOD);

beforeAll(async () => {
  files = await writeDemoData(tempDir(), { period: PERIOD });
  customers = rowsOf(files.customersCsv);
  usage = rowsOf(files.usageCsv);
  prices = rowsOf(files.pricesCsv);
});

function fold(p: Period, data: { customers: Row[]; usage: Row[] } = { customers, usage }): ReturnType<typeof foldUsage> {
  return foldUsage(p, data);
}

describe('writeDemoData', () => {
  it('is deterministic: the same options give byte-identical files, another seed other files', async () => {
    const again = await writeDemoData(tempDir(), { period: PERIOD });
    for (const key of ['partnersCsv', 'customersCsv', 'pricesCsv', 'usageCsv'] as const) {
      expect(fs.readFileSync(again[key]).equals(fs.readFileSync(files[key]))).toBe(true);
    }
    expect(again.expected).toEqual(files.expected);
    const other = await writeDemoData(tempDir(), { period: PERIOD, seed: 7 });
    expect(read(other.usageCsv)).not.toBe(read(files.usageCsv));
  });

  // Speed is a figure, not a pass/fail: `npm run bench` prints how long the generation takes.
  it('is of the intended size', () => {
    expect(files.expected.customers).toBe(200);
    expect(customers).toHaveLength(200);
    expect(files.expected.events).toBe(usage.length);
    expect(usage.length).toBeGreaterThanOrEqual(8_000); // most customers are steady in the last two months (finance review)
    expect(usage.length).toBeLessThanOrEqual(30_000);
  });

  it('writes the header rows of interfaces.md, UTF-8, \\n line ends, no BOM', () => {
    for (const [key, header] of [['partnersCsv', HEADERS.partners], ['customersCsv', HEADERS.customers], ['usageCsv', HEADERS.usage], ['pricesCsv', HEADERS.prices]] as const) {
      const text = read(files[key]);
      expect(text.split('\n')[0]).toBe(header);
      expect(text.includes('\r')).toBe(false);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.charCodeAt(0)).not.toBe(0xfeff);
    }
  });

  it('quotes names with commas and quotes (RFC 4180) so they parse back', () => {
    const text = read(files.customersCsv);
    expect(customers.some((c) => c.name!.includes(',') && c.name!.includes('"'))).toBe(true);
    for (const c of customers.filter((c) => /[,"]/.test(c.name!))) {
      expect(text).toContain(`"${c.name!.replace(/"/g, '""')}"`);
    }
    expect(customers.some((c) => /[åäö]/.test(c.name!) && c.name!.includes('&'))).toBe(true);
  });

  it('has the six articles with the exact descriptions and prices of billing-rules.md', () => {
    expect(prices).toEqual(
      [
        ['smart', 'OneStop Reporting - Smart', 'OneStop Reporting Integration Fee', '149500', '0'],
        ['komplett', 'OneStop Reporting - Komplett', 'OneStop Reporting Budgeting', '299500', '0'],
        ['extra_company', 'OneStop Reporting - Extra företag', 'OneStop Reporting Number of companies (Volume)', '29500', '1'],
        ['superuser', 'OneStop Reporting - Superanvändare', 'OneStop Reporting Superuser', '39500', '0'],
        ['portal_user', 'OneStop Reporting - Portalanvändare', 'OneStop Reporting Portaluser', '19500', '0'],
        ['archive_user', 'OneStop Reporting - Arkivanvändare', 'OneStop Reporting Archiveuser', '9500', '0'],
      ].map(([article, description, legacy_description, unit_price_ore, included_quantity]) => ({
        article, description, legacy_description, unit_price_ore, vat_percent: '25', included_quantity, valid_from: '2024-08-01',
      })),
    );
    for (const p of prices) expect(checkPrice(p as Parameters<typeof checkPrice>[0])).toBeNull();
  });

  it('gives Swedish customers Luhn-valid org numbers and matching VAT numbers, except the one bad customer', () => {
    const swedish = customers.filter((c) => c.country === 'SE');
    expect(swedish.length).toBeGreaterThan(190);
    expect(new Set(customers.map((c) => c.org_number)).size).toBe(customers.length);
    for (const c of swedish) {
      expect(c.org_number).toMatch(/^\d{6}-\d{4}$/);
      expect(luhnValid(c.org_number!.replace('-', '')), c.org_number).toBe(true);
      expect(c.postal_code).toMatch(/^\d{3} \d{2}$/);
      if (c.vat_number !== '') expect(c.vat_number).toBe(`SE${c.org_number!.replace('-', '')}01`);
    }
    const withoutVat = customers.filter((c) => c.vat_number === '').map((c) => c.customer_id);
    expect(withoutVat).toEqual(files.expected.badMasterData);
    expect(withoutVat).toHaveLength(1);

    const eu = customers.filter((c) => c.country !== 'SE');
    expect(eu.map((c) => c.country).sort()).toEqual(['DK', 'FI']);
    for (const c of eu) expect(c.vat_number).toMatch(c.country === 'FI' ? /^FI\d{8}$/ : /^DK\d{8}$/);
  });

  it('writes master data the customers import accepts, with partners, go-lives and prepaid quarters', () => {
    for (const c of customers) expect(checkCustomer(c as Parameters<typeof checkCustomer>[0]), c.customer_id).toBeNull();
    const partners = new Set(customers.map((c) => c.partner_id));
    expect(partners.size).toBeGreaterThanOrEqual(4);
    expect(partners.size).toBeLessThanOrEqual(5);
    for (const p of partners) expect(p).toMatch(/^P-[A-Z]+$/);
    // Every partner a customer names is in partners.csv, which the partners import accepts.
    const partnerRows = rowsOf(files.partnersCsv);
    for (const p of partnerRows) expect(checkPartner(p as Parameters<typeof checkPartner>[0]), p.partner_id).toBeNull();
    expect([...partners].filter((p) => !partnerRows.some((r) => r.partner_id === p))).toEqual([]);
    const goLives = customers.map((c) => c.monthly_billing_from);
    expect(goLives.filter((d) => d === '2024-08-01').length).toBeGreaterThan(180);
    expect(goLives.some((d) => d! > '2024-08-01' && d! <= period.firstDay)).toBe(true);
    const proRata = customers.filter((c) => c.prepaid_through! >= period.firstDay && c.prepaid_through! < period.lastDay);
    expect(proRata.length).toBeGreaterThanOrEqual(2);
    expect(customers.every((c) => c.prepaid_through === '' || c.prepaid_through! < period.lastDay)).toBe(true);
  });

  it('has only events strictly before the end of the period, with Z or the Stockholm offset', () => {
    const stockholmOffset = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Stockholm', timeZoneName: 'longOffset' });
    let zulu = 0;
    for (const r of usage) {
      expect(r.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+0[12]:00)$/);
      const ms = Date.parse(r.occurred_at!);
      expect(ms).toBeLessThan(period.endMs);
      if (r.occurred_at!.endsWith('Z')) zulu++;
      else {
        const zone = stockholmOffset.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')!.value;
        expect(zone, r.occurred_at).toBe(`GMT${r.occurred_at!.slice(-6)}`);
      }
    }
    expect(zulu).toBeGreaterThan(usage.length / 4);
    expect(zulu).toBeLessThan((usage.length * 3) / 4);
  });

  it('uses unique event ids, except one row delivered twice with the same content', () => {
    const byId = new Map<string, Row[]>();
    for (const r of usage) byId.set(r.event_id!, [...(byId.get(r.event_id!) ?? []), r]);
    const repeated = [...byId.values()].filter((rows) => rows.length > 1);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toHaveLength(2);
    expect(repeated[0]![1]).toEqual(repeated[0]![0]);
  });

  it('has mostly chronological rows with some late arrivals', () => {
    let outOfOrder = 0;
    let latest = -Infinity;
    for (const r of usage) {
      const ms = Date.parse(r.occurred_at!);
      if (ms < latest) outOfOrder++;
      latest = Math.max(latest, ms);
    }
    expect(outOfOrder).toBeGreaterThan(10);
    expect(outOfOrder).toBeLessThan(usage.length / 20);
  });

  it('has exactly the deliberately bad rows the import rejects', () => {
    const now = period.endMs + 86_400_000;
    const known = new Set(customers.map((c) => c.customer_id!));
    const rejected = usage.filter((r) => checkEvent(r as Parameters<typeof checkEvent>[0], known, now) !== null);
    expect(rejected.filter(isUnknownRole)).toHaveLength(1);
    expect(rejected.filter(isUnknownModule)).toHaveLength(1);
    expect(rejected.filter(isMalformedCustomer)).toHaveLength(1);
    expect(rejected).toHaveLength(files.expected.usage.rejected);
    const distinct = new Set(usage.map((r) => r.event_id)).size;
    expect(files.expected.usage).toEqual({
      accepted: distinct - rejected.length,
      duplicates: usage.length - distinct,
      rejected: 3,
      contradictions: 1,
    });
  });

  it('is consistent with the state in every month except one deliberate contradiction in the period', () => {
    const contradictions: EventContradiction[] = [];
    for (let p = period, i = 0; i < 4; p = previousPeriod(p), i++) {
      for (const { contradictions: c } of fold(p).values()) contradictions.push(...c);
    }
    expect(contradictions).toHaveLength(files.expected.usage.contradictions);
    expect(contradictions[0]!.reason).toMatch(/^deactivated user '.+' which is not active$/);
    const row = usage.find((r) => r.event_id === contradictions[0]!.eventId)!;
    expect(Date.parse(row.occurred_at!)).toBeGreaterThanOrEqual(period.startMs);
  });

  it('has nothing to bill for the expected customers and a module for everyone else', () => {
    expect(files.expected.nothingToBill).toHaveLength(1);
    const snapshots = fold(period);
    for (const [customerId, { snapshot }] of snapshots) {
      const empty = snapshot.modules.length === 0 && snapshot.users.length === 0 && snapshot.companies.length === 0;
      expect(empty, customerId).toBe(files.expected.nothingToBill.includes(customerId));
      if (!empty) expect(snapshot.modules.length, customerId).toBeGreaterThan(0);
    }
    // The churned customer did have usage in the month before.
    const before = fold(previousPeriod(period)).get(files.expected.nothingToBill[0]!)!.snapshot;
    expect(before.modules.length).toBeGreaterThan(0);
    // …and its last module ended exactly at the start of the period (the boundary rule).
    const last = usage.filter((r) => r.customer_id === files.expected.nothingToBill[0]).map((r) => Date.parse(r.occurred_at!));
    expect(Math.max(...last)).toBe(period.startMs);
  });

  it('has the variety the demo needs: roles, trials, joiners and leavers, 1-40 users, 1-8 companies', () => {
    const snapshots = [...fold(period).values()].map((s) => s.snapshot);
    const users = snapshots.map((s) => s.users.length).filter((n) => n > 0);
    expect(Math.min(...users)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...users)).toBeGreaterThan(25);
    const companies = snapshots.map((s) => s.companies.length).filter((n) => n > 0);
    expect(Math.max(...companies)).toBeLessThanOrEqual(9);
    expect(snapshots.filter((s) => s.companies.length > 1).length).toBeGreaterThan(50);
    expect(snapshots.some((s) => s.users.some((u) => u.roles.length > 1))).toBe(true);
    expect(snapshots.filter((s) => s.modules.includes('komplett')).length).toBeGreaterThan(30);

    const count = (pred: (r: Row) => boolean) => usage.filter(pred).length;
    const portal = count((r) => r.action === 'activated' && r.role === 'portal_user');
    const superuser = count((r) => r.action === 'activated' && r.role === 'superuser');
    expect(portal).toBeGreaterThan(2 * superuser);
    expect(count((r) => r.action === 'role_changed' && r.role === 'superuser')).toBeGreaterThan(0);
    expect(count((r) => r.action === 'role_changed' && r.role === 'portal_user')).toBeGreaterThan(0);
    expect(count((r) => r.subject_type === 'module' && r.subject_id === 'komplett' && r.action === 'deactivated')).toBeGreaterThan(0);
    expect(count((r) => r.subject_type === 'company' && r.action === 'deactivated')).toBeGreaterThan(0);
  });

  it('refuses options it cannot honour', async () => {
    await expect(writeDemoData(tempDir(), { period: PERIOD, customers: 3 })).rejects.toThrow(/customers/);
    await expect(writeDemoData(tempDir(), { period: PERIOD, historyMonths: 1 })).rejects.toThrow(/historyMonths/);
    await expect(writeDemoData(tempDir(), { period: '2024-13' })).rejects.toThrow(/period/);
  });

  it('works for other periods, sizes and history lengths (a DST month, a year boundary)', async () => {
    for (const opts of [
      { period: '2025-03', customers: 20, historyMonths: 2 },
      { period: '2025-01', customers: 50, historyMonths: 6, seed: 1 },
    ]) {
      const out = await writeDemoData(tempDir(), opts);
      const p = parsePeriod(opts.period);
      const data = { customers: rowsOf(out.customersCsv), usage: rowsOf(out.usageCsv) };
      expect(data.customers).toHaveLength(opts.customers);
      for (const r of data.usage) expect(Date.parse(r.occurred_at!)).toBeLessThan(p.endMs);
      expect(out.expected.badMasterData).toHaveLength(1);
      const snapshots = fold(p, data);
      const empty = [...snapshots].filter(([, s]) => s.snapshot.modules.length === 0).map(([id]) => id);
      expect(empty).toEqual(out.expected.nothingToBill);
      expect([...snapshots.values()].flatMap((s) => s.contradictions)).toHaveLength(1);
      expect(fold(previousPeriod(p), data).get(empty[0]!)!.snapshot.modules.length).toBeGreaterThan(0);
    }
  });
});

describe('writeDemoData through the real imports', () => {
  it('imports with the expected counts: all customers and prices, the bad usage rows rejected or duplicate', async () => {
    const { db, drop } = await createTestDatabase();
    try {
      const out = await writeDemoData(tempDir(), { period: PERIOD });
      const partners = await importPartners(db, out.partnersCsv);
      expect({ accepted: partners.accepted, rejected: partners.rejected }).toEqual({ accepted: out.expected.partners, rejected: [] });
      const c = await importCustomers(db, out.customersCsv);
      expect({ accepted: c.accepted, rejected: c.rejected }).toEqual({ accepted: out.expected.customers, rejected: [] });
      const p = await importPrices(db, out.pricesCsv);
      expect({ accepted: p.accepted, rejected: p.rejected }).toEqual({ accepted: 6, rejected: [] });
      const u = await importUsage(db, out.usageCsv, { now: new Date(parsePeriod(PERIOD).endMs + 86_400_000) });
      expect({ accepted: u.accepted, duplicates: u.duplicates, rejected: u.rejected.length }).toEqual({
        accepted: out.expected.usage.accepted,
        duplicates: out.expected.usage.duplicates,
        rejected: out.expected.usage.rejected,
      });
    } finally {
      await drop();
    }
  });
});
