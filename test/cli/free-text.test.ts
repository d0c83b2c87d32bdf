import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli-runner';
import { checkFreeText } from '../../infra/free-text';

// Issue 19, problem 2: free-text arguments are checked as imports check text. These are refused
// while the arguments are read, before any service is contacted (no DATABASE_URL is needed).

const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', LOG_LEVEL: 'warn' };
const run = (args: string[]) => runCli(args, env);

function expectRefused(r: CliResult, mentions: RegExp): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
  expect(r.stderr).toMatch(mentions);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('free text on the command line', () => {
  it('a credit reason with a line break or a bell is refused naming --reason, the character and where', async () => {
    expectRefused(await run(['invoices', 'credit', 'F10396', '--by', 'Olle', '--lines', 'smart=1', '--reason', 'line1\nline2\x07bell']), /--reason contains a line break \(U\+000A\) at character 6/);
    expectRefused(await run(['invoices', 'credit', 'F10396', '--by', 'Olle', '--reason', 'ok\x07bell']), /--reason contains the control character U\+0007 at character 3/);
    expectRefused(await run(['invoices', 'credit', 'F10396', '--by', 'Olle', '--reason', 'x'.repeat(501)]), /--reason is 501 characters long: at most 500/);
  }, 300_000);

  it('names given with --by, reject reasons and console user names are checked the same way', async () => {
    expectRefused(await run(['invoices', 'credit', 'F10396', '--by', 'Olle\tOperatör', '--reason', 'fel']), /--by contains a tab \(U\+0009\) at character 5/);
    expectRefused(await run(['invoices', 'credit-approve', 'credit-F10396-0123456789ab', '--by', 'Anna\u2028Ekonom']), /--by contains a line break \(U\+2028\)/);
    expectRefused(await run(['drafts', 'reject', '--period', '2024-11', '--customer', 'C1', '--by', 'Anna Ekonom', '--reason', 'a\u0085b']), /--reason contains the control character U\+0085/);
    expectRefused(await run(['drafts', 'recompute', '--period', '2024-11', '--customer', 'C1', '--by', 'x'.repeat(201)]), /--by is 201 characters long: at most 200/);
    expect(checkFreeText('--name', 'Anna\rEkonom', 200)).toEqual({ problem: '--name contains a line break (U+000D) at character 5: it must be one line of text without control characters' });
    expect(checkFreeText('--name', '  Åsa Öberg 👩‍💼 ', 200)).toEqual({ value: 'Åsa Öberg 👩‍💼' });
  }, 300_000);
});
