import type { FailureType } from '../contracts/failures';

// What an operator reads about a failed close and a delivery, in Swedish: the next step per
// failure type (contracts/failures.ts keeps the English one for the CLI and logs), notification
// events, subscriber roles and channels.

const RERUN = 'kör sedan om kunden här (Kör om)';

export const NEXT_STEP_SV: Record<FailureType, string> = {
  BadMasterData: `Rätta kunduppgifterna: importera kundfilen igen med month-close customers import <fil>; ${RERUN}.`,
  MissingPrice: `Lägg till priset: importera prislistan med month-close prices import <fil>; ${RERUN}.`,
  SnapshotOutdated: 'Kundens faktureringsdatum ändrades medan avslutet körde: kör om kunden.',
  UnknownCustomer: `Importera kunden med month-close customers import <fil>; ${RERUN}.`,
  PeriodNotEnded: 'Vänta tills månaden har slutat och kör sedan om kunden.',
  MasterDataChanged: `Kunduppgifterna ändrades efter utkastet: gör ett nytt utkast av dagens uppgifter och godkänn det (${RERUN.replace('kör sedan om kunden här', 'kör om kunden här')}).`,
  NotApproved: 'Ekonomi behöver godkänna utkastet först.',
  AlreadyInvoiced: 'Kunden har redan en faktura för perioden: rätta den med en kreditfaktura.',
  DeliveryRefused: 'Rätta mottagarens adress; utskicket står kvar som misslyckat och avslutet fortsätter.',
  CreditRefused: 'Se vad fakturan och dess kreditfakturor lämnar att kreditera och begär igen.',
  PeriodLocked: 'Perioden är låst i bokföringen: rätta med en kreditfaktura, eller lås upp perioden först (month-close period unlock).',
  CloseFailed: 'Åtgärda orsaken och kör om kunden.',
};

export function nextStepSv(failureType: string | null): string {
  return NEXT_STEP_SV[(failureType ?? 'CloseFailed') as FailureType] ?? NEXT_STEP_SV.CloseFailed;
}

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

/** A delivery error as stored is technical (SMTP/HTTP); it is shown under a Swedish heading, as is. */
export function deliveryStatusSv(status: string): string {
  return status === 'failed' ? 'Misslyckad' : status === 'pending' ? 'Väntar' : status === 'delivered' ? 'Levererad' : status;
}
