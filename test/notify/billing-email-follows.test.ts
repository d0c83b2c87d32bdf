import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationActivities } from '../../activities/notifications';
import type { ActivityDeps } from '../../activities/deps';
import { loadConfig } from '../../infra/config';
import { createTestDatabase } from '../support/database';
import { seedCustomer, uid } from '../support/seed';

// The customer's billing e-mail is its admin's subscriber. When the customer import corrects it,
// the next invoice, credit note or payment reminder goes to the new address only, not to both.

let test: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

/** Who planNotifications would tell of an invoice of the customer now. */
async function plannedAddresses(customerId: string, subjectKey: string): Promise<string[]> {
  const deps = { db: test.db, config: loadConfig(), smtp: null, temporal: null, now: () => new Date() } satisfies ActivityDeps;
  const ids = await notificationActivities(deps).planNotifications({ subjectKey, event: 'invoice_final', customerId, period: '2024-10', audience: ['customer_admin'] });
  const rows = await test.db('notification_deliveries as d').join('subscribers as s', 's.id', 'd.subscriber_id').whereIn('d.id', ids).select('s.address');
  return rows.map((r: { address: string }) => r.address).sort();
}

describe("the customer admin's subscriber follows the billing e-mail", () => {
  it('tells the corrected address only, and the old one again if the import puts it back', async () => {
    const customerId = await seedCustomer(test.db, { customer_id: uid('C79'), billing_email: 'fel@kund.example' });
    // As `customers import` records each version of a customer.
    const version = (email: string) => test.db('customer_versions').insert({ customer_id: customerId, data: { customer_id: customerId, billing_email: email } });
    await version('fel@kund.example');
    expect(await plannedAddresses(customerId, `test:${uid('a')}`)).toEqual(['fel@kund.example']);

    await test.db('customers').where({ customer_id: customerId }).update({ billing_email: 'faktura@kund.example' });
    await version('faktura@kund.example');
    expect(await plannedAddresses(customerId, `test:${uid('b')}`)).toEqual(['faktura@kund.example']);
    const old = await test.db('subscribers').where({ customer_id: customerId, address: 'fel@kund.example' }).first('active');
    expect(old.active).toBe(false);

    await test.db('customers').where({ customer_id: customerId }).update({ billing_email: 'fel@kund.example' });
    await version('fel@kund.example');
    expect(await plannedAddresses(customerId, `test:${uid('c')}`)).toEqual(['fel@kund.example']);
  });

  it('leaves an admin address that never was the billing e-mail alone', async () => {
    const customerId = await seedCustomer(test.db, { customer_id: uid('C80'), billing_email: 'faktura@kund2.example' });
    await test.db('customer_versions').insert({ customer_id: customerId, data: { customer_id: customerId, billing_email: 'faktura@kund2.example' } });
    await test.db('subscribers').insert({ customer_id: customerId, role: 'customer_admin', channel: 'email', address: 'cfo@kund2.example', events: ['invoice_final'] });
    expect(await plannedAddresses(customerId, `test:${uid('d')}`)).toEqual(['cfo@kund2.example', 'faktura@kund2.example']);
  });
});
