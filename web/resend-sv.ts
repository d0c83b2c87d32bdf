import type { ResendOutcome, ResendRefusal } from '../store/notification-deliveries';
import { deliveryFailureSv } from './delivery-failure-sv';

// An operator's resend of a failed delivery in Swedish: the console's flash and the text of
// `deliveries resend` say the same.

const CHANNEL_SV: Record<string, string> = { email: 'e-post', webhook: 'webhook' };

/** One sentence per delivery: where it went, whether the recipient changed, and what happened. */
export function resendOutcomeSv(o: ResendOutcome): string {
  const head = `Utskick ${o.id} (${o.document}, ${CHANNEL_SV[o.channel] ?? o.channel})`;
  if (o.outcome === 'no_longer_failed') return `${head}: är inte längre misslyckat (skickat eller omskickat under tiden); inget skickades.`;
  const changed = o.previous_recipient ? ` Mottagaren är ändrad i kundregistret sedan förra försöket (var ${o.previous_recipient}).` : '';
  if (o.outcome === 'delivered') return `${head}: skickat till ${o.recipient}, försök ${o.attempt}, av ${o.by}.${changed}`;
  return `${head}: misslyckades igen till ${o.recipient}, försök ${o.attempt}. ${deliveryFailureSv(o.error?.facts, o.channel, o.id).text}${changed}`;
}

/** Why a delivery was not sent again. */
export function resendRefusalSv(r: ResendRefusal): string {
  if (r.status === 'delivered') return `Utskick ${r.id} är redan levererat och skickas inte igen.`;
  if (r.status === 'pending') return `Utskick ${r.id} väntar fortfarande; avslutet försöker igen av sig självt.`;
  return `Utskick ${r.id} finns inte.`;
}
