import { ActivityFailure, ApplicationFailure, DefaultFailureConverter, defaultPayloadConverter, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { nextStep } from '../../client/status';
import { formatStatus } from '../../cli/commands/close';
import { describeFailure } from '../../cli/errors';
import { businessFailure, Failure, FAILURES, findFailure, withRemedy } from '../../contracts/failures';

// The failure types carry their remedy as data (contracts/failures.ts): activities throw them,
// the workflow records the type, and the CLI renders the reason and the next step from it.

const CLOSE = { period: '2024-11', customerId: 'C0007' };

/** What a workflow sees of an activity's failure: encoded by the worker, decoded again, wrapped. */
function asSeenByWorkflow(err: ApplicationFailure): unknown {
  const converter = new DefaultFailureConverter();
  const wrapped = new ActivityFailure('activity failed', 'createDraft', '3', RetryState.NON_RETRYABLE_FAILURE, undefined, err);
  return converter.failureToError(converter.errorToFailure(wrapped, defaultPayloadConverter), defaultPayloadConverter);
}

describe('the failure catalogue', () => {
  it('gives every type a remedy, naming the close to re-run when it is known', () => {
    for (const type of Object.values(Failure)) {
      expect(FAILURES[type].remedy({}), type).toMatch(/^[A-Z].{10,}/);
      expect(FAILURES[type].remedy(CLOSE), type).not.toMatch(/undefined/);
    }
    for (const type of [Failure.BadMasterData, Failure.MissingPrice, Failure.SnapshotOutdated, Failure.UnknownCustomer, Failure.PeriodNotEnded, Failure.CloseFailed]) {
      expect(FAILURES[type].remedy(CLOSE), type).toMatch(/'month-close close rerun --period 2024-11 --customer C0007'$/);
    }
    expect(FAILURES.MissingPrice.remedy(CLOSE)).toBe("Add the price with 'month-close prices import FILE', then 'month-close close rerun --period 2024-11 --customer C0007'");
    // Without a close (e.g. the preview) there is nothing to re-run.
    expect(FAILURES.UnknownCustomer.remedy({})).toBe("Import it with 'month-close customers import FILE'");
    // A delivery problem is not a data fix for the customer's close.
    expect(FAILURES.DeliveryRefused.remedy(CLOSE)).not.toMatch(/customers import|close rerun/);
  });

  it('travels with the failure through Temporal: type, reason and remedy, never retried', () => {
    const thrown = businessFailure(Failure.BadMasterData, 'customer C0007 cannot be invoiced: no VAT number', CLOSE);
    expect(thrown.nonRetryable).toBe(true);
    expect(thrown.message).toBe('customer C0007 cannot be invoiced: no VAT number');
    expect(findFailure(asSeenByWorkflow(thrown))).toEqual({
      type: Failure.BadMasterData,
      reason: 'customer C0007 cannot be invoiced: no VAT number',
      remedy: "Correct it with 'month-close customers import FILE', then 'month-close close rerun --period 2024-11 --customer C0007'",
    });
  });

  it('reads a failure without details (an older worker) by its type, and ignores errors that are not ours', () => {
    const old = ApplicationFailure.nonRetryable('no price for portal_user', Failure.MissingPrice);
    expect(findFailure(asSeenByWorkflow(old))).toEqual({ type: Failure.MissingPrice, reason: 'no price for portal_user', remedy: FAILURES.MissingPrice.remedy({}) });
    expect(findFailure(new Error('connection reset'))).toBeNull();
    expect(findFailure(ApplicationFailure.nonRetryable('x', 'SomethingElse'))).toBeNull();
  });

  it('joins reason and remedy as two sentences, as the demo and the worker log show them', () => {
    expect(withRemedy('no VAT number.', 'Correct it')).toBe('no VAT number. Correct it');
    expect(withRemedy('no VAT number', null)).toBe('no VAT number');
  });
});

describe('the CLI renders reason and next step from the data', () => {
  it('close status lists each failed customer with its reason and next step', () => {
    const text = formatStatus({
      period: '2024-11',
      customers: [
        { customer_id: 'C0001', state: 'final', invoice_number: 'F10001', reason: null },
        { customer_id: 'C0007', state: 'failed', invoice_number: null, reason: 'customer C0007 cannot be invoiced: no VAT number', next_step: nextStep(Failure.BadMasterData, '2024-11', 'C0007') },
        { customer_id: 'C0009', state: 'failed', invoice_number: null, reason: 'its workflow close-2024-11-C0009 stopped without an outcome', next_step: nextStep(null, '2024-11', 'C0009') },
      ],
    });
    const lines = text.split('\n');
    const at = lines.indexOf('  C0007: customer C0007 cannot be invoiced: no VAT number');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe("    next: Correct it with 'month-close customers import FILE', then 'month-close close rerun --period 2024-11 --customer C0007'");
    expect(text).toContain("    next: Run it again once the cause is fixed: 'month-close close rerun --period 2024-11 --customer C0009'");
    expect(text).not.toMatch(/C0001:/); // only failed customers get a next step
  });

  it('a command that fails on a business failure prints its remedy as the next step', () => {
    const err = asSeenByWorkflow(businessFailure(Failure.NotApproved, 'credit request credit-F10001-abc is pending, not approved'));
    expect(describeFailure(err)).toMatch(/credit-F10001-abc is pending, not approved\n {2}next: Have finance approve it first, then try again$/);
  });
});
