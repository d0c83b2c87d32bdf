import { randomBytes } from 'node:crypto';
import { ARTICLE_INFO } from '../../billing/articles';
import { ARTICLES, type Article, type Role } from '../../billing/types';
import type { Db } from '../../infra/db';

// Direct inserts of well-formed master data and events for workflow tests (the CSV imports
// have their own tests). Every id gets a random suffix so parallel test files never meet.

export const uid = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The worked example's price list (öre per month), valid from 2024-01-01. */
export const WORKED_EXAMPLE_PRICES: Record<Article, number> = {
  smart: 149_500,
  komplett: 299_500,
  extra_company: 29_500,
  superuser: 39_500,
  portal_user: 19_500,
  archive_user: 9_500,
};

export async function seedPrices(db: Db, opts: { validFrom?: string; omit?: Article[] } = {}): Promise<void> {
  const rows = ARTICLES.filter((a) => !opts.omit?.includes(a)).map((article) => ({
    article,
    description: ARTICLE_INFO[article].description,
    legacy_description: ARTICLE_INFO[article].legacyDescription,
    unit_price_ore: WORKED_EXAMPLE_PRICES[article],
    vat_percent: 25,
    included_quantity: article === 'extra_company' ? 1 : 0,
    valid_from: opts.validFrom ?? '2024-01-01',
  }));
  await db('price_items').insert(rows).onConflict(['article', 'valid_from']).ignore();
}

export async function seedCustomer(
  db: Db,
  overrides: Partial<{ customer_id: string; partner_id: string; vat_number: string | null; name: string; monthly_billing_from: string; prepaid_through: string | null; billing_email: string }> = {},
): Promise<string> {
  const partnerId = overrides.partner_id ?? 'P-TEST';
  // As `partners import` leaves a partner (customers are refused for an unknown one).
  await db('partners')
    .insert({
      partner_id: partnerId, name: `Partner ${partnerId}`, org_number: '556677-1233', email: `faktura@${partnerId.toLowerCase()}.example`,
      street: 'Kungsgatan 1', postal_code: '111 43', city: 'Stockholm', country: 'SE',
    })
    .onConflict('partner_id')
    .ignore();
  const customerId = overrides.customer_id ?? uid('C');
  await db('customers').insert({
    customer_id: customerId,
    name: overrides.name ?? 'Åkesson & Öberg "Bygg" AB',
    org_number: '556123-4567',
    vat_number: overrides.vat_number === undefined ? 'SE556123456701' : overrides.vat_number,
    billing_email: overrides.billing_email ?? `admin@${customerId.toLowerCase()}.example`,
    street: 'Storgatan 1',
    postal_code: '411 38',
    city: 'Göteborg',
    country: 'SE',
    partner_id: partnerId,
    monthly_billing_from: overrides.monthly_billing_from ?? '2024-01-01',
    prepaid_through: overrides.prepaid_through ?? null,
  });
  return customerId;
}

export interface EventSpec {
  at: string; // ISO with offset
  type: 'user' | 'module' | 'company';
  id: string;
  action: 'activated' | 'deactivated' | 'role_changed';
  role?: Role;
}

export async function seedEvents(db: Db, customerId: string, events: EventSpec[]): Promise<void> {
  await db('usage_events').insert(
    events.map((e) => ({
      event_id: uid('E'),
      customer_id: customerId,
      occurred_at: new Date(e.at),
      subject_type: e.type,
      subject_id: e.id,
      action: e.action,
      role: e.role ?? null,
    })),
  );
}

/** The worked example of billing-rules.md for period 2024-11 (expected total 3 588,00 kr). */
export function workedExampleEvents(): EventSpec[] {
  return [
    { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
    { at: '2024-10-01T00:00:00+02:00', type: 'user', id: 'p1', action: 'activated', role: 'portal_user' },
    { at: '2024-10-01T00:00:00+02:00', type: 'user', id: 'p2', action: 'activated', role: 'portal_user' },
    { at: '2024-10-01T00:00:00+02:00', type: 'user', id: 's1', action: 'activated', role: 'portal_user' },
    { at: '2024-11-15T00:00:00+01:00', type: 'user', id: 's1', action: 'role_changed', role: 'superuser' },
    { at: '2024-10-01T00:00:00+02:00', type: 'company', id: 'k1', action: 'activated' },
    { at: '2024-10-01T00:00:00+02:00', type: 'company', id: 'k2', action: 'activated' },
    { at: '2024-10-01T00:00:00+02:00', type: 'company', id: 'k3', action: 'activated' },
  ];
}

export async function seedSubscriber(
  db: Db,
  s: { customer_id?: string | null; partner_id?: string | null; role: 'customer_admin' | 'partner' | 'finance'; channel: 'email' | 'webhook'; address: string; secret?: string; events?: string[] },
): Promise<number> {
  const [row] = await db('subscribers')
    .insert({
      customer_id: s.customer_id ?? null,
      partner_id: s.partner_id ?? null,
      role: s.role,
      channel: s.channel,
      address: s.address,
      secret: s.secret ?? null,
      events: s.events ?? ['draft_ready', 'invoice_final'],
    })
    .returning('id');
  return row.id;
}

/**
 * The tenant most close tests start from: the worked example's prices, partner P-TEST, finance
 * by e-mail and the partner by signed webhook (invoice_final) to the harness's receiver.
 */
export async function seedCloseTenant(db: Db, webhookUrl: string, partnerName = 'Ekonomipartner i Väst AB'): Promise<void> {
  await seedPrices(db);
  await db('partners').insert({ partner_id: 'P-TEST', name: partnerName });
  await seedSubscriber(db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
  await seedSubscriber(db, { role: 'partner', partner_id: 'P-TEST', channel: 'webhook', address: webhookUrl, secret: 's3cret', events: ['invoice_final'] });
}
