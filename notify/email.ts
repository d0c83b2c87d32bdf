// One e-mail delivery attempt over SMTP. Deciding whether to retry is the caller's job;
// this module only reports precisely how the attempt ended (see DeliveryError.permanent).

import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { DeliveryError, networkFailureKind, type DeliveryErrorDetail, type DeliveryFailureKind } from './errors';

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: TLS from the first byte (usually port 465); false: plain, upgraded by STARTTLS when offered. */
  secure: boolean;
  user?: string;
  password?: string;
  /** Sender, e.g. 'Faktura <faktura@example.se>'. */
  from: string;
  /** Connection, greeting and idle-socket timeout in ms; default 30 000. */
  timeoutMs?: number;
}

export interface EmailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface EmailMessage {
  /** One subscriber's address. */
  to: string;
  subject: string;
  text: string;
  attachments: EmailAttachment[];
  /** Same key on every retry of the same (invoice, subscriber, event). */
  idempotencyKey: string;
}

export interface EmailReceipt {
  /** The Message-ID header sent, with angle brackets. */
  messageId: string;
  /** The server's final reply, e.g. '250 OK: queued as ...'. */
  response: string;
}

const DEFAULT_TIMEOUT_MS = 20_000; // below the delivery activity's 30 s start-to-close timeout

/** Reads SMTP_* variables; null when SMTP_HOST is unset (e-mail disabled). Throws on a half-done configuration. */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | null {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;

  const host = get('SMTP_HOST');
  if (!host) return null;

  const portText = get('SMTP_PORT');
  const secure = parseBoolean('SMTP_SECURE', get('SMTP_SECURE')) ?? portText === '465';
  const port = portText === undefined ? (secure ? 465 : 587) : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`SMTP_PORT must be a port number (1-65535), got ${JSON.stringify(portText)}`);
  }

  const from = get('SMTP_FROM');
  if (!from) {
    throw new Error('SMTP_FROM must be set when SMTP_HOST is set, e.g. SMTP_FROM="Faktura <faktura@example.se>"');
  }

  const user = get('SMTP_USER');
  // Not trimmed: a password may legitimately start or end with a space.
  const password = env.SMTP_PASSWORD || undefined;
  if (user && password === undefined) {
    throw new Error('SMTP_USER is set but SMTP_PASSWORD is not: set both, or neither for an open relay');
  }

  const settings: SmtpSettings = { host, port, secure, from };
  if (user) {
    settings.user = user;
    settings.password = password;
  }
  return settings;
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * The Message-ID for an idempotency key. Deterministic, so a receiver (or a mail archive)
 * can recognise a retried send as the same message.
 */
export function emailMessageId(idempotencyKey: string): string {
  const hash = createHash('sha256').update(idempotencyKey, 'utf8').digest('hex');
  return `<${hash.slice(0, 32)}@month-close>`;
}

/**
 * Makes exactly one attempt to hand the message to the SMTP server.
 * Resolves when the server accepted it (250 after DATA); throws DeliveryError otherwise.
 *
 * If the connection breaks after the message was sent but before the server's reply, the
 * outcome is unknown and we report a retryable error: the retry carries the same
 * Message-ID and X-Idempotency-Key, so a duplicate can be recognised downstream.
 */
export async function sendEmail(settings: SmtpSettings, message: EmailMessage): Promise<EmailReceipt> {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool = checkOutPool(settings, timeoutMs);
  const messageId = emailMessageId(message.idempotencyKey);

  let failed = false;
  try {
    const info = await pool.transport.sendMail({
      from: settings.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      messageId,
      headers: { 'X-Idempotency-Key': message.idempotencyKey },
      attachments: message.attachments.map((a) => ({
        filename: a.filename,
        content: a.content,
        contentType: a.contentType,
      })),
    });
    if (info.rejected.length > 0) {
      // Only possible when `to` holds several addresses. Some already have the mail, so a
      // retry would duplicate it for them: report it as permanent.
      throw new DeliveryError(
        `SMTP server ${settings.host}:${settings.port} accepted the message for ${info.accepted.join(', ')} ` +
          `but refused ${info.rejected.join(', ')}. Do not retry (the accepted recipients would get it twice); ` +
          'fix the refused addresses.',
        {
          permanent: true,
          channel: 'email',
          detail: { response: info.response, rejected: info.rejected.map(String) },
          failure: { kind: 'smtp_partial', host: `${settings.host}:${settings.port}`, recipient: info.rejected.map(String).join(', ') },
        },
      );
    }
    return { messageId: info.messageId || messageId, response: info.response };
  } catch (err) {
    failed = true;
    if (err instanceof DeliveryError) throw err;
    throw smtpFailure(err, settings, message.to, timeoutMs);
  } finally {
    checkInPool(pool, failed);
  }
}

// Connections are reused: a new SMTP session costs the server's greeting (smtp-server, our
// catcher, holds it back 100 ms to catch early talkers; real relays add TLS and AUTH), which
// was nearly all of a delivery's 110 ms. One pool per settings, so changed settings get their
// own; after any failure the pool is retired, so a retry always starts on fresh connections;
// an idle pool closes itself, so nothing is left open at shutdown.
const POOL_IDLE_CLOSE_MS = 1000;
const POOL_CONNECTIONS = 5;

interface Pool {
  key: string;
  transport: Transporter<SMTPPool.SentMessageInfo>;
  active: number;
  retired: boolean;
  idleTimer: NodeJS.Timeout | null;
}

const pools = new Map<string, Pool>();

function checkOutPool(settings: SmtpSettings, timeoutMs: number): Pool {
  const key = JSON.stringify([settings.host, settings.port, settings.secure, settings.user ?? null, settings.password ?? null, timeoutMs]);
  let pool = pools.get(key);
  if (!pool) {
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: POOL_CONNECTIONS,
      // Never re-send by itself when a connection drops mid-message: whether the server got
      // it is unknown, and that decision belongs to the delivery's retry (same Message-ID).
      maxRequeues: 0,
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      // Attachments are always in-memory Buffers; never let message data read files or URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    pool = { key, transport, active: 0, retired: false, idleTimer: null };
    pools.set(key, pool);
  }
  if (pool.idleTimer) clearTimeout(pool.idleTimer);
  pool.idleTimer = null;
  pool.active += 1;
  return pool;
}

function checkInPool(pool: Pool, failed: boolean): void {
  pool.active -= 1;
  if (failed && !pool.retired) {
    pool.retired = true;
    if (pools.get(pool.key) === pool) pools.delete(pool.key);
  }
  if (pool.active > 0) return;
  if (pool.retired) return void pool.transport.close();
  pool.idleTimer = setTimeout(() => {
    if (pool.active > 0) return;
    if (pools.get(pool.key) === pool) pools.delete(pool.key);
    pool.transport.close();
  }, POOL_IDLE_CLOSE_MS);
  pool.idleTimer.unref();
}

/** Closes every pooled SMTP connection now (shutdown; tests). */
export function closeSmtpPools(): void {
  for (const pool of pools.values()) {
    if (pool.idleTimer) clearTimeout(pool.idleTimer);
    pool.transport.close();
  }
  pools.clear();
}

/** The fields nodemailer puts on its errors (see NodemailerError in nodemailer/lib/errors). */
interface SmtpErrorLike {
  message?: string;
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
}

// Replies that mean "our login was refused": the fault is in our configuration, not in
// this delivery, so it will heal once SMTP_USER/SMTP_PASSWORD are fixed.
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);

function smtpFailure(err: unknown, settings: SmtpSettings, to: string, timeoutMs: number): DeliveryError {
  const e: SmtpErrorLike = typeof err === 'object' && err !== null ? (err as SmtpErrorLike) : { message: String(err) };
  const server = `SMTP server ${settings.host}:${settings.port}`;
  const reply = e.response ?? e.message ?? 'unknown error';
  const detail: DeliveryErrorDetail = {};
  if (e.originalCode ?? e.code) detail.code = e.originalCode ?? e.code;
  if (e.responseCode !== undefined) detail.responseCode = e.responseCode;
  if (e.response !== undefined) detail.response = e.response;
  if (e.command !== undefined) detail.command = e.command;
  if (Array.isArray(e.rejected) && e.rejected.length > 0) detail.rejected = e.rejected.map(String);
  const facts = { host: `${settings.host}:${settings.port}`, recipient: to, ...(detail.code ? { code: detail.code } : {}) };
  const fail = (permanent: boolean, kind: DeliveryFailureKind, message: string, more: { status?: number; timeoutMs?: number } = {}) =>
    new DeliveryError(message, { permanent, channel: 'email', detail, cause: err, failure: { kind, ...facts, ...more } });

  const rc = e.responseCode;
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || (rc !== undefined && AUTH_REPLY_CODES.has(rc))) {
    return fail(false, 'smtp_auth', `${server} refused our login: ${reply}. Check SMTP_USER and SMTP_PASSWORD; the send can be retried once they are fixed.`, rc === undefined ? {} : { status: rc });
  }
  if (rc !== undefined) {
    // RFC 5321: 5yz is a permanent refusal, except 503 (bad command sequence) which a new
    // session can get past. 4yz, and any unexpected 2yz/3yz, are worth another try.
    if (rc >= 500 && rc < 600 && rc !== 503) {
      return fail(true, 'smtp_refused', `${server} refused the message to ${to} for good: ${reply}. Do not retry; correct the subscriber's address (or the message) instead.`, { status: rc });
    }
    return fail(false, 'smtp_deferred', `${server} deferred the message to ${to}: ${reply}. Retry later with the same idempotency key.`, { status: rc });
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    // Refused before anything was sent, e.g. a malformed address: the same input fails again.
    return fail(true, 'bad_address', `The message to ${to} could not be sent as built: ${e.message}. Do not retry; correct the address or the message.`);
  }
  if (e.code === 'ETIMEDOUT') {
    return fail(false, 'smtp_timeout', `${server} did not answer within ${timeoutMs} ms. Retry later with the same idempotency key.`, { timeoutMs });
  }
  // Refused connection, DNS, TLS, dropped socket and anything unexpected: retry. A duplicate
  // is less harmful than a lost invoice, and the stable Message-ID makes it recognisable.
  const network = networkFailureKind(detail.code) ?? networkFailureKind(e.code);
  const kind: DeliveryFailureKind = network === 'connection_refused' || network === 'host_not_found' ? 'smtp_unreachable' : (network ?? 'unknown');
  return fail(false, kind, `Could not deliver through ${server}: ${e.message ?? reply}. Check that the server is up and reachable (SMTP_HOST, SMTP_PORT, SMTP_SECURE), then retry.`);
}
