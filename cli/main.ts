import { Command } from 'commander';
import { registerBooksCommands } from './commands/books';
import { describeFailure } from './errors';
import { registerCloseCommands } from './commands/close';
import { registerDeliveryCommands } from './commands/deliveries';
import { registerDemoCommand } from './commands/demo';
import { registerDraftCommands } from './commands/drafts';
import { registerImportCommands } from './commands/imports';
import { registerInvoiceCommands } from './commands/invoices';
import { registerPaymentCommands } from './commands/payments';
import { registerPeriodCommands } from './commands/period';
import { registerPolicyCommands } from './commands/policy';
import { registerPreviewCommand } from './commands/preview';
import { registerScheduleCommands } from './commands/schedule';
import { registerServiceCommands } from './commands/services';
import { registerTemporalCommands } from './commands/temporal';
import { registerServeCommand } from './commands/serve';
import { registerUserCommands } from './commands/users';

const program = new Command('month-close')
  .description('Durable month-end billing for OneStop Reporting on Temporal and PostgreSQL')
  .showHelpAfterError()
  // Usage errors exit 2, as bad input does.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerDemoCommand(program);
registerServiceCommands(program);
registerImportCommands(program);
registerPreviewCommand(program);
registerCloseCommands(program);
registerDraftCommands(program);
registerPolicyCommands(program);
registerInvoiceCommands(program);
registerDeliveryCommands(program);
registerPaymentCommands(program);
registerPeriodCommands(program);
registerBooksCommands(program);
registerScheduleCommands(program);
registerTemporalCommands(program);
registerServeCommand(program);
registerUserCommands(program);

// A promise nobody awaited that fails (e.g. a connection dropped mid-command) is still one line
// with the reason and the next step, never a stack trace.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`month-close: ${describeFailure(err)}\n`);
  process.exitCode = 1;
});

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`month-close: ${err.message}\n`);
  process.exitCode = 1;
});
