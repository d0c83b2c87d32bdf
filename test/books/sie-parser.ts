// A SIE 4 reader of the tests' own (not the writer's code): code page 437 bytes to text, CRLF
// lines, fields split by spaces with quoted fields and \" escapes, #VER blocks with #TRANS rows.

// Code page 437's upper half, typed in from the IBM table.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

export function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        v += line[i++];
      }
      i++;
      out.push(v);
    } else if (line[i] === '{') {
      const end = line.indexOf('}', i);
      out.push(line.slice(i, end + 1));
      i = end + 1;
    } else {
      const end = line.indexOf(' ', i);
      out.push(line.slice(i, end === -1 ? undefined : end));
      i = end === -1 ? line.length : end;
    }
  }
  return out;
}

export interface ParsedVoucher {
  series: string;
  number: number;
  date: string;
  text: string;
  trans: { account: number; ore: number }[];
}

export interface ParsedSie {
  lines: string[];
  records: Map<string, string[][]>;
  accounts: Map<number, string>;
  vouchers: ParsedVoucher[];
}

const toOre = (amount: string): number => {
  if (!/^-?\d+\.\d{2}$/.test(amount)) throw new Error(`amount ${amount} is not NNN.NN`);
  const neg = amount.startsWith('-');
  const [k, o] = amount.replace('-', '').split('.');
  return (neg ? -1 : 1) * (Number(k) * 100 + Number(o));
};

export function parseSie(bytes: Buffer): ParsedSie {
  const text = decodeCp437(bytes);
  if (!text.endsWith('\r\n')) throw new Error('the file does not end with CRLF');
  const lines = text.slice(0, -2).split('\r\n');
  if (lines.some((l) => l.includes('\n') || l.includes('\r'))) throw new Error('a line ends without CRLF');
  const records = new Map<string, string[][]>();
  const accounts = new Map<number, string>();
  const vouchers: ParsedVoucher[] = [];
  let open: ParsedVoucher | null = null;
  for (const line of lines) {
    if (line === '{') continue;
    if (line === '}') {
      if (!open) throw new Error('} without #VER');
      vouchers.push(open);
      open = null;
      continue;
    }
    const [tag, ...rest] = fields(line);
    if (tag === '#TRANS') {
      if (!open) throw new Error('#TRANS outside a voucher');
      if (rest[1] !== '{}') throw new Error(`#TRANS without an object list: ${line}`);
      open.trans.push({ account: Number(rest[0]), ore: toOre(rest[2]) });
      continue;
    }
    if (tag === '#VER') open = { series: rest[0], number: Number(rest[1]), date: rest[2], text: rest[3], trans: [] };
    if (tag === '#KONTO') accounts.set(Number(rest[0]), rest[1]);
    records.set(tag, [...(records.get(tag) ?? []), rest]);
  }
  if (open) throw new Error('a #VER is not closed');
  return { lines, records, accounts, vouchers };
}
