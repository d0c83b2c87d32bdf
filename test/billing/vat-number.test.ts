import { describe, expect, it } from 'vitest';
import { isReverseCharge, vatNumberProblem } from '../../billing/vat-number';
import { customerTerms, masterDataProblems, type CustomerRecord } from '../../store/customers';

// billing-rules.md, "Master data that can change a bill": reverse charge only for a buyer in
// another EU country whose VAT number carries that country's prefix.

describe('VAT numbers and reverse charge', () => {
  it('accepts the VIES formats of the demo countries and the EU exceptions', () => {
    expect(vatNumberProblem('FI', 'FI12345678')).toBeNull();
    expect(vatNumberProblem('DK', 'DK12345678')).toBeNull();
    expect(vatNumberProblem('SE', 'SE556036079301')).toBeNull();
    expect(vatNumberProblem('DE', 'DE123456789')).toBeNull();
    expect(vatNumberProblem('GR', 'EL123456789')).toBeNull();
    expect(vatNumberProblem('NL', 'NL123456789B01')).toBeNull();
    expect(vatNumberProblem('AT', 'ATU12345678')).toBeNull();
    expect(vatNumberProblem('GB', 'XI123456789')).toBeNull();
    expect(vatNumberProblem('GB', 'GB123456789')).toBeNull();
  });

  it('refuses a number of another country, naming both', () => {
    expect(vatNumberProblem('FR', 'DE123456789')).toBe("has the prefix DE, but the customer's country is FR: it must start with FR");
    expect(vatNumberProblem('GR', 'GR123456789')).toBe(
      "has the prefix GR, but the customer's country is GR: it must start with EL (Greek VAT numbers start with EL)",
    );
    expect(vatNumberProblem('DE', 'DE 123 456 789')).toBe('is not a VAT number of DE (DE and 9 digits, no spaces or dots)');
    expect(vatNumberProblem('FI', 'FI1234567')).toBe('is not a VAT number of FI (FI and 8 digits, no spaces or dots)');
  });

  it('reverse-charges only an EU buyer outside Sweden with its own country prefix', () => {
    expect(isReverseCharge('FI', 'FI12345678')).toBe(true);
    expect(isReverseCharge('GR', 'EL123456789')).toBe(true);
    expect(isReverseCharge('FR', 'DE123456789')).toBe(false);
    expect(isReverseCharge('SE', 'SE556036079301')).toBe(false);
    expect(isReverseCharge('GB', 'XI123456789')).toBe(false); // services to Northern Ireland are not EU sales
    expect(isReverseCharge('FI', null)).toBe(false);
  });

  it('fails the close of a customer stored with a mismatched number instead of billing 0 %', () => {
    const customer: CustomerRecord = {
      customerId: 'C-FR', name: 'Dupont SARL', orgNumber: '123 456 789', vatNumber: 'DE123456789', street: '1 rue de la Paix',
      postalCode: '75002', city: 'Paris', country: 'FR', partnerId: 'P-1', partnerName: 'P-1', buyerReference: null,
      billingEmail: 'compta@dupont.fr', monthlyBillingFrom: '2024-11-01', prepaidThrough: null, peppolEndpoint: null,
    };
    expect(customerTerms(customer).vatTreatment).toBe('domestic');
    expect(masterDataProblems(customer)).toEqual([
      "VAT number DE123456789 has the prefix DE, but the customer's country is FR: it must start with FR",
    ]);
    const fixed = { ...customer, vatNumber: 'FR12345678901' };
    expect(customerTerms(fixed).vatTreatment).toBe('reverse_charge');
    expect(masterDataProblems(fixed)).toEqual([]);
  });
});
