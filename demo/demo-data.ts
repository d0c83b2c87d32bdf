// A deterministic, realistic demo tenant set for month-close, written as the four CSV
// files the imports read (partners, customers, prices, usage), so that the demo goes through
// the real import path. Same options, byte-identical files: a seeded PRNG, no clock.
//
// The story: OneStop Reporting customers of a handful of Swedish partners move from
// quarterly to monthly billing at the start of the history. The portal has reported
// module, user and company changes since then; the last history month is the one the
// demo closes. A few customers are special on purpose (see pickSpecialCustomers), and a
// few usage rows are bad on purpose (see badRows) so the import and the close show how
// they deal with them.

import fs from 'node:fs/promises';
import path from 'node:path';
import { ARTICLE_INFO } from '../billing/articles';
import { luhnCheckDigit } from '../billing/ocr';
import { addDays, daysBetween, parsePeriod, previousPeriod, stockholmOffsetMinutes, type Period } from '../billing/period';
import { ARTICLES, type Article, type Role } from '../billing/types';

export interface DemoDataOptions {
  /** Number of customers (default 200, at least 10 so every special case fits). */
  customers?: number;
  /** 'YYYY-MM': the month that will be closed; the last month of the history. */
  period: string;
  /** PRNG seed (default 20241101). */
  seed?: number;
  /** Months of portal history before and including the period (default 4, at least 2). */
  historyMonths?: number;
}

export interface DemoDataFiles {
  /** Import first: customers name their partner. */
  partnersCsv: string;
  customersCsv: string;
  pricesCsv: string;
  usageCsv: string;
  expected: {
    partners: number;
    customers: number;
    /** Data rows in usage.csv, the deliberately bad ones included. */
    events: number;
    /** Customers whose close for the period should end as nothing to bill. */
    nothingToBill: string[];
    /** Customers whose close should fail on their master data (no VAT number). */
    badMasterData: string[];
    /** What `usage import` should report for usage.csv, and what the fold should reject. */
    usage: { accepted: number; duplicates: number; rejected: number; contradictions: number };
  };
}

export const PARTNER_HEADER = ['partner_id', 'name', 'org_number', 'email', 'street', 'postal_code', 'city', 'country'] as const;
export const CUSTOMER_HEADER = [
  'customer_id', 'name', 'org_number', 'vat_number', 'billing_email', 'street', 'postal_code',
  'city', 'country', 'partner_id', 'monthly_billing_from', 'prepaid_through',
] as const;
export const PRICE_HEADER = [
  'article', 'description', 'legacy_description', 'unit_price_ore', 'vat_percent', 'included_quantity', 'valid_from',
] as const;
export const USAGE_HEADER = ['event_id', 'customer_id', 'occurred_at', 'subject_type', 'subject_id', 'action', 'role'] as const;

/** The worked example's price list (öre per month). */
const PRICES_ORE: Record<Article, number> = {
  smart: 149_500,
  komplett: 299_500,
  extra_company: 29_500,
  superuser: 39_500,
  portal_user: 19_500,
  archive_user: 9_500,
};

// ---------------------------------------------------------------- PRNG

/** mulberry32: tiny, fast and good enough for demo data. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

// ---------------------------------------------------------------- word lists

const PARTNERS: readonly (readonly [string, number])[] = [
  ['P-NORRSKEN', 30],
  ['P-SVEAEKONOMI', 25],
  ['P-FJALLDATA', 20],
  ['P-BOKFORARNA', 15],
  ['P-VASTKUSTIT', 10],
];

/** The partners' master data (fixed: no PRNG draws, so the other files do not change). */
const PARTNER_ROWS: Readonly<Record<string, Omit<Record<(typeof PARTNER_HEADER)[number], string>, 'partner_id'>>> = {
  'P-NORRSKEN': { name: 'Norrsken Affärssystem AB', org_number: '556677-1233', email: 'faktura@norrsken.example', street: 'Storgatan 12', postal_code: '903 26', city: 'Umeå', country: 'SE' },
  'P-SVEAEKONOMI': { name: 'Svea Ekonomipartner AB', org_number: '559012-3450', email: 'partner@sveaekonomi.example', street: 'Kungsgatan 40', postal_code: '111 35', city: 'Stockholm', country: 'SE' },
  'P-FJALLDATA': { name: 'Fjälldata i Jämtland AB', org_number: '556432-1098', email: 'ekonomi@fjalldata.example', street: 'Prästgatan 5', postal_code: '831 31', city: 'Östersund', country: 'SE' },
  'P-BOKFORARNA': { name: 'Bokförarna Syd AB', org_number: '556987-6542', email: 'info@bokforarna.example', street: 'Stortorget 3', postal_code: '211 22', city: 'Malmö', country: 'SE' },
  'P-VASTKUSTIT': { name: 'Västkust IT & Redovisning AB', org_number: '556210-9875', email: 'faktura@vastkustit.example', street: 'Östra Hamngatan 16', postal_code: '411 09', city: 'Göteborg', country: 'SE' },
};

const SURNAMES = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson',
  'Gustafsson', 'Pettersson', 'Jonsson', 'Hansson', 'Bengtsson', 'Jönsson', 'Lindberg', 'Lindström',
  'Lindqvist', 'Lindgren', 'Bergström', 'Lundberg', 'Lundgren', 'Lundqvist', 'Mattsson', 'Berglund',
  'Fredriksson', 'Sandberg', 'Henriksson', 'Forsberg', 'Sjöberg', 'Wallin', 'Engström', 'Eklund',
  'Danielsson', 'Håkansson', 'Lundin', 'Björk', 'Bergman', 'Gunnarsson', 'Holm', 'Wikström', 'Samuelsson',
  'Isaksson', 'Fransson', 'Bergqvist', 'Nyström', 'Holmberg', 'Arvidsson', 'Löfgren', 'Söderberg', 'Nyberg',
  'Blomqvist', 'Claesson', 'Nordström', 'Mårtensson', 'Åkesson', 'Öberg', 'Ström', 'Hedlund', 'Sundberg',
  'Sjögren', 'Hellström', 'Dahlberg', 'Näslund', 'Åström', 'Östlund', 'Ekström', 'Söderström', 'Sjölund',
];

const REGIONS = [
  'Norrlands', 'Västkustens', 'Mälardalens', 'Skånska', 'Smålands', 'Gotlands', 'Upplands', 'Värmlands',
  'Dalarnas', 'Östgöta', 'Hälsinge', 'Jämtlands', 'Roslagens', 'Bohusläns', 'Ångermanlands', 'Västerbottens',
];

const TRADES = [
  'Bygg', 'Revision', 'Redovisning', 'Fastigheter', 'Transport', 'Åkeri', 'Elteknik', 'VVS', 'Måleri',
  'Konsult', 'Plåtslageri', 'Skog', 'Livs', 'Trä', 'Mekaniska', 'Handel', 'Ekonomi', 'Glas', 'Städ', 'Fisk',
  'Bageri', 'Snickeri', 'Data', 'Rör', 'Lantbruk', 'Maskin', 'Järn', 'Betong',
];

const ESTATE_NAMES = ['Solgläntan', 'Björkhagen', 'Ekbacken', 'Sjöudden', 'Tallåsen', 'Granhöjden', 'Älvkanten', 'Lärkträdet'];

const STREETS = [
  'Storgatan', 'Drottninggatan', 'Kungsgatan', 'Sveavägen', 'Vasagatan', 'Södra Förstadsgatan', 'Östra Hamngatan',
  'Järnvägsgatan', 'Industrivägen', 'Hantverkargatan', 'Fabriksgatan', 'Skolgatan', 'Kyrkogatan', 'Ågatan',
  'Norra Strandgatan', 'Sjögatan', 'Verkstadsgatan', 'Bruksgatan', 'Götgatan', 'Företagsvägen', 'Målargatan',
];

/** City and the first three digits of its postal codes. */
const CITIES: readonly (readonly [string, string])[] = [
  ['Stockholm', '113'], ['Stockholm', '116'], ['Göteborg', '411'], ['Malmö', '211'], ['Uppsala', '753'],
  ['Linköping', '582'], ['Örebro', '702'], ['Västerås', '722'], ['Umeå', '903'], ['Luleå', '972'],
  ['Jönköping', '553'], ['Växjö', '352'], ['Sundsvall', '852'], ['Gävle', '802'], ['Karlstad', '652'],
  ['Helsingborg', '252'], ['Norrköping', '602'], ['Östersund', '831'], ['Skellefteå', '931'], ['Borås', '503'],
  ['Halmstad', '302'], ['Kalmar', '392'], ['Falun', '791'], ['Visby', '621'], ['Örnsköldsvik', '891'],
];

const MAILBOXES = ['faktura', 'ekonomi', 'invoice', 'redovisning', 'leverantorsfakturor'];

// ---------------------------------------------------------------- master data helpers

/** An aktiebolag's organisation number: 556/559 + 6 digits + Luhn check digit. */
function swedishOrgNumber(rng: Rng): string {
  let nine = rng.pick(['556', '559']);
  for (let i = 0; i < 6; i++) nine += String(rng.int(0, 9));
  const ten = nine + String(luhnCheckDigit(nine));
  return `${ten.slice(0, 6)}-${ten.slice(6)}`;
}

/** A Finnish business id (Y-tunnus) NNNNNNN-C, check digit mod 11 with weights 7 9 10 5 8 4 2. */
function finnishBusinessId(rng: Rng): string {
  for (;;) {
    let seven = String(rng.int(1, 3));
    for (let i = 0; i < 6; i++) seven += String(rng.int(0, 9));
    const weights = [7, 9, 10, 5, 8, 4, 2];
    const rest = weights.reduce((sum, w, i) => sum + w * Number(seven[i]), 0) % 11;
    if (rest === 1) continue; // no valid check digit: such ids are never issued
    return `${seven}-${rest === 0 ? 0 : 11 - rest}`;
  }
}

/** ASCII slug for e-mail domains: 'Öberg & Söner, "Bygg" AB' → 'obergsonerbygg'. */
function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[åä]/g, 'a')
    .replace(/ö/g, 'o')
    .replace(/\b(ab|hb|kb|oy|publ)\b/g, '')
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 30);
}

function companyName(rng: Rng): string {
  const surname = rng.pick(SURNAMES);
  const trade = rng.pick(TRADES);
  return rng.weighted<() => string>([
    [() => `${surname}s ${trade} AB`, 28],
    [() => `${rng.pick(REGIONS)} ${trade} AB`, 22],
    [() => `${surname} & Söner AB`, 8],
    [() => `${surname} & ${rng.pick(SURNAMES)} ${trade} HB`, 8],
    [() => `${trade} i ${rng.pick(CITIES)[0]} AB`, 8],
    [() => `Fastighets AB ${rng.pick(ESTATE_NAMES)}`, 5],
    [() => `Fastighets AB "${rng.pick(ESTATE_NAMES)}"`, 4], // quotes
    [() => `${surname}, ${rng.pick(SURNAMES)} & Partners KB`, 6], // comma
    [() => `${surname} & Söner, "${trade}" AB`, 5], // comma and quotes
    [() => `${rng.pick(REGIONS)} ${trade} AB (publ)`, 3],
    [() => `${surname} ${trade}, Filial AB`, 3], // comma
  ])();
}

// ---------------------------------------------------------------- calendar

/** Days are counted from the first day of the history (day 0); times are seconds after local midnight. */
interface Calendar {
  period: Period;
  historyStart: string; // YYYY-MM-DD
  /** Day index of the first day of each history month; the last one is the period. */
  monthStarts: number[];
  periodStartDay: number;
  endDay: number; // exclusive: the first day after the period
}

function buildCalendar(period: Period, historyMonths: number): Calendar {
  const months = [period];
  while (months.length < historyMonths) months.unshift(previousPeriod(months[0]!));
  const historyStart = months[0]!.firstDay;
  const monthStarts = months.map((m) => daysBetween(historyStart, m.firstDay));
  return {
    period,
    historyStart,
    monthStarts,
    periodStartDay: monthStarts[historyMonths - 1]!,
    endDay: daysBetween(historyStart, addDays(period.lastDay, 1)),
  };
}

/** The UTC instant of local Stockholm time `tod` seconds after midnight on `date`. */
function stockholmInstant(date: string, tod: number): number {
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + tod * 1000;
  // The offset two hours before the wall time as if it were UTC is the right one for every
  // time this file uses (never inside the 02:00-03:00 changeover hour).
  return wall - stockholmOffsetMinutes(wall - 2 * 3_600_000) * 60_000;
}

/** ISO 8601 with Z or the Stockholm offset, like the portal's exporter writes (it mixes both). */
function formatInstant(utcMs: number, withOffset: boolean): string {
  if (!withOffset) return new Date(utcMs).toISOString().slice(0, 19) + 'Z';
  const offset = stockholmOffsetMinutes(utcMs);
  return `${new Date(utcMs + offset * 60_000).toISOString().slice(0, 19)}+0${offset / 60}:00`;
}

// ---------------------------------------------------------------- customers

type Special = 'nothing_to_bill' | 'bad_master_data' | 'eu_fi' | 'eu_dk' | 'prepaid_in_period' | 'late_go_live';

interface CustomerRow {
  customer_id: string;
  name: string;
  org_number: string;
  vat_number: string;
  billing_email: string;
  street: string;
  postal_code: string;
  city: string;
  country: string;
  partner_id: string;
  monthly_billing_from: string;
  prepaid_through: string;
}

interface CustomerPlan {
  row: CustomerRow;
  special: Special | null;
  /** Day of the first portal events. */
  startDay: number;
}

/** Distinct customers for each special case; everyone else is ordinary. */
function pickSpecialCustomers(rng: Rng, count: number): Map<number, Special> {
  const order = rng.shuffle([...Array(count).keys()]);
  const specials: Special[] = ['nothing_to_bill', 'bad_master_data', 'eu_fi', 'eu_dk'];
  for (let i = 0; i < Math.max(1, Math.round(count * 0.025)); i++) specials.push('prepaid_in_period');
  for (let i = 0; i < Math.max(1, Math.round(count * 0.05)); i++) specials.push('late_go_live');
  const result = new Map<number, Special>();
  specials.forEach((s, i) => result.set(order[i]!, s));
  return result;
}

function makeCustomer(rng: Rng, index: number, idWidth: number, special: Special | null, cal: Calendar, usedNames: Set<string>, usedOrgs: Set<string>): CustomerPlan {
  const customerId = `C${String(index + 1).padStart(idWidth, '0')}`;
  const partner = rng.weighted(PARTNERS);
  let startDay = rng.int(0, 2);
  let billingFrom = cal.historyStart;
  let prepaidThrough = rng.chance(0.1) ? addDays(cal.historyStart, -1) : ''; // last prepaid quarter ended just before
  if (special === 'late_go_live') {
    // Moved to monthly billing later (the go-live date is per customer and was postponed).
    const month = rng.int(1, cal.monthStarts.length - 1);
    billingFrom = addDays(cal.historyStart, cal.monthStarts[month]!);
    startDay = Math.max(0, cal.monthStarts[month]! - rng.int(0, 5));
    prepaidThrough = addDays(billingFrom, -1);
  }
  if (special === 'prepaid_in_period') {
    // The prepaid quarter ends inside the period: the period is billed pro rata.
    prepaidThrough = `${cal.period.id}-${rng.pick(['10', '15', '15', '20'])}`;
  }

  if (special === 'eu_fi' || special === 'eu_dk') {
    const fi = special === 'eu_fi';
    const name = fi ? `${rng.pick(['Järvinen', 'Virtanen', 'Korhonen', 'Mäkinen', 'Nieminen'])} Rakennus Oy` : `${rng.pick(['Hansen', 'Jørgensen', 'Nielsen', 'Sørensen'])} & Co. ApS`;
    const businessId = fi ? finnishBusinessId(rng) : String(rng.int(10_000_000, 99_999_999));
    return {
      special,
      startDay,
      row: {
        customer_id: customerId,
        name,
        org_number: businessId,
        vat_number: (fi ? 'FI' : 'DK') + businessId.replace('-', ''),
        billing_email: `${fi ? 'laskutus' : 'faktura'}@${slug(name)}.${fi ? 'fi' : 'dk'}`,
        street: fi ? `Mannerheimintie ${rng.int(1, 80)}` : `Vesterbrogade ${rng.int(1, 120)}`,
        postal_code: fi ? '00100' : '1620',
        city: fi ? 'Helsinki' : 'København V',
        country: fi ? 'FI' : 'DK',
        partner_id: partner,
        monthly_billing_from: billingFrom,
        prepaid_through: prepaidThrough,
      },
    };
  }

  let name = companyName(rng);
  for (let tries = 0; usedNames.has(name); tries++) name = tries < 20 ? companyName(rng) : `${companyName(rng)} ${index + 1}`;
  usedNames.add(name);
  let org = swedishOrgNumber(rng);
  while (usedOrgs.has(org)) org = swedishOrgNumber(rng);
  usedOrgs.add(org);
  const [city, postalPrefix] = rng.pick(CITIES);
  const street = rng.weighted<() => string>([
    [() => `${rng.pick(STREETS)} ${rng.int(1, 140)}${rng.chance(0.15) ? rng.pick(['A', 'B', 'C']) : ''}`, 85],
    [() => `Box ${rng.int(100, 9999)}`, 10],
    [() => `c/o ${rng.pick(SURNAMES)}s Redovisningsbyrå, ${rng.pick(STREETS)} ${rng.int(1, 60)}`, 5], // comma
  ])();
  return {
    special,
    startDay,
    row: {
      customer_id: customerId,
      name,
      org_number: org,
      // Bad master data on purpose: no VAT number, so the close fails for this customer.
      vat_number: special === 'bad_master_data' ? '' : `SE${org.replace('-', '')}01`,
      billing_email: `${rng.pick(MAILBOXES)}@${slug(name)}.se`,
      street,
      postal_code: `${postalPrefix} ${String(rng.int(10, 99))}`,
      city,
      country: 'SE',
      partner_id: partner,
      monthly_billing_from: billingFrom,
      prepaid_through: prepaidThrough,
    },
  };
}

// ---------------------------------------------------------------- usage

interface Draft {
  customerId: string;
  day: number;
  tod: number; // seconds after local midnight
  subjectType: 'user' | 'module' | 'company';
  subjectId: string;
  action: 'activated' | 'deactivated' | 'role_changed';
  role: string; // '' unless a user is activated or changes role
}

const ROLE_WEIGHTS: readonly (readonly [Role, number])[] = [
  ['portal_user', 65],
  ['archive_user', 20],
  ['superuser', 15],
];

/** A time during office hours, 07:00-18:59:59. */
const officeTime = (rng: Rng) => rng.int(7 * 3600, 19 * 3600 - 1);

/**
 * One customer's portal history, consistent per entity: each module, user and company has
 * events on strictly increasing days, alternating activated / deactivated (with role changes
 * only while active). Changes happen on days [startDay, endDay). Returns the drafts and
 * what is still active at the end.
 */
/**
 * How much a customer's usage moves in the last two months (the demo closes both and the finance
 * review compares them): most are `steady` (nothing changes from the month before the period on,
 * so the policy approves them), some `ordinary` (the usual churn), a few `volatile` (a big wave
 * of new users in the period, so their drafts are flagged).
 */
export type Mood = 'steady' | 'ordinary' | 'volatile';

function customerHistory(rng: Rng, customerId: string, startDay: number, endDay: number, cal: Calendar, mood: Mood = 'ordinary') {
  const drafts: Draft[] = [];
  const at = (day: number, subjectType: Draft['subjectType'], subjectId: string, action: Draft['action'], role = '') =>
    drafts.push({ customerId, day, tod: officeTime(rng), subjectType, subjectId, action, role });
  const stillActive: { subjectType: Draft['subjectType']; subjectId: string }[] = [];
  // A steady customer's history ends its changes before the month before the period.
  // (Only with a month of history before that; otherwise it is ordinary.)
  const quietFrom = Math.min(endDay, cal.monthStarts[cal.monthStarts.length - 2]!);
  const lastDay = mood === 'steady' && quietFrom - startDay > 28 ? quietFrom - 1 : endDay - 1;

  // Modules: everyone has smart or komplett all the time; some try komplett for a week or
  // two inside one month, some upgrade or downgrade (the new module starts before the old ends).
  const base = rng.chance(0.7) ? 'smart' : 'komplett';
  const other = base === 'smart' ? 'komplett' : 'smart';
  at(startDay, 'module', base, 'activated');
  let kept = base;
  const plan = rng.next();
  if (base === 'smart' && plan < 0.15) {
    // A komplett trial inside one month that lies wholly in [startDay, endDay).
    const monthEnd = (s: number) => cal.monthStarts.find((t) => t > s) ?? cal.endDay;
    const months = cal.monthStarts.filter((s) => s > startDay && monthEnd(s) <= lastDay + 1);
    if (months.length > 0) {
      const month = rng.pick(months);
      const from = month + rng.int(0, 8);
      at(from, 'module', 'komplett', 'activated');
      at(Math.min(from + rng.int(7, 14), monthEnd(month) - 1), 'module', 'komplett', 'deactivated');
    }
  } else if ((base === 'smart' ? plan < 0.23 : plan < 0.06) && lastDay - startDay > 14) {
    // Upgrade (or downgrade): the new module starts a few days before the old one ends.
    const change = rng.int(startDay + 7, lastDay - 4);
    at(change, 'module', other, 'activated');
    at(change + rng.int(1, 3), 'module', base, 'deactivated');
    kept = other;
  }
  stillActive.push({ subjectType: 'module', subjectId: kept });

  // Companies: 1-8, a few added or removed later.
  const companies = rng.weighted([[1, 30], [2, 25], [3, 15], [4, 10], [5, 8], [6, 5], [7, 4], [8, 3]] as const);
  const activeCompanies = new Set<string>();
  for (let k = 1; k <= companies; k++) {
    at(startDay, 'company', `k${k}`, 'activated');
    activeCompanies.add(`k${k}`);
  }
  if (companies < 8 && rng.chance(0.15) && lastDay - startDay > 5) {
    const day = rng.int(startDay + 5, lastDay);
    at(day, 'company', `k${companies + 1}`, 'activated');
    activeCompanies.add(`k${companies + 1}`);
  }
  if (companies >= 2 && rng.chance(0.1) && lastDay - startDay > 20) {
    const id = `k${rng.int(2, companies)}`;
    at(rng.int(startDay + 20, lastDay), 'company', id, 'deactivated');
    activeCompanies.delete(id);
  }
  for (const id of activeCompanies) stillActive.push({ subjectType: 'company', subjectId: id });

  // Users: 1-40 at the start (few large tenants), joiners every month; each user then
  // changes role, leaves and sometimes comes back, roughly every other month.
  let users = 0;
  const userLife = (first: number, role: Role) => {
    const id = `u${++users}`;
    let day = first;
    let active = true;
    at(day, 'user', id, 'activated', role);
    for (;;) {
      day += 1 + Math.floor(-Math.log(1 - rng.next()) * 45);
      if (day > lastDay) break;
      if (active && rng.chance(0.55)) {
        role = rng.weighted(ROLE_WEIGHTS.filter(([r]) => r !== role));
        at(day, 'user', id, 'role_changed', role);
      } else if (active) {
        at(day, 'user', id, 'deactivated');
        active = false;
      } else if (rng.chance(0.4)) {
        role = rng.weighted(ROLE_WEIGHTS);
        at(day, 'user', id, 'activated', role);
        active = true;
      } else break;
    }
    if (active) stillActive.push({ subjectType: 'user', subjectId: id });
  };
  const initialUsers = 1 + Math.floor(39 * rng.next() ** 1.6);
  userLife(startDay, 'superuser'); // the customer's administrator
  for (let i = 1; i < initialUsers; i++) userLife(Math.min(startDay + rng.int(0, 3), lastDay), rng.weighted(ROLE_WEIGHTS));
  for (const month of cal.monthStarts) {
    const monthEnd = cal.monthStarts.find((s) => s > month) ?? cal.endDay;
    const from = Math.max(month, startDay + 1);
    const to = Math.min(monthEnd - 1, lastDay);
    if (from > to) continue;
    const joiners = rng.int(0, Math.ceil(initialUsers * 0.15));
    for (let i = 0; i < joiners; i++) userLife(rng.int(from, to), rng.weighted(ROLE_WEIGHTS));
  }
  if (mood === 'volatile' && endDay > cal.periodStartDay) {
    // A wave of new users in the period (a new department onboarded): half again as many or more.
    const wave = Math.max(5, Math.ceil(initialUsers * (0.5 + rng.next())));
    for (let i = 0; i < wave; i++) userLife(rng.int(cal.periodStartDay, endDay - 1), rng.weighted(ROLE_WEIGHTS));
  }
  return { drafts, stillActive, users };
}

/** 80 % steady, 12 % ordinary, 8 % volatile. */
function pickMood(rng: Rng): Mood {
  const r = rng.next();
  return r < 0.8 ? 'steady' : r < 0.92 ? 'ordinary' : 'volatile';
}

interface UsageRow {
  eventId: string;
  customerId: string;
  occurredAt: string;
  subjectType: string;
  subjectId: string;
  action: string;
  role: string;
  utcMs: number;
  arrivalMs: number; // when the exporter delivered the row: the file is in this order
  seq: number;
}

// ---------------------------------------------------------------- CSV

/** RFC 4180: quote a field that has a comma, a quote or a line break; double embedded quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

// ---------------------------------------------------------------- the generator

export async function writeDemoData(dir: string, opts: DemoDataOptions): Promise<DemoDataFiles> {
  const count = opts.customers ?? 200;
  const historyMonths = opts.historyMonths ?? 4;
  const seed = opts.seed ?? 20241101;
  if (!Number.isInteger(count) || count < 10) throw new RangeError(`customers must be a whole number >= 10, got ${count}`);
  if (!Number.isInteger(historyMonths) || historyMonths < 2) {
    throw new RangeError(`historyMonths must be a whole number >= 2, got ${historyMonths}`);
  }
  const cal = buildCalendar(parsePeriod(opts.period), historyMonths);
  const rng = new Rng(seed);

  // Customers.
  const specials = pickSpecialCustomers(rng, count);
  const idWidth = Math.max(4, String(count).length);
  const usedNames = new Set<string>();
  const usedOrgs = new Set<string>();
  const customers: CustomerPlan[] = [];
  for (let i = 0; i < count; i++) customers.push(makeCustomer(rng, i, idWidth, specials.get(i) ?? null, cal, usedNames, usedOrgs));

  // Usage, entity by entity.
  const drafts: Draft[] = [];
  const histories = new Map<string, ReturnType<typeof customerHistory>>();
  for (const c of customers) {
    const id = c.row.customer_id;
    if (c.special === 'nothing_to_bill') {
      // Churned before the period: everything is switched off on the last day of the
      // previous month, and the last module exactly at 00:00 on the 1st of the period,
      // which by the half-open interval rule does not count for the period.
      const h = customerHistory(rng, id, c.startDay, cal.periodStartDay - 1, cal);
      drafts.push(...h.drafts);
      for (const e of h.stillActive) {
        const boundary = e.subjectType === 'module';
        drafts.push({
          customerId: id,
          day: boundary ? cal.periodStartDay : cal.periodStartDay - 1,
          tod: boundary ? 0 : officeTime(rng),
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          action: 'deactivated',
          role: '',
        });
      }
    } else {
      const h = customerHistory(rng, id, c.startDay, cal.endDay, cal, c.special === null ? pickMood(rng) : 'ordinary');
      histories.set(id, h);
      drafts.push(...h.drafts);
    }
  }

  const dates = Array.from({ length: cal.endDay + 1 }, (_, d) => addDays(cal.historyStart, d));
  const toRow = (d: Draft, seq: number): UsageRow => {
    const utcMs = stockholmInstant(dates[d.day]!, d.tod);
    return {
      eventId: '',
      customerId: d.customerId,
      occurredAt: formatInstant(utcMs, rng.chance(0.5)),
      subjectType: d.subjectType,
      subjectId: d.subjectId,
      action: d.action,
      role: d.role,
      utcMs,
      arrivalMs: utcMs,
      seq,
    };
  };
  const rows = drafts.map(toRow);
  // Event ids count each customer's events in the order they happened.
  rows.sort((a, b) => a.utcMs - b.utcMs || a.seq - b.seq);
  const nextNumber = new Map<string, number>();
  const nextEventId = (customerId: string) => {
    const n = (nextNumber.get(customerId) ?? 0) + 1;
    nextNumber.set(customerId, n);
    return `ev-${customerId}-${n}`;
  };
  for (const r of rows) r.eventId = nextEventId(r.customerId);
  // Late arrivals: about 1 % of the rows reach the export 1-10 days after they happened.
  for (const r of rows) if (rng.chance(0.01)) r.arrivalMs = r.utcMs + rng.int(1, 10) * 86_400_000 + rng.int(0, 86_399) * 1000;

  const bad = badRows(rng, customers, histories, cal, rows, nextEventId, toRow);
  rows.push(...bad);
  rows.sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);

  // Files.
  await fs.mkdir(dir, { recursive: true });
  const partnersCsv = path.resolve(dir, 'partners.csv');
  const customersCsv = path.resolve(dir, 'customers.csv');
  const pricesCsv = path.resolve(dir, 'prices.csv');
  const usageCsv = path.resolve(dir, 'usage.csv');
  const partnerRows = PARTNERS.map(([id]) => ({ partner_id: id, ...PARTNER_ROWS[id]! }));
  await fs.writeFile(partnersCsv, csv(PARTNER_HEADER, partnerRows.map((p) => PARTNER_HEADER.map((k) => p[k]))), 'utf8');
  await fs.writeFile(customersCsv, csv(CUSTOMER_HEADER, customers.map((c) => CUSTOMER_HEADER.map((k) => c.row[k]))), 'utf8');
  await fs.writeFile(
    pricesCsv,
    csv(
      PRICE_HEADER,
      ARTICLES.map((a) => [
        a,
        ARTICLE_INFO[a].description,
        ARTICLE_INFO[a].legacyDescription,
        String(PRICES_ORE[a]),
        '25',
        a === 'extra_company' ? '1' : '0',
        cal.historyStart,
      ]),
    ),
    'utf8',
  );
  await fs.writeFile(
    usageCsv,
    csv(USAGE_HEADER, rows.map((r) => [r.eventId, r.customerId, r.occurredAt, r.subjectType, r.subjectId, r.action, r.role])),
    'utf8',
  );

  const idsOf = (s: Special) => customers.filter((c) => c.special === s).map((c) => c.row.customer_id);
  return {
    partnersCsv,
    customersCsv,
    pricesCsv,
    usageCsv,
    expected: {
      partners: partnerRows.length,
      customers: customers.length,
      events: rows.length,
      nothingToBill: idsOf('nothing_to_bill'),
      badMasterData: idsOf('bad_master_data'),
      usage: { accepted: rows.length - 4, duplicates: 1, rejected: 3, contradictions: 1 },
    },
  };
}

/**
 * The deliberately bad usage rows, all inside the period (customers chosen at random among
 * the ordinary ones):
 *  1. an unknown role 'admin' on a user activation        → rejected by the import
 *  2. an unknown module 'budget'                         → rejected by the import
 *  3. a malformed customer id 'C 0042' (a space, as if hand-edited in a spreadsheet)
 *                                                        → rejected by the import
 *  4. one row delivered twice (same event id, same content, the copy a day later in the file;
 *     from the period when an ordinary customer has a row there, else an earlier one)
 *                                                        → a duplicate, counted once
 *  5. a second 'deactivated' for a user who had already left (a new event id): accepted by
 *     the import, but contradicts the state, so the close's fold rejects it
 * Update `expected.usage` in writeDemoData when changing this list.
 */
function badRows(
  rng: Rng,
  customers: CustomerPlan[],
  histories: Map<string, ReturnType<typeof customerHistory>>,
  cal: Calendar,
  rows: UsageRow[],
  nextEventId: (customerId: string) => string,
  toRow: (d: Draft, seq: number) => UsageRow,
): UsageRow[] {
  const ordinary = rng.shuffle(customers.filter((c) => c.special === null).map((c) => c.row.customer_id));
  const inPeriod = () => rng.int(cal.periodStartDay, cal.endDay - 1);
  let seq = rows.length;
  const draft = (customerId: string, day: number, subjectType: Draft['subjectType'], subjectId: string, action: Draft['action'], role = '') => {
    const row = toRow({ customerId, day, tod: officeTime(rng), subjectType, subjectId, action, role }, seq++);
    row.eventId = nextEventId(customerId);
    return row;
  };
  const result: UsageRow[] = [];

  // 1. Unknown role.
  const c1 = ordinary[0]!;
  result.push(draft(c1, inPeriod(), 'user', `u${histories.get(c1)!.users + 1}`, 'activated', 'admin'));
  // 2. Unknown module.
  result.push(draft(ordinary[1 % ordinary.length]!, inPeriod(), 'module', 'budget', 'activated'));
  // 3. Malformed customer id.
  const c3 = ordinary[2 % ordinary.length]!;
  const malformed = draft(c3, inPeriod(), 'company', 'k1', 'deactivated');
  malformed.customerId = c3.replace(/^C/, 'C ');
  result.push(malformed);
  // 4. Duplicate delivery of an ordinary row from the period. With few customers every ordinary
  // one may be steady (no change since before the month before the period, so no row in it):
  // then one of their earlier rows is delivered twice instead.
  const isOrdinary = new Set(ordinary);
  const ordinaryRows = rows.filter((r) => isOrdinary.has(r.customerId));
  const periodRows = ordinaryRows.filter((r) => r.utcMs >= cal.period.startMs);
  const candidates = periodRows.length > 0 ? periodRows : ordinaryRows;
  const original = candidates[rng.int(0, candidates.length - 1)]!;
  result.push({ ...original, arrivalMs: original.arrivalMs + 86_400_000, seq: seq++ });
  // 5. A second deactivation of a user who has left (the latest event of that user).
  const lastOfUser = new Map<string, UsageRow>();
  for (const r of rows) if (r.subjectType === 'user') lastOfUser.set(`${r.customerId}/${r.subjectId}`, r);
  const gone = [...lastOfUser.values()].find(
    (r) => r.action === 'deactivated' && isOrdinary.has(r.customerId) && r.utcMs < cal.period.startMs,
  );
  if (gone) result.push(draft(gone.customerId, inPeriod(), 'user', gone.subjectId, 'deactivated'));
  else result.push(draft(ordinary[0]!, inPeriod(), 'user', 'u0', 'deactivated')); // a user that never existed
  return result;
}
