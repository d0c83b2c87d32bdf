import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { logger as appLogger, type Logger } from './logger';

// The Temporal SDK's own logs (worker, workflows, core) go through the project's pino logger:
// JSON lines on stderr like everything else. A business failure is an expected outcome, not
// a warning with a stack: one info line with what failed and why (the reasons name the fix).
// Stacks of business failures show only at LOG_LEVEL=debug; any other error keeps its stack,
// as that is a bug or an outage someone must look into.

/**
 * How to log a failure the SDK reports: `outcome`, one line without a stack; `repeat`, a
 * failure another line already tells (an activity's, repeated by the workflow it fails): debug
 * only; `error`, everything else, with its stack.
 */
export type FailureClass = 'outcome' | 'repeat' | 'error';

export interface FailureFacts {
  /** The ApplicationFailure's type; lost when it comes from a workflow thread as a plain copy. */
  type?: string;
  message: string;
  nonRetryable: boolean;
  /** An ApplicationFailure, judged by its stack when the copy has lost the rest. */
  applicationFailure: boolean;
  /** The workflow it happened in, and the activity if an activity reports it. */
  workflowType?: string;
  activityType?: string;
}

/**
 * Warnings the SDK's core gives for what is normal here, not a fault: a customer close runs a
 * whole phase of local steps in one workflow task, which may take over 5 s under load
 * (TMPRL1104), and a local step that finishes after its task was handed to another worker is
 * dropped on purpose (its work is idempotent and done again there). Debug only.
 */
const EXPECTED_SDK_WARNINGS = [/^\[TMPRL1104\] .*Workflow task duration exceeded/, /^Tried to complete untracked local activity/];

export function isExpectedSdkWarning(message: string): boolean {
  return EXPECTED_SDK_WARNINGS.some((pattern) => pattern.test(message));
}

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export class SdkLogAdapter implements SdkLogger {
  private readonly verbose: boolean;

  constructor(
    private readonly classify: (failure: FailureFacts) => FailureClass,
    private readonly out: Logger = appLogger,
    /** The SDK's own messages below this level are dropped unless LOG_LEVEL=debug. */
    private readonly threshold: LogLevel = 'WARN',
  ) {
    this.verbose = out.isLevelEnabled('debug');
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, ...rest } = meta as LogMetadata & { error?: unknown };
    const context = pick(rest);
    const failure = facts(error, rest);
    const kind = failure ? this.classify(failure) : 'error';
    if (failure && kind !== 'error' && !this.verbose) {
      if (kind === 'outcome') this.out.info(failure.type ? { ...context, failure: failure.type } : context, failure.message);
      return;
    }
    if ((RANK[level] < RANK[this.threshold] || (level === 'WARN' && isExpectedSdkWarning(message))) && !this.verbose) return;
    this.out[PINO_LEVEL[level]](error === undefined ? context : { ...context, err: error }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** An error as the SDK hands it over: a failure instance, or a plain copy from a workflow thread. */
function facts(error: unknown, context: Record<string, unknown>): FailureFacts | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as { name?: unknown; type?: unknown; message?: unknown; nonRetryable?: unknown; stack?: unknown };
  return {
    type: typeof e.type === 'string' ? e.type : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
    nonRetryable: e.nonRetryable === true,
    applicationFailure: e.name === 'ApplicationFailure' || (typeof e.stack === 'string' && e.stack.startsWith('ApplicationFailure:')),
    workflowType: typeof context.workflowType === 'string' ? context.workflowType : undefined,
    activityType: typeof context.activityType === 'string' ? context.activityType : undefined,
  };
}

/** The SDK's context fields worth a log line (which workflow or activity), not the bulky ones. */
function pick(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['sdkComponent', 'workflowType', 'workflowId', 'activityType', 'attempt', 'taskQueue']) {
    if (meta[key] !== undefined) out[key] = meta[key];
  }
  return out;
}
