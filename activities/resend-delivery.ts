import type { SmtpSettings } from '../notify/email';
import { currentRecipient, lastAttemptRecipient, listDeliveries, recordDeliveredAttempt, recordFailedAttempt, resendRefusals, ResendRefused, type DeliveryResender, type ResendOutcome } from '../store/notification-deliveries';
import type { ActivityDeps } from './deps';
import { failureRecord, notificationContentReader, sendDelivery } from './notifications';

// An operator's resend of deliveries the close gave up on (a 550 address, a 410 webhook) once
// the recipient is corrected. Not a Temporal activity and no workflow step: the close ended
// the delivery as failed and does not come back to it, so the operator's command sends it
// (docs/delivery-errors.md). Same content, same senders and the same idempotency key as the
// close's attempts, so a receiver that got it before sees a repeat it can drop.

export function deliveryResender({ db, smtp }: { db: ActivityDeps['db']; smtp: SmtpSettings | null }): DeliveryResender {
  const notificationContent = notificationContentReader(db);
  return async (ids, by) => {
    // All or nothing before sending: one delivered or pending id refuses the whole request.
    const refusals = await resendRefusals(db, ids);
    if (refusals.length > 0) throw new ResendRefused(refusals);
    const outcomes: ResendOutcome[] = [];
    for (const row of await listDeliveries(db, { ids })) {
      // Count the attempt before sending, as the close does; only a delivery still failed is sent
      // (a second operator's resend that got there first settles it).
      const claimed = (
        await db.raw<{ rows: { attempts: number; subscriber_id: string; subject_key: string; event: string; idempotency_key: string }[] }>(
          `update notification_deliveries set attempts = attempts + 1 where id = ? and status = 'failed'
           returning attempts, subscriber_id, subject_key, event, idempotency_key`,
          [row.id],
        )
      ).rows[0];
      const base = { id: row.id, document: row.document, channel: row.channel, by };
      if (!claimed) {
        outcomes.push({ ...base, recipient: row.recipient, previous_recipient: null, outcome: 'no_longer_failed', attempt: null, error: null });
        continue;
      }
      const recipient = await currentRecipient(db, Number(claimed.subscriber_id));
      const target = { ...recipient, subject_key: claimed.subject_key, event: claimed.event, idempotency_key: claimed.idempotency_key };
      const before = (await lastAttemptRecipient(db, row.id)) ?? row.recipient;
      const previous = recipient.address !== before ? before : null;
      const attempt = claimed.attempts;
      try {
        await sendDelivery(smtp, target, await notificationContent(claimed.subject_key, claimed.event));
      } catch (err) {
        const { permanent, detail, facts } = failureRecord(err, target);
        // It stays failed (nothing retries it): the operator reads why and may send it again.
        await recordFailedAttempt(db, { deliveryId: row.id, attempt, permanent, detail, facts, whileStatus: 'failed', requestedBy: by, address: recipient.address });
        const parsed = JSON.parse(facts) as Record<string, unknown>;
        outcomes.push({ ...base, recipient: recipient.address, previous_recipient: previous, outcome: 'failed', attempt, error: { code: String(parsed.kind ?? 'unknown'), permanent, detail, facts: parsed } });
        continue;
      }
      await recordDeliveredAttempt(db, { deliveryId: row.id, attempt, requestedBy: by, address: recipient.address });
      outcomes.push({ ...base, recipient: recipient.address, previous_recipient: previous, outcome: 'delivered', attempt, error: null });
    }
    return outcomes;
  };
}
