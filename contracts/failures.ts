import { ApplicationFailure } from '@temporalio/common';

// Every business failure, named once, with what a person does about it, for workflows,
// activities, the CLI and the console alike. These are expected outcomes that need a person (fix
// data, wait for the month to end), never retried. No I/O here: workflows import it.

export const Failure = {
  BadMasterData: 'BadMasterData',
  MissingPrice: 'MissingPrice',
  /** The customer's billing dates changed while the close ran: the snapshot counted other days. */
  SnapshotOutdated: 'SnapshotOutdated',
  DeliveryRefused: 'DeliveryRefused',
  NotApproved: 'NotApproved',
  AlreadyInvoiced: 'AlreadyInvoiced',
  /** billing-rules.md: only a period that has ended in Europe/Stockholm is closed or finalised. */
  PeriodNotEnded: 'PeriodNotEnded',
  UnknownCustomer: 'UnknownCustomer',
  /** The customer's master data changed after the approved draft was made: it is not issued. */
  MasterDataChanged: 'MasterDataChanged',
  /** A credit note that would credit more than invoiced, or a re-issue of a partly live invoice. */
  CreditRefused: 'CreditRefused',
  /** Finance has locked the period: nothing is created, approved or issued for it. */
  PeriodLocked: 'PeriodLocked',
  /** The customer close as a whole, wrapping the failure that ended it. */
  CloseFailed: 'CloseFailed',
} as const;
export type FailureType = (typeof Failure)[keyof typeof Failure];

/** What the remedy may name: the close it is about. */
export interface FailureContext {
  period?: string;
  customerId?: string;
}

/** The command that runs the close again, for one customer or for every failed one of the period. */
function rerunCommand({ period = 'YYYY-MM', customerId }: FailureContext): string {
  return `'month-close close rerun --period ${period} ${customerId ? `--customer ${customerId}` : '--failed'}'`;
}
/** ", then <re-run>" when the context names a close (the preview has none to re-run). */
const thenRerun = (c: FailureContext) => (c.period ? `, then ${rerunCommand(c)}` : '');

/** Per type, the next step for a person, as a sentence. */
export const FAILURES: Record<FailureType, { remedy: (ctx: FailureContext) => string }> = {
  BadMasterData: { remedy: (c) => `Correct it with 'month-close customers import FILE'${thenRerun(c)}` },
  MissingPrice: { remedy: (c) => `Add the price with 'month-close prices import FILE'${thenRerun(c)}` },
  SnapshotOutdated: { remedy: (c) => `Run it again: ${rerunCommand(c)}` },
  UnknownCustomer: { remedy: (c) => `Import it with 'month-close customers import FILE'${thenRerun(c)}` },
  MasterDataChanged: { remedy: (c) => `Draft it again from the current data with ${rerunCommand(c)} and approve the new draft` },
  PeriodNotEnded: { remedy: (c) => `Wait until the month has ended${thenRerun(c)}` },
  NotApproved: {
    remedy: ({ period, customerId }) =>
      period && customerId ? `Approve the draft first: 'month-close drafts approve --period ${period} --customer ${customerId} --by NAME'` : 'Have finance approve it first, then try again',
  },
  AlreadyInvoiced: { remedy: () => "Correct the issued invoice with a credit note: 'month-close invoices credit NUMBER --by NAME --reason TEXT'" },
  DeliveryRefused: { remedy: () => "Correct the subscriber's address; the delivery stays failed (notification_deliveries) and the close goes on" },
  CreditRefused: { remedy: () => "See what the invoice and its credit notes leave to credit with 'month-close invoices list --period YYYY-MM', then ask again" },
  PeriodLocked: {
    remedy: ({ period = 'ÅÅÅÅ-MM' }) =>
      `Perioden är låst: rätta med en kreditfaktura ('month-close invoices credit NUMMER --by NAMN --reason TEXT', utan --reissue), eller lås upp perioden först ('month-close period unlock --period ${period} --by NAMN --reason TEXT')`,
  },
  CloseFailed: { remedy: (c) => `Run it again once the cause is fixed: ${rerunCommand(c)}` },
};

/**
 * Per type, what a person (an operator, finance) reads in the console, in Swedish: what went wrong
 * and the next step. The type (the code) and the original English reason stay in close_runs,
 * JSON and logs; these never travel in a workflow's payloads.
 */
export const FAILURE_SV: Record<FailureType, { title: string; nextStep: string }> = {
  BadMasterData: {
    title: 'Kunduppgifterna räcker inte för en faktura',
    nextStep: 'Rätta kunduppgifterna: importera kundfilen igen med month-close customers import <fil>; kör sedan om kunden här (Kör om).',
  },
  MissingPrice: {
    title: 'Ett pris saknas eller är felaktigt i prislistan',
    nextStep: 'Lägg till eller rätta priset: importera prislistan med month-close prices import <fil>; kör sedan om kunden här (Kör om).',
  },
  SnapshotOutdated: {
    title: 'Kundens faktureringsdatum ändrades medan avslutet körde',
    nextStep: 'Kör om kunden: användningen räknas då om från de nya datumen.',
  },
  UnknownCustomer: {
    title: 'Kunden finns inte i kundregistret',
    nextStep: 'Importera kunden med month-close customers import <fil>; kör sedan om kunden här (Kör om).',
  },
  PeriodNotEnded: {
    title: 'Månaden har inte slutat än',
    nextStep: 'Vänta tills månaden har slutat (svensk tid) och kör sedan om kunden.',
  },
  MasterDataChanged: {
    title: 'Kunduppgifterna ändrades efter att utkastet gjordes',
    nextStep: 'Gör ett nytt utkast av dagens uppgifter (kör om kunden här) och låt ekonomi godkänna det.',
  },
  NotApproved: {
    title: 'Utkastet är inte godkänt',
    nextStep: 'Ekonomi behöver godkänna utkastet först.',
  },
  AlreadyInvoiced: {
    title: 'Kunden har redan en faktura för perioden',
    nextStep: 'Rätta den utställda fakturan med en kreditfaktura (Krediteringar).',
  },
  DeliveryRefused: {
    title: 'Mottagaren tog inte emot utskicket',
    nextStep: 'Rätta mottagarens adress; utskicket står kvar som misslyckat och avslutet fortsätter.',
  },
  CreditRefused: {
    title: 'Krediteringen gick inte att göra',
    nextStep: 'Se vad fakturan och dess kreditfakturor lämnar att kreditera och begär igen.',
  },
  PeriodLocked: {
    title: 'Perioden är låst i bokföringen',
    nextStep: 'Rätta med en kreditfaktura, eller lås upp perioden först (month-close period unlock).',
  },
  CloseFailed: {
    title: 'Avslutet misslyckades',
    nextStep: 'Åtgärda orsaken och kör om kunden.',
  },
};

/** What a failure says, as it travels in an ApplicationFailure's details. */
export interface FailureInfo {
  type: FailureType;
  reason: string;
  remedy: string;
}

export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.hasOwn(FAILURES, type);
}

export function failureInfo(type: FailureType, reason: string, ctx: FailureContext = {}): FailureInfo {
  return { type, reason, remedy: FAILURES[type].remedy(ctx) };
}

/** A failure that a retry cannot fix: the message is the reason, the remedy travels in the details. */
export function businessFailure(type: FailureType, reason: string, ctx: FailureContext = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message: reason, nonRetryable: true, details: [failureInfo(type, reason, ctx)] });
}

/**
 * The business failure in an error or its causes (an activity's arrives wrapped in an
 * ActivityFailure), with its reason and remedy: from the details it carries, else from its type.
 */
export function findFailure(err: unknown): FailureInfo | null {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { type, message, details } = e as { type?: unknown; message?: unknown; details?: unknown };
    if (!isFailureType(type)) continue;
    const carried = Array.isArray(details) ? (details[0] as Partial<FailureInfo> | undefined) : undefined;
    if (carried && isFailureType(carried.type) && typeof carried.reason === 'string' && typeof carried.remedy === 'string') {
      return { type: carried.type, reason: carried.reason, remedy: carried.remedy };
    }
    return failureInfo(type, String(message));
  }
  return null;
}

/** Reason and remedy as one sentence pair, for a log line or an error message. */
export function withRemedy(reason: string, remedy: string | null | undefined): string {
  return remedy ? `${reason.replace(/[.\s]+$/, '')}. ${remedy}` : reason;
}
