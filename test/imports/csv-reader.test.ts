import { afterAll, describe, expect, it } from 'vitest';
import { openCsv, NOT_UTF8, type CsvRecord } from '../../imports/csv-reader';
import { InputError } from '../../imports/errors';
import { fixtureDir, lines } from './fixtures';

const files = fixtureDir();
afterAll(() => files.remove());

const COLUMNS = ['id', 'name', 'note'] as const;

async function readAll(file: string): Promise<CsvRecord<(typeof COLUMNS)[number]>[]> {
  const out = [];
  for await (const r of await openCsv(file, COLUMNS)) out.push(r);
  return out;
}

async function refusal(file: string): Promise<InputError> {
  const err = await openCsv(file, COLUMNS).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe('openCsv', () => {
  it('reads values by header name, in any column order, trimmed', async () => {
    const file = files.write('order.csv', lines('note,id,name', ' n1 ,1, Acme '));
    const [r] = await readAll(file);
    expect(r).toMatchObject({ line: 2, problem: null, values: { id: '1', name: 'Acme', note: 'n1' } });
  });

  it('keeps a quoted comma inside the value', async () => {
    const file = files.write('comma.csv', lines('id,name,note', '1,"Acme, AB",x', '2,"Say ""hi""",y'));
    const records = await readAll(file);
    expect(records.map((r) => r.values.name)).toEqual(['Acme, AB', 'Say "hi"']);
    expect(records.every((r) => r.problem === null)).toBe(true);
  });

  it('numbers lines as an editor does when quoted fields span lines (LF and CRLF), with blank lines', async () => {
    const text = 'id,name,note\r\n1,"two\r\nlines",a\r\n\r\n2,b,"three\nline\nnote"\n3,c,d\n,,\n\n4,e,f';
    const file = files.write('multiline.csv', text);
    const records = await readAll(file);
    expect(records.map((r) => [r.values.id, r.line])).toEqual([
      ['1', 2],
      ['2', 5],
      ['3', 8],
      ['4', 11],
    ]);
    expect(records[0].values.name).toBe('two\r\nlines');
  });

  it('strips a UTF-8 byte order mark', async () => {
    const file = files.write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines('id,name,note', '1,Åsa,x'))]));
    const [r] = await readAll(file);
    expect(r.values).toEqual({ id: '1', name: 'Åsa', note: 'x' });
  });

  it('flags a row with Latin-1 bytes as not UTF-8 and names its line', async () => {
    const latin1 = Buffer.concat([Buffer.from(lines('id,name,note', '1,ok,x')), Buffer.from('2,Malm\xf6,x\n', 'latin1'), Buffer.from(lines('3,Malmö,x'))]);
    const records = await readAll(files.write('latin1.csv', latin1));
    expect(records.map((r) => [r.line, r.problem])).toEqual([
      [2, null],
      [3, NOT_UTF8],
      [4, null],
    ]);
  });

  it('decodes a multi-byte character split across read chunks', async () => {
    // The default read size is 64 KiB: put an 'ö' (2 bytes) across that boundary.
    const head = 'id,name,note\n';
    const filler = `1,${'a'.repeat(65_535 - head.length - 5 - 3)},x\n`; // then '2,B' reaches the boundary
    const text = `${head}${filler}2,Bö,y\n`;
    const boundaryAt = Buffer.from(text).indexOf(Buffer.from('ö'));
    expect(boundaryAt).toBe(65_535);
    const records = await readAll(files.write('chunks.csv', text));
    expect(records[1]).toMatchObject({ line: 3, problem: null, values: { name: 'Bö' } });
  });

  it('flags rows with a wrong number of fields', async () => {
    const records = await readAll(files.write('fields.csv', lines('id,name,note', '1,Acme, AB,x', '2,short')));
    expect(records.map((r) => r.problem)).toEqual([
      'expected 3 fields, found 4 (a value containing a comma must be in double quotes)',
      'expected 3 fields, found 2',
    ]);
    expect(records[1].values).toEqual({ id: '2', name: 'short', note: '' });
  });

  it('refuses a header with missing, unknown or repeated columns', async () => {
    const missingFile = files.write('missing.csv', lines('id,name', '1,a'));
    expect((await refusal(missingFile)).message).toBe(`${missingFile}:1: missing column "note"; the header must be: id,name,note`);
    const unknown = await refusal(files.write('unknown.csv', lines('id,name,note,colour', '1,a,b,c')));
    expect([unknown.line, unknown.reason]).toEqual([1, 'unknown column "colour"; the header must be: id,name,note']);
    const both = await refusal(files.write('both.csv', lines('id,nam,note,note')));
    expect(both.reason).toBe('missing column "name"; unknown column "nam"; repeated column "note"; the header must be: id,name,note');
  });

  it('refuses an empty file and a file of blank lines; reads nothing from a header-only file', async () => {
    const empty = files.write('empty.csv', '');
    expect((await refusal(empty)).message).toBe(`${empty}:1: the file is empty (0 bytes): expected a header row (id,name,note)`);
    const blank = files.write('blank.csv', '\n  \n\n');
    expect((await refusal(blank)).message).toBe(`${blank}:1: the file has only blank lines: expected a header row (id,name,note)`);
    expect(await readAll(files.write('header.csv', 'id,name,note\n'))).toEqual([]);
  });

  it('names the separator of a semicolon- or tab-separated file', async () => {
    const semicolon = files.write('semicolon.csv', lines('id;name;note', '1;Acme AB;x'));
    expect((await refusal(semicolon)).message).toBe(
      `${semicolon}:1: the file is separated by ';' (Excel's default with Swedish settings), not by commas: save it as CSV UTF-8 (comma-separated)`,
    );
    const tabs = await refusal(files.write('tabs.csv', lines('id\tname\tnote', '1\tAcme AB\tx')));
    expect([tabs.line, tabs.reason]).toEqual([1, 'the file is separated by tabs, not by commas: save it as CSV UTF-8 (comma-separated)']);
  });

  it('says that a PDF, an image, a workbook or another binary file is not a CSV file', async () => {
    const cases: [string, Buffer, string][] = [
      ['invoice.pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\n1 0 obj\n', 'latin1'), 'a PDF document'],
      ['logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), 'a PNG image'],
      ['book.xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 6, 0]), Buffer.from('[Content_Types].xml')]), 'a ZIP archive, e.g. an Excel workbook (.xlsx)'],
      ['unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name,note\n', 'utf16le')]), 'UTF-16 text (Excel\'s "Unicode text")'],
      ['random.bin', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)), 'binary data (full of control bytes)'],
    ];
    for (const [name, bytes, what] of cases) {
      const err = await refusal(files.write(name, bytes));
      expect([err.line, err.reason]).toEqual([1, `the file is ${what}, not a CSV text file: save it as CSV UTF-8 (comma-separated)`]);
    }
  });

  it('says that column names are in lower case', async () => {
    const err = await refusal(files.write('case.csv', lines('ID,Name,note', '1,a,b')));
    expect(err.reason).toBe('missing columns "id", "name"; unknown columns "ID", "Name"; column names are in lower case; the header must be: id,name,note');
  });

  it('quotes long and many column names shortened', async () => {
    const err = await refusal(files.write('wide.csv', lines(`id,name,note,${'c'.repeat(5000)},a,b,c,d,e`)));
    expect(err.reason).toBe(`unknown columns "${'c'.repeat(60)}…" (5000 characters), "a", "b", "c", "d" and 1 more; the header must be: id,name,note`);
  });

  it('refuses a file whose quoting is broken, naming the line', async () => {
    const file = files.write('unclosed.csv', lines('id,name,note', '1,a,b', '2,"never closed,c', '3,d,e'));
    const err = await readAll(file).then(
      () => null,
      (e: unknown) => e as InputError,
    );
    expect(err).toBeInstanceOf(InputError);
    expect([err!.line, err!.reason]).toEqual([3, 'a double quote opened here is never closed']);
  });

  it('refuses a file with an endless record instead of holding it in memory', async () => {
    const file = files.write('binary.csv', `id,name,note\n1,${'x'.repeat(2 << 20)}`);
    const err = await readAll(file).then(
      () => null,
      (e: unknown) => e as InputError,
    );
    expect(err).toBeInstanceOf(InputError);
    expect([err!.line, err!.reason]).toEqual([2, 'a record longer than 1048576 bytes: is this a CSV file?']);
  });

  it('refuses a file that does not exist', async () => {
    const err = await refusal('/nonexistent/usage.csv');
    expect(err.message).toBe('/nonexistent/usage.csv: no such file');
    expect((await refusal('/tmp')).message).toBe('/tmp: not a file');
  });
});
