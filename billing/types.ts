// Shared vocabulary of the billing domain. Pure data: safe to import from workflow code.

export const ARTICLES = ['smart', 'komplett', 'extra_company', 'superuser', 'portal_user', 'archive_user'] as const;
export type Article = (typeof ARTICLES)[number];

export const ROLES = ['superuser', 'portal_user', 'archive_user'] as const;
export type Role = (typeof ROLES)[number];

export const MODULES = ['smart', 'komplett'] as const;
export type Module = (typeof MODULES)[number];

export const SUBJECT_TYPES = ['user', 'module', 'company'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export const ACTIONS = ['activated', 'deactivated', 'role_changed'] as const;
export type Action = (typeof ACTIONS)[number];

/** One portal event as stored. `arrivalSeq` orders events that share an `occurredAtMs`. */
export interface UsageEvent {
  eventId: string;
  customerId: string;
  occurredAtMs: number;
  subjectType: SubjectType;
  subjectId: string;
  action: Action;
  role: Role | null;
  arrivalSeq: number;
}

/** An event the fold could not apply because it contradicts the state at its time. */
export interface EventContradiction {
  eventId: string;
  reason: string;
}

/** What a customer had active at any time during a period; price-free. */
export interface UsageSnapshot {
  customerId: string;
  period: string; // YYYY-MM
  modules: Module[]; // sorted
  users: { userId: string; roles: Role[] }[]; // sorted by userId; roles held while active in the period, sorted
  companies: string[]; // sorted
  /**
   * Set when billing starts inside the period (after a prepaid quarter or at go-live): the
   * Stockholm date from which activity was counted. Absent: the whole period counted.
   */
  countedFrom?: string;
}

/** One article's price, effective from `validFrom` (YYYY-MM-DD, Stockholm date). */
export interface PriceItem {
  article: Article;
  description: string; // the new description, printed on the invoice and in the preview
  legacyDescription: string;
  unitPriceOre: number; // per month
  vatPercent: number;
  includedQuantity: number; // only meaningful for extra_company
  validFrom: string;
}

/** The price of every article in force for one period. */
export type PriceList = Record<Article, PriceItem>;

export interface InvoiceLine {
  article: Article;
  description: string;
  legacyDescription: string;
  quantity: number;
  unitPriceOre: number;
  amountOre: number;
  vatPercent: number;
  /** Set when the month is billed pro rata after a prepaid quarter ended inside it. */
  proRata: { billedDays: number; daysInMonth: number } | null;
}

export interface VatBreakdownRow {
  vatPercent: number;
  vatCategory: 'S' | 'AE'; // EN 16931 codes: standard rate, reverse charge
  baseOre: number; // beskattningsunderlag
  vatOre: number;
}

export type VatTreatment = 'domestic' | 'reverse_charge';

export interface RatedInvoice {
  customerId: string;
  period: string;
  lines: InvoiceLine[];
  vatBreakdown: VatBreakdownRow[];
  netOre: number;
  vatOre: number;
  roundingOre: number; // öresavrundning, -49..+50
  totalOre: number; // att betala, whole kronor
  vatTreatment: VatTreatment;
}

/** The outcome of rating: an invoice, or a recorded reason why there is none. */
export type RatingOutcome =
  | { kind: 'invoice'; invoice: RatedInvoice }
  | { kind: 'nothing_to_bill'; reason: string };

/** Billing terms of one customer that rating needs (from master data). */
export interface CustomerTerms {
  customerId: string;
  monthlyBillingFrom: string; // YYYY-MM-DD
  prepaidThrough: string | null; // YYYY-MM-DD, last prepaid day (inclusive)
  vatTreatment: VatTreatment;
}
