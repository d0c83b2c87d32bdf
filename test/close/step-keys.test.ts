import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../activities';
import { loadConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { createTestDatabase } from '../support/database';
import { seedCustomer } from '../support/seed';

// A close on local steps runs a phase's steps again after a lost workflow task (a killed worker,
// a completion refused because a signal arrived meanwhile). The two records without a natural
// key carry the workflow's step key, and a second run with the same key records nothing.

const PERIOD = '2024-11';
let db: Db;
let drop: () => Promise<void>;
let acts: Activities;

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  acts = createActivities({ db, config: loadConfig(), smtp: null, temporal: null, now: () => new Date() });
});
afterAll(async () => drop?.());

describe('records of steps that may run twice', () => {
  it('a state change with a step key is recorded once: one event, one attempt counted', async () => {
    const customerId = await seedCustomer(db);
    const change = { customerId, period: PERIOD, workflowId: `close-${PERIOD}-${customerId}`, state: 'running' as const, stepKey: 'run-1/1' };
    await acts.recordCloseState(change);
    await acts.recordCloseState(change);
    await acts.recordCloseState({ ...change, state: 'awaiting_approval', stepKey: 'run-1/2' });
    const events = await db('close_run_events').where({ customer_id: customerId }).orderBy('id');
    expect(events.map((e) => e.state)).toEqual(['running', 'awaiting_approval']);
    const run = await db('close_runs').where({ customer_id: customerId, period: PERIOD }).first();
    expect([run.state, run.attempt]).toEqual(['awaiting_approval', 1]);
  });

  it('without a key (regular activities, the bench) every call is recorded, as before', async () => {
    const customerId = await seedCustomer(db);
    const change = { customerId, period: PERIOD, workflowId: `close-${PERIOD}-${customerId}`, state: 'running' as const };
    await acts.recordCloseState(change);
    await acts.recordCloseState(change);
    expect(await db('close_run_events').where({ customer_id: customerId })).toHaveLength(2);
  });

  it('decision requests with keys are recorded once each, a grown batch adds only the new ones', async () => {
    const customerId = await seedCustomer(db);
    const request = (outcome: string, key: string) => ({
      customerId, period: PERIOD, request: 'approve' as const, requestedBy: 'Anna Ekonom', draftVersion: 1, outcome, receivedAtMs: Date.parse('2024-12-02T08:00:00Z'), requestKey: key,
    });
    await acts.recordDecisionRequests([request('approved (update)', 'run-1/1')]);
    await acts.recordDecisionRequests([request('approved (update)', 'run-1/1'), request('duplicate (signal)', 'run-1/2')]);
    const rows = await db('approval_requests').where({ customer_id: customerId }).orderBy('id');
    expect(rows.map((r) => r.outcome)).toEqual(['approved (update)', 'duplicate (signal)']);
  });
});
