import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../notify/errors';
import { WEBHOOK_EVENT_TYPES } from '../../notify/messages';
import { postWebhook, signPayload, verifySignature, type WebhookEvent } from '../../notify/webhook';
import { closedPort, startWebhookPeer, type WebhookPeer } from './test-peers';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function peer(opts?: Parameters<typeof startWebhookPeer>[0]): Promise<WebhookPeer> {
  const p = await startWebhookPeer(opts);
  cleanup.push(() => p.close());
  return p;
}

const SECRET = 'whsec_test_1234';
const NOW = new Date('2024-12-02T08:30:00.000Z');

const event: WebhookEvent = {
  idempotencyKey: 'invoice:42/subscriber:9/invoice_final',
  type: WEBHOOK_EVENT_TYPES.invoice_final,
  payload: { invoiceNumber: '1001', customerId: 'C-1', period: '2024-11', totalOre: 1234500 },
};

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => expect.unreachable('expected the post to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('signPayload / verifySignature', () => {
  it('accepts its own signature, with or without the sha256= prefix', () => {
    const sig = signPayload(SECRET, '1733128200', '{"a":1}');
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, '1733128200', '{"a":1}', sig)).toBe(true);
    expect(verifySignature(SECRET, '1733128200', '{"a":1}', `sha256=${sig}`)).toBe(true);
  });

  it('rejects a changed body, timestamp, secret or malformed header', () => {
    const sig = `sha256=${signPayload(SECRET, '1733128200', '{"a":1}')}`;
    expect(verifySignature(SECRET, '1733128200', '{"a":2}', sig)).toBe(false);
    expect(verifySignature(SECRET, '1733128201', '{"a":1}', sig)).toBe(false);
    expect(verifySignature('other', '1733128200', '{"a":1}', sig)).toBe(false);
    expect(verifySignature(SECRET, '1733128200', '{"a":1}', 'sha256=abc')).toBe(false);
    expect(verifySignature(SECRET, '1733128200', '{"a":1}', '')).toBe(false);
  });
});

describe('postWebhook', () => {
  it('posts a signed JSON envelope with the idempotency key', async () => {
    const hook = await peer();

    const result = await postWebhook({ url: hook.url, secret: SECRET }, event, { now: () => NOW });

    expect(result).toEqual({ status: 200 });
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0];
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe(event.idempotencyKey);
    expect(req.headers['user-agent']).toBe('month-close/0.1');
    expect(req.headers['x-monthclose-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(req.body).toBe(
      JSON.stringify({ id: event.idempotencyKey, type: 'invoice.finalised', created_at: NOW.toISOString(), data: event.payload }),
    );

    const timestamp = req.headers['x-monthclose-timestamp'] as string;
    const signature = req.headers['x-monthclose-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, timestamp, req.body, signature)).toBe(true);
    expect(verifySignature('wrong-secret', timestamp, req.body, signature)).toBe(false);
  });

  it('sends the same body for a retry with the same key and clock', async () => {
    const hook = await peer();
    await postWebhook({ url: hook.url, secret: SECRET }, event, { now: () => NOW });
    await postWebhook({ url: hook.url, secret: SECRET }, event, { now: () => NOW });
    expect(hook.requests[1].body).toBe(hook.requests[0].body);
    expect(hook.requests[1].headers['idempotency-key']).toBe(hook.requests[0].headers['idempotency-key']);
  });

  it('treats any 2xx as delivered', async () => {
    const hook = await peer({ status: 202 });
    expect(await postWebhook({ url: hook.url, secret: SECRET }, event)).toEqual({ status: 202 });
  });

  it('reports 503 as retryable with status and body excerpt, and a retry then succeeds', async () => {
    const hook = await peer();
    hook.failNext(1, 503, 'upstream down for maintenance');

    const err = await failure(postWebhook({ url: hook.url, secret: SECRET }, event));
    expect(err.permanent).toBe(false);
    expect(err.channel).toBe('webhook');
    expect(err.detail).toMatchObject({ status: 503, bodyExcerpt: 'upstream down for maintenance' });
    expect(err.message).toContain('503');
    expect(err.message).toMatch(/retry/i);

    expect(await postWebhook({ url: hook.url, secret: SECRET }, event)).toEqual({ status: 200 });
    expect(hook.requests).toHaveLength(2);
  });

  it.each([408, 429, 500, 502])('reports %i as retryable', async (status) => {
    const hook = await peer();
    hook.failNext(1, status);
    const err = await failure(postWebhook({ url: hook.url, secret: SECRET }, event));
    expect(err.permanent).toBe(false);
    expect(err.detail.status).toBe(status);
  });

  it('reports 410 Gone as permanent', async () => {
    const hook = await peer();
    hook.failNext(1, 410, 'endpoint removed');
    const err = await failure(postWebhook({ url: hook.url, secret: SECRET }, event));
    expect(err.permanent).toBe(true);
    expect(err.detail).toMatchObject({ status: 410, bodyExcerpt: 'endpoint removed' });
    expect(err.message).toMatch(/do not retry/i);
  });

  it.each([301, 400, 401, 404])('reports %i as permanent', async (status) => {
    const hook = await peer();
    hook.failNext(1, status);
    const err = await failure(postWebhook({ url: hook.url, secret: SECRET }, event));
    expect(err.permanent).toBe(true);
  });

  it('reports a receiver that never answers as retryable after timeoutMs', async () => {
    const hook = await peer({ hang: true });
    // No stopwatch: without timeoutMs the call would hang until the test's own timeout fails it.
    const err = await failure(postWebhook({ url: hook.url, secret: SECRET }, event, { timeoutMs: 200 }));
    expect(err.permanent).toBe(false);
    expect(err.detail.code).toBe('TimeoutError');
    expect(hook.requests).toHaveLength(1); // it did arrive; only the answer was missing
  });

  it('reports connection refused as retryable', async () => {
    const port = await closedPort();
    const err = await failure(postWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, event));
    expect(err.permanent).toBe(false);
    expect(err.detail.code).toBe('ECONNREFUSED');
  });

  it('reports an unusable URL as permanent', async () => {
    expect((await failure(postWebhook({ url: 'not a url', secret: SECRET }, event))).permanent).toBe(true);
    expect((await failure(postWebhook({ url: 'ftp://127.0.0.1/x', secret: SECRET }, event))).permanent).toBe(true);
  });
});
