import { encodeCp437 } from './cp437';

// The SIE 4I writer (sie.se, format 4B/4C, type 4I: verifikationer for the receiving program to
// book), pure: the lines as books-and-payments.md lists them, code page 437 (#FORMAT PC8), CRLF.
// Fields are separated by a space; free text is always quoted, a quote inside escaped as \".
// Amounts in kronor with a point and two decimals, debit positive, credit negative.

export interface SieRow {
  account: number;
  amountOre: number;
}

export interface SieVoucher {
  series: string;
  number: number;
  /** YYYY-MM-DD */
  date: string;
  text: string;
  rows: SieRow[];
}

export interface SieFile {
  program: { name: string; version: string };
  /** #GEN, YYYY-MM-DD */
  generatedOn: string;
  company: { name: string; orgNumber: string };
  /** Every account the vouchers use, with its name (#KONTO). */
  accounts: Map<number, string>;
  vouchers: SieVoucher[];
}

/** A voucher whose rows do not add up to 0.00 is a bug upstream: refused, never written. */
export class UnbalancedVoucher extends Error {}

export function quoteSie(text: string): string {
  return `"${text.replace(/[\r\n\t]+/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function sieAmount(ore: number): string {
  if (!Number.isSafeInteger(ore)) throw new Error(`amount ${ore} öre is not a whole number of öre`);
  const abs = Math.abs(ore);
  return `${ore < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const sieDate = (isoDate: string) => isoDate.replace(/-/g, '');

export function sieLines(file: SieFile): string[] {
  const lines = [
    '#FLAGGA 0',
    `#PROGRAM ${quoteSie(file.program.name)} ${file.program.version}`,
    '#FORMAT PC8',
    `#GEN ${sieDate(file.generatedOn)}`,
    '#SIETYP 4',
    `#FNAMN ${quoteSie(file.company.name)}`,
    `#ORGNR ${file.company.orgNumber}`,
  ];
  const used = [...new Set(file.vouchers.flatMap((v) => v.rows.map((r) => r.account)))].sort((a, b) => a - b);
  for (const account of used) {
    const name = file.accounts.get(account);
    if (name === undefined) throw new Error(`account ${account} is used but has no name for #KONTO`);
    lines.push(`#KONTO ${account} ${quoteSie(name)}`);
  }
  for (const v of file.vouchers) {
    const sum = v.rows.reduce((s, r) => s + r.amountOre, 0);
    if (sum !== 0) throw new UnbalancedVoucher(`voucher ${v.series} ${v.number} (${v.text}) does not balance: ${sieAmount(sum)}`);
    lines.push(`#VER ${v.series} ${v.number} ${sieDate(v.date)} ${quoteSie(v.text)}`, '{');
    for (const r of v.rows) lines.push(`#TRANS ${r.account} {} ${sieAmount(r.amountOre)}`);
    lines.push('}');
  }
  return lines;
}

/** The file's bytes: code page 437, CRLF after every line. */
export function writeSie(file: SieFile): Buffer {
  return encodeCp437(sieLines(file).map((l) => `${l}\r\n`).join(''));
}
