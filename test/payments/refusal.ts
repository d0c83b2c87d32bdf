import { PaymentFileError } from '../../payments/errors';

/** The PaymentFileError `fn` throws; fails the test when the file was not refused. */
export function refusal(fn: () => unknown): PaymentFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaymentFileError) return err;
    throw err;
  }
  throw new Error('the file was not refused');
}
