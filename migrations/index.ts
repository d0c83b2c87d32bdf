import type { Knex } from 'knex';
import * as schema from './001_schema';
import * as partnerMasterData from './002_partner_master_data';
import * as financeReview from './003_finance_review';
import * as corrections from './004_corrections';
import * as consoleUsers from './005_console_users';
import * as creditApprovals from './006_credit_approvals';
import * as stepKeys from './007_step_keys';
import * as closeFailureType from './008_close_failure_type';
import * as consoleSecurity from './012_console_security';
import * as books from './009_books';
import * as payments from './010_payments';
import * as invoicesByCustomer from './013_invoices_by_customer';
import * as deliveryFailureFacts from './014_delivery_failure_facts';
import * as deliveryResend from './015_delivery_resend';
import * as invoiceBalances from './016_invoice_balances';
import * as paymentReasonCodes from './017_payment_reason_codes';
import * as reviewRefresh from './018_review_refresh';
import * as paymentParts from './019_payment_parts';

// Migrations are listed in code, not discovered on disk, so they load the same way under
// tsx, vitest and a compiled build.
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_schema': schema,
  '002_partner_master_data': partnerMasterData,
  '003_finance_review': financeReview,
  '004_corrections': corrections,
  '005_console_users': consoleUsers,
  '006_credit_approvals': creditApprovals,
  '007_step_keys': stepKeys,
  '008_close_failure_type': closeFailureType,
  '012_console_security': consoleSecurity,
  '009_books': books,
  '010_payments': payments,
  '013_invoices_by_customer': invoicesByCustomer,
  '014_delivery_failure_facts': deliveryFailureFacts,
  '015_delivery_resend': deliveryResend,
  '016_invoice_balances': invoiceBalances,
  '017_payment_reason_codes': paymentReasonCodes,
  '018_review_refresh': reviewRefresh,
  '019_payment_parts': paymentParts,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
