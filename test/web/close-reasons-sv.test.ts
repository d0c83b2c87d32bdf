import { describe, expect, it } from 'vitest';
import { billingCoverage, parsePeriod, periodNotEndedReason } from '../../billing';
import { Failure, FAILURE_SV } from '../../contracts/failures';
import { masterDataProblems, type CustomerRecord } from '../../store/customers';
import { failureSv, failureTextSv, nothingToBillSv } from '../../web/close-reasons-sv';

// The English reasons the code writes, said in Swedish for the console. The reasons are made by
// the functions that write them, so a reworded message that is no longer recognised fails here.

const ENGLISH_WORDS = /\b(the|is|are|was|has|have|cannot|with|of|and|not|been|will|this|that|which|only|then|from|before|after|no)\b/;
const PERIOD = parsePeriod('2024-11');

const customer: CustomerRecord = {
  customerId: 'C1', name: 'Kund AB', orgNumber: '', vatNumber: null, street: '', postalCode: '', city: '', country: 'US',
  partnerId: 'P1', partnerName: 'P', buyerReference: null, billingEmail: 'a@b.se', monthlyBillingFrom: '2024-01-01', prepaidThrough: null, peppolEndpoint: null,
} as CustomerRecord;

describe('failure reasons in Swedish', () => {
  it('every failure type has a Swedish title and next step without English', () => {
    for (const type of Object.values(Failure)) {
      const sv = FAILURE_SV[type];
      expect(sv.title.length, type).toBeGreaterThan(5);
      expect(`${sv.title} ${sv.nextStep}`, type).not.toMatch(ENGLISH_WORDS);
    }
    // An unknown or missing type reads as the close's failure, never as the raw text.
    expect(failureSv('SomethingNew', 'it broke')).toMatchObject({ code: 'CloseFailed', detail: null });
  });

  it('says the particulars of the reasons the code writes in Swedish', () => {
    const master = `customer C1 cannot be invoiced: ${masterDataProblems(customer).join(', ')}`;
    expect(failureSv('BadMasterData', master).detail).toBe('momsregistreringsnummer saknas, organisationsnummer saknas, adressen är ofullständig, landet US ligger utanför EU (export faktureras inte)');
    const notEnded = periodNotEndedReason(PERIOD, Date.parse('2024-11-20T12:00:00Z'))!;
    expect(failureSv('PeriodNotEnded', `C1: ${notEnded}`).detail).toBe('2024-11 pågår fortfarande; den kan stängas från 2024-12-01 00:00');
    expect(failureSv('UnknownCustomer', 'unknown customer "C9"').detail).toBe('kundnumret C9 finns inte i kundregistret');
    expect(failureSv('AlreadyInvoiced', 'C1 2024-11 already has invoice F10001; corrections are credit notes').detail).toBe('kunden har redan faktura F10001 för 2024-11');
    expect(failureSv('MissingPrice', "no price for superuser ('OneStop Reporting - Superanvändare') in force for 2024-11; customer C1 uses it").detail).toBe(
      'inget pris för ”OneStop Reporting - Superanvändare” gäller för 2024-11, och kunden använder artikeln',
    );
    // Said from the refusal's facts (billing/refusal-sv.ts), as the console's flashes say them.
    expect(failureSv('CreditRefused', 'F10001 is already fully credited by K1: nothing left to credit').detail).toBe('faktura F10001 är redan helt krediterad med K1; det finns inget kvar att kreditera');
    expect(failureSv('CreditRefused', 'portal_user: crediting 3 would credit more than F10001 invoiced (2, of which 0 already credited)').detail).toBe(
      'att kreditera 3 ”OneStop Reporting - Portalanvändare” är mer än faktura F10001 har kvar: 2 fakturerade, varav 0 redan krediterade, så högst 2 kan krediteras',
    );
    expect(failureSv('CreditRefused', '--reissue needs F10001 credited in full; this credit leaves 24400 öre of it live').detail?.replace(/\u00a0/g, ' ')).toBe(
      'en rättad faktura kan bara utfärdas när hela faktura F10001 krediteras (den här krediteringen lämnar 244,00 kr kvar): välj hela fakturan, eller kreditera alla rader som är kvar',
    );
    expect(failureSv('CreditRefused', 'no invoice F1: only a final invoice can be credited').detail).toBe('det finns ingen faktura F1 att kreditera (en kreditfaktura kan inte krediteras)');
    expect(failureSv(null, 'its workflow close-2024-11-C1 stopped without an outcome (terminated or timed out)')).toMatchObject({
      code: 'CloseFailed',
      detail: 'arbetsflödet close-2024-11-C1 stannade utan resultat (avbrutet eller tidsgränsen nådd)',
    });
    for (const [type, reason] of [['BadMasterData', master], ['PeriodNotEnded', notEnded]] as const) expect(failureTextSv(type, reason)).not.toMatch(ENGLISH_WORDS);
  });

  it('says why nothing is billed in Swedish, from billing/rating.ts own reasons', () => {
    const none = (terms: { monthlyBillingFrom: string; prepaidThrough: string | null }) => {
      const c = billingCoverage({ customerId: 'C1', vatTreatment: 'domestic', ...terms }, PERIOD);
      return c.kind === 'none' ? c.reason : '';
    };
    expect(nothingToBillSv(none({ monthlyBillingFrom: '2024-01-01', prepaidThrough: '2024-12-31' }))).toBe('2024-11 är förbetald till och med 2024-12-31 (kvartalsfakturering)');
    expect(nothingToBillSv(none({ monthlyBillingFrom: '2025-01-01', prepaidThrough: null }))).toBe('månadsfaktureringen börjar 2025-01-01; 2024-11 faktureras inte här');
    expect(nothingToBillSv('no active modules, users or extra companies in 2024-11')).toBe('inga aktiva moduler, användare eller extra bolag under 2024-11');
  });
});
