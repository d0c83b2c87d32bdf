// Peppol electronic addresses (EAS scheme + id) of the buyer, from the customer's data.

import type { BuyerInfo } from '../pdf/invoice-document';
import { PeppolError } from './errors';

/** EAS codes of the EU countries' VAT numbers (the Peppol code list), for buyers abroad. */
const VAT_SCHEME: Record<string, string> = {
  AT: '9914', BE: '9925', BG: '9926', CY: '9928', CZ: '9929', DE: '9930', EE: '9931', GR: '9933',
  HR: '9934', IE: '9935', LT: '9937', LU: '9938', LV: '9939', MT: '9943', NL: '9944', PL: '9945',
  PT: '9946', RO: '9947', SI: '9949', SK: '9950', FR: '9957', HU: '9910', ES: '9920', IT: '0211',
};

/** 556677-8899 → 5566778899 (Bolagsverket's number without the hyphen, as scheme 0007 wants). */
export function orgDigits(orgNumber: string): string {
  return orgNumber.replace(/\D/g, '');
}

/**
 * The buyer's endpoint: `peppol_endpoint` ("SCHEME:ID") when the customer has one; otherwise a
 * Swedish buyer's organisation number under scheme 0007, and a buyer abroad's VAT number under
 * its country's VAT scheme (DK: CVR 0184, FI: OVT 0216).
 */
export function buyerEndpoint(b: BuyerInfo & { peppolEndpoint?: string | null }): { scheme: string; id: string } {
  if (b.peppolEndpoint) {
    const m = /^(\d{4}):(.+)$/.exec(b.peppolEndpoint.trim());
    if (!m) throw new PeppolError(`customer ${b.customerId}: peppol_endpoint ${JSON.stringify(b.peppolEndpoint)} is not SCHEME:ID, e.g. 0007:5561234567`);
    return { scheme: m[1], id: m[2] };
  }
  if (b.country === 'SE') return { scheme: '0007', id: orgDigits(b.orgNumber) };
  const vatDigits = (b.vatNumber ?? '').replace(/^[A-Z]{2}/, '');
  if (b.country === 'DK' && vatDigits) return { scheme: '0184', id: vatDigits };
  if (b.country === 'FI' && vatDigits) return { scheme: '0216', id: `0037${vatDigits}` };
  const scheme = VAT_SCHEME[b.country];
  if (scheme && b.vatNumber) return { scheme, id: b.vatNumber };
  throw new PeppolError(`customer ${b.customerId} (${b.country}) has no Peppol endpoint: set peppol_endpoint as SCHEME:ID`);
}
