import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import type { Endpoints } from '../infra/endpoints';
import { connectClient } from '../client/connect';
import { startConsole } from './server';
import type { DeliveryResender } from '../store/notification-deliveries';
import { addUser, type ConsoleRole } from './users';

// The console as `dev` and `demo --keep` serve it: on port 8080 when it is free (a bookmark
// keeps working), else on any free port; its own Temporal connection, made on first use.

export const LOCAL_CONSOLE_PORT = 8080;

export async function serveLocalConsole(opts: { db: Db; endpoints: Endpoints; config: AppConfig; resendDeliveries?: DeliveryResender | null }): Promise<{ url: string; close(): Promise<void> }> {
  let connected: Awaited<ReturnType<typeof connectClient>> | null = null;
  const client = async (): Promise<Client> => {
    connected ??= await connectClient(opts.endpoints);
    return connected.client;
  };
  const deps = { db: opts.db, client, config: opts.config, uiUrl: opts.endpoints.uiUrl, namespace: opts.endpoints.namespace, resendDeliveries: opts.resendDeliveries ?? null };
  const served = await startConsole({ ...deps, port: LOCAL_CONSOLE_PORT }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return startConsole({ ...deps, port: 0 });
  });
  return {
    url: served.url,
    close: async () => {
      await served.close();
      await connected?.close();
    },
  };
}

/** How a person gets in: the users there are, or the command that adds the first one. */
export async function consoleLoginHint(db: Db, config: AppConfig): Promise<string> {
  const users = Number((await db('console_users').whereNull('disabled_at').count('* as n').first())?.n ?? 0);
  if (users > 0) return `${users} console user(s); 'month-close users list' shows them`;
  return `no console users yet: add one with  npx month-close users add --email you@example.se --role finance --name "${config.financeApprovers[0]}" --password-stdin`;
}

/** Demo logins with fresh random passwords, printed by `demo --keep` (the demo starts clean each time). */
export async function addDemoUsers(db: Db, config: AppConfig): Promise<{ email: string; role: string; password: string }[]> {
  const partner = await db('partners').orderBy('partner_id').first('partner_id');
  const wanted: { email: string; role: ConsoleRole; name?: string }[] = [
    { email: 'finance@demo.invalid', role: { kind: 'finance' }, name: config.financeApprovers[0] },
    { email: 'operator@demo.invalid', role: { kind: 'operator' } },
    ...(partner ? [{ email: 'partner@demo.invalid', role: { kind: 'partner' as const, partnerId: partner.partner_id as string } }] : []),
  ];
  const added: { email: string; role: string; password: string }[] = [];
  for (const w of wanted) {
    const password = randomBytes(12).toString('base64url');
    await addUser(db, { email: w.email, role: w.role, password, displayName: w.name, financeApprovers: config.financeApprovers });
    added.push({ email: w.email, role: w.role.kind === 'partner' ? `partner:${w.role.partnerId}` : w.role.kind, password });
  }
  return added;
}
