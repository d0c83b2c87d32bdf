import { checkFreeText, MAX_PERSON_NAME } from '../infra/free-text';
import type { Db } from '../infra/db';
import { shown } from '../infra/shown';
import { hashPassword, passwordProblem } from './passwords';

// Console users: who they are, what role they hold and whether they may still log in.

export type ConsoleRole =
  | { kind: 'finance' }
  | { kind: 'operator' }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'customer_admin'; customerId: string };

export interface ConsoleUser {
  id: number;
  email: string;
  displayName: string;
  role: ConsoleRole;
  disabledAt: Date | null;
}

/** Bad input to a user command: names the argument and the reason. */
export class UserInputError extends Error {}

export function parseRole(text: string): ConsoleRole {
  const [kind, id, ...rest] = text.trim().split(':');
  if (rest.length === 0) {
    if ((kind === 'finance' || kind === 'operator') && id === undefined) return { kind };
    if (kind === 'partner' && id) return { kind, partnerId: id };
    if (kind === 'customer_admin' && id) return { kind, customerId: id };
  }
  throw new UserInputError(`--role ${shown(text)} is not a role: use finance, operator, partner:<partner_id> or customer_admin:<customer_id>`);
}

export function roleText(role: ConsoleRole): string {
  if (role.kind === 'partner') return `partner:${role.partnerId}`;
  if (role.kind === 'customer_admin') return `customer_admin:${role.customerId}`;
  return role.kind;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface UserRow {
  id: number;
  email: string;
  display_name: string;
  role: string;
  partner_id: string | null;
  customer_id: string | null;
  password_hash: string;
  disabled_at: Date | null;
}

function fromRow(r: UserRow): ConsoleUser {
  const role: ConsoleRole =
    r.role === 'partner' ? { kind: 'partner', partnerId: r.partner_id! }
    : r.role === 'customer_admin' ? { kind: 'customer_admin', customerId: r.customer_id! }
    : { kind: r.role as 'finance' | 'operator' };
  return { id: r.id, email: r.email, displayName: r.display_name, role, disabledAt: r.disabled_at };
}

export async function addUser(
  db: Db,
  u: { email: string; role: ConsoleRole; password: string; displayName?: string; financeApprovers: readonly string[] },
): Promise<ConsoleUser> {
  const email = u.email.trim();
  if (!EMAIL.test(email) || email.length > 254) throw new UserInputError(`--email ${shown(u.email)} is not an e-mail address`);
  const checked = checkFreeText('--name', u.displayName ?? email, MAX_PERSON_NAME);
  if ('problem' in checked) throw new UserInputError(checked.problem);
  const displayName = checked.value;
  const problem = passwordProblem(u.password);
  if (problem) throw new UserInputError(`password: ${problem}`);
  // The workflow accepts decisions only from configured approvers; a finance user decides under its name.
  if (u.role.kind === 'finance' && !u.financeApprovers.includes(displayName)) {
    throw new UserInputError(
      `--name ${shown(displayName)} is not in financeApprovers of the configuration (${u.financeApprovers.map((a) => shown(a)).join(', ')}): a finance user approves under that name; add it there or pick one`,
    );
  }
  if (u.role.kind === 'partner' && !(await db('partners').where({ partner_id: u.role.partnerId }).first())) {
    throw new UserInputError(`--role: no partner ${shown(u.role.partnerId)}; import customers of that partner first`);
  }
  if (u.role.kind === 'customer_admin' && !(await db('customers').where({ customer_id: u.role.customerId }).first())) {
    throw new UserInputError(`--role: no customer ${shown(u.role.customerId)}; import it with 'month-close customers import FILE'`);
  }
  if (await db('console_users').whereRaw('lower(email) = lower(?)', [email]).first()) {
    throw new UserInputError(`--email ${shown(email)} already has a console user (see 'month-close users list')`);
  }
  const [row] = await db('console_users')
    .insert({
      email,
      display_name: displayName,
      role: u.role.kind,
      partner_id: u.role.kind === 'partner' ? u.role.partnerId : null,
      customer_id: u.role.kind === 'customer_admin' ? u.role.customerId : null,
      password_hash: await hashPassword(u.password),
    })
    .returning('*');
  return fromRow(row);
}

export async function listUsers(db: Db): Promise<ConsoleUser[]> {
  return (await db('console_users').orderBy('email')).map(fromRow);
}

/** Disable a user; its sessions stop working at their next request. Idempotent. */
export async function disableUser(db: Db, email: string): Promise<ConsoleUser> {
  const row = await db('console_users').whereRaw('lower(email) = lower(?)', [email.trim()]).first();
  if (!row) throw new UserInputError(`no console user ${shown(email)} (see 'month-close users list')`);
  if (!row.disabled_at) await db('console_users').where({ id: row.id }).update({ disabled_at: db.fn.now() });
  // Its sessions end too (the session check refuses a disabled user anyway; this keeps the record plain).
  await db('console_sessions').where({ user_id: row.id }).whereNull('ended_at').update({ ended_at: db.fn.now() });
  return fromRow(await db('console_users').where({ id: row.id }).first());
}

export async function findUserByEmail(db: Db, email: string): Promise<(ConsoleUser & { passwordHash: string }) | null> {
  const row: UserRow | undefined = await db('console_users').whereRaw('lower(email) = lower(?)', [email.trim()]).first();
  return row ? { ...fromRow(row), passwordHash: row.password_hash } : null;
}

export async function findUserById(db: Db, id: number): Promise<ConsoleUser | null> {
  const row: UserRow | undefined = await db('console_users').where({ id }).first();
  return row ? fromRow(row) : null;
}
