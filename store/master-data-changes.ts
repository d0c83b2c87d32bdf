import type { RatedInvoice } from '../billing/types';
import { customerTerms, type CustomerRecord } from './customers';

// What an approved draft showed against the customer's master data now. An invoice is issued
// only from data finance saw: name, address, org and VAT number, e-mail, Peppol address, buyer
// reference, partner and the VAT treatment they imply (docs/master-data-at-approval.md).

/** The fields compared, with the words a message uses for them. */
const FIELDS: [keyof CustomerRecord, string][] = [
  ['name', 'name'],
  ['street', 'street'],
  ['postalCode', 'postal code'],
  ['city', 'city'],
  ['country', 'country'],
  ['orgNumber', 'organisation number'],
  ['vatNumber', 'VAT number'],
  ['billingEmail', 'billing e-mail'],
  ['peppolEndpoint', 'Peppol address'],
  ['buyerReference', 'buyer reference'],
  ['partnerId', 'partner'],
];

const norm = (v: unknown) => (v === undefined || v === '' ? null : v);

/** The changes since the draft, as "VAT number (SE556… → none)"; empty when none. */
export function masterDataChanges(shown: Partial<CustomerRecord>, rated: Pick<RatedInvoice, 'vatTreatment'>, now: CustomerRecord | null): string[] {
  if (now === null) return ['the customer no longer exists'];
  const changes: string[] = [];
  for (const [field, words] of FIELDS) {
    const before = norm(shown[field]);
    const after = norm(now[field]);
    if (before !== after) changes.push(field === 'vatNumber' && after === null ? `${words} removed` : `${words} changed`);
  }
  const treatment = customerTerms(now).vatTreatment;
  if (treatment !== rated.vatTreatment) changes.push(`VAT treatment ${rated.vatTreatment} → ${treatment}`);
  return changes;
}
