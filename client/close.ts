import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { assertPeriodEnded } from '../billing/period';
import type { ApprovalPolicy } from '../billing/guardrails';
import type { AppConfig } from '../infra/config';
import { BILLING_PERIOD, CUSTOMER_ID, type CustomerCloseInput, type MonthlyCloseInput } from '../contracts/close-messages';
import { closeWorkflowId, monthlyCloseWorkflowId } from '../contracts/workflow-ids';
import type { customerClose, monthlyClose } from '../workflows';

export interface CloseSettings {
  taskQueue: string;
  approvers: string[];
  reminderIntervalMs: number;
  maxConcurrent: number;
  /** What a credit's approval needs (four eyes above the limit), checked before a credit starts. */
  creditPolicy: Pick<ApprovalPolicy, 'version' | 'fourEyesAboveOre'>;
}

export function closeSettings(config: AppConfig): CloseSettings {
  return {
    taskQueue: config.taskQueue,
    approvers: config.financeApprovers,
    reminderIntervalMs: config.reminderIntervalHours * 3_600_000,
    maxConcurrent: config.maxConcurrentCloses,
    creditPolicy: config.approvalPolicy,
  };
}

export type StartOutcome = 'started' | 'already_running';

/**
 * Start one customer's close under its deterministic id; a running one is left alone.
 * A period that has not ended is refused (PeriodError) before anything is started.
 */
export async function startCustomerClose(
  client: Client,
  settings: CloseSettings,
  customerId: string,
  period: string,
  nowMs: number = Date.now(),
): Promise<{ outcome: StartOutcome; handle: WorkflowHandle<typeof customerClose> }> {
  assertPeriodEnded(period, nowMs);
  const workflowId = closeWorkflowId(period, customerId);
  const input: CustomerCloseInput = { customerId, period, approvers: settings.approvers, reminderIntervalMs: settings.reminderIntervalMs, reportTo: null };
  try {
    const handle = await client.workflow.start<typeof customerClose>('customerClose', {
      workflowId,
      taskQueue: settings.taskQueue,
      args: [input],
      // A closed run (final, failed, nothing to bill) may be run again: the workflow itself
      // finds an issued invoice and does not issue another.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: BILLING_PERIOD, value: period },
        { key: CUSTOMER_ID, value: customerId },
      ],
    });
    return { outcome: 'started', handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { outcome: 'already_running', handle: client.workflow.getHandle(workflowId) };
    }
    throw err;
  }
}

/** Start the close of a whole period (all customers due), under the period's own id; an unended period is refused. */
export async function startMonthlyClose(
  client: Client,
  settings: CloseSettings,
  period: string,
  opts: { childrenPerRun?: number; pageSize?: number; nowMs?: number } = {},
): Promise<{ outcome: StartOutcome; handle: WorkflowHandle<typeof monthlyClose> }> {
  const { nowMs = Date.now(), ...sizes } = opts;
  assertPeriodEnded(period, nowMs);
  const workflowId = monthlyCloseWorkflowId(period);
  const input: MonthlyCloseInput = {
    period,
    approvers: settings.approvers,
    reminderIntervalMs: settings.reminderIntervalMs,
    maxConcurrent: settings.maxConcurrent,
    ...sizes,
  };
  try {
    const handle = await client.workflow.start<typeof monthlyClose>('monthlyClose', {
      workflowId,
      taskQueue: settings.taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: BILLING_PERIOD, value: period }],
    });
    return { outcome: 'started', handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'already_running', handle: client.workflow.getHandle(workflowId) };
    throw err;
  }
}
