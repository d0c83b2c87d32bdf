import { deliveryResender } from '../activities/resend-delivery';
import type { Db } from '../infra/db';
import { smtpSettingsFromEnv, type SmtpSettings } from '../notify/email';

/**
 * The operator's resend of failed deliveries, wired as the worker wires the close's senders
 * (SMTP_* from the environment), for the CLI and the console, which do not reach activities/.
 */
export function openDeliveryResender(db: Db, smtp: SmtpSettings | null = smtpSettingsFromEnv()): ReturnType<typeof deliveryResender> {
  return deliveryResender({ db, smtp });
}
