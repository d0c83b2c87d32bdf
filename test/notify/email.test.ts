import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSmtpPools, emailMessageId, sendEmail, smtpSettingsFromEnv, type EmailMessage, type SmtpSettings } from '../../notify/email';
import { DeliveryError } from '../../notify/errors';
import { invoiceFinalEmail } from '../../notify/messages';
import { closedPort, startSilentPeer, startSmtpPeer, type SmtpPeer } from './test-peers';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  closeSmtpPools(); // else each peer's close() waits for the idle pooled connection
  while (cleanup.length) await cleanup.pop()!();
});

async function peer(opts?: Parameters<typeof startSmtpPeer>[0]): Promise<SmtpPeer> {
  const p = await startSmtpPeer(opts);
  cleanup.push(() => p.close());
  return p;
}

function settingsFor(port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: '127.0.0.1', port, secure: false, from: 'Faktura <faktura@seller.example>', timeoutMs: 2000, ...extra };
}

function message(extra: Partial<EmailMessage> = {}): EmailMessage {
  const { subject, text } = invoiceFinalEmail({
    sellerName: 'Säljbolaget AB',
    customerName: 'Kund Åkesson AB',
    partnerName: 'Ekonomipartner i Väst AB',
    invoiceNumber: '1001',
    period: '2024-11',
    totalText: '12 345 kr',
    dueDate: '2024-12-30',
    ocr: '10010000012',
    bankgiro: '123-4567',
  });
  return {
    to: 'admin@customer.example',
    subject,
    text,
    attachments: [{ filename: 'Faktura-1001.pdf', content: fakePdf, contentType: 'application/pdf' }],
    idempotencyKey: 'invoice:42/subscriber:7/invoice_final',
    ...extra,
  };
}

// Binary content with every byte value, so any re-encoding damage shows.
const fakePdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096), Buffer.from([0, 13, 10, 255])]);

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => expect.unreachable('expected the send to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('sendEmail', () => {
  it('delivers text and PDF attachment intact, with idempotency headers', async () => {
    const smtp = await peer();
    const msg = message();

    const receipt = await sendEmail(settingsFor(smtp.port), msg);

    expect(receipt.messageId).toBe(emailMessageId(msg.idempotencyKey));
    expect(receipt.response).toMatch(/^250 /);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail.envelope).toEqual({ from: 'faktura@seller.example', to: ['admin@customer.example'] });
    expect(mail.to).toBe('admin@customer.example');
    expect(mail.subject).toBe('Faktura 1001 från Säljbolaget AB – OneStop Reporting 2024-11');
    expect(mail.messageId).toBe(receipt.messageId);
    expect(mail.headers['x-idempotency-key']).toBe(msg.idempotencyKey);
    expect(mail.text).toContain('OCR-nummer: 10010000012');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0].filename).toBe('Faktura-1001.pdf');
    expect(mail.attachments[0].contentType).toBe('application/pdf');
    expect(mail.attachments[0].content.equals(fakePdf)).toBe(true);
  });

  it('keeps several attachments apart, including non-ASCII file names', async () => {
    const smtp = await peer();
    const csv = Buffer.from('artikel;antal\nsmart;1\n', 'utf8');
    await sendEmail(
      settingsFor(smtp.port),
      message({
        attachments: [
          { filename: 'Fakturaunderlag Åkesson 2024-11.pdf', content: fakePdf, contentType: 'application/pdf' },
          { filename: 'rader.csv', content: csv, contentType: 'text/csv' },
        ],
      }),
    );
    const [pdf, rows] = smtp.messages[0].attachments;
    expect(pdf.filename).toBe('Fakturaunderlag Åkesson 2024-11.pdf');
    expect(pdf.content.equals(fakePdf)).toBe(true);
    expect(rows).toMatchObject({ filename: 'rader.csv', contentType: 'text/csv' });
    expect(rows.content.equals(csv)).toBe(true);
  });

  it('uses the same Message-ID for the same idempotency key, a different one otherwise', async () => {
    const smtp = await peer();
    await sendEmail(settingsFor(smtp.port), message());
    await sendEmail(settingsFor(smtp.port), message());
    await sendEmail(settingsFor(smtp.port), message({ idempotencyKey: 'invoice:42/subscriber:8/invoice_final' }));

    const ids = smtp.messages.map((m) => m.messageId);
    expect(ids[0]).toMatch(/^<[0-9a-f]{32}@month-close>$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('sends messages one after another over one connection, not one session each', async () => {
    const smtp = await peer();
    for (let i = 0; i < 3; i++) await sendEmail(settingsFor(smtp.port), message({ idempotencyKey: `invoice:${i}/subscriber:7/invoice_final` }));
    expect(smtp.messages).toHaveLength(3);
    expect(smtp.connections()).toBe(1);
  });

  it('never re-sends by itself when the connection drops before the reply; the retry is the caller\'s, on a fresh connection', async () => {
    const smtp = await peer({ dropAfterData: 1 });
    const err = await failure(sendEmail(settingsFor(smtp.port), message()));
    expect(err.permanent).toBe(false);
    // The server has it once; the client did not quietly send it again.
    expect(smtp.messages).toHaveLength(1);

    await sendEmail(settingsFor(smtp.port), message());
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[1].messageId).toBe(smtp.messages[0].messageId);
    expect(smtp.connections()).toBe(2);
  });

  it('logs in when credentials are given', async () => {
    const smtp = await peer({ auth: { user: 'mc', password: 's3cret' } });
    await sendEmail(settingsFor(smtp.port, { user: 'mc', password: 's3cret' }), message());
    expect(smtp.messages[0].authUser).toBe('mc');
  });

  it('reports a temporary refusal (451) as retryable, and a retry then succeeds', async () => {
    const smtp = await peer({ failFirst: 1, failCode: 451 });

    const err = await failure(sendEmail(settingsFor(smtp.port), message()));
    expect(err.permanent).toBe(false);
    expect(err.channel).toBe('email');
    expect(err.detail.responseCode).toBe(451);
    expect(err.message).toMatch(/retry/i);

    await sendEmail(settingsFor(smtp.port), message());
    expect(smtp.messages).toHaveLength(1);
  });

  it('reports a refusing server (421 until it recovers) as retryable', async () => {
    const smtp = await peer();
    smtp.refuse(true);
    const err = await failure(sendEmail(settingsFor(smtp.port), message()));
    expect(err.permanent).toBe(false);
    expect(err.detail.responseCode).toBe(421);

    smtp.refuse(false);
    await sendEmail(settingsFor(smtp.port), message());
    expect(smtp.messages).toHaveLength(1);
  });

  it('reports 550 mailbox unavailable as permanent', async () => {
    const smtp = await peer({ failFirst: 1, failCode: 550 });
    const err = await failure(sendEmail(settingsFor(smtp.port), message()));
    expect(err.permanent).toBe(true);
    expect(err.detail).toMatchObject({ responseCode: 550, command: 'RCPT TO' });
    expect(err.message).toMatch(/do not retry/i);
    expect(smtp.messages).toHaveLength(0);
  });

  it('reports 553 bad address as permanent', async () => {
    const smtp = await peer({ failFirst: 1, failCode: 553 });
    const err = await failure(sendEmail(settingsFor(smtp.port), message()));
    expect(err.permanent).toBe(true);
    expect(err.detail.responseCode).toBe(553);
  });

  it('reports a refused login as retryable (our configuration, not this delivery)', async () => {
    const smtp = await peer({ auth: { user: 'mc', password: 's3cret' } });
    const err = await failure(sendEmail(settingsFor(smtp.port, { user: 'mc', password: 'wrong' }), message()));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('SMTP_PASSWORD');
  });

  it('reports connection refused as retryable', async () => {
    const port = await closedPort();
    const err = await failure(sendEmail(settingsFor(port), message()));
    expect(err.permanent).toBe(false);
    expect(err.detail.code).toBe('ECONNREFUSED');
  });

  it('reports a server that never greets as retryable after timeoutMs', async () => {
    const silent = await startSilentPeer();
    cleanup.push(() => silent.close());
    // No stopwatch: without timeoutMs the call would hang until the test's own timeout fails it.
    const err = await failure(sendEmail(settingsFor(silent.port, { timeoutMs: 200 }), message()));
    expect(err.permanent).toBe(false);
    expect(err.detail.code).toBe('ETIMEDOUT');
  });
});

describe('smtpSettingsFromEnv', () => {
  it('is null without SMTP_HOST', () => {
    expect(smtpSettingsFromEnv({})).toBeNull();
    expect(smtpSettingsFromEnv({ SMTP_HOST: '  ' })).toBeNull();
  });

  it('reads all variables', () => {
    expect(
      smtpSettingsFromEnv({
        SMTP_HOST: 'smtp.example.se',
        SMTP_PORT: '2525',
        SMTP_SECURE: 'false',
        SMTP_USER: 'mc',
        SMTP_PASSWORD: 'pw',
        SMTP_FROM: 'Faktura <faktura@example.se>',
      }),
    ).toEqual({
      host: 'smtp.example.se',
      port: 2525,
      secure: false,
      user: 'mc',
      password: 'pw',
      from: 'Faktura <faktura@example.se>',
    });
  });

  it('defaults port and secure from each other', () => {
    const base = { SMTP_HOST: 'h', SMTP_FROM: 'f@example.se' };
    expect(smtpSettingsFromEnv(base)).toMatchObject({ port: 587, secure: false });
    expect(smtpSettingsFromEnv({ ...base, SMTP_PORT: '465' })).toMatchObject({ port: 465, secure: true });
    expect(smtpSettingsFromEnv({ ...base, SMTP_SECURE: 'true' })).toMatchObject({ port: 465, secure: true });
  });

  it('refuses a half-done configuration', () => {
    const base = { SMTP_HOST: 'h', SMTP_FROM: 'f@example.se' };
    expect(() => smtpSettingsFromEnv({ SMTP_HOST: 'h' })).toThrow(/SMTP_FROM/);
    expect(() => smtpSettingsFromEnv({ ...base, SMTP_PORT: 'abc' })).toThrow(/SMTP_PORT/);
    expect(() => smtpSettingsFromEnv({ ...base, SMTP_SECURE: 'maybe' })).toThrow(/SMTP_SECURE/);
    expect(() => smtpSettingsFromEnv({ ...base, SMTP_USER: 'u' })).toThrow(/SMTP_PASSWORD/);
  });
});
