import type { Command } from 'commander';
import { formatSek } from '../../billing';
import { loadConfig } from '../../infra/config';
import { command, output } from '../runtime';

// `policy show`: the approval policy in force, from the configuration.

export function registerPolicyCommands(program: Command): void {
  program
    .command('policy')
    .description('the approval policy of drafts')
    .command('show')
    .description('the approval policy in force')
    .option('--json', 'print one JSON document')
    .action(
      command(async (opts: { json?: boolean }) => {
        const p = loadConfig().approvalPolicy;
        output(!!opts.json, p, () =>
          [
            `Approval policy ${p.version}`,
            p.autoApprove.enabled
              ? `  auto-approve    unflagged drafts within ±${p.autoApprove.maxChangePct} % and ±${formatSek(p.autoApprove.maxChangeOre)} of the previous final invoice`
              : '  auto-approve    off: every draft needs a person',
            `  flag a change   above ${p.flagChange.minChangePct} % and above ${formatSek(p.flagChange.minChangeOre)}`,
            `  four eyes       totals above ${formatSek(p.fourEyesAboveOre)} incl. moms need two different approvers`,
            `  escalation      a draft waiting over ${p.escalateAfterHours} h is escalated once to role finance_escalation`,
            '  approve --all   only unflagged drafts; flagged ones need their own approval or --include-flagged',
          ].join('\n'),
        );
      }),
    );
}
