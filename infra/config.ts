import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isValidBankgiro } from '../billing/ocr';
import { PROJECT_ROOT } from './paths';

// The seller's own data and the close's settings are configuration, not code: a JSON file,
// config/month-close.json by default, another one with MONTH_CLOSE_CONFIG=path.

const sellerSchema = z.object({
  name: z.string().min(1),
  street: z.string().min(1),
  postalCode: z.string().min(1),
  city: z.string().min(1),
  country: z.string().length(2),
  orgNumber: z.string().regex(/^\d{6}-\d{4}$/, 'organisationsnummer is NNNNNN-NNNN'),
  vatNumber: z.string().regex(/^SE\d{10}01$/, 'momsregistreringsnummer is SE + 10 digits + 01'),
  bankgiro: z.string().refine(isValidBankgiro, 'bankgiro must be 7-8 digits with a valid Luhn check digit'),
  fSkatt: z.boolean(),
  registeredOffice: z.string().min(1),
  email: z.string().min(3),
  phone: z.string().optional(),
  lateInterestText: z.string().optional(),
});

// How drafts are approved. Amounts in öre incl. moms; see docs/finance-review.md.
const approvalPolicySchema = z
  .object({
    version: z.string().min(1),
    autoApprove: z.object({
      enabled: z.boolean(),
      maxChangePct: z.number().min(0).max(1000),
      maxChangeOre: z.number().int().min(0),
    }),
    flagChange: z.object({
      minChangePct: z.number().min(0).max(100_000),
      minChangeOre: z.number().int().min(0),
    }),
    fourEyesAboveOre: z.number().int().min(0),
    escalateAfterHours: z.number().positive(),
  })
  .refine((p) => p.autoApprove.maxChangePct <= p.flagChange.minChangePct && p.autoApprove.maxChangeOre <= p.flagChange.minChangeOre, {
    message: 'the auto-approve tolerance must lie within the flag threshold (maxChangePct <= minChangePct, maxChangeOre <= minChangeOre)',
  });

export const DEFAULT_APPROVAL_POLICY = {
  version: '2026-12-01',
  autoApprove: { enabled: true, maxChangePct: 5, maxChangeOre: 200_000 },
  flagChange: { minChangePct: 25, minChangeOre: 500_000 },
  fourEyesAboveOre: 5_000_000,
  escalateAfterHours: 72,
};

// Issue #22: payment reminders (betalningspåminnelse). A fee only when the customer agreed to one
// (påminnelseavgift; the law caps it at 60 kr).
const paymentRemindersSchema = z.object({
  graceDays: z.number().int().min(0).max(365),
  /** Days after the first reminder for a second one; null: one reminder only. */
  secondAfterDays: z.number().int().min(1).max(365).nullable(),
  feeOre: z.number().int().min(0).max(6_000),
});

export const DEFAULT_PAYMENT_REMINDERS = { graceDays: 10, secondAfterDays: null, feeOre: 0 };

// Issue #21: how invoices and credit notes are booked (SIE 4I). BAS accounts by default; each
// can be changed, revenue also per article (e.g. { "smart": { "domestic": 3011 } }).
const account = z.number().int().min(1000).max(9999);
const booksSchema = z.object({
  voucherSeries: z.string().regex(/^[A-Za-z0-9]{1,4}$/).default('B'),
  paymentSeries: z.string().regex(/^[A-Za-z0-9]{1,4}$/).default('C'),
  accounts: z
    .object({
      receivable: account.default(1510),
      salesDomestic: account.default(3001),
      salesReverseCharge: account.default(3308),
      /** Output VAT per rate (percent as text). */
      outputVat: z.record(z.string().regex(/^\d{1,2}$/), account).default({ '25': 2611, '12': 2621, '6': 2631 }),
      rounding: account.default(3740),
      bank: account.default(1930),
    })
    .prefault({}),
  revenueByArticle: z.record(z.string(), z.object({ domestic: account.optional(), reverseCharge: account.optional() })).default({}),
  /** Names for #KONTO of accounts that are not BAS defaults known here. */
  accountNames: z.record(z.string().regex(/^\d{4}$/), z.string().min(1)).default({}),
});
export type BooksConfig = z.infer<typeof booksSchema>;

const configSchema = z.object({
  seller: sellerSchema,
  paymentTermsDays: z.number().int().min(0).max(365),
  invoiceSeries: z.string().min(1),
  firstInvoiceNumber: z.number().int().min(1),
  /** Credit notes (kreditfakturor) have a gapless series of their own. */
  creditNoteSeries: z.string().min(1).default('K'),
  firstCreditNoteNumber: z.number().int().min(1).default(1),
  ocrLengthDigit: z.boolean(),
  financeApprovers: z.array(z.string().min(1)).min(1),
  reminderIntervalHours: z.number().positive(),
  maxConcurrentCloses: z.number().int().min(1).max(10_000),
  taskQueue: z.string().min(1),
  approvalPolicy: approvalPolicySchema.default(DEFAULT_APPROVAL_POLICY),
  paymentReminders: paymentRemindersSchema.default(DEFAULT_PAYMENT_REMINDERS),
  books: booksSchema.prefault({}),
});

export type AppConfig = z.infer<typeof configSchema>;
export type SellerConfig = AppConfig['seller'];

export const DEFAULT_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'month-close.json');

export function loadConfig(file = process.env.MONTH_CLOSE_CONFIG ?? DEFAULT_CONFIG_FILE): AppConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the configuration ${file}: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`configuration ${file} is invalid: ${issues}`);
  }
  return parsed.data;
}
