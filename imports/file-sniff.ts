import fs from 'node:fs';

// What kind of file an import was given, from its first bytes and its header line: so that a
// PDF, a workbook or a semicolon-separated export is refused saying what it is and what to do.

export const SAVE_AS_CSV = 'save it as CSV UTF-8 (comma-separated)';
const SNIFF_BYTES = 4096;

/**
 * ';' or a tab when the header line splits into the expected columns on it: Excel with
 * Swedish settings saves "CSV" with semicolons, and "Text" with tabs.
 */
export function otherSeparator(header: string, expected: readonly string[]): string | null {
  for (const [char, name] of [[';', "';' (Excel's default with Swedish settings)"], ['\t', 'tabs'], ['|', "'|'"]] as const) {
    const names = header.split(char).map((n) => n.trim());
    if (names.length > 1 && names.filter((n) => expected.includes(n)).length >= Math.min(2, expected.length)) return name;
  }
  return null;
}

export async function readHead(filePath: string): Promise<Buffer> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// Files people pick by mistake, by their first bytes ("magic numbers").
const SIGNATURES: readonly [number[], string][] = [
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'], // %PDF-
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive, e.g. an Excel workbook (.xlsx)'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'an old Office document, e.g. an Excel workbook (.xls)'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0xff, 0xfe], "UTF-16 text (Excel's \"Unicode text\")"],
  [[0xfe, 0xff], 'UTF-16 text'],
];

/** Why the file's first bytes are not those of a CSV text file, or null. */
export function notTextReason(head: Buffer): string | null {
  for (const [magic, what] of SIGNATURES) {
    if (magic.every((byte, i) => head[i] === byte)) return `the file is ${what}, not a CSV text file: ${SAVE_AS_CSV}`;
  }
  // Text has next to no control bytes; a stray one is a bad row (refused per row), while
  // a binary file is full of them.
  let control = 0;
  for (const byte of head) if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) control++;
  if (control > head.length / 20) return `the file is binary data (full of control bytes), not a CSV text file: ${SAVE_AS_CSV}`;
  return null;
}
