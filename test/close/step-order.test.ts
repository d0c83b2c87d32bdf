import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../activities';
import { closeOne, FINANCE_APPROVER, type PlainCounters } from '../../bench/plain-close';
import { Semaphore } from '../../bench/support';
import { startCustomerClose } from '../../client/close';
import { approveUpdate, statusQuery } from '../../contracts/close-messages';
import { APPROVED_CLOSE_STEPS } from '../../contracts/close-steps';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { activityStepsOf } from '../support/history-steps';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { deliveriesOf } from '../support/queries';

// The bench prices durability by running the workflow's steps in a plain loop; that
// is only honest while the loop makes the workflow's calls. A real close through Temporal and
// the loop, for two customers of the same shape, must call the same activities in the same order.

const PERIOD = '2024-11';

let h: CloseHarness;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url);
});
afterAll(async () => h?.close());

/** The activities as the plain loop gets them, each call's name noted in order. */
function recording(acts: Activities, calls: string[]): Activities {
  return new Proxy(acts, {
    get: (target, name: string) => {
      const fn = target[name as keyof Activities] as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push(name);
        return fn(...args);
      };
    },
  });
}

describe('the bench plain loop follows the workflow', () => {
  it('calls the activities of a real approved close in the same order', async () => {
    const viaTemporal = await seedCustomer(h.db);
    const plain = await seedCustomer(h.db);
    for (const id of [viaTemporal, plain]) await seedEvents(h.db, id, workedExampleEvents());

    const { handle } = await startCustomerClose(h.client, h.settings, viaTemporal, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
    const { draftVersion } = await handle.query(statusQuery);
    await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE_APPROVER, draftVersion: draftVersion! }] });
    expect((await handle.result()).state).toBe('final');
    const workflowSteps = await activityStepsOf(h.client, handle.workflowId);

    const calls: string[] = [];
    const acts = createActivities({
      db: h.db,
      config: h.config,
      smtp: { host: '127.0.0.1', port: h.smtp.port, secure: false, from: 'faktura@nordiskrapportering.se', timeoutMs: 5000 },
      temporal: null,
      now: () => new Date('2024-12-02T08:00:00+01:00'),
    });
    const counters: PlainCounters = { retries: 0, retryReasons: new Map(), failReasons: new Map() };
    expect(await closeOne(recording(acts, calls), PERIOD, plain, new Map(), counters, new Semaphore(4))).toBe('final');

    expect(calls).toEqual(workflowSteps);
    // ... and both are the order written down for the bench's tables: every receiver answered, so
    // the phases delivered everything themselves and no delivery became a step of its own.
    expect(workflowSteps).toEqual([...APPROVED_CLOSE_STEPS]);
    // The same records either way: each delivery delivered at its first attempt.
    const deliveries = async (customerId: string) =>
      (await deliveriesOf(h.db, customerId)).map((d) => [d.event, d.status, d.attempts]);
    expect(await deliveries(plain)).toEqual(await deliveries(viaTemporal));
    expect((await deliveries(plain)).every(([, status, attempts]) => status === 'delivered' && attempts === 1)).toBe(true);
  });
});
