// The worker's workflow bundle: every workflow type, and nothing with side effects.
export { customerClose } from './customer-close';
export { monthlyClose } from './monthly-close';
export { scheduledMonthlyClose } from './scheduled-close';
export { creditNote } from './credit-note';
export { paymentReminder } from './payment-reminder';
