import type { SmtpPeer, WebhookPeer } from './close-harness';

// What the receivers saw, message by message. A message is named by what it is, not by its
// idempotency key, so a second send under another key shows up as a second key of one message.

export interface Arrival {
  /** Recipient and content: e-mail `to` and subject, or webhook URL, type, customer, period and event. */
  message: string;
  key: string;
}

export function invoiceArrivals(smtp: SmtpPeer, webhook: WebhookPeer, invoice: { customerId: string; number: string }[]): Arrival[] {
  const numbers = new Set(invoice.map((i) => i.number));
  const customers = new Set(invoice.map((i) => i.customerId));
  const mails = smtp.messages
    .filter((m) => [...numbers].some((n) => m.subject.startsWith(`Faktura ${n} `)))
    .map((m) => ({ message: `email ${m.to} ${m.subject}`, key: String(m.headers['x-idempotency-key']) }));
  const hooks = webhook.requests
    .map((r) => ({ r, body: JSON.parse(r.body) as { type: string; data: { customer_id: string; period: string; event: string } } }))
    .filter(({ body }) => customers.has(body.data.customer_id))
    .map(({ r, body }) => ({ message: `webhook ${r.url} ${body.type} ${body.data.customer_id} ${body.data.period} ${body.data.event}`, key: String(r.headers['idempotency-key']) }));
  return [...mails, ...hooks];
}

export interface ArrivalCount {
  message: string;
  keys: string[];
  times: number;
}

/** Arrivals grouped by message, in first-seen order. */
export function countArrivals(arrivals: Arrival[]): ArrivalCount[] {
  const byMessage = new Map<string, ArrivalCount>();
  for (const a of arrivals) {
    const c = byMessage.get(a.message) ?? { message: a.message, keys: [], times: 0 };
    if (!c.keys.includes(a.key)) c.keys.push(a.key);
    c.times += 1;
    byMessage.set(a.message, c);
  }
  return [...byMessage.values()];
}
