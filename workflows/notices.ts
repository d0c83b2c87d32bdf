import { isCancellation, log, sleep } from '@temporalio/workflow';
import type { LeftToSend } from '../activities/close-phases';
import type { Audience, NotificationEvent } from '../activities/notifications';
import { LATE_DELIVERY_GRACE_MS } from '../contracts/close-steps';

// Notifying the subscribers of a customer from a workflow, shared by customerClose (local steps)
// and creditNote (regular activities): plan the deliveries, then one step per delivery so each
// retries on its own. A delivery refused for good is recorded as failed by its step, visible to
// operators, and the workflow goes on.

export interface NoticeSteps {
  planNotifications(plan: { subjectKey: string; event: NotificationEvent; customerId: string; period: string; audience: Audience[] }): Promise<number[]>;
  deliverNotification(input: { deliveryId: number }): Promise<unknown>;
}

export interface Notices {
  /** Plan the event's deliveries to `audience` and deliver each. */
  notify(subjectKey: string, event: NotificationEvent, audience: Audience[]): Promise<void>;
  /** What a phase's own attempts left: refusals are logged, the rest retried, a late one after it has surely ended. */
  deliverLeft(subjectKey: string, event: NotificationEvent, left: LeftToSend): Promise<void>;
}

export function notices(plan: Pick<NoticeSteps, 'planNotifications'>, send: Pick<NoticeSteps, 'deliverNotification'>, about: { customerId: string; period: string }): Notices {
  const deliverEach = async (subjectKey: string, event: NotificationEvent, deliveries: number[]) => {
    const results = await Promise.allSettled(deliveries.map((deliveryId) => send.deliverNotification({ deliveryId })));
    for (const r of results) {
      if (r.status === 'rejected') {
        if (isCancellation(r.reason)) throw r.reason;
        log.warn('notification refused', { subjectKey, event, error: String(r.reason) });
      }
    }
  };
  return {
    notify: async (subjectKey, event, audience) => {
      await deliverEach(subjectKey, event, await plan.planNotifications({ subjectKey, event, ...about, audience }));
    },
    deliverLeft: async (subjectKey, event, left) => {
      for (const error of left.refused) log.warn('notification refused', { subjectKey, event, error });
      // A late attempt may still be sending: let it end before its retry starts (close-steps.ts).
      if (left.late.length > 0) await sleep(LATE_DELIVERY_GRACE_MS);
      await deliverEach(subjectKey, event, [...left.retry, ...left.late]);
    },
  };
}
