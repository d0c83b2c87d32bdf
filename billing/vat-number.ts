// Which VAT number belongs to which country, by the EU's conventions (VIES). Reverse charge
// depends on it (billing-rules.md, "Master data that can change a bill"), so the import that
// checks a customer and the close that decides the VAT treatment use this one module.

/** The 27 member states, as ISO 3166 country codes. */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
]);

/**
 * The prefixes a country's VAT numbers carry: its country code, except Greece (EL). A UK
 * business has GB, or XI in Northern Ireland; XI makes it an EU trader for goods only, and
 * a subscription is a service, so both are UK buyers here (outside the EU).
 */
export function vatPrefixes(country: string): readonly string[] {
  if (country === 'GR') return ['EL'];
  if (country === 'GB') return ['GB', 'XI'];
  return [country];
}

/** Codes people write in the country column that are VAT prefixes or aliases, not ISO codes. */
export const NOT_A_COUNTRY: Readonly<Record<string, string>> = {
  EL: 'EL is the VAT prefix of Greece; its country code is GR',
  UK: 'the country code of the United Kingdom is GB',
  XI: 'XI is the VAT prefix of Northern Ireland (for goods); its country code is GB',
};

// The VIES formats of the member states (and of the UK's GB/XI numbers), after the prefix.
const FORMATS: Readonly<Record<string, { pattern: RegExp; text: string }>> = {
  AT: { pattern: /^U\d{8}$/, text: 'U and 8 digits' },
  BE: { pattern: /^[01]\d{9}$/, text: '10 digits starting with 0 or 1' },
  BG: { pattern: /^\d{9,10}$/, text: '9 or 10 digits' },
  CY: { pattern: /^\d{8}[A-Z]$/, text: '8 digits and a letter' },
  CZ: { pattern: /^\d{8,10}$/, text: '8 to 10 digits' },
  DE: { pattern: /^\d{9}$/, text: '9 digits' },
  DK: { pattern: /^\d{8}$/, text: '8 digits' },
  EE: { pattern: /^\d{9}$/, text: '9 digits' },
  EL: { pattern: /^\d{9}$/, text: '9 digits' },
  ES: { pattern: /^[A-Z0-9]\d{7}[A-Z0-9]$/, text: '9 characters: a letter or digit, 7 digits, a letter or digit' },
  FI: { pattern: /^\d{8}$/, text: '8 digits' },
  FR: { pattern: /^[0-9A-HJ-NP-Z]{2}\d{9}$/, text: '2 letters or digits and 9 digits' },
  HR: { pattern: /^\d{11}$/, text: '11 digits' },
  HU: { pattern: /^\d{8}$/, text: '8 digits' },
  IE: { pattern: /^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/, text: '7 digits and 1 or 2 letters' },
  IT: { pattern: /^\d{11}$/, text: '11 digits' },
  LT: { pattern: /^(\d{9}|\d{12})$/, text: '9 or 12 digits' },
  LU: { pattern: /^\d{8}$/, text: '8 digits' },
  LV: { pattern: /^\d{11}$/, text: '11 digits' },
  MT: { pattern: /^\d{8}$/, text: '8 digits' },
  NL: { pattern: /^\d{9}B\d{2}$/, text: '9 digits, B and 2 digits' },
  PL: { pattern: /^\d{10}$/, text: '10 digits' },
  PT: { pattern: /^\d{9}$/, text: '9 digits' },
  RO: { pattern: /^\d{2,10}$/, text: '2 to 10 digits' },
  SE: { pattern: /^\d{10}01$/, text: 'the 10-digit organisation number and 01' },
  SI: { pattern: /^\d{8}$/, text: '8 digits' },
  SK: { pattern: /^\d{10}$/, text: '10 digits' },
  GB: { pattern: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, text: '9 or 12 digits' },
  XI: { pattern: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, text: '9 or 12 digits' },
};
const ANY_FORMAT = { pattern: /^[A-Z0-9]{2,13}$/, text: '2 to 13 capital letters or digits' };

/** Why `vat` cannot be the VAT number of a buyer in `country`, or null. */
export function vatNumberProblem(country: string, vat: string): string | null {
  const prefix = vat.slice(0, 2);
  const expected = vatPrefixes(country);
  if (!expected.includes(prefix)) {
    const must = `it must start with ${expected.join(' or ')}`;
    if (!/^[A-Z]{2}$/.test(prefix)) return `does not start with a country prefix in capitals: ${must}`;
    const greek = country === 'GR' && prefix === 'GR' ? ' (Greek VAT numbers start with EL)' : '';
    return `has the prefix ${prefix}, but the customer's country is ${country}: ${must}${greek}`;
  }
  const format = FORMATS[prefix] ?? ANY_FORMAT;
  return format.pattern.test(vat.slice(2)) ? null : `is not a VAT number of ${prefix} (${prefix} and ${format.text}, no spaces or dots)`;
}

/**
 * Reverse charge: a buyer in another EU country whose VAT number is of that country. Anything
 * else is billed with Swedish VAT, or refused by the close (buyers outside the EU).
 */
export function isReverseCharge(country: string, vat: string | null): boolean {
  return country !== 'SE' && EU_COUNTRIES.has(country) && vat !== null && vat !== '' && vatNumberProblem(country, vat) === null;
}
