import type { FastifyInstance } from 'fastify';
import { putDocument } from '../../store/documents';
import type { Db } from '../../infra/db';
import { ARTICLE_INFO } from '../../billing/articles';
import type { Article } from '../../billing/types';
import { addUser, parseRole } from '../../web/users';
import { notificationActivities } from '../../activities/notifications';
import type { ActivityDeps } from '../../activities/deps';
import { loadConfig } from '../../infra/config';
import { seedCustomer, seedSubscriber, uid, WORKED_EXAMPLE_PRICES } from '../support/seed';

export const PASSWORD = 'korrekt-hast-batteri-häftklammer';

export async function seedUser(db: Db, email: string, role: string, name?: string): Promise<void> {
  await addUser(db, { email, role: parseRole(role), password: PASSWORD, displayName: name, financeApprovers: ['Anna Ekonom', 'Bertil Controller', 'Cecilia Revisor'] });
}

let nextNumber = 90_000;

/** A final invoice of an earlier month, inserted as the close would leave it, with a PDF. */
export async function seedFinalInvoice(db: Db, customerId: string, period: string, quantities: Partial<Record<Article, number>>): Promise<{ number: string; pdfSha256: string }> {
  const lines = Object.entries(quantities).map(([article, quantity], position) => ({
    position,
    article,
    description: ARTICLE_INFO[article as Article].description,
    legacy_description: ARTICLE_INFO[article as Article].legacyDescription,
    quantity: quantity!,
    unit_price_ore: WORKED_EXAMPLE_PRICES[article as Article],
    amount_ore: quantity! * WORKED_EXAMPLE_PRICES[article as Article],
    vat_percent: 25,
  }));
  const net = lines.reduce((s, l) => s + l.amount_ore, 0);
  const vat = Math.round(net / 4);
  const number = nextNumber++;
  // The buyer as the close stores it: the customer's master data, its partner at issue included.
  const customer = await db('customers').where({ customer_id: customerId }).first('customer_id', 'name', 'partner_id');
  const buyer = { customerId, name: customer.name, partnerId: customer.partner_id };
  const [{ id }] = await db('invoices')
    .insert({
      kind: 'invoice', series: 'T', number, customer_id: customerId, period, issue_date: '2024-11-02', due_date: '2024-12-02',
      payment_terms_days: 30, ocr: `${number}${Math.floor(Math.random() * 1e6)}`, vat_treatment: 'domestic', buyer: JSON.stringify(buyer), seller: {},
      vat_breakdown: JSON.stringify([]), net_ore: net, vat_ore: vat, rounding_ore: 0, total_ore: net + vat, finalised_by: 'Anna Ekonom', finalised_at: new Date('2024-11-02T09:00:00Z'),
    })
    .returning('id');
  await db('invoice_lines').insert(lines.map((l) => ({ ...l, invoice_id: id })));
  const pdfSha256 = await putDocument(db, { content: Buffer.from(`%PDF-1.4\n% test invoice T${number}\n%%EOF\n`), contentType: 'application/pdf', fileName: `T${number}.pdf` });
  await db('invoice_documents').insert({ invoice_id: id, pdf_sha256: pdfSha256 });
  return { number: `T${number}`, pdfSha256 };
}

/** A logged-in session for fastify.inject: the cookie and a CSRF token of that session. */
export interface Session {
  cookie: string;
  csrf: string;
}

function cookieOf(res: { headers: Record<string, unknown> }, previous = ''): string {
  const set = res.headers['set-cookie'];
  const all = Array.isArray(set) ? set : set ? [String(set)] : [];
  const session = all.map((c) => c.split(';')[0]).find((c) => c.startsWith('month_close_session='));
  return session ?? previous;
}

export function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in the page');
  return m[1];
}

export async function anonymousSession(app: FastifyInstance): Promise<Session> {
  const res = await app.inject({ method: 'GET', url: '/login' });
  return { cookie: cookieOf(res), csrf: csrfIn(res.body) };
}

export async function login(app: FastifyInstance, email: string, password = PASSWORD): Promise<Session> {
  const anon = await anonymousSession(app);
  const res = await app.inject({ method: 'POST', url: '/login', headers: { cookie: anon.cookie }, payload: { email, password, _csrf: anon.csrf } });
  if (res.statusCode !== 303) throw new Error(`login of ${email} answered ${res.statusCode}`);
  const cookie = cookieOf(res, anon.cookie);
  const first = await app.inject({ method: 'GET', url: '/customers', headers: { cookie } });
  // A customer admin's /customers is its own customer's page.
  const home = first.statusCode === 303 && String(first.headers.location).startsWith('/customers/') ? await app.inject({ method: 'GET', url: String(first.headers.location), headers: { cookie } }) : first;
  const page = home.statusCode === 200 || home.statusCode === 403 ? home : await app.inject({ method: 'GET', url: '/login', headers: { cookie } });
  return { cookie: cookieOf(page, cookie), csrf: csrfIn(page.body) };
}

/**
 * A customer's final invoice and its webhook to the customer admin at `hookUrl`, attempted once by
 * the real delivery activity: set the peer to refuse first (`failNext`) for a failed delivery.
 */
export async function seedAttemptedWebhook(
  db: Db,
  opts: { customerPrefix: string; period: string; quantities: Partial<Record<Article, number>>; hookUrl: string },
): Promise<{ customerId: string; deliveryId: number }> {
  const customerId = await seedCustomer(db, { customer_id: uid(opts.customerPrefix) });
  const { number } = await seedFinalInvoice(db, customerId, opts.period, opts.quantities);
  const invoice = await db('invoices').where({ series: 'T', number: Number(number.slice(1)) }).first('id');
  const subscriberId = await seedSubscriber(db, { customer_id: customerId, role: 'customer_admin', channel: 'webhook', address: opts.hookUrl, secret: 'hemlig' });
  const [{ id: deliveryId }] = await db('notification_deliveries')
    .insert({ subject_key: `invoice:${invoice.id}`, customer_id: customerId, period: opts.period, subscriber_id: subscriberId, event: 'invoice_final', idempotency_key: uid('key'), status: 'pending' })
    .returning('id');
  const deps = { db, config: loadConfig(), smtp: null, temporal: null, now: () => new Date() } satisfies ActivityDeps;
  await notificationActivities(deps).deliverNotification({ deliveryId }).catch(() => undefined);
  return { customerId, deliveryId };
}
