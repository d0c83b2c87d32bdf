// Why an e-mail or webhook did not arrive, as an operator reads it: one Swedish sentence from
// the failed attempt's class and facts (stored as JSON by the delivery activity, see
// contracts/delivery-failure.ts), with the next step. The technical text (SMTP reply, HTTP
// status line) stays in the database, the logs and JSON; the console shows it only as details.

import type { DeliveryFailure } from '../contracts/delivery-failure';

/** A stored attempt's facts as read back from the database: untrusted shape, every field optional, a class maybe unknown to this version. */
export type StoredDeliveryFailure = Partial<Omit<DeliveryFailure, 'kind' | 'channel'>> & { kind?: string; channel?: string };

export interface DeliveryFailureSv {
  /** The class, shown as a small code ("smtp_refused"). */
  code: string;
  /** What happened and what to do next, in Swedish. */
  text: string;
}

/**
 * The next step once the recipient is corrected: a delivery refused for good is sent again by
 * the operator (the "Skicka om" button, `deliveries resend`); one still retried picks up the
 * corrected address by itself.
 */
function fixThen(what: string, f: StoredDeliveryFailure, deliveryId: number | undefined): string {
  if (f.permanent === false) return `${what}; nästa automatiska försök går dit.`;
  return `${what} och skicka om med knappen Skicka om eller month-close deliveries resend ${deliveryId ?? 'ID'}.`;
}
const FIX_ADDRESS = 'Rätta e-postadressen i kundregistret';
const FIX_WEBHOOK = 'Rätta webhookadressen hos mottagaren i kundregistret';
const RETRIED = 'Utskicket görs om automatiskt; hör av dig till mottagaren om det fortsätter att misslyckas.';
const RETRIED_SMTP = 'Utskicket görs om automatiskt när servern svarar igen.';

/** What an SMTP server's permanent refusal means (RFC 5321/3463), by reply code. */
function smtpRefusalSv(status: number | undefined): string {
  if (status === 550 || status === 551) return 'adressen finns inte';
  if (status === 552) return 'mottagarens brevlåda är full';
  if (status === 553) return 'adressen är ogiltig';
  return 'meddelandet togs inte emot';
}

/** A webhook's HTTP status in Swedish words, for the statuses a receiver commonly answers. */
function httpStatusSv(status: number): string {
  const words: Record<number, string> = {
    400: 'felaktig begäran',
    401: 'inloggning krävs',
    403: 'åtkomst nekad',
    404: 'adressen finns inte',
    405: 'metoden tillåts inte',
    408: 'tidsgränsen nåddes',
    410: 'adressen finns inte längre',
    413: 'för stort meddelande',
    422: 'innehållet godtogs inte',
    429: 'för många anrop',
    500: 'internt serverfel',
    502: 'felaktig gateway',
    503: 'tjänsten är inte tillgänglig',
    504: 'gatewayens tidsgräns nåddes',
  };
  return words[status] ?? (status >= 500 ? 'serverfel' : 'begäran nekades');
}

const SV_SECONDS = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 2 });
const seconds = (ms: number | undefined) => (ms === undefined ? 'i tid' : `inom ${SV_SECONDS.format(ms / 1000)} sekunder`);

/** A failed delivery attempt in Swedish with its next step (naming the delivery's id for the resend command when given). Without facts (older rows) it still reads as Swedish. */
export function deliveryFailureSv(facts: StoredDeliveryFailure | null | undefined, channel?: string, deliveryId?: number): DeliveryFailureSv {
  const f = facts ?? {};
  const kind = f.kind ?? 'unknown';
  const host = f.host ?? 'mottagaren';
  const recipient = f.recipient ? ` ${f.recipient}` : '';
  const email = (f.channel ?? channel) === 'email';
  const text = ((): string => {
    switch (kind) {
      case 'smtp_refused':
        return `Mottagarens server svarade ${f.status ?? '5xx'}: ${smtpRefusalSv(f.status)}${recipient ? ` (${f.recipient})` : ''}. ${fixThen(FIX_ADDRESS, f, deliveryId)}`;
      case 'smtp_deferred':
        return `E-postservern ${host} svarade ${f.status ?? '4xx'}: försök senare. ${RETRIED_SMTP}`;
      case 'smtp_auth':
        return `E-postservern ${host} godtog inte vår inloggning. Rätta SMTP_USER och SMTP_PASSWORD i arbetarens inställningar; utskicket görs då om automatiskt.`;
      case 'smtp_partial':
        return `E-postservern ${host} tog inte emot meddelandet till${recipient}. ${fixThen(FIX_ADDRESS, f, deliveryId)}`;
      case 'smtp_not_configured':
        return 'Ingen e-postserver är inställd. Ange SMTP_HOST, SMTP_PORT och SMTP_FROM för arbetaren; utskicket görs då om automatiskt.';
      case 'smtp_unreachable':
        return `E-postservern ${host} gick inte att nå${f.code === 'ECONNREFUSED' ? ' (anslutningen nekades)' : ''}. Kontrollera att den är igång och att SMTP_HOST och SMTP_PORT stämmer. ${RETRIED_SMTP}`;
      case 'smtp_timeout':
        return `E-postservern ${host} svarade inte ${seconds(f.timeoutMs)}. ${RETRIED_SMTP}`;
      case 'bad_address':
        return `E-postadressen${recipient} går inte att skicka till. ${fixThen(FIX_ADDRESS, f, deliveryId)}`;
      case 'http_status':
        return f.permanent
          ? `Mottagarens webhook ${host} svarade ${f.status} (${httpStatusSv(f.status ?? 0)}) och tog inte emot händelsen. ${fixThen(FIX_WEBHOOK, f, deliveryId)}`
          : `Mottagarens webhook ${host} svarade ${f.status} (${httpStatusSv(f.status ?? 0)}). ${RETRIED}`;
      case 'http_redirect':
        return `Mottagarens webhook ${host} svarade ${f.status} och hänvisar vidare${f.location ? ` till ${f.location}` : ''}; vidarebefordran följs inte. ${fixThen(FIX_WEBHOOK, f, deliveryId)}`;
      case 'http_timeout':
        return `Mottagarens webhook ${host} svarade inte ${seconds(f.timeoutMs)}. ${RETRIED}`;
      case 'bad_url':
        return `Webhookadressen${recipient} är ogiltig (den måste börja med https:// eller http://). ${fixThen(FIX_WEBHOOK, f, deliveryId)}`;
      case 'connection_refused':
        return `Mottagarens webhook ${host} nekade anslutningen (ingen tjänst svarar på adressen). ${RETRIED}`;
      case 'host_not_found':
        return `Värddatorn ${host} finns inte (namnet går inte att slå upp). ${fixThen(email ? FIX_ADDRESS : FIX_WEBHOOK, f, deliveryId)}`;
      case 'connection_lost':
        return `Anslutningen till ${host} bröts innan svaret kom. Utskicket görs om automatiskt med samma id, så mottagaren kan känna igen en dubblett.`;
      case 'tls':
        return `Den krypterade anslutningen till ${host} kunde inte upprättas (certifikat eller TLS). ${email ? 'Kontrollera SMTP_PORT och SMTP_SECURE' : 'Kontrollera att adressen ska vara https och att mottagarens certifikat är giltigt'}; utskicket görs om automatiskt.`;
      default:
        return `Utskicket misslyckades av ett okänt skäl; den tekniska texten står under detaljer. ${f.permanent ? `Det görs inte om: ${fixThen('rätta mottagaren', { permanent: true }, deliveryId)}` : 'Utskicket görs om automatiskt.'}`;
    }
  })();
  return { code: kind, text };
}
