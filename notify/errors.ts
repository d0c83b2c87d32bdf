// The one error type a delivery attempt throws. The caller (the Temporal activity that
// keeps the deliveries table) only needs `permanent` to decide between retrying and
// giving up; `detail` is plain JSON so it can be stored with the attempt as is.

export type DeliveryChannel = 'email' | 'webhook';

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

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  /** true: retrying the same delivery will fail the same way; false: retry later. */
  readonly permanent: boolean;
  readonly channel: DeliveryChannel;
  readonly detail: DeliveryErrorDetail;

  constructor(
    message: string,
    init: { permanent: boolean; channel: DeliveryChannel; detail?: DeliveryErrorDetail; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.permanent = init.permanent;
    this.channel = init.channel;
    this.detail = init.detail ?? {};
  }
}
