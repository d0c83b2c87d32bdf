import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// The activity stubs every close workflow uses. Database steps retry until the database is
// back; a non-retryable failure needs a person. Timeouts are short on purpose: these steps take
// well under a second, and a worker that dies mid-activity is only noticed when its attempt
// times out. Deliveries back off up to 10 minutes and stay visible as pending meanwhile.
const DB_STEP = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const DELIVERY = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} as const;

export const db = proxyActivities<Activities>(DB_STEP);
export const delivery = proxyActivities<Activities>(DELIVERY);

// customerClose's steps run as local activities: run by the worker inside the workflow task, so
// a step costs one marker event instead of a schedule/start/complete round trip through the
// server. A killed worker's workflow task times out and another worker re-runs the steps without
// a marker; every step is idempotent for that. (creditNote keeps regular activities: a
// correction is rare and its steps are better seen one by one in the UI.)
export const localDb = proxyLocalActivities<Activities>(DB_STEP);
export const localDelivery = proxyLocalActivities<Activities>({
  ...DELIVERY,
  // A backoff longer than this becomes a durable timer instead of holding the workflow task
  // open in the worker: an SMTP server refusing for minutes must not pin workflow tasks.
  localRetryThreshold: '10 seconds',
});
// The larger steps of a close (activities/close-phases.ts): a phase renders a PDF and runs
// several transactions, so it gets a longer timeout than one database step.
export const localPhase = proxyLocalActivities<Activities>({ ...DB_STEP, startToCloseTimeout: '1 minute' });
