import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, startWebhookCatcher, type Catcher } from '../../devenv/catchers';
import { sendEmail } from '../../notify/email';
import { DeliveryError } from '../../notify/errors';
import { waitFor } from '../support/wait';

// The local catchers run inside `month-close dev` next to Temporal and PostgreSQL: a client
// that misbehaves must be logged and answered, never take the process down.

let dir: string;
let mail: Catcher;
let hooks: Catcher & { url: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-catchers-'));
  mail = await startMailCatcher(path.join(dir, 'mail'));
  hooks = await startWebhookCatcher(path.join(dir, 'hooks'));
});
afterAll(async () => {
  await mail?.close();
  await hooks?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A raw SMTP client: sends each of `steps` after the previous reply (so the server has taken
 * MAIL FROM), then sends `last` and resets the connection with that reply unread.
 */
function resetMidTransaction(port: number, steps: string[], last: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const queue = [...steps];
    let buffered = '';
    socket.on('error', () => undefined); // ours is the reset
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      // A complete reply ends with a line "NNN text" (no dash after the code).
      if (!/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(buffered)) return;
      buffered = '';
      const next = queue.shift();
      if (next !== undefined) return void socket.write(`${next}\r\n`);
      socket.write(`${last}\r\n`, () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
    socket.once('close', () => resolve());
    setTimeout(() => reject(new Error('the SMTP exchange did not finish')), 20_000).unref();
  });
}

async function sendGood(subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mail.port, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'faktura@example.se', to: 'anna@example.se', subject, text: 'hej' });
  transport.close();
}

describe('mail catcher', () => {
  it('survives clients reset mid-transaction and malformed commands, and still accepts mail', async () => {
    await sendGood('before');
    expect(mail.count()).toBe(1);

    await resetMidTransaction(mail.port, ['EHLO drill.example', 'MAIL FROM:<a@example.se>'], 'RCPT TO:<b@example.se>');
    await resetMidTransaction(mail.port, ['EHLO drill.example', 'MAIL FROM:<a@example.se>', 'RCPT TO:<b@example.se>'], 'DATA');
    await resetMidTransaction(mail.port, ['EHLO drill.example', 'MAIL FROM:<a@example.se>', 'RCPT TO:<b@example.se>', 'DATA'], 'Subject: half');
    // Malformed commands get an error reply, and the connection goes on.
    await resetMidTransaction(mail.port, ['HELO', 'MAIL FROM:<<<>>>', 'garbage \u00ff', 'RCPT TO:'], 'QUIT');
    await waitFor(() => mail.problems() >= 1, 20_000, 'the catcher to notice a reset client');

    await sendGood('after');
    expect(mail.count()).toBe(2);
    const files = fs.readdirSync(path.join(dir, 'mail')).sort();
    expect(files).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, 'mail', files[1]), 'utf8')).toContain('Subject: after');
  });

  it('refuses a recipient in the reserved domain .invalid with 550, for good, as a real server refuses an unknown mailbox', async () => {
    const before = mail.count();
    const settings = { host: '127.0.0.1', port: mail.port, secure: false, from: 'faktura@example.se' };
    const err = await sendEmail(settings, { to: 'faktura@kund.invalid', subject: 'studsar', text: 'hej', attachments: [], idempotencyKey: 'catcher-invalid' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).permanent).toBe(true);
    expect((err as DeliveryError).message).toContain('550');
    expect(mail.count()).toBe(before);
    await sendGood('still accepted');
    expect(mail.count()).toBe(before + 1);
  });
});

describe('webhook catcher', () => {
  it('stores a body that is not JSON raw, answers 400, and still accepts a good webhook', async () => {
    const bad = await fetch(hooks.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'not json {' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not JSON/);

    // A client that sends half a request and resets.
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(new URL(hooks.url).port), '127.0.0.1', () => {
        socket.write('POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"half":', () => {
          socket.resetAndDestroy();
          resolve();
        });
      });
      socket.on('error', () => undefined);
    });
    // Malformed HTTP.
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(new URL(hooks.url).port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('error', () => undefined);
      socket.on('data', (d) => expect(d.toString()).toMatch(/^HTTP\/1.1 400/));
      socket.on('close', () => resolve());
    });

    const good = await fetch(hooks.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ event: 'invoice_final' }) });
    expect(good.status).toBe(204);
    expect(hooks.count()).toBe(1);

    const records = fs
      .readdirSync(path.join(dir, 'hooks'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'hooks', f), 'utf8')));
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ body: null, raw: 'not json {' });
    expect(records[1]).toMatchObject({ body: { event: 'invoice_final' } });
    expect(hooks.problems()).toBeGreaterThanOrEqual(2);
  });
});

describe('a catcher started again on the same folder', () => {
  it('adds to what is on disk: no message or webhook from before the restart is overwritten', async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-catchers-again-'));
    const send = async (port: number, subject: string) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      await transport.sendMail({ from: 'faktura@example.se', to: 'anna@example.se', subject, text: 'hej' });
      transport.close();
    };
    const post = (url: string, n: number) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n }) });
    try {
      for (const round of [1, 2]) {
        const m = await startMailCatcher(path.join(again, 'mail'));
        const h = await startWebhookCatcher(path.join(again, 'hooks'));
        await send(m.port, `round ${round} a`);
        await send(m.port, `round ${round} b`);
        expect((await post(h.url, round)).status).toBe(204);
        await m.close();
        await h.close();
      }
      const mails = fs.readdirSync(path.join(again, 'mail')).sort();
      expect(mails.map((f) => f.slice(0, 5))).toEqual(['00001', '00002', '00003', '00004']);
      const subjects = mails.map((f) => /Subject: (.*)/.exec(fs.readFileSync(path.join(again, 'mail', f), 'utf8'))![1]!.trim());
      expect(subjects).toEqual(['round 1 a', 'round 1 b', 'round 2 a', 'round 2 b']);
      const hooks = fs.readdirSync(path.join(again, 'hooks')).sort();
      expect(hooks.map((f) => JSON.parse(fs.readFileSync(path.join(again, 'hooks', f), 'utf8')).body.n)).toEqual([1, 2]);
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });
});
