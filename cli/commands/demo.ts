import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo';
import { outDirRefusal, shownOut } from '../../demo/out-dir';
import { openDeliveryResender } from '../../worker/delivery-resend';
import { command, output, UsageError } from '../runtime';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job on embedded services: seed a demo tenant set, close the previous month, approve, write PDFs under out/ (MONTH_CLOSE_OUT_DIR)')
    .option('--customers <n>', 'how many demo customers', '200')
    .option('--keep', 'keep the services (and the Temporal UI) running after the summary, until Ctrl-C')
    .option('--json', 'print the result as one JSON document at the end')
    .action(
      command(async (opts: { customers: string; keep?: boolean; json?: boolean }) => {
        const customers = Number(opts.customers);
        if (!Number.isInteger(customers) || customers < 10 || customers > 20_000) throw new UsageError(`--customers ${opts.customers}: a whole number from 10 to 20000`);
        const refusal = outDirRefusal();
        if (refusal) throw new UsageError(refusal);
        const result = await runDemo({ customers, keep: !!opts.keep, say: (line) => process.stderr.write(`${line}\n`), deliveryResender: openDeliveryResender });
        output(!!opts.json, result, () => `demo done: ${result.pdfs} invoices for ${result.period} in ${shownOut('invoices')}`);
        return result.pdfs > 0 ? 0 : 1;
      }),
    );
}
