import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import type { AppConfig } from '../infra/config';
import type { SmtpSettings } from '../notify/email';

/** What the activities need from the outside world; the worker builds it once. */
export interface ActivityDeps {
  db: Db;
  config: AppConfig;
  smtp: SmtpSettings | null;
  /** For activities that signal other workflows (approve-all). */
  temporal: Client | null;
  /** The issuing clock; tests may pin it. */
  now: () => Date;
}
