// One webhook delivery attempt: a signed JSON POST. Deciding whether to retry is the
// caller's job; this module only reports precisely how the attempt ended.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeliveryError, networkFailureKind, type DeliveryErrorDetail, type DeliveryFailure } from './errors';

export interface WebhookTarget {
  url: string;
  /** Shared secret for the HMAC signature. */
  secret: string;
}

export interface WebhookEvent {
  /** Same key on every retry of the same (invoice, subscriber, event); sent as `id` and Idempotency-Key. */
  idempotencyKey: string;
  /** e.g. 'invoice.draft_ready', see WEBHOOK_EVENT_TYPES in ./messages. */
  type: string;
  payload: unknown;
}

export interface WebhookOptions {
  /** Whole attempt, connect to response; default 30 000 ms. */
  timeoutMs?: number;
  now?: () => Date;
}

export const SIGNATURE_HEADER = 'X-MonthClose-Signature';
export const TIMESTAMP_HEADER = 'X-MonthClose-Timestamp';
const USER_AGENT = 'month-close/0.1';
const DEFAULT_TIMEOUT_MS = 20_000; // below the delivery activity's 30 s start-to-close timeout
const EXCERPT_CHARS = 200;

/** Hex HMAC-SHA256 of `${timestamp}.${body}`. The timestamp is signed so a captured request can't be replayed with a new one. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/**
 * Checks a signature header (with or without the 'sha256=' prefix) in constant time.
 * Rejecting stale timestamps is up to the receiver.
 */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const given = Buffer.from(header.trim().replace(/^sha256=/i, ''), 'utf8');
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * POSTs the event once. Resolves on 2xx; throws DeliveryError otherwise:
 * permanent for 3xx and 4xx (except 408, 429), retryable for 408, 429, 5xx, network errors and timeouts.
 */
export async function postWebhook(
  target: WebhookTarget,
  event: WebhookEvent,
  opts: WebhookOptions = {},
): Promise<{ status: number }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  type Facts = Omit<DeliveryFailure, 'channel' | 'permanent' | 'recipient'>;
  const fail = (permanent: boolean, failure: Facts, message: string, detail: DeliveryErrorDetail = {}, cause?: unknown) =>
    new DeliveryError(message, { permanent, channel: 'webhook', detail, cause, failure: { ...failure, recipient: target.url } });

  // A malformed URL belongs to this subscriber and won't fix itself: permanent.
  let url: URL;
  try {
    url = new URL(target.url);
  } catch (err) {
    throw fail(true, { kind: 'bad_url' }, `Webhook URL ${JSON.stringify(target.url)} is not a valid URL. Correct the subscriber's address.`, {}, err);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail(true, { kind: 'bad_url', host: url.host }, `Webhook URL ${url.href} must be http(s). Correct the subscriber's address.`);
  }

  const now = (opts.now ?? (() => new Date()))();
  const timestamp = String(Math.floor(now.getTime() / 1000));
  // Built in this order on purpose: JSON.stringify keeps insertion order, so the envelope is stable.
  const body = JSON.stringify({
    id: event.idempotencyKey,
    type: event.type,
    created_at: now.toISOString(),
    data: event.payload,
  });

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': event.idempotencyKey,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: `sha256=${signPayload(target.secret, timestamp, body)}`,
        'User-Agent': USER_AGENT,
      },
      body,
      // Following a redirect would re-send the signed body somewhere the subscriber never registered.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw fail(false, { kind: 'http_timeout', host: url.host, timeoutMs }, `Webhook ${url.origin} did not answer within ${timeoutMs} ms. Retry later with the same Idempotency-Key.`, { code: 'TimeoutError' }, err);
    }
    const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
    const code = e.cause?.code;
    const facts: Facts = { kind: networkFailureKind(code) ?? 'unknown', host: url.host, ...(code ? { code } : {}) };
    throw fail(false, facts, `Could not reach webhook ${url.origin}: ${reason}. Retry later with the same Idempotency-Key.`, e.cause?.code ? { code: e.cause.code } : {}, err);
  }

  const status = response.status;
  if (status >= 200 && status < 300) {
    // Delivered; the body is of no interest, release the connection.
    await response.body?.cancel().catch(() => undefined);
    return { status };
  }

  const detail: DeliveryErrorDetail = { status, bodyExcerpt: await excerpt(response) };
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter) detail.retryAfter = retryAfter;
  const location = response.headers.get('location');
  if (location) detail.location = location;
  const said = `${url.origin} answered ${status}${detail.bodyExcerpt ? `: ${detail.bodyExcerpt}` : ''}`;

  if (status === 408 || status === 429 || status >= 500) {
    const when = retryAfter ? `after ${retryAfter}${/^\d+$/.test(retryAfter) ? ' s' : ''}` : 'later';
    throw fail(false, { kind: 'http_status', host: url.host, status }, `Webhook ${said}. Retry ${when} with the same Idempotency-Key.`, detail);
  }
  if (status >= 300 && status < 400) {
    throw fail(true, { kind: 'http_redirect', host: url.host, status, ...(location ? { location } : {}) }, `Webhook ${said}. Redirects are not followed: update the subscriber's URL${location ? ` to ${location}` : ''}.`, detail);
  }
  throw fail(true, { kind: 'http_status', host: url.host, status }, `Webhook ${said}. The receiver refused the event; do not retry, fix the subscriber's endpoint or the payload.`, detail);
}

/** First characters of a response body, on one line; '' when it can't be read in time. */
async function excerpt(response: Response): Promise<string> {
  // Read only the start: an error page may be large, and we keep 200 characters of it.
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reader = response.body?.getReader();
    if (!reader) return '';
    while (size < EXCERPT_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
    }
    await reader.cancel().catch(() => undefined);
  } catch {
    // Timed out or reset while reading: keep whatever arrived.
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
