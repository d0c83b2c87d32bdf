// Code page 437 (IBM PC, "PC8"), the character set SIE files are written in: å ä ö are single
// bytes (0x86 0x84 0x94). Characters it lacks are written as '?', never dropped silently.

const HIGH_HALF =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const ENCODE = new Map<string, number>([...HIGH_HALF].map((ch, i) => [ch, 0x80 + i]));
if (ENCODE.size !== 128) throw new Error(`code page 437 table has ${ENCODE.size} characters, not 128`);

export function encodeCp437(text: string): Buffer {
  const chars = [...text.normalize('NFC')];
  const out = Buffer.alloc(chars.length);
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0)!;
    out[i] = code < 0x80 ? code : (ENCODE.get(ch) ?? 0x3f);
  });
  return out;
}
