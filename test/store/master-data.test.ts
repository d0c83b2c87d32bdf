import { describe, expect, it } from 'vitest';
import { customerTerms, masterDataProblems, type CustomerRecord } from '../../store/customers';

// A French customer with a German VAT number must never be billed 0 % VAT: the import refuses
// such a row, and the close checks again for data stored before the import checked.

const BASE: CustomerRecord = {
  customerId: 'C1',
  name: 'Client SARL',
  orgNumber: '123 456 789',
  vatNumber: 'FR40123456789',
  street: '1 rue de Rivoli',
  postalCode: '75001',
  city: 'Paris',
  country: 'FR',
  partnerId: 'P1',
  partnerName: 'Partner',
  buyerReference: null,
  billingEmail: 'a@b.fr',
  monthlyBillingFrom: '2024-01-01',
  prepaidThrough: null,
  peppolEndpoint: null,
};

describe('master data that can change a bill', () => {
  it('a VAT number of the customer’s own EU country passes and is reverse charged', () => {
    expect(masterDataProblems(BASE)).toEqual([]);
    expect(customerTerms(BASE).vatTreatment).toBe('reverse_charge');
  });

  it('a VAT number of another country stops the close with the reason', () => {
    expect(masterDataProblems({ ...BASE, vatNumber: 'DE123456789' })).toEqual([
      "VAT number DE123456789 has the prefix DE, but the customer's country is FR: it must start with FR",
    ]);
  });

  it('Greece uses the prefix EL', () => {
    const greek = { ...BASE, country: 'GR', vatNumber: 'EL123456789' };
    expect(masterDataProblems(greek)).toEqual([]);
    expect(masterDataProblems({ ...greek, vatNumber: 'GR123456789' })).toHaveLength(1);
  });

  it('a Swedish buyer is domestic', () => {
    const swedish = { ...BASE, country: 'SE', vatNumber: 'SE556123456701' };
    expect(masterDataProblems(swedish)).toEqual([]);
    expect(customerTerms(swedish).vatTreatment).toBe('domestic');
  });
});
