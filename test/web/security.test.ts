import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Db } from '../../infra/db';
import { loadConfig } from '../../infra/config';
import { buildConsole, parseTrustedProxies } from '../../web/server';
import { LOGIN_LIMIT, SESSION } from '../../web/auth';
import { createTestDatabase } from '../support/database';
import { seedCustomer, uid } from '../support/seed';
import { anonymousSession, login, PASSWORD, seedFinalInvoice, seedUser, type Session } from './support';

// The console's security answers over HTTP (fastify.inject): sessions revoked at logout, a login
// lockout that neither reveals accounts nor lets strangers lock one, partner scope by the
// invoice's partner at issue, no internal text for bad ids, safe `next`, headers per scheme.

let db: Db;
let drop: () => Promise<void>;
let connection: Connection;
let app: FastifyInstance;
let clock = Date.now();
const partnerOld = uid('PO');
const partnerNew = uid('PN');
let moved = '';
let movedInvoicePdf = '';

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection, namespace: inject('namespace') });
  moved = await seedCustomer(db, { partner_id: partnerOld, name: 'Flyttad Kund AB' });
  await seedCustomer(db, { partner_id: partnerNew, name: 'Ny Partners Kund AB' });
  movedInvoicePdf = (await seedFinalInvoice(db, moved, '2024-10', { smart: 1 })).pdfSha256;
  // The customer moves to another partner after its October invoice was issued.
  await db('customers').where({ customer_id: moved }).update({ partner_id: partnerNew });
  await seedUser(db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(db, 'gammal@partner.test', `partner:${partnerOld}`);
  await seedUser(db, 'ny@partner.test', `partner:${partnerNew}`);
  app = await buildConsole({ db, client, config: loadConfig(), now: () => clock });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await drop?.();
});

async function postLogin(email: string, password: string, ip = '127.0.0.1', next?: string) {
  const anon = await anonymousSession(app);
  return app.inject({ method: 'POST', url: '/login', remoteAddress: ip, headers: { cookie: anon.cookie }, payload: { email, password, _csrf: anon.csrf, ...(next === undefined ? {} : { next }) } });
}

const get = (s: Session | null, url: string) => app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });

describe('sessions end at logout', () => {
  it('a copied session cookie is dead after POST /logout', async () => {
    const s = await login(app, 'anna@ekonomi.test');
    const copied = s.cookie;
    expect((await get(s, '/customers')).statusCode).toBe(200);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: s.cookie }, payload: { _csrf: s.csrf } });
    expect([out.statusCode, out.headers.location]).toEqual([303, '/login']);
    const replayed = await app.inject({ method: 'GET', url: '/customers', headers: { cookie: copied } });
    expect([replayed.statusCode, replayed.headers.location]).toEqual([303, '/login?next=%2Fcustomers']);
    const api = await app.inject({ method: 'GET', url: `/api/customers/${moved}/preview`, headers: { cookie: copied } });
    expect(api.statusCode).toBe(401);
  });

  it('logging out one session leaves the same user’s other sessions alone', async () => {
    const first = await login(app, 'anna@ekonomi.test');
    const second = await login(app, 'anna@ekonomi.test');
    await app.inject({ method: 'POST', url: '/logout', headers: { cookie: first.cookie }, payload: { _csrf: first.csrf } });
    expect((await get(first, '/customers')).statusCode).toBe(303);
    expect((await get(second, '/customers')).statusCode).toBe(200);
  });

  it('the idle timer and the 8-hour limit still hold, however often the cookie is used', async () => {
    const start = clock;
    try {
      const idle = await login(app, 'anna@ekonomi.test');
      clock += SESSION.idleMs + 1000;
      expect((await get(idle, '/customers')).statusCode).toBe(303);
      clock = start;
      const busy = await login(app, 'anna@ekonomi.test');
      // Used every 20 minutes: never idle, still over after 8 hours.
      while (clock - start < SESSION.maxAgeS * 1000 - 20 * 60_000) {
        clock += 20 * 60_000;
        expect((await get(busy, '/customers')).statusCode).toBe(200);
      }
      clock = start + SESSION.maxAgeS * 1000 + 1000;
      expect((await get(busy, '/customers')).statusCode).toBe(303);
    } finally {
      clock = start;
    }
  });
});

describe('the login lockout', () => {
  async function lockedAnswer(email: string, ip: string): Promise<{ status: number; ms: number }[]> {
    for (let i = 0; i < LOGIN_LIMIT.perAccount; i++) expect((await postLogin(email, `fel-lösenord-${i}`, ip)).statusCode).toBe(401);
    const answers: { status: number; ms: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await postLogin(email, `fel-igen-${i}`, ip);
      answers.push({ status: res.statusCode, ms: performance.now() - t0 });
    }
    return answers;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  it('answers a known and an unknown address the same, in about the same time', async () => {
    await seedUser(db, 'finns@ekonomi.test', 'operator');
    const known = await lockedAnswer('finns@ekonomi.test', '198.51.100.1');
    const unknown = await lockedAnswer('finns-inte@ekonomi.test', '198.51.100.2');
    expect(known.map((a) => a.status)).toEqual(Array(5).fill(429));
    expect(unknown.map((a) => a.status)).toEqual(Array(5).fill(429));
    // Both still pay for a password hash: medians within a factor of 4 on a busy machine
    // (before, about 20 times apart: the known address was refused without hashing).
    const ratio = median(known.map((a) => a.ms)) / median(unknown.map((a) => a.ms));
    expect(ratio).toBeGreaterThan(1 / 4);
    expect(ratio).toBeLessThan(4);
  });

  it('a stranger’s wrong passwords do not lock the owner out from another address', async () => {
    await seedUser(db, 'agare@ekonomi.test', 'finance', 'Bertil Controller');
    const stranger = await lockedAnswer('agare@ekonomi.test', '203.0.113.66');
    expect(stranger.map((a) => a.status)).toEqual(Array(5).fill(429));
    // The stranger's own address stays locked, also with the right password.
    expect((await postLogin('agare@ekonomi.test', PASSWORD, '203.0.113.66')).statusCode).toBe(429);
    const owner = await postLogin('agare@ekonomi.test', PASSWORD, '192.0.2.10');
    expect([owner.statusCode, owner.headers.location]).toEqual([303, '/']);
  });
});

describe('a guess spread over many addresses', () => {
  it('above the limit for an address, only IPs that logged in to it before may try', async () => {
    await seedUser(db, 'spridd@ekonomi.test', 'operator');
    expect((await postLogin('spridd@ekonomi.test', PASSWORD, '192.0.2.77')).statusCode).toBe(303);
    // As a botnet leaves it: failures from many IPs, none of them locked on its own.
    const failures = (email: string) =>
      Array.from({ length: LOGIN_LIMIT.perAddressAllIps }, (_, i) => ({ email, ip: `203.0.113.${100 + (i % 25)}`, outcome: 'bad_password', attempted_at: new Date(clock - 60_000) }));
    await db('console_login_attempts').insert(failures('spridd@ekonomi.test'));
    await db('console_login_attempts').insert(failures('ingen-alls@ekonomi.test'));
    expect((await postLogin('spridd@ekonomi.test', PASSWORD, '198.51.100.200')).statusCode).toBe(429);
    // An address without an account answers the same from a new IP.
    expect((await postLogin('ingen-alls@ekonomi.test', PASSWORD, '198.51.100.200')).statusCode).toBe(429);
    // Where the owner logged in before, the right password still works.
    expect((await postLogin('spridd@ekonomi.test', PASSWORD, '192.0.2.77')).statusCode).toBe(303);
  });
});

describe('behind a configured reverse proxy', () => {
  it('counts failed logins per client the proxy names, and ignores X-Forwarded-For from anyone else', async () => {
    const proxied = await buildConsole({ db, client: () => Promise.reject(new Error('not used')), config: loadConfig(), trustProxy: ['127.0.0.1'] });
    try {
      await seedUser(db, 'bakom@ekonomi.test', 'operator');
      const attempt = async (password: string, remoteAddress: string, forwardedFor: string) => {
        const form = await proxied.inject({ method: 'GET', url: '/login', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
        const cookie = String(form.headers['set-cookie']).split(';')[0];
        const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
        return proxied.inject({ method: 'POST', url: '/login', remoteAddress, headers: { cookie, 'x-forwarded-for': forwardedFor }, payload: { email: 'bakom@ekonomi.test', password, _csrf: csrf } });
      };
      for (let i = 0; i < LOGIN_LIMIT.perAccount; i++) expect((await attempt(`fel-${i}`, '127.0.0.1', '203.0.113.5')).statusCode).toBe(401);
      expect((await attempt(PASSWORD, '127.0.0.1', '203.0.113.5')).statusCode).toBe(429);
      // The owner, through the same proxy from another client address, gets in.
      expect((await attempt(PASSWORD, '127.0.0.1', '192.0.2.44')).statusCode).toBe(303);
      // A peer that is not the proxy cannot pick its address with the header.
      await attempt('fel-igen', '198.51.100.9', '192.0.2.44');
      const last = await db('console_login_attempts').where({ email: 'bakom@ekonomi.test' }).orderBy('id', 'desc').first('ip');
      expect(last.ip).toBe('198.51.100.9');
    } finally {
      await proxied.close();
    }
  });

  it('refuses a proxy address that is not an IP or CIDR range, naming it', () => {
    expect(parseTrustedProxies('10.0.0.5, 10.1.0.0/16, ::1', '--trust-proxy')).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    expect(() => parseTrustedProxies('10.0.0.5,proxy.local', '--trust-proxy')).toThrow("--trust-proxy: 'proxy.local' is not an IP address or CIDR range");
    expect(() => parseTrustedProxies('10.0.0.0/33', 'CONSOLE_TRUST_PROXY')).toThrow('CONSOLE_TRUST_PROXY');
  });
});

describe('partner scope follows the invoice’s partner at issue', () => {
  it('the partner at issue sees the invoice; the customer’s new partner does not', async () => {
    const oldPartner = await login(app, 'gammal@partner.test');
    const newPartner = await login(app, 'ny@partner.test');
    expect((await get(oldPartner, `/documents/${movedInvoicePdf}`)).statusCode).toBe(200);
    expect((await get(newPartner, `/documents/${movedInvoicePdf}`)).statusCode).toBe(404);
    // The new partner sees the customer and its current month, without the old partner's invoice.
    const page = await get(newPartner, `/customers/${moved}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(movedInvoicePdf);
    expect((await get(newPartner, `/api/customers/${moved}/preview`)).statusCode).toBe(200);
    // The old partner finds its invoice through the customer, but not what is billed now.
    const list = await get(oldPartner, '/customers');
    expect(list.body).toContain(moved);
    expect(list.body).not.toContain(partnerNew);
    const former = await get(oldPartner, `/customers/${moved}`);
    expect(former.statusCode).toBe(200);
    expect(former.body).toContain(`/documents/${movedInvoicePdf}`);
    expect(former.body).not.toContain('OneStop Reporting - Smart');
    expect((await get(oldPartner, `/api/customers/${moved}/preview`)).statusCode).toBe(404);
  });
});

describe('bad ids never show internal text', () => {
  // SQL as a query would show it (the pages themselves have <select> filters).
  const internal = /select\s+[\w"*.,\s]+\s+from\b|invalid byte|0x00|syntax|postgres|stack|at .*\.ts:\d+|node_modules|FST_|not a valid url component/i;
  const badIds = ['C0002%00', 'C0002%0A', '%FF', '%C3%28', 'C%E2%82', 'x'.repeat(300), 'abc%'];

  it('answers 400 or 404 as JSON codes on the API', async () => {
    const s = await login(app, 'anna@ekonomi.test');
    for (const id of badIds) {
      for (const url of [`/api/customers/${id}/preview`, `/api/periods/${id}/progress`]) {
        const res = await get(s, url);
        expect(`${url} -> ${res.statusCode}`).toMatch(/ -> 40[04]$/);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).not.toMatch(internal);
        expect(Object.keys(res.json())).toEqual(['error']);
        expect(res.json().error).toMatch(/^[a-z_]+$/);
      }
    }
  });

  it('answers 400 or 404 in Swedish on HTML pages, for every route with an id', async () => {
    const s = await login(app, 'anna@ekonomi.test');
    for (const id of badIds) {
      for (const url of [`/customers/${id}`, `/documents/${id}`, `/finance/periods/${id}`, `/finance/periods/2024-11/drafts/${id}`, `/finance/periods/${id}/queue`, `/finance/periods/${id}/audit`]) {
        const res = await get(s, url);
        expect(`${url.slice(0, 60)} -> ${res.statusCode}`).toMatch(/ -> 40[04]$/);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.body).not.toMatch(internal);
        expect(res.body).toMatch(/finns inte|kunde inte behandlas|kunde inte läsas|Fel period/);
      }
    }
    const post = await app.inject({ method: 'POST', url: '/finance/periods/2024-11/drafts/C0002%00/approve', headers: { cookie: s.cookie }, payload: { _csrf: s.csrf, draft_version: '1' } });
    expect(post.statusCode).toBe(404);
    expect(post.body).not.toMatch(internal);
  });

  it('malformed requests of other kinds are refused without internal text', async () => {
    const s = await login(app, 'anna@ekonomi.test');
    const odd = [
      { method: 'POST' as const, url: '/login', headers: { cookie: s.cookie, 'content-type': 'application/json' }, payload: '{"email":' },
      { method: 'POST' as const, url: '/login', headers: { cookie: s.cookie, 'content-type': 'text/xml' }, payload: '<x/>' },
      { method: 'POST' as const, url: '/login', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=${'a'.repeat(70_000)}` },
      { method: 'GET' as const, url: '/customers?page=%FF%00', headers: { cookie: s.cookie } },
      { method: 'GET' as const, url: `/finance/periods/2024-11/queue?page=${'9'.repeat(400)}`, headers: { cookie: s.cookie } },
      { method: 'GET' as const, url: `/customers?page=${'9'.repeat(400)}`, headers: { cookie: s.cookie } },
      { method: 'GET' as const, url: '/customers?page=-5', headers: { cookie: s.cookie } },
      { method: 'GET' as const, url: '/login?next=%FF', headers: {} },
      { method: 'POST' as const, url: '/api/customers/x/preview', headers: { cookie: s.cookie, 'content-type': 'application/json' }, payload: '{' },
    ];
    for (const req of odd) {
      const res = await app.inject(req);
      expect(`${req.method} ${req.url.slice(0, 50)} -> ${res.statusCode}`).toMatch(/ -> [234]\d\d$/);
      expect(res.body).not.toMatch(internal);
      expect(res.body).not.toMatch(/Unexpected end|Content-Type|Unsupported Media|too large/i);
    }
  });

  it('a bad e-mail address at login is an ordinary refusal', async () => {
    const res = await postLogin('anna\u0000@ekonomi.test', PASSWORD);
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Fel e-postadress eller lösenord');
  });
});

describe('the next page after login', () => {
  const evil = ['/\t/evil.example', '//evil.example', '/\\evil.example', '/\n/evil.example', '/ /evil.example', 'https://evil.example/', '/\u0000x', '/a\r\nSet-Cookie: x=1', '\\\\evil.example'];

  it('follows only same-origin paths', async () => {
    for (const next of evil) {
      const res = await postLogin('anna@ekonomi.test', PASSWORD, '192.0.2.20', next);
      expect(`${JSON.stringify(next)} -> ${res.statusCode} ${res.headers.location}`).toBe(`${JSON.stringify(next)} -> 303 /`);
    }
    const ok = await postLogin('anna@ekonomi.test', PASSWORD, '192.0.2.20', '/customers?page=1');
    expect(ok.headers.location).toBe('/customers?page=1');
  });

  it('the login page does not carry a bad next into its form', async () => {
    const res = await app.inject({ method: 'GET', url: '/login?next=%2F%09%2Fevil.example' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('name="next" value="/"');
  });
});

describe('security headers per scheme', () => {
  it('plain HTTP gets no HSTS and no upgrade-insecure-requests; the cookie is not Secure', async () => {
    const res = await app.inject({ method: 'GET', url: '/login' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(String(res.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
    expect(String(res.headers['content-security-policy'])).toContain("form-action 'self'");
    expect(String(res.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('a console configured for HTTPS sends HSTS, upgrade-insecure-requests and Secure cookies', async () => {
    const https = await buildConsole({ db, client: () => Promise.reject(new Error('not used')), config: loadConfig(), https: true });
    try {
      const res = await https.inject({ method: 'GET', url: '/login' });
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
    } finally {
      await https.close();
    }
  });
});
