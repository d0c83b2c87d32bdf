import { sleep } from '@temporalio/workflow';
import { customerClose as recordedClose } from '../../../workflows/customer-close';
import type { CloseSummary, CustomerCloseInput } from '../../../contracts/close-messages';

// The workflow bundle of this commit with one command added to customerClose: a timer before
// the close begins. replay.test.ts shows that the recorded histories catch such a change.

export { monthlyClose } from '../../../workflows/monthly-close';
export { scheduledMonthlyClose } from '../../../workflows/scheduled-close';
export { creditNote } from '../../../workflows/credit-note';

export async function customerClose(input: CustomerCloseInput): Promise<CloseSummary> {
  await sleep('1 second');
  return recordedClose(input);
}
