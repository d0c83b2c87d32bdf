import { createHash } from 'node:crypto';
import type { RatedInvoice } from '../billing/types';
import { sendEmail, type SmtpSettings } from '../notify/email';
import { DeliveryError } from '../notify/errors';
import { creditReadyEmail, draftReadyEmail, invoiceFinalEmail, WEBHOOK_EVENT_TYPES, type DraftReviewText } from '../notify/messages';
import { formatChangePct, formatSek, type Explanation, type Flag } from '../billing';
import { SUBJECT_SV, comparisonDocumentsSv, factSv, flagDetailSv, flagSv, pctSv, reasonSv } from '../billing/review-sv';
import { postWebhook } from '../notify/webhook';
import { getDocument } from '../store/documents';
import { loadEInvoice } from '../store/einvoices';
import { loadIssuedInvoice } from '../store/invoices';
import { followBillingEmail, recordDeliveredAttempt, recordFailedAttempt } from '../store/notification-deliveries';
import type { ActivityDeps } from './deps';
import { businessFailure, Failure } from '../contracts/failures';
import { RecentlyRead } from './recently-read';
import { reminderEmail } from '../payments/reminder-text';
import { reminderContent } from './payment-reminders';

export type NotificationEvent = 'draft_ready' | 'invoice_final' | 'draft_escalation' | `draft_reminder:${string}` | `payment_reminder:${number}`;
export type Audience = 'customer_admin' | 'partner' | 'finance' | 'finance_escalation';

export interface NotificationPlan {
  subjectKey: string; // draft:<id> | invoice:<id>
  event: NotificationEvent;
  customerId: string;
  period: string;
  audience: Audience[];
}

/** The subscribed event a notification event answers to (reminders and escalations go to draft_ready subscribers of their role). */
function subscribedEvent(event: NotificationEvent): string {
  // A payment reminder goes where the invoice went (the customer's billing e-mail).
  if (event.startsWith('payment_reminder:')) return 'invoice_final';
  return event.startsWith('draft_reminder:') || event === 'draft_escalation' ? 'draft_ready' : event;
}

function idempotencyKey(subjectKey: string, subscriberId: number, event: string): string {
  return createHash('sha256').update(`${subjectKey}|${subscriberId}|${event}`).digest('hex').slice(0, 32);
}

/** Where one delivery goes and under which key: the close and an operator's resend send the same. */
export interface DeliveryTarget {
  subject_key: string;
  event: string;
  idempotency_key: string;
  channel: 'email' | 'webhook';
  address: string;
  secret: string | null;
}

/** A pending delivery and where it goes, as deliverNotification reads them. */
interface PendingDelivery extends DeliveryTarget {
  id: number;
  attempts: number;
}

export interface NotificationContent {
  email: { subject: string; text: string };
  pdf: { content: Buffer; fileName: string } | null;
  xml: { content: Buffer; fileName: string } | null;
  webhookType: string;
  payload: Record<string, unknown>;
}

/**
 * One attempt through notify/'s senders. The idempotency key (hence the e-mail's Message-ID and
 * the webhook's Idempotency-Key) is the delivery's own, so a receiver that got it before can
 * drop a repeat. Throws what the sender threw.
 */
export async function sendDelivery(smtp: SmtpSettings | null, target: DeliveryTarget, content: NotificationContent): Promise<void> {
  if (target.channel === 'email') {
    if (!smtp) throw new DeliveryError('no SMTP server configured: set SMTP_HOST, SMTP_PORT and SMTP_FROM for the worker', { permanent: false, channel: 'email', failure: { kind: 'smtp_not_configured', recipient: target.address } });
    await sendEmail(smtp, {
      to: target.address,
      subject: content.email.subject,
      text: content.email.text,
      attachments: [
        ...(content.pdf ? [{ filename: content.pdf.fileName, content: content.pdf.content, contentType: 'application/pdf' }] : []),
        ...(content.xml ? [{ filename: content.xml.fileName, content: content.xml.content, contentType: 'application/xml' }] : []),
      ],
      idempotencyKey: target.idempotency_key,
    });
  } else {
    await postWebhook({ url: target.address, secret: target.secret ?? '' }, { idempotencyKey: target.idempotency_key, type: content.webhookType, payload: content.payload });
  }
}

/** A failed attempt as it is stored: permanent or not, the English text, and the class and facts (JSON) the console words in Swedish. */
export function failureRecord(err: unknown, target: Pick<DeliveryTarget, 'channel' | 'address'>): { permanent: boolean; detail: string; facts: string } {
  return {
    permanent: err instanceof DeliveryError && err.permanent,
    detail: err instanceof Error ? err.message : String(err),
    facts: JSON.stringify(err instanceof DeliveryError ? err.failure : { kind: 'unknown', channel: target.channel, permanent: false, recipient: target.address }),
  };
}

export function notificationActivities({ db, smtp }: ActivityDeps) {
  const notificationContent = notificationContentReader(db);
  return {
    /**
     * Decide who is told, once: one delivery row per (subject, subscriber, event), made before
     * anything is sent. The customer's billing e-mail is always a subscriber to its invoices;
     * a partner's subscribers hear of what names their partner (partnerAtIssue).
     * Returns the deliveries that are still to be sent.
     */
    async planNotifications(plan: NotificationPlan): Promise<number[]> {
      const customer = await db('customers').where({ customer_id: plan.customerId }).first('partner_id', 'billing_email');
      const partnerId = (await partnerAtIssue(plan.subjectKey)) ?? customer?.partner_id ?? null;
      if (plan.audience.includes('customer_admin') && customer?.billing_email) {
        await db('subscribers')
          .insert({ customer_id: plan.customerId, partner_id: null, role: 'customer_admin', channel: 'email', address: customer.billing_email, events: ['invoice_final'] })
          .onConflict()
          .ignore();
        // A corrected billing e-mail replaces the old one (store/notification-deliveries.ts).
        await followBillingEmail(db, plan.customerId, customer.billing_email);
      }
      const subscribers = await db('subscribers')
        .where({ active: true })
        .whereIn('role', plan.audience)
        .whereRaw('? = ANY(events)', [subscribedEvent(plan.event)])
        .andWhere((q) => q.whereNull('customer_id').orWhere('customer_id', plan.customerId))
        .andWhere((q) => q.whereNull('partner_id').orWhere('partner_id', partnerId))
        .orderBy('id')
        .select('id');
      if (subscribers.length > 0) {
        await db('notification_deliveries')
          .insert(
            subscribers.map((s) => ({
              subject_key: plan.subjectKey,
              customer_id: plan.customerId,
              period: plan.period,
              subscriber_id: s.id,
              event: plan.event,
              idempotency_key: idempotencyKey(plan.subjectKey, s.id, plan.event),
              status: 'pending',
            })),
          )
          .onConflict(['subject_key', 'subscriber_id', 'event'])
          .ignore();
      }
      const pending = await db('notification_deliveries').where({ subject_key: plan.subjectKey, event: plan.event, status: 'pending' }).orderBy('id').select('id');
      return pending.map((p) => p.id);
    },

    /**
     * One attempt at one delivery. Delivered ones are not sent again; every attempt is recorded.
     * A receiver that refuses for good (e.g. 550, 410) ends the delivery as failed, visible in
     * the deliveries table; anything else is thrown for Temporal to retry with backoff.
     */
    async deliverNotification(input: { deliveryId: number }): Promise<'delivered' | 'already_delivered'> {
      // Count the attempt before sending (a crash after the send still shows it), and read the
      // delivery and its subscriber, in one statement; a delivery no longer pending is not sent.
      const delivery = (
        await db.raw<{ rows: PendingDelivery[] }>(
          `update notification_deliveries d set attempts = d.attempts + 1
             from subscribers s
            where d.id = ? and d.status = 'pending' and s.id = d.subscriber_id
        returning d.id, d.attempts, d.subject_key, d.event, d.idempotency_key, s.channel, s.address, s.secret`,
          [input.deliveryId],
        )
      ).rows[0];
      if (!delivery) {
        const settled = await db('notification_deliveries').where({ id: input.deliveryId }).first('id', 'status', 'last_error');
        if (!settled) throw new Error(`no notification delivery with id ${input.deliveryId}`);
        if (settled.status === 'delivered') return 'already_delivered';
        throw businessFailure(Failure.DeliveryRefused, `delivery ${settled.id} was refused for good: ${settled.last_error}`);
      }
      const attempt = delivery.attempts;

      try {
        await sendDelivery(smtp, delivery, await notificationContent(delivery.subject_key, delivery.event));
      } catch (err) {
        const { permanent, detail, facts } = failureRecord(err, delivery);
        await recordFailedAttempt(db, { deliveryId: delivery.id, attempt, permanent, detail, facts, whileStatus: 'pending' });
        if (permanent) throw businessFailure(Failure.DeliveryRefused, `delivery ${delivery.id} to ${delivery.address} refused: ${detail}`);
        throw err;
      }
      await recordDeliveredAttempt(db, { deliveryId: delivery.id, attempt });
      return 'delivered';
    },
  };

  /**
   * The partner a subject's notifications go to: the one named on the document (the buyer's
   * partner when it was drafted or issued, as its PDF says and the console scopes by), not the
   * customer's partner today. A credit note and a draft credit note are the credited invoice's;
   * a payment reminder its invoice's. Null for a subject that names none.
   */
  async function partnerAtIssue(subjectKey: string): Promise<string | null> {
    const [kind, idText] = subjectKey.split(':');
    const id = Number(idText);
    if (!Number.isSafeInteger(id)) return null;
    const named = (row: { partner_id?: string | null } | undefined) => row?.partner_id ?? null;
    const partner = db.raw(`buyer->>'partnerId' as partner_id`);
    if (kind === 'draft') return named(await db('drafts').where({ id }).first(partner));
    // A credit note copies the buyer of the invoice it credits, so its own row names that partner.
    if (kind === 'invoice' || kind === 'reminder') return named(await db('invoices').where({ id }).first(partner));
    if (kind === 'credit') {
      return named(await db('credit_requests as c').join('invoices as i', 'i.id', 'c.invoice_id').where('c.id', id).first(db.raw(`i.buyer->>'partnerId' as partner_id`)));
    }
    return null;
  }
}

/**
 * What each notification says and carries, read from the database. An issued invoice never
 * changes (a correction is a credit note), so its content is read once for all its deliveries.
 */
export function notificationContentReader(db: ActivityDeps['db']): (subjectKey: string, event: string) => Promise<NotificationContent> {
  const issuedContent = new RecentlyRead<NotificationContent>(64);
  return notificationContent;

  /**
   * What a notification says and carries. An issued invoice never changes (a correction is a
   * credit note), so its content is read once for all its deliveries (they go out together).
   */
  async function notificationContent(subjectKey: string, event: string): Promise<NotificationContent> {
    if (!subjectKey.startsWith('invoice:')) return readContent(subjectKey, event);
    const key = `${subjectKey}|${event}`;
    const content = await issuedContent.get(key, () => readContent(subjectKey, event));
    // Not kept before the invoice's PDF exists (it always does once deliveries are planned).
    if (!content.pdf) issuedContent.forget(key);
    return content;
  }

  async function readContent(subjectKey: string, event: string): Promise<NotificationContent> {
    const [kind, idText] = subjectKey.split(':');
    const id = Number(idText);
    if (kind === 'credit') return creditDraftContent(id, event);
    if (kind === 'reminder') return paymentReminderContent(id, Number(subjectKey.split(':')[2]), event);
    if (kind === 'draft') {
      const draft = await db('drafts').where({ id }).first();
      const rated = draft.rated as RatedInvoice;
      const pdf = draft.pdf_sha256 ? await getDocument(db, draft.pdf_sha256) : null;
      const review = await db('draft_reviews').where({ draft_id: id }).first();
      const email = draftReadyEmail({
        customerName: draft.buyer.name,
        partnerName: draft.buyer.partnerName,
        period: draft.period,
        totalText: formatSek(rated.totalOre),
        review: review ? reviewText(review) : undefined,
      });
      const prefix = event.startsWith('draft_reminder:') ? 'Påminnelse: ' : event === 'draft_escalation' ? 'Eskalering: ' : '';
      return {
        email: { subject: `${prefix}${email.subject}`, text: email.text },
        pdf,
        webhookType: WEBHOOK_EVENT_TYPES.draft_ready,
        payload: {
          event,
          customer_id: draft.customer_id,
          period: draft.period,
          draft_version: draft.version,
          total_ore: rated.totalOre,
          net_ore: rated.netOre,
          vat_ore: rated.vatOre,
          pdf_sha256: draft.pdf_sha256,
          flags: review?.flags ?? [],
        },
        xml: null,
      };
    }
    const issued = await loadIssuedInvoice(db, id);
    const doc = issued.document;
    const pdf = issued.pdfSha256 ? await getDocument(db, issued.pdfSha256) : null;
    const xml = await loadEInvoice(db, issued.id);
    return {
      xml,
      email: invoiceFinalEmail({
        documentNoun: doc.creditOf ? 'kreditfaktura' : 'faktura',
        sellerName: doc.seller.name,
        customerName: doc.buyer.name,
        partnerName: doc.buyer.partnerName,
        invoiceNumber: issued.number,
        period: issued.period,
        // The sign is in the words ("Att återfå" on a credit note), not a minus.
        totalText: formatSek(Math.abs(doc.invoice.totalOre)),
        dueDate: doc.dueDate,
        ocr: doc.ocr,
        bankgiro: doc.seller.bankgiro,
        creditOf: doc.creditOf ?? null,
        replaces: doc.replaces ?? null,
      }),
      pdf,
      webhookType: WEBHOOK_EVENT_TYPES.invoice_final,
      payload: {
        event,
        customer_id: issued.customerId,
        period: issued.period,
        number: issued.number,
        issue_date: doc.issueDate,
        due_date: doc.dueDate,
        ocr: doc.ocr,
        currency: 'SEK',
        net_ore: doc.invoice.netOre,
        vat_ore: doc.invoice.vatOre,
        rounding_ore: doc.invoice.roundingOre,
        total_ore: doc.invoice.totalOre,
        pdf_sha256: issued.pdfSha256,
        // The Peppol BIS 3.0 document (UBL Invoice or CreditNote), stored beside the PDF.
        xml_sha256: xml?.sha256 ?? null,
        ...(doc.creditOf ? { kind: 'credit_note', credits: doc.creditOf } : { kind: 'invoice' }),
      },
    };
  }

  /** A payment reminder (subject reminder:<invoice id>:<n>): the facts and PDF made once. */
  async function paymentReminderContent(invoiceId: number, reminder: number, event: string): Promise<NotificationContent> {
    const { facts, pdf } = await reminderContent(db, invoiceId, reminder);
    return {
      email: reminderEmail(facts),
      pdf,
      xml: null,
      webhookType: WEBHOOK_EVENT_TYPES.payment_reminder,
      payload: { event, number: facts.invoiceNumber, due_date: facts.dueDate, remaining_ore: facts.remainingOre, fee_ore: facts.feeOre, ocr: facts.ocr, reminder },
    };
  }

  /** A credit note waiting for finance: what it credits, from which invoice, and why. */
  async function creditDraftContent(creditRequestId: number, event: string) {
    const req = await db('credit_requests as c').join('invoices as i', 'i.id', 'c.invoice_id').where('c.id', creditRequestId).first('c.*', 'i.series', 'i.number', 'i.customer_id', 'i.period');
    const rated = req.rated as RatedInvoice;
    const invoiceNumber = `${req.series}${req.number}`;
    return {
      email: creditReadyEmail({ invoiceNumber, customerId: req.customer_id, period: req.period, totalText: formatSek(rated.totalOre), reason: req.reason, requestedBy: req.requested_by, workflowId: req.workflow_id }),
      pdf: null,
      xml: null,
      webhookType: WEBHOOK_EVENT_TYPES.credit_ready,
      payload: { event, customer_id: req.customer_id, period: req.period, credits: invoiceNumber, reason: req.reason, total_ore: rated.totalOre, net_ore: rated.netOre, vat_ore: rated.vatOre, credit_id: req.workflow_id },
    };
  }
}

/** The stored review of a draft as the e-mail's lines, in Swedish (the codes stay in the webhook's JSON). */
function reviewText(row: { explanation: Explanation; flag_details: Flag[]; waits_because: string | null }): DraftReviewText {
  const e = row.explanation;
  const signed = (ore: number) => formatSek(ore, { signDisplay: 'exceptZero' });
  return {
    comparison: e.previous
      ? `Jämfört med ${e.previous.number} (${e.previous.period}, ${formatSek(e.previous.total_ore)}${comparisonDocumentsSv(e.previous) ? `, ${comparisonDocumentsSv(e.previous)}` : ''}): ${signed(e.change_ore ?? 0)} (${pctSv(formatChangePct(e.change_bp))})`
      : 'Första månadsfakturan: ingen tidigare slutlig faktura att jämföra med.',
    lines: e.lines.filter((l) => l.change_ore !== 0 || l.quantity !== l.previous_quantity).map((l) => `${l.description}: ${l.previous_quantity} → ${l.quantity} (${signed(l.change_ore)})`),
    facts: e.facts.filter((f) => f.kind !== 'first_invoice').map((f) => `${SUBJECT_SV[f.subject_type] ?? f.subject_type} ${f.subject_id}: ${factSv(f)}`),
    flags: row.flag_details.map((f) => `${flagSv(f.code)}: ${flagDetailSv(f.code, f.detail)}`),
    waitsBecause: row.waits_because ? reasonSv(row.waits_because) : null,
  };
}
