import { businessFailure, Failure, type FailureType } from '../workflows/failures';

// Failure types the workflows recognise (names in workflows/failures.ts). Non-retryable ones
// need a person to fix data first.
export const BAD_MASTER_DATA = Failure.BadMasterData;
export const MISSING_PRICE = Failure.MissingPrice;
export const DELIVERY_REFUSED = Failure.DeliveryRefused;

export function needsDataFix(type: FailureType, message: string) {
  return businessFailure(type, message);
}
