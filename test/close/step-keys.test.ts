import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../activities';
import { loadConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { createTestDatabase } from '../support/database';
import { startSmtpPeer } from '../notify/test-peers';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { closeRunEventsOf, closeRunOf, deliveriesOf, requestsOf } from '../support/queries';

// A close runs a phase's local steps again after a lost workflow task (a killed worker, a
// completion refused because a signal arrived meanwhile). The two records without a natural
// key carry the workflow's step key, and a second run with the same key records nothing.

const PERIOD = '2024-11';
let db: Db;
let drop: () => Promise<void>;
let acts: Activities;

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  acts = createActivities({ db, config: loadConfig(), smtp: null, temporal: null, now: () => new Date() });
  await seedPrices(db);
  await seedSubscriber(db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
});
afterAll(async () => drop?.());

describe('records of steps that may run twice', () => {
  it('a state change with a step key is recorded once: one event, one attempt counted', async () => {
    const customerId = await seedCustomer(db);
    const change = { customerId, period: PERIOD, workflowId: `close-${PERIOD}-${customerId}`, state: 'running' as const, stepKey: 'run-1/1' };
    await acts.recordCloseState(change);
    await acts.recordCloseState(change);
    await acts.recordCloseState({ ...change, state: 'awaiting_approval', stepKey: 'run-1/2' });
    const events = await closeRunEventsOf(db, customerId);
    expect(events.map((e) => e.state)).toEqual(['running', 'awaiting_approval']);
    const run = await closeRunOf(db, customerId, PERIOD);
    expect([run.state, run.attempt]).toEqual(['awaiting_approval', 1]);
  });

  it('without a key (the bench) every call is recorded', async () => {
    const customerId = await seedCustomer(db);
    const change = { customerId, period: PERIOD, workflowId: `close-${PERIOD}-${customerId}`, state: 'running' as const };
    await acts.recordCloseState(change);
    await acts.recordCloseState(change);
    expect(await closeRunEventsOf(db, customerId)).toHaveLength(2);
  });

  it('decision requests with keys are recorded once each, a grown batch adds only the new ones', async () => {
    const customerId = await seedCustomer(db);
    const request = (outcome: string, key: string) => ({
      customerId, period: PERIOD, request: 'approve' as const, requestedBy: 'Anna Ekonom', draftVersion: 1, outcome, receivedAtMs: Date.parse('2024-12-02T08:00:00Z'), requestKey: key,
    });
    await acts.recordDecisionRequests([request('approved (update)', 'run-1/1')]);
    await acts.recordDecisionRequests([request('approved (update)', 'run-1/1'), request('duplicate (signal)', 'run-1/2')]);
    const rows = await requestsOf(db, customerId);
    expect(rows.map((r) => r.outcome)).toEqual(['approved (update)', 'duplicate (signal)']);
  });

  it('the phases of a close, each run twice, record everything once', async () => {
    const customerId = await seedCustomer(db);
    await seedEvents(db, customerId, workedExampleEvents());
    await seedSubscriber(db, { customer_id: customerId, role: 'customer_admin', channel: 'email', address: 'admin@kund.se' });
    const workflowId = `close-${PERIOD}-${customerId}`;
    const twice = async <T>(step: () => Promise<T>): Promise<T> => {
      const first = await step();
      expect(await step()).toEqual(first); // a retry, or a re-run after a lost workflow task
      return first;
    };

    const open = { customerId, period: PERIOD, workflowId, first: true, runningKey: 'run-2/1', runKey: 'run-2/1' };
    const draft = await twice(() => acts.openDraft(open));
    if (draft.kind !== 'draft') throw new Error(`expected a draft, got ${draft.kind}`);
    const awaiting = await twice(() => acts.awaitFinanceAndNotify({ customerId, period: PERIOD, workflowId, draftId: draft.draftId, stepKey: 'run-2/2' }));
    const decidedAtMs = Date.parse('2024-12-02T08:00:00Z');
    const issued = await twice(() =>
      acts.issueApprovedAndNotify({
        customerId,
        period: PERIOD,
        workflowId,
        requests: [{ customerId, period: PERIOD, request: 'approve', requestedBy: 'Anna Ekonom', draftVersion: draft.version, outcome: 'approved (update)', receivedAtMs: decidedAtMs, requestKey: 'run-2/1' }],
        decisions: [{ draftId: draft.draftId, customerId, period: PERIOD, decision: 'approved', by: 'Anna Ekonom', reason: null, via: 'update', decidedAtMs }],
        issue: { draftId: draft.draftId, approvedBy: 'Anna Ekonom' },
        finalKey: 'run-2/3',
      }),
    );

    const events = await closeRunEventsOf(db, customerId);
    expect(events.map((e) => e.state)).toEqual(['running', 'awaiting_approval', 'final']);
    const run = await closeRunOf(db, customerId, PERIOD);
    expect([run.state, run.attempt, run.invoice_id]).toEqual(['final', 1, issued.invoiceId]);
    const count = async (table: string) => (await db(table).where({ customer_id: customerId })).length;
    expect([await count('drafts'), await count('invoices'), await count('approvals'), await count('approval_requests')]).toEqual([1, 1, 1, 1]);
    const deliveries = await deliveriesOf(db, customerId);
    // No SMTP server here: each attempt fails retryably and the delivery is left for its own step.
    const planned = awaiting.retry;
    expect(planned).toHaveLength(1); // finance
    expect(issued.left.retry).toEqual(issued.deliveries);
    expect(issued.deliveries.length).toBeGreaterThanOrEqual(2); // finance and the customer's admin
    expect(deliveries.map((d) => d.id).sort()).toEqual([...planned, ...issued.deliveries].sort());
    // The close started again later finds the invoice and drafts nothing new.
    expect(await acts.openDraft({ ...open, runningKey: 'run-3/1', runKey: 'run-3/1' })).toEqual({ kind: 'issued', invoiceId: issued.invoiceId, number: issued.issued!.number });
    expect(await count('drafts')).toBe(1);
  });

  it('the phases that also deliver, each run twice, send every message once and leave nothing to retry', async () => {
    const smtp = await startSmtpPeer();
    try {
      const sending = createActivities({
        db,
        config: loadConfig(),
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'faktura@nordiskrapportering.se', timeoutMs: 5000 },
        temporal: null,
        now: () => new Date(),
      });
      const customerId = await seedCustomer(db);
      await seedEvents(db, customerId, workedExampleEvents());
      const workflowId = `close-${PERIOD}-${customerId}`;
      const nothingLeft = { retry: [], late: [], refused: [] };

      const draft = await sending.openDraft({ customerId, period: PERIOD, workflowId, first: true, runningKey: 'run-4/1', runKey: 'run-4/1' });
      if (draft.kind !== 'draft') throw new Error(`expected a draft, got ${draft.kind}`);
      const awaiting = { customerId, period: PERIOD, workflowId, draftId: draft.draftId, stepKey: 'run-4/2' };
      expect(await sending.awaitFinanceAndNotify(awaiting)).toEqual(nothingLeft);
      // A re-run after a lost workflow task: the delivered one is not attempted again.
      expect(await sending.awaitFinanceAndNotify(awaiting)).toEqual(nothingLeft);
      const issue = {
        customerId,
        period: PERIOD,
        workflowId,
        requests: [],
        decisions: [{ draftId: draft.draftId, customerId, period: PERIOD, decision: 'approved' as const, by: 'Anna Ekonom', reason: null, via: 'update' as const, decidedAtMs: Date.parse('2024-12-02T08:00:00Z') }],
        issue: { draftId: draft.draftId, approvedBy: 'Anna Ekonom' },
        finalKey: 'run-4/3',
      };
      const first = await sending.issueApprovedAndNotify(issue);
      expect(first.left).toEqual(nothingLeft);
      const again = await sending.issueApprovedAndNotify(issue);
      expect([again.invoiceId, again.deliveries, again.left]).toEqual([first.invoiceId, [], nothingLeft]);

      // finance of the draft; finance and the customer's billing e-mail of the invoice: each sent once.
      const deliveries = await deliveriesOf(db, customerId);
      expect(deliveries.map((d) => [d.event, d.status, d.attempts])).toEqual([
        ['draft_ready', 'delivered', 1],
        ['invoice_final', 'delivered', 1],
        ['invoice_final', 'delivered', 1],
      ]);
      expect(smtp.messages.map((m) => m.headers['x-idempotency-key']).sort()).toEqual(deliveries.map((d) => d.idempotency_key).sort());
    } finally {
      await smtp.close();
    }
  });
});
