import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { addUser, disableUser, listUsers, parseRole, roleText, UserInputError, type ConsoleUser } from '../../web/users';
import { output, table, UsageError, withServices } from '../runtime';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One line: the trailing newline of `echo` or a here-string is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function userJson(u: ConsoleUser) {
  return { email: u.email, name: u.displayName, role: roleText(u.role), disabled: u.disabledAt !== null };
}

/** Bad input from the user store is bad usage: exit 2. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof UserInputError) throw new UsageError(err.message);
    throw err;
  }
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('users of the web console');

  users
    .command('add')
    .description('add a console user (finance, operator, partner:<id>, customer_admin:<id>)')
    .requiredOption('--email <email>', 'login e-mail address')
    .requiredOption('--role <role>', 'finance | operator | partner:<partner_id> | customer_admin:<customer_id>')
    .option('--name <name>', 'display name; for finance the approver name, one of financeApprovers (default: the e-mail)')
    .option('--password-stdin', 'read the password from stdin (otherwise one is generated and printed once)')
    .option('--json', 'print one JSON document')
    .action(
      withServices(async (opts: { email: string; role: string; name?: string; passwordStdin?: boolean; json?: boolean }) => {
        const role = await asUsage(Promise.resolve().then(() => parseRole(opts.role)));
        const generated = opts.passwordStdin ? null : randomBytes(15).toString('base64url');
        const password = generated ?? (await readStdin());
        return async (services) => {
          const user = await asUsage(addUser(services.db, { email: opts.email, role, password, displayName: opts.name, financeApprovers: services.config.financeApprovers }));
          output(!!opts.json, { ...userJson(user), ...(generated ? { generated_password: generated } : {}) }, () =>
            `added ${user.email} (${roleText(user.role)}, ${user.displayName})` + (generated ? `\npassword (shown once): ${generated}` : ''),
          );
        };
      }),
    );

  users
    .command('list')
    .description('console users with their roles')
    .option('--json', 'print one JSON document')
    .action(
      withServices((opts: { json?: boolean }) => async (services) => {
        const all = await listUsers(services.db);
        output(!!opts.json, all.map(userJson), () =>
          all.length === 0 ? 'no console users yet: add one with month-close users add --email E --role ROLE' : table(['email', 'name', 'role', 'status'], all.map((u) => [u.email, u.displayName, roleText(u.role), u.disabledAt ? 'disabled' : 'active'])),
        );
      }),
    );

  users
    .command('disable')
    .description('disable a console user: its sessions stop working at once')
    .argument('<email>', 'the user\'s e-mail address')
    .option('--json', 'print one JSON document')
    .action(
      withServices((email: string, opts: { json?: boolean }) => async (services) => {
        const user = await asUsage(disableUser(services.db, email));
        output(!!opts.json, userJson(user), () => `disabled ${user.email}`);
      }),
    );
}
