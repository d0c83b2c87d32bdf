import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// The activity stubs every close workflow uses. Database steps retry until the database is
// back; a non-retryable failure needs a person. Timeouts are short on purpose: these steps take
// well under a second, and a worker that dies mid-activity is only noticed when its attempt
// times out. Deliveries back off up to 10 minutes and stay visible as pending meanwhile.
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
export const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
