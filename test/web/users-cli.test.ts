import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../infra/db';
import { createTestDatabase } from '../support/database';
import { seedCustomer } from '../support/seed';
import { addUser, parseRole } from '../../web/users';

const APPROVERS = ['Anna Ekonom', 'Bertil Controller'];

// `month-close users add|list|disable` and `serve` as a user runs them.

const BIN = path.resolve(__dirname, '../../bin/month-close.js');
let db: Db;
let drop: () => Promise<void>;
let env: NodeJS.ProcessEnv;
let customerId: string;

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

beforeAll(async () => {
  const t = await createTestDatabase();
  db = t.db;
  drop = t.drop;
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
  customerId = await seedCustomer(db, { partner_id: 'P-CLI' });
});
afterAll(async () => drop?.());

// Each command is a Node process with tsx (seconds each on a loaded machine): few, in parallel,
// with room in the timeout; the validation messages themselves are checked in-process.
const SLOW = 240_000;

describe('month-close users', () => {
  it('adds users of every role with a password from stdin, lists and disables them', async () => {
    const secret = 'ett-långt-lösenord-för-test';
    const add = (email: string, role: string, extra: string[] = []) => run(['users', 'add', '--email', email, '--role', role, '--password-stdin', '--json', ...extra], `${secret}\n`);
    const added = await Promise.all([
      add('anna@ekonomi.test', 'finance', ['--name', 'Anna Ekonom']),
      add('olle@drift.test', 'operator'),
      add('pia@partner.test', 'partner:P-CLI'),
      add('ada@kund.test', `customer_admin:${customerId}`),
    ]);
    expect(added.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(added.map((r) => r.stdout + r.stderr).join('')).not.toContain(secret);

    const list = await run(['users', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([
      { email: 'ada@kund.test', name: 'ada@kund.test', role: `customer_admin:${customerId}`, disabled: false },
      { email: 'anna@ekonomi.test', name: 'Anna Ekonom', role: 'finance', disabled: false },
      { email: 'olle@drift.test', name: 'olle@drift.test', role: 'operator', disabled: false },
      { email: 'pia@partner.test', name: 'pia@partner.test', role: 'partner:P-CLI', disabled: false },
    ]);
    const disable = await run(['users', 'disable', 'OLLE@drift.test']);
    expect(disable.code).toBe(0);
    expect((await db('console_users').where({ email: 'olle@drift.test' }).first()).disabled_at).not.toBeNull();
    const hash = (await db('console_users').where({ email: 'anna@ekonomi.test' }).first()).password_hash as string;
    expect(hash.startsWith('scrypt$')).toBe(true);
    expect(hash).not.toContain(secret);
  }, SLOW);

  it('generates a password, shown once, when none comes on stdin', async () => {
    const r = await run(['users', 'add', '--email', 'gen@drift.test', '--role', 'operator', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).generated_password).toMatch(/^[\w-]{20}$/);
  }, SLOW);

  it('refuses bad input with a message that names it, adding nothing', async () => {
    await addUser(db, { email: 'anna2@ekonomi.test', role: parseRole('operator'), password: 'långt-nog-lösenord', financeApprovers: APPROVERS });
    const before = await db('console_users').count<{ count: string }[]>('* as count');
    const cases: [string, string, string | undefined, string, RegExp][] = [
      ['x@y.test', 'admin', undefined, 'långt-nog-lösenord', /--role 'admin' is not a role/],
      ['x@y.test', 'partner:NOPE', undefined, 'långt-nog-lösenord', /--role: no partner 'NOPE'/],
      ['x@y.test', 'customer_admin:NOPE', undefined, 'långt-nog-lösenord', /--role: no customer 'NOPE'/],
      ['x@y.test', 'finance', 'Okänd Person', 'långt-nog-lösenord', /--name 'Okänd Person' is not in financeApprovers/],
      ['inte-en-adress', 'operator', undefined, 'långt-nog-lösenord', /--email 'inte-en-adress' is not an e-mail address/],
      ['x@y.test', 'operator', undefined, 'kort', /password: the password has 4 characters; use at least 12/],
      ['ANNA2@ekonomi.test', 'operator', undefined, 'långt-nog-lösenord', /already has a console user/],
    ];
    for (const [email, role, name, password, message] of cases) {
      const attempt = Promise.resolve().then(() => addUser(db, { email, role: parseRole(role), displayName: name, password, financeApprovers: APPROVERS }));
      await expect(attempt).rejects.toThrow(message);
    }
    expect(await db('console_users').count<{ count: string }[]>('* as count')).toEqual(before);
  });

  it('the command line answers bad input with exit 2 and the message', async () => {
    const [role, disable] = await Promise.all([
      run(['users', 'add', '--email', 'x@y.test', '--role', 'partner:NOPE', '--password-stdin'], 'långt-nog-lösenord'),
      run(['users', 'disable', 'nobody@x.test']),
    ]);
    expect([role.code, role.stderr.trim()]).toEqual([2, "month-close: --role: no partner 'NOPE'; import customers of that partner first"]);
    expect([disable.code, disable.stderr.trim()]).toEqual([2, "month-close: no console user 'nobody@x.test' (see 'month-close users list')"]);
  }, SLOW);
});

describe('month-close serve', () => {
  /** Start `serve` with the given arguments; resolves with its Console URL and a stop(). */
  async function serve(args: string[]): Promise<{ url: string; stop(): Promise<unknown> }> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /^Console\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code} before printing its Console line`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return { url, stop: () => (child.kill('SIGTERM'), exited) };
  }

  it('prints the Console line and serves the login page until stopped', async () => {
    const served = await serve([]);
    const login = await fetch(`${served.url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('name="_csrf"');
    // Plain HTTP by default: nothing that would send the browser to https://.
    expect(login.headers.get('strict-transport-security')).toBeNull();
    expect(login.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    const anonymous = await fetch(`${served.url}/finance`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([303, '/login?next=%2Ffinance']);
    expect(await served.stop()).toBe(0);
  }, SLOW);

  it('--https sends HSTS, upgrade-insecure-requests and a Secure cookie', async () => {
    const served = await serve(['--https', '--trust-proxy', '127.0.0.1']);
    const login = await fetch(`${served.url}/login`);
    expect(login.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(login.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    expect(login.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(await served.stop()).toBe(0);
  }, SLOW);

  it('refuses a --trust-proxy that is not an address with exit 2', async () => {
    const r = await run(['serve', '--trust-proxy', 'proxy.local']);
    expect([r.code, r.stderr.trim()]).toEqual([2, "month-close: --trust-proxy: 'proxy.local' is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8)"]);
  }, SLOW);

  it('refuses a bad --port with exit 2', async () => {
    const r = await run(['serve', '--port', 'http']);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'month-close: --port http is not a port number (0-65535)']);
  }, SLOW);
});
