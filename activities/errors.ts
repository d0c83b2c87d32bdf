import { ApplicationFailure } from '@temporalio/activity';

// Failure types the workflows recognise. Non-retryable ones need a person to fix data first.
export const BAD_MASTER_DATA = 'BadMasterData';
export const MISSING_PRICE = 'MissingPrice';
export const DELIVERY_REFUSED = 'DeliveryRefused';

export function needsDataFix(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
