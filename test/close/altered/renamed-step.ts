import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

// Workflow interceptors that rename one of customerClose's steps (awaitFinanceAndNotify) as it
// is scheduled: the bundle of this commit with one command changed in the middle of the close.
// replay.test.ts shows that the recorded histories catch such a change.

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleLocalActivity: (input, next) => next(input.activityType === 'awaitFinanceAndNotify' ? { ...input, activityType: 'recordAwaitingApproval' } : input),
    },
  ],
});
