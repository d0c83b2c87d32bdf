import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import { InputError } from './errors';
import { notTextReason, otherSeparator, readHead, SAVE_AS_CSV } from './file-sniff';
import { quote } from './validate';

// Streaming CSV reader for the import files: RFC 4180 quoting, a header row naming the
// columns, UTF-8. Records come out one at a time with the line an editor shows for them,
// so a file of any length is read in bounded memory.

export const NOT_UTF8 = 'not valid UTF-8: save the file as UTF-8';
const MAX_RECORD_BYTES = 1 << 20;

export interface CsvRecord<C extends string> {
  /** First physical line of the record as an editor numbers it (the header is line 1). */
  line: number;
  /** Values by column name, trimmed; '' where the record has too few fields. */
  values: Record<C, string>;
  /** Why the record cannot be used at all (encoding, number of fields), or null. */
  problem: string | null;
  /** The fields byte for byte, for the rejection log. */
  fields: Buffer[];
}

interface RawRecord {
  line: number;
  fields: Buffer[];
}

export interface CsvSource<C extends string> extends AsyncIterable<CsvRecord<C>> {
  /** The header's columns in file order. */
  readonly columns: readonly C[];
  /** Stop reading and release the file (safe to call more than once). */
  close(): void;
}

/**
 * Open `filePath`, read and check its header, and return its data records.
 * The header is checked here, before the caller writes anything: an empty or binary file,
 * or a missing, unknown or repeated column, refuses the whole file with an InputError.
 * A file of only a header has no records (an export of a quiet day is not an error).
 */
export async function openCsv<C extends string>(filePath: string, expected: readonly C[], optional: readonly C[] = []): Promise<CsvSource<C>> {
  const unreadable = (err: NodeJS.ErrnoException) =>
    new InputError(filePath, null, err.code === 'ENOENT' ? 'no such file' : `cannot read the file (${err.code ?? err.message})`);
  const stat = await fs.promises.stat(filePath).catch((err: NodeJS.ErrnoException) => {
    throw unreadable(err);
  });
  if (!stat.isFile()) throw new InputError(filePath, null, 'not a file');
  if (stat.size === 0) throw new InputError(filePath, 1, `the file is empty (0 bytes): expected a header row (${expected.join(',')})`);
  const notText = notTextReason(await readHead(filePath).catch((err: NodeJS.ErrnoException) => {
    throw unreadable(err);
  }));
  if (notText) throw new InputError(filePath, 1, notText);
  const parser = new LineCountingParser({
    encoding: null, // fields as bytes: we check UTF-8 ourselves, exactly, per field
    bom: false, // stripped by stripBom(); csv-parse's own BOM handling switches back to strings
    relax_column_count: true, // a row with a wrong number of fields is rejected, not fatal
    skip_empty_lines: false, // blank lines are skipped below, so that they are counted
    record_delimiter: ['\r\n', '\n'], // explicit: auto-detection fails on files with mixed endings
    max_record_size: MAX_RECORD_BYTES, // memory stays bounded even for a file that is not CSV
  });
  // Errors of the file stream reach the parser and surface from iteration; nothing to do here.
  pipeline(fs.createReadStream(filePath), stripBom(), parser, () => undefined);
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<RawRecord>;

  const next = async (): Promise<RawRecord | null> => {
    try {
      const result = await iterator.next();
      return result.done ? null : result.value;
    } catch (err) {
      if (err instanceof CsvError) throw new InputError(filePath, parser.nextLine, syntaxReason(err));
      throw (err as NodeJS.ErrnoException).syscall ? unreadable(err as NodeJS.ErrnoException) : err; // EACCES, EIO, …
    }
  };
  const close = () => parser.destroy();

  let columns: C[] = [];
  try {
    let header = await next();
    while (header && isBlank(header.fields)) header = await next();
    if (!header) throw new InputError(filePath, 1, `the file has only blank lines: expected a header row (${expected.join(',')})`);
    columns = checkHeader(filePath, header.line, header.fields, expected, optional);
  } catch (err) {
    close();
    throw err;
  }

  async function* records(): AsyncGenerator<CsvRecord<C>> {
    try {
      for (let rec = await next(); rec; rec = await next()) {
        if (isBlank(rec.fields)) continue;
        yield toRecord(rec.line, rec.fields, columns);
      }
    } finally {
      close();
    }
  }
  return { columns, close, [Symbol.asyncIterator]: records };
}

/**
 * csv-parse that tags each record with the physical line it starts on. csv-parse's own
 * `info.lines` is the record's last line, counts a CRLF inside quotes twice, and costs an
 * info object per record (a third of the parse time). Counting happens as records are
 * parsed, not as they are consumed (the parser reads ahead), so a syntax error is reported
 * at the line where parsing stopped: every record, blank lines included since they are not
 * skipped, ends with one line break, plus the line breaks inside its fields.
 */
class LineCountingParser extends Parser {
  nextLine = 1;

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (Array.isArray(record)) {
      const fields = record as Buffer[];
      const tagged: RawRecord = { line: this.nextLine, fields };
      this.nextLine += 1 + lineBreaks(fields);
      return super.push(tagged, encoding);
    }
    return super.push(record, encoding);
  }
}

function toRecord<C extends string>(line: number, fields: Buffer[], columns: readonly C[]): CsvRecord<C> {
  const values = {} as Record<C, string>;
  let problem: string | null = null;
  columns.forEach((name, i) => {
    // NFC: macOS writes 'ö' as 'o' and a combining mark, which looks the same but compares unequal.
    values[name] = i < fields.length ? fields[i].toString('utf8').trim().normalize('NFC') : '';
  });
  if (fields.some((f) => !isUtf8(f))) problem = NOT_UTF8;
  else if (fields.some((f) => f.includes(0))) problem = 'contains a NUL character: is this a text file?';
  else if (fields.length !== columns.length) {
    problem =
      `expected ${columns.length} fields, found ${fields.length}` +
      (fields.length > columns.length ? ' (a value containing a comma must be in double quotes)' : '');
  }
  return { line, values, problem, fields };
}

// Optional columns may be left out of the header; a record then has no value for them.
function checkHeader<C extends string>(file: string, line: number, fields: Buffer[], expected: readonly C[], optional: readonly C[]): C[] {
  if (fields.some((f) => !isUtf8(f))) throw new InputError(file, line, `header is ${NOT_UTF8}`);
  const names = fields.map((f) => f.toString('utf8').trim());
  const problems: string[] = [];
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  const missing = expected.filter((n) => !names.includes(n));
  const unknown = names.filter((n) => !(expected as readonly string[]).includes(n) && !(optional as readonly string[]).includes(n));
  if (missing.length) {
    const separator = otherSeparator(names.join(','), expected);
    if (separator) throw new InputError(file, line, `the file is separated by ${separator}, not by commas: ${SAVE_AS_CSV}`);
  }
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${quoteList(missing)}`);
  if (unknown.length) problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${quoteList(unknown)}`);
  if (repeated.length) problems.push(`repeated column${repeated.length > 1 ? 's' : ''} ${quoteList(repeated)}`);
  if (missing.some((m) => unknown.some((u) => u.toLowerCase() === m))) problems.push('column names are in lower case');
  if (problems.length) {
    throw new InputError(file, line, `${problems.join('; ')}; the header must be: ${expected.join(',')}${optional.length ? ` (optional: ${optional.join(',')})` : ''}`);
  }
  return names as C[];
}

/** Names in quotes, each shortened, at most five of them. */
function quoteList(list: string[]): string {
  const shown = list.slice(0, 5).map(quote).join(', ');
  return list.length > 5 ? `${shown} and ${list.length - 5} more` : shown;
}

function syntaxReason(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a double quote opened here is never closed';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `broken quoting (${err.message.replace(/ at line \d+.*$/, '')}); a value containing a double quote must be quoted and the quote doubled ("")`;
    case 'CSV_MAX_RECORD_SIZE':
      return `a record longer than ${MAX_RECORD_BYTES} bytes: is this a CSV file?`;
    default:
      return `not a readable CSV file: ${err.message}`;
  }
}

/** A blank line, or a row of only empty fields (spreadsheets write those at the end). */
function isBlank(fields: Buffer[]): boolean {
  for (const f of fields) {
    for (const byte of f) if (byte !== 0x20 && byte !== 0x09) return false;
  }
  return true;
}

/** Line breaks inside the fields, counted as an editor does (CRLF, LF or a lone CR). */
function lineBreaks(fields: Buffer[]): number {
  let n = 0;
  for (const f of fields) {
    if (f.indexOf(10) === -1 && f.indexOf(13) === -1) continue;
    for (let i = 0; i < f.length; i++) {
      if (f[i] === 10) n++;
      else if (f[i] === 13) {
        n++;
        if (f[i + 1] === 10) i++;
      }
    }
  }
  return n;
}

/** Drops a UTF-8 byte order mark at the start of the stream (Excel writes one). */
function stripBom(): Transform {
  let head: Buffer | null = Buffer.alloc(0); // null once the start has been passed on
  const release = (push: (b: Buffer) => void) => {
    const bom = head!.length >= 3 && head![0] === 0xef && head![1] === 0xbb && head![2] === 0xbf;
    push(bom ? head!.subarray(3) : head!);
    head = null;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      if (head === null) return done(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length >= 3) release((b) => this.push(b));
      done();
    },
    flush(done: TransformCallback) {
      if (head !== null) release((b) => this.push(b));
      done();
    },
  });
}

/** The record as one CSV line (quoted where needed), for the rejection log; never fails. */
export function rawLine(record: CsvRecord<string>): string {
  return record.fields
    .map((f) => {
      // PostgreSQL text holds neither NUL nor invalid UTF-8: both become U+FFFD here.
      const text = f.toString('utf8').replace(/\0/g, '\uFFFD');
      return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}

/** SHA-256 of the record's field values, byte exact: the same row gets the same hash in any file. */
export function rowSha256(record: CsvRecord<string>): string {
  const hash = createHash('sha256');
  for (const f of record.fields) {
    hash.update(`${f.length}:`);
    hash.update(f);
  }
  return hash.digest('hex');
}

export async function fileSha256(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
