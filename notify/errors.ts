// The one error type a delivery attempt throws. The caller (the Temporal activity that
// keeps the deliveries table) only needs `permanent` to decide between retrying and
// giving up; `detail` is plain JSON so it can be stored with the attempt as is.

import type { DeliveryChannel, DeliveryFailure, DeliveryFailureKind } from '../contracts/delivery-failure';

export type { DeliveryChannel, DeliveryFailure, DeliveryFailureKind };

/** What the peer said, as far as we know it. Every field is optional: a refused connection has no status. */
export interface DeliveryErrorDetail {
  /** Error code of the failing layer, e.g. ECONNREFUSED, ETIMEDOUT, EENVELOPE, TimeoutError. */
  code?: string;
  /** SMTP reply code, e.g. 550. */
  responseCode?: number;
  /** SMTP reply text as received. */
  response?: string;
  /** SMTP command the reply answered, e.g. 'RCPT TO'. */
  command?: string;
  /** Recipients the SMTP server refused. */
  rejected?: string[];
  /** HTTP status of the webhook response. */
  status?: number;
  /** First characters of the webhook response body. */
  bodyExcerpt?: string;
  /** Retry-After header of a 429/503 response, as sent. */
  retryAfter?: string;
  /** Location header of a redirect response. */
  location?: string;
}

const TLS_CODE = /^(ETLS|EPROTO|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_(VERIFY|GET)_|HOSTNAME_MISMATCH)/;

/** The network-level class of an error code shared by both channels, or null when it is not one. */
export function networkFailureKind(code: string | undefined): DeliveryFailureKind | null {
  if (!code) return null;
  if (TLS_CODE.test(code)) return 'tls';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EDNS') return 'host_not_found';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || code === 'ECONNECTION') return 'connection_lost';
  return null;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  /** true: retrying the same delivery will fail the same way; false: retry later. */
  readonly permanent: boolean;
  readonly channel: DeliveryChannel;
  readonly detail: DeliveryErrorDetail;
  /** The class and facts a person's text is made from. */
  readonly failure: DeliveryFailure;

  constructor(
    message: string,
    init: { permanent: boolean; channel: DeliveryChannel; detail?: DeliveryErrorDetail; cause?: unknown; failure?: Omit<DeliveryFailure, 'channel' | 'permanent'> },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.permanent = init.permanent;
    this.channel = init.channel;
    this.detail = init.detail ?? {};
    this.failure = { kind: 'unknown', ...init.failure, channel: init.channel, permanent: init.permanent };
  }
}
