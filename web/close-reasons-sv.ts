import { FAILURE_SV, isFailureType, type FailureType } from '../contracts/failures';
import { ARTICLE_INFO } from '../billing/articles';
import { knownRefusalTextSv } from '../billing/refusal-sv';
import type { Article } from '../billing/types';

// Why a close did not end in an invoice, as a person reads it in the console: a failure's
// Swedish title and next step per type (contracts/failures.ts FAILURE_SV), with the details of
// the stored English reason said in Swedish where its shape is known. The English original
// stays in close_runs, `--json` and the logs; the console shows the type only as a small code.

export interface FailureSv {
  /** The failure type, shown as a code ("BadMasterData"), never an English sentence. */
  code: FailureType;
  title: string;
  /** The reason's particulars in Swedish (which field, which price), or null when not known. */
  detail: string | null;
  nextStep: string;
}

const articleName = (article: string) => `”${ARTICLE_INFO[article as Article]?.description ?? article}”`;

const MASTER_DATA_PROBLEMS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/no VAT number \(momsregistreringsnummer\)/, () => 'momsregistreringsnummer saknas'],
  [/(?:^|[:,] )VAT number (\S+) /, (m) => `momsregistreringsnumret ${m[1]} är ogiltigt`],
  [/no organisation number/, () => 'organisationsnummer saknas'],
  [/incomplete address/, () => 'adressen är ofullständig'],
  [/country (\S+) is outside the EU/, (m) => `landet ${m[1]} ligger utanför EU (export faktureras inte)`],
];

const DETAILS: Partial<Record<FailureType, (reason: string) => string | null>> = {
  BadMasterData: (reason) => {
    const found = MASTER_DATA_PROBLEMS.map(([re, sv]) => {
      const m = re.exec(reason);
      return m ? sv(m) : null;
    }).filter((t): t is string => t !== null);
    return found.length ? found.join(', ') : null;
  },
  MissingPrice: (reason) => {
    const m = /no price for (\w+) \(.*\) in force for (\d{4}-\d{2})/.exec(reason);
    return m ? `inget pris för ${articleName(m[1]!)} gäller för ${m[2]}, och kunden använder artikeln` : null;
  },
  UnknownCustomer: (reason) => {
    const m = /unknown customer "?([^"]+)"?/.exec(reason);
    return m ? `kundnumret ${m[1]} finns inte i kundregistret` : null;
  },
  PeriodNotEnded: (reason) => {
    const m = /period (\d{4}-\d{2}) (is in the future|is still in progress).*can be closed from (\d{4}-\d{2}-\d{2} \d{2}:\d{2})/.exec(reason);
    return m ? `${m[1]} ${m[2] === 'is in the future' ? 'har inte börjat' : 'pågår fortfarande'}; den kan stängas från ${m[3]}` : null;
  },
  AlreadyInvoiced: (reason) => {
    const m = /(\d{4}-\d{2}) already has invoice (\S+);/.exec(reason);
    return m ? `kunden har redan faktura ${m[2]} för ${m[1]}` : null;
  },
  MasterDataChanged: (reason) => {
    const m = /after draft (\d+) was made/.exec(reason);
    return m ? `uppgifterna ändrades efter att utkast ${m[1]} gjordes; det ställs inte ut av uppgifter som ingen godkänt` : null;
  },
  SnapshotOutdated: (reason) => {
    const m = /was counted from (\S+), but billing starts (\S+):/.exec(reason);
    return m ? `användningen räknades från ${m[1]}, men faktureringen börjar ${m[2]}` : null;
  },
  // The credit rules' and the credit activity's refusals, said from their facts (billing/refusal-sv.ts).
  CreditRefused: knownRefusalTextSv,
  // client/status.ts: a close whose workflow is gone while its row says it runs.
  CloseFailed: (reason) => {
    const m = /its workflow (\S+) stopped without an outcome/.exec(reason);
    return m ? `arbetsflödet ${m[1]} stannade utan resultat (avbrutet eller tidsgränsen nådd)` : null;
  },
  // The lock's refusal is written in Swedish by the store (store/period-locks.ts).
  PeriodLocked: (reason) => (/ är låst /.test(reason) ? reason : null),
};

/** A failed close in Swedish; an unknown or missing type reads as CloseFailed. */
export function failureSv(failureType: string | null | undefined, reason: string | null | undefined): FailureSv {
  const code: FailureType = isFailureType(failureType) ? failureType : 'CloseFailed';
  const detail = reason ? (DETAILS[code]?.(reason) ?? null) : null;
  return { code, title: FAILURE_SV[code].title, detail, nextStep: FAILURE_SV[code].nextStep };
}

/** The failure as one Swedish sentence pair: "Titel: detalj. Nästa steg" (the period report, the draft page). */
export function failureTextSv(failureType: string | null | undefined, reason: string | null | undefined): string {
  const f = failureSv(failureType, reason);
  return `${f.title}${f.detail ? `: ${f.detail}` : ''}. ${f.nextStep}`;
}

/**
 * Why nothing is billed (billing/rating.ts): no usage, billing not started, a prepaid quarter.
 * Anything else is a reason a person wrote (a rejection) or already Swedish, and is shown as is.
 */
export function nothingToBillSv(reason: string | null | undefined): string {
  if (!reason) return '';
  let m = /^no active modules, users or extra companies in (\d{4}-\d{2})$/.exec(reason);
  if (m) return `inga aktiva moduler, användare eller extra bolag under ${m[1]}`;
  m = /^monthly billing for customer (\S+) starts (\d{4}-\d{2}-\d{2}); (\d{4}-\d{2}) is not billed here$/.exec(reason);
  if (m) return `månadsfaktureringen börjar ${m[2]}; ${m[3]} faktureras inte här`;
  m = /^(\d{4}-\d{2}) is prepaid through (\d{4}-\d{2}-\d{2}) \(quarterly billing\)$/.exec(reason);
  if (m) return `${m[1]} är förbetald till och med ${m[2]} (kvartalsfakturering)`;
  return reason;
}

/**
 * A period report row's reason in Swedish (books/period-report.ts keeps it English in `--json`):
 * a failure by its type, why nothing is billed, and a close state named by its code.
 */
export function reportReasonSv(
  c: { reason: string | null; failure?: { type: string | null; reason: string | null } | null },
  stateSv: (state: string) => string,
): string {
  if (c.failure) return failureTextSv(c.failure.type, c.failure.reason);
  const m = /^avslutet står som (\w+) utan faktura$/.exec(c.reason ?? '');
  if (m) return `avslutet står som ${stateSv(m[1]!).toLowerCase()} utan faktura`;
  return nothingToBillSv(c.reason);
}
