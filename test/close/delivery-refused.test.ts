import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationActivities } from '../../activities/notifications';
import type { ActivityDeps } from '../../activities/deps';
import { loadConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { Failure, findFailure } from '../../contracts/failures';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedSubscriber, uid } from '../support/seed';

// A delivery refused for good is a delivery failure with a delivery remedy, not the
// "fix the customer's data and re-run" failure of a close.

let test: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db;
});
afterAll(async () => test?.drop());

describe('a delivery refused for good', () => {
  it('is a DeliveryRefused failure whose remedy is about the subscriber, never a data fix or re-run', async () => {
    const customerId = await seedCustomer(db);
    const subscriberId = await seedSubscriber(db, { customer_id: customerId, role: 'finance', channel: 'webhook', address: 'https://gone.example/hook', secret: 's' });
    const [delivery] = await db('notification_deliveries')
      .insert({ subject_key: 'invoice:1', customer_id: customerId, period: '2024-11', subscriber_id: subscriberId, event: 'invoice_final', idempotency_key: uid('key'), status: 'failed', last_error: 'HTTP 410 Gone' })
      .returning('id');
    const deps = { db, config: loadConfig(), smtp: null, temporal: null, now: () => new Date() } satisfies ActivityDeps;

    const err = await notificationActivities(deps)
      .deliverNotification({ deliveryId: delivery.id })
      .then(() => null, (e: unknown) => e);

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    const failure = findFailure(err);
    expect(failure?.type).toBe(Failure.DeliveryRefused);
    expect(failure?.reason).toBe(`delivery ${delivery.id} was refused for good: HTTP 410 Gone`);
    expect(failure?.remedy).toMatch(/subscriber's address/);
    expect(failure?.remedy).not.toMatch(/customers import|close rerun/);
    // Read from the details it carries, not rebuilt from the type.
    expect((err as ApplicationFailure).details?.[0]).toEqual(failure);
  });
});
