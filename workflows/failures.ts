import { ApplicationFailure } from '@temporalio/common';

// Every business failure, named once, for workflows, activities and the CLI alike. These are
// expected outcomes that need a person (fix data, wait for the month to end), never retried.
export const Failure = {
  BadMasterData: 'BadMasterData',
  MissingPrice: 'MissingPrice',
  DeliveryRefused: 'DeliveryRefused',
  NotApproved: 'NotApproved',
  AlreadyInvoiced: 'AlreadyInvoiced',
  /** billing-rules.md: only a period that has ended in Europe/Stockholm is closed or finalised. */
  PeriodNotEnded: 'PeriodNotEnded',
  UnknownCustomer: 'UnknownCustomer',
  /** A credit note that would credit more than invoiced, or a re-issue of a partly live invoice. */
  CreditRefused: 'CreditRefused',
  /** The customer close as a whole, wrapping the failure that ended it. */
  CloseFailed: 'CloseFailed',
} as const;
export type FailureType = (typeof Failure)[keyof typeof Failure];

/** A failure that a retry cannot fix. */
export function businessFailure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
