import type { ActivityDeps } from './deps';
import { closePhaseActivities } from './close-phases';
import { closeStateActivities } from './close-state';
import { creditActivities } from './credits';
import { decisionActivities } from './decisions';
import { documentActivities } from './documents';
import { draftActivities } from './drafts';
import { finaliseActivities } from './finalise';
import { monthlyActivities } from './monthly';
import { notificationActivities } from './notifications';
import { paymentReminderActivities } from './payment-reminders';
import { reviewActivities } from './review';
import { snapshotActivities } from './snapshot';

/** Every activity of the close, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...closeStateActivities(deps),
    ...snapshotActivities(deps),
    ...draftActivities(deps),
    ...reviewActivities(deps),
    ...documentActivities(deps),
    ...decisionActivities(deps),
    ...finaliseActivities(deps),
    ...notificationActivities(deps),
    ...monthlyActivities(deps),
    ...creditActivities(deps),
    ...closePhaseActivities(deps),
    ...paymentReminderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
