// What an operator reads about deliveries, in Swedish: notification events, subscriber roles and
// channels. A failed close's text is in web/close-reasons-sv.ts, a failed delivery's in
// web/delivery-failure-sv.ts.

export const EVENT_SV: Record<string, string> = {
  draft_ready: 'Utkast klart',
  draft_escalation: 'Eskalering',
  invoice_final: 'Slutlig faktura',
  credit_ready: 'Kreditfaktura för granskning',
};

export function eventSv(event: string): string {
  if (event.startsWith('draft_reminder:')) return 'Påminnelse om utkast';
  return EVENT_SV[event] ?? event;
}

export const SUBSCRIBER_ROLE_SV: Record<string, string> = {
  customer_admin: 'Kundadministratör',
  partner: 'Partner',
  finance: 'Ekonomi',
  finance_escalation: 'Ekonomi (eskalering)',
};

export const CHANNEL_SV: Record<string, string> = { email: 'e-post', webhook: 'webhook' };

/** A delivery's status in Swedish. */
export function deliveryStatusSv(status: string): string {
  return status === 'failed' ? 'Misslyckad' : status === 'pending' ? 'Väntar' : status === 'delivered' ? 'Levererad' : status;
}
