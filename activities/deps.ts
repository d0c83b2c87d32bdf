import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import type { AppConfig } from '../infra/config';
import type { SmtpSettings } from '../notify/email';

/**
 * Approve-all as the operators' client does it; the worker provides it (client/drafts.ts), so
 * activities never import the client layer.
 */
export interface DraftApprover {
  /**
   * Sends an approve-all signal to each close whose draft waits now, in customer order after
   * `afterCustomerId`; returns how many were sent. `onProgress` is called as signals go out, with
   * the customer up to which every draft is handled (null: none yet).
   */
  approveWaiting(period: string, by: string, includeFlagged: boolean, afterCustomerId: string | null, onProgress: (handledThrough: string | null) => void): Promise<number>;
}

/** What the activities need from the outside world; the worker builds it once. */
export interface ActivityDeps {
  db: Db;
  config: AppConfig;
  smtp: SmtpSettings | null;
  /** For activities that signal other workflows. */
  temporal: Client | null;
  /** For the monthly close's approve-all; absent where no monthly close runs (some tests). */
  approver?: DraftApprover | null;
  /** The issuing clock; tests may pin it. */
  now: () => Date;
}
