import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import type { AppConfig } from '../infra/config';
import type { SmtpSettings } from '../notify/email';

/**
 * Approve-all as the operators' client does it; the worker provides it (client/drafts.ts), so
 * activities never import the client layer.
 */
export interface DraftApprover {
  /** Approves the drafts of the period waiting now; returns how many were approved. */
  approveWaiting(period: string, by: string, includeFlagged: boolean): Promise<number>;
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
