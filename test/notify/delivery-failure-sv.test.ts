import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSmtpPools, sendEmail, type EmailMessage, type SmtpSettings } from '../../notify/email';
import { DeliveryError } from '../../notify/errors';
import { postWebhook } from '../../notify/webhook';
import { deliveryFailureSv } from '../../web/delivery-failure-sv';
import { closedPort, startSilentPeer, startSmtpPeer, startWebhookPeer } from './test-peers';

// Each class of failed delivery from the error nodemailer or fetch really throws (against the
// in-process SMTP server and webhook receiver, refusing, hanging or closing), classified as
// data with its facts and said in Swedish with the next step: never the English text.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  closeSmtpPools();
  while (cleanup.length) await cleanup.pop()!();
});

const ENGLISH = /\b(the|refused|did not|could not|retry|answered|mailbox|unavailable|not found|gone|error|try again)\b/i;
const message: EmailMessage = { to: 'ekonomi@kund.example', subject: 'Faktura', text: 'Hej', attachments: [], idempotencyKey: 'invoice:1/subscriber:1/invoice_final' };
const event = { idempotencyKey: 'invoice:1/subscriber:2/invoice_final', type: 'invoice.final', payload: { number: 'F10001' } };
const smtpAt = (port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings => ({ host: '127.0.0.1', port, secure: false, from: 'faktura@säljare.example', timeoutMs: 2000, ...extra });

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => expect.unreachable('expected the attempt to fail'), (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** The Swedish text of an error, checked to carry no English sentence and no raw message. */
function swedish(err: DeliveryError): string {
  const sv = deliveryFailureSv(JSON.parse(JSON.stringify(err.failure)));
  expect(sv.code).toBe(err.failure.kind);
  expect(sv.text).not.toMatch(ENGLISH);
  expect(sv.text).not.toContain(err.message);
  return sv.text;
}

/** A TCP server that closes every connection at once. */
async function closingPeer(): Promise<number> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('a failed e-mail in Swedish', () => {
  it('550 at RCPT TO: smtp_refused, the address does not exist, correct it and send again', async () => {
    const smtp = await startSmtpPeer({ failFirst: 1, failCode: 550 });
    cleanup.push(() => smtp.close());
    const err = await failure(sendEmail(smtpAt(smtp.port), message));
    expect(err.failure).toMatchObject({ kind: 'smtp_refused', channel: 'email', permanent: true, status: 550, recipient: 'ekonomi@kund.example', host: `127.0.0.1:${smtp.port}` });
    expect(swedish(err)).toBe('Mottagarens server svarade 550: adressen finns inte (ekonomi@kund.example). Rätta e-postadressen i kundregistret och skicka om med knappen Skicka om eller month-close deliveries resend ID.');
  });

  it('451: smtp_deferred, retried by itself', async () => {
    const smtp = await startSmtpPeer({ failFirst: 1, failCode: 451 });
    cleanup.push(() => smtp.close());
    const err = await failure(sendEmail(smtpAt(smtp.port), message));
    expect(err.failure).toMatchObject({ kind: 'smtp_deferred', permanent: false, status: 451 });
    expect(swedish(err)).toContain('svarade 451: försök senare. Utskicket görs om automatiskt');
  });

  it('a refused login: smtp_auth, names the settings to fix', async () => {
    const smtp = await startSmtpPeer({ auth: { user: 'mc', password: 'rätt' } });
    cleanup.push(() => smtp.close());
    const err = await failure(sendEmail(smtpAt(smtp.port, { user: 'mc', password: 'fel' }), message));
    expect(err.failure).toMatchObject({ kind: 'smtp_auth', status: 535 });
    expect(swedish(err)).toContain('godtog inte vår inloggning. Rätta SMTP_USER och SMTP_PASSWORD');
  });

  it('nothing listening: smtp_unreachable with the host and the refused connection', async () => {
    const port = await closedPort();
    const err = await failure(sendEmail(smtpAt(port), message));
    expect(err.failure).toMatchObject({ kind: 'smtp_unreachable', code: 'ECONNREFUSED', host: `127.0.0.1:${port}` });
    expect(swedish(err)).toBe(`E-postservern 127.0.0.1:${port} gick inte att nå (anslutningen nekades). Kontrollera att den är igång och att SMTP_HOST och SMTP_PORT stämmer. Utskicket görs om automatiskt när servern svarar igen.`);
  });

  it('a server that never greets: smtp_timeout with the seconds allowed', async () => {
    const silent = await startSilentPeer();
    cleanup.push(() => silent.close());
    const err = await failure(sendEmail(smtpAt(silent.port, { timeoutMs: 250 }), message));
    expect(err.failure).toMatchObject({ kind: 'smtp_timeout', timeoutMs: 250 });
    expect(swedish(err)).toContain('svarade inte inom 0,25 sekunder');
  });

  it('a server that closes the connection: connection_lost', async () => {
    const port = await closingPeer();
    const err = await failure(sendEmail(smtpAt(port), message));
    expect(err.failure.kind).toBe('connection_lost');
    expect(swedish(err)).toContain(`Anslutningen till 127.0.0.1:${port} bröts`);
  });

  it('TLS spoken to a plain server: tls, check SMTP_PORT and SMTP_SECURE', async () => {
    const smtp = await startSmtpPeer();
    cleanup.push(() => smtp.close());
    const err = await failure(sendEmail(smtpAt(smtp.port, { secure: true }), message));
    expect(err.failure).toMatchObject({ kind: 'tls', code: expect.stringMatching(/^ERR_SSL_/) });
    expect(swedish(err)).toContain('Den krypterade anslutningen till');
  });

  it('an address nodemailer cannot send to: bad_address, permanent', async () => {
    const smtp = await startSmtpPeer();
    cleanup.push(() => smtp.close());
    const err = await failure(sendEmail(smtpAt(smtp.port), { ...message, to: 'inte en adress' }));
    expect(err.failure).toMatchObject({ kind: 'bad_address', permanent: true, code: 'EENVELOPE', recipient: 'inte en adress' });
    expect(swedish(err)).toBe('E-postadressen inte en adress går inte att skicka till. Rätta e-postadressen i kundregistret och skicka om med knappen Skicka om eller month-close deliveries resend ID.');
  });
});

describe('a failed webhook in Swedish', () => {
  it('410: http_status, permanent, correct the webhook address', async () => {
    const hook = await startWebhookPeer();
    cleanup.push(() => hook.close());
    hook.failNext(1, 410, 'endpoint removed');
    const err = await failure(postWebhook({ url: hook.url, secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'http_status', channel: 'webhook', permanent: true, status: 410, recipient: hook.url });
    expect(swedish(err)).toBe(`Mottagarens webhook ${new URL(hook.url).host} svarade 410 (adressen finns inte längre) och tog inte emot händelsen. Rätta webhookadressen hos mottagaren i kundregistret och skicka om med knappen Skicka om eller month-close deliveries resend ID.`);
  });

  it('503: http_status, retried by itself', async () => {
    const hook = await startWebhookPeer();
    cleanup.push(() => hook.close());
    hook.failNext(1, 503);
    const err = await failure(postWebhook({ url: hook.url, secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'http_status', permanent: false, status: 503 });
    expect(swedish(err)).toContain('svarade 503 (tjänsten är inte tillgänglig). Utskicket görs om automatiskt');
  });

  it('301: http_redirect naming where it points', async () => {
    const hook = await startWebhookPeer();
    cleanup.push(() => hook.close());
    hook.failNext(1, 301);
    const err = await failure(postWebhook({ url: hook.url, secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'http_redirect', status: 301 });
    expect(swedish(err)).toContain('vidarebefordran följs inte');
  });

  it('a receiver that never answers: http_timeout', async () => {
    const hook = await startWebhookPeer({ hang: true });
    cleanup.push(() => hook.close());
    const err = await failure(postWebhook({ url: hook.url, secret: 's' }, event, { timeoutMs: 200 }));
    expect(err.failure).toMatchObject({ kind: 'http_timeout', timeoutMs: 200 });
    expect(swedish(err)).toContain('svarade inte inom 0,2 sekunder');
  });

  it('nothing listening: connection_refused', async () => {
    const port = await closedPort();
    const err = await failure(postWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'connection_refused', code: 'ECONNREFUSED', host: `127.0.0.1:${port}` });
    expect(swedish(err)).toContain('nekade anslutningen');
  });

  it('a receiver that closes the connection: connection_lost', async () => {
    const port = await closingPeer();
    const err = await failure(postWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'connection_lost', code: 'UND_ERR_SOCKET' });
    swedish(err);
  });

  it('https to a plain receiver: tls', async () => {
    const hook = await startWebhookPeer();
    cleanup.push(() => hook.close());
    const err = await failure(postWebhook({ url: hook.url.replace('http:', 'https:'), secret: 's' }, event));
    expect(err.failure.kind).toBe('tls');
    expect(swedish(err)).toContain('att mottagarens certifikat är giltigt');
  });

  it('an unusable URL: bad_url, permanent', async () => {
    const err = await failure(postWebhook({ url: 'ftp://127.0.0.1/x', secret: 's' }, event));
    expect(err.failure).toMatchObject({ kind: 'bad_url', permanent: true });
    expect(swedish(err)).toContain('Webhookadressen ftp://127.0.0.1/x är ogiltig');
  });
});

describe('a delivery error stored without facts (before they were kept)', () => {
  it('still reads as Swedish, the technical text left to the details', () => {
    const sv = deliveryFailureSv(null, 'webhook');
    expect(sv.code).toBe('unknown');
    expect(sv.text).not.toMatch(ENGLISH);
  });
});

describe('the next step names the real action', () => {
  it('a delivery refused for good: the button and the command with its id', () => {
    const sv = deliveryFailureSv({ kind: 'http_status', channel: 'webhook', permanent: true, status: 410, host: 'kund.example' }, 'webhook', 42);
    expect(sv.text).toBe('Mottagarens webhook kund.example svarade 410 (adressen finns inte längre) och tog inte emot händelsen. Rätta webhookadressen hos mottagaren i kundregistret och skicka om med knappen Skicka om eller month-close deliveries resend 42.');
    expect(deliveryFailureSv({ kind: 'unknown', permanent: true }, 'email', 7).text).toContain('rätta mottagaren och skicka om med knappen Skicka om eller month-close deliveries resend 7.');
  });

  it('one still retried: no resend (it is refused while pending), the next attempt goes to the corrected address', () => {
    const sv = deliveryFailureSv({ kind: 'host_not_found', channel: 'webhook', permanent: false, host: 'borta.example' }, 'webhook', 42);
    expect(sv.text).toBe('Värddatorn borta.example finns inte (namnet går inte att slå upp). Rätta webhookadressen hos mottagaren i kundregistret; nästa automatiska försök går dit.');
    expect(sv.text).not.toMatch(/skicka om|resend/i);
  });
});
