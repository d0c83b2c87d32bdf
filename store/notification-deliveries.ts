import type { Db } from '../infra/db';

// The deliveries of notifications as an operator sees them (`deliveries list`, the console),
// and what a resend of failed ones may touch: only failed deliveries, at their recipient as
// master data names it now.

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryListRow {
  id: number;
  /** The invoice or credit note number (a payment reminder's invoice), else the subject key (draft:12, credit:3). */
  document: string;
  customer_id: string;
  period: string;
  event: string;
  channel: 'email' | 'webhook';
  /** The address the delivery was planned for (the subscriber's). */
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  /** The class of the last failure (notify/errors.ts DeliveryFailureKind), null when none. */
  last_error_code: string | null;
  last_error: string | null;
}

/** Deliveries by period, status or id, in id order. */
export async function listDeliveries(db: Db, filter: { period?: string; failed?: boolean; ids?: number[] }): Promise<DeliveryListRow[]> {
  const rows = await db('notification_deliveries as d')
    .join('subscribers as s', 's.id', 'd.subscriber_id')
    // invoice:<id> and reminder:<invoice id>:<n> name an invoice.
    .leftJoin('invoices as i', (j) =>
      j.on(db.raw(`i.id = case when split_part(d.subject_key, ':', 1) in ('invoice', 'reminder') then split_part(d.subject_key, ':', 2)::bigint end`)),
    )
    .modify((q) => {
      if (filter.period) q.where('d.period', filter.period);
      if (filter.failed) q.where('d.status', 'failed');
      if (filter.ids) q.whereIn('d.id', filter.ids);
    })
    .orderBy('d.id')
    .select(
      'd.id', 'd.subject_key', 'd.customer_id', 'd.period', 'd.event', 's.channel', 's.address', 'd.status', 'd.attempts', 'd.last_error',
      db.raw(`d.last_error_facts->>'kind' as last_error_code`),
      db.raw(`i.series || i.number as invoice_number`),
    );
  return (rows as Record<string, any>[]).map((r) => ({
    id: Number(r.id),
    document: r.invoice_number ?? r.subject_key,
    customer_id: r.customer_id,
    period: r.period,
    event: r.event,
    channel: r.channel,
    recipient: r.address,
    status: r.status,
    attempts: r.attempts,
    last_error_code: r.last_error_code ?? null,
    last_error: r.last_error ?? null,
  }));
}

/** A delivery a resend does not touch, and why (a code for JSON, the words for people). */
export interface ResendRefusal {
  id: number;
  status: DeliveryStatus | 'not_found';
  reason: string;
}

/** The deliveries of `ids` that may not be sent again: unknown ones, delivered ones, and pending ones the close still retries. */
export async function resendRefusals(db: Db, ids: number[]): Promise<ResendRefusal[]> {
  const found = new Map((await db('notification_deliveries').whereIn('id', ids).select('id', 'status')).map((r) => [Number(r.id), r.status as DeliveryStatus]));
  return ids.flatMap((id): ResendRefusal[] => {
    const status = found.get(id);
    if (status === undefined) return [{ id, status: 'not_found', reason: `delivery ${id} does not exist; see 'month-close deliveries list --period YYYY-MM'` }];
    if (status === 'delivered') return [{ id, status, reason: `delivery ${id} is already delivered; it is not sent again` }];
    if (status === 'pending') return [{ id, status, reason: `delivery ${id} is still pending: its close retries it by itself` }];
    return [];
  });
}

/** Refused before anything is sent: every listed delivery is named with why. */
export class ResendRefused extends Error {
  constructor(readonly refusals: ResendRefusal[]) {
    super(refusals.map((r) => r.reason).join('; '));
  }
}

/** One resend's outcome, as the CLI prints it and the console's flash says it. */
export interface ResendOutcome {
  id: number;
  document: string;
  channel: 'email' | 'webhook';
  /** Where this attempt went: the recipient as master data names it now. */
  recipient: string;
  /** The recipient the delivery had before, when master data changed it since; else null. */
  previous_recipient: string | null;
  /** no_longer_failed: another resend (or the close) settled it meanwhile; nothing was sent. */
  outcome: 'delivered' | 'failed' | 'no_longer_failed';
  attempt: number | null;
  by: string;
  /** The failure's class and facts (as the close stores them) and its English text; null unless failed. */
  error: { code: string; permanent: boolean; detail: string; facts: Record<string, unknown> } | null;
}

/** Sends failed deliveries again (built where notify/'s senders are wired: worker/delivery-resend.ts). */
export type DeliveryResender = (ids: number[], by: string) => Promise<ResendOutcome[]>;

/**
 * Where a subscriber's delivery goes now. A customer's admin e-mail subscriber is made from the
 * customer's billing e-mail (planNotifications), so when the customer import corrected that
 * e-mail the new one is used; any other subscriber's address (e-mail or webhook URL) is read
 * from its row as it is now.
 */
export async function currentRecipient(db: Db, subscriberId: number): Promise<{ channel: 'email' | 'webhook'; address: string; secret: string | null }> {
  const s = await db('subscribers').where({ id: subscriberId }).first('customer_id', 'role', 'channel', 'address', 'secret');
  if (!s) throw new Error(`no subscriber with id ${subscriberId}`);
  if (s.role === 'customer_admin' && s.channel === 'email' && s.customer_id) {
    const customer = await db('customers').where({ customer_id: s.customer_id }).first('billing_email');
    const fromBillingEmail = await db('customer_versions')
      .where({ customer_id: s.customer_id })
      .whereRaw(`data->>'billing_email' = ?`, [s.address])
      .first(db.raw('1 as found'));
    if (customer?.billing_email && (fromBillingEmail || customer.billing_email === s.address)) return { channel: 'email', address: customer.billing_email, secret: null };
  }
  return { channel: s.channel, address: s.address, secret: s.secret ?? null };
}

/**
 * The customer's admin e-mail subscriber follows its billing e-mail: the one made from an earlier
 * billing e-mail (any customer version had it) is made inactive once the import changed it, so
 * invoices, credit notes and payment reminders stop going to the old address; the current one is
 * active. Deliveries already planned keep their subscriber (a resend reads currentRecipient).
 */
export async function followBillingEmail(db: Db, customerId: string, billingEmail: string): Promise<void> {
  // One statement on the close's path: only rows whose active flag is wrong are touched.
  await db.raw(
    `update subscribers s set active = (s.address = :email)
      where s.customer_id = :customer and s.role = 'customer_admin' and s.channel = 'email' and s.partner_id is null
        and s.active <> (s.address = :email)
        and (s.address = :email
             or exists (select 1 from customer_versions v where v.customer_id = s.customer_id and v.data->>'billing_email' = s.address))`,
    { email: billingEmail, customer: customerId },
  );
}

/** The address a delivery's last attempt went to (a resend records it; the close's failures name it in their facts), or null. */
export async function lastAttemptRecipient(db: Db, deliveryId: number): Promise<string | null> {
  const last = await db('notification_attempts').where({ delivery_id: deliveryId }).orderBy('attempt', 'desc').orderBy('id', 'desc').first('address', db.raw(`facts->>'recipient' as recipient`));
  return last?.address ?? last?.recipient ?? null;
}

/** Who asked for an attempt beyond the close's own (an operator's resend), and where it went. */
interface AttemptBy {
  requestedBy?: string;
  address?: string;
}

/**
 * A failed attempt, recorded with the delivery's last error in one transaction, only while the
 * delivery is still in `whileStatus` (an attempt that ends late must not undo another one's
 * success). A refusal for good ends it as failed; otherwise it stays as it was (a pending one is
 * retried by Temporal, a failed one waits for the operator).
 */
export async function recordFailedAttempt(
  db: Db,
  a: { deliveryId: number; attempt: number; permanent: boolean; detail: string; facts: string; whileStatus: 'pending' | 'failed' } & AttemptBy,
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('notification_attempts').insert({ delivery_id: a.deliveryId, attempt: a.attempt, outcome: a.permanent ? 'permanent_error' : 'retryable_error', detail: a.detail, facts: a.facts, requested_by: a.requestedBy ?? null, address: a.address ?? null });
    await trx('notification_deliveries').where({ id: a.deliveryId, status: a.whileStatus }).update({ last_error: a.detail, last_error_facts: a.facts, status: a.permanent ? 'failed' : a.whileStatus });
  });
}

/** A delivered attempt and the delivered state together, in one statement (one round trip, atomic). */
export async function recordDeliveredAttempt(db: Db, a: { deliveryId: number; attempt: number } & AttemptBy): Promise<void> {
  await db.raw(
    `with attempt as (insert into notification_attempts (delivery_id, attempt, outcome, requested_by, address) values (?, ?, 'delivered', ?, ?))
     update notification_deliveries set status = 'delivered', delivered_at = now(), last_error = null, last_error_facts = null where id = ?`,
    [a.deliveryId, a.attempt, a.requestedBy ?? null, a.address ?? null, a.deliveryId],
  );
}
