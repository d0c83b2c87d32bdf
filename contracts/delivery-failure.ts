// How one e-mail or webhook attempt failed, as data: the delivery code (notify/) stores it with
// the attempt, the console (web/) says it in Swedish from it. Shared here so both name one shape.

export type DeliveryChannel = 'email' | 'webhook';

/**
 * How an attempt failed, as a class a person's text can be chosen by (the console says it in
 * Swedish from this) with the facts that text names. Stored with the attempt as JSON; the
 * English message stays beside it for logs and `--json`.
 */
export type DeliveryFailureKind =
  | 'smtp_refused' // 5yz: the receiving server refused the recipient or the message for good
  | 'smtp_deferred' // 4yz: try again later
  | 'smtp_auth' // our login was refused (SMTP_USER/SMTP_PASSWORD)
  | 'smtp_partial' // some recipients took it, some were refused
  | 'smtp_not_configured' // the worker has no SMTP_HOST
  | 'smtp_unreachable' // no SMTP session: refused connection, unknown host
  | 'smtp_timeout'
  | 'bad_address' // refused before sending: the address or message cannot be sent as built
  | 'http_status' // the webhook answered 4xx/5xx
  | 'http_redirect' // 3xx: not followed
  | 'http_timeout'
  | 'bad_url'
  | 'connection_refused'
  | 'host_not_found'
  | 'connection_lost' // the connection broke before the answer
  | 'tls'
  | 'unknown';

export interface DeliveryFailure {
  kind: DeliveryFailureKind;
  channel: DeliveryChannel;
  /** true: the same delivery fails the same way again (it is not retried). */
  permanent: boolean;
  /** SMTP server or webhook origin's host[:port]. */
  host?: string;
  /** The address the attempt was for: an e-mail address or the webhook URL. */
  recipient?: string;
  /** SMTP reply code or HTTP status. */
  status?: number;
  /** Error code of the failing layer (ECONNREFUSED, ETIMEDOUT, CERT_HAS_EXPIRED, …). */
  code?: string;
  /** Where a redirect pointed. */
  location?: string;
  /** The time allowed, for a timeout. */
  timeoutMs?: number;
}
