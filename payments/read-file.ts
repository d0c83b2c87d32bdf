import fs from 'node:fs';
import { camtSchemaErrors } from './camt-schema';
import { camt054Reader, camtVersionOf } from './camt054';
import { bgmaxReader, isBgMax } from './bgmax';
import { PaymentFileError } from './errors';
import type { BankPayment, IgnoredEntry, PaymentFile, PaymentFileFormat } from './types';

// A bank file is told apart by its content, not its name: a BgMax starts with its start record
// "01BGMAX", a camt.054 is XML in the camt.054.001.02 or .08 namespace. It is read in pieces of
// PIECE bytes, so the file is held once, as the bytes it was read as: never also as one string,
// nor as a list of every payment in it.

const PIECE = 1 << 20;

export interface OpenedPaymentFile {
  format: PaymentFileFormat;
  /**
   * The payments in file order, in batches of about `size` as the file is read (a deposit is
   * never split). Throws PaymentFileError at the first fault; what was handed out before it
   * belongs to a refused file.
   */
  batches(size: number): Generator<BankPayment[]>;
  /** What the file held that is not a payment, filled as it is read. */
  ignored: IgnoredEntry[];
  /** The file's own id, once `batches` has run to the end. */
  messageId(): string;
  /** Resolves with the schema errors (camt.054; none for BgMax); the caller commits only when empty. */
  schemaErrors: Promise<string[]>;
}

/** The file's bytes in shared memory, so the schema check's worker reads them without a copy. */
export function readBankFile(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = Buffer.from(new SharedArrayBuffer(size));
    for (let at = 0; at < size; ) {
      const n = fs.readSync(fd, bytes, at, size - at, at);
      if (n === 0) throw new Error(`${file} became shorter while it was read`);
      at += n;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Where a piece of UTF-8 may end: never inside a character. */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  if (end >= bytes.length) return bytes.length;
  let cut = end;
  while (cut > end - 3 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut;
}

export function openPaymentFile(data: Uint8Array, file: string, sellerBankgiro: string): OpenedPaymentFile {
  if (data.length === 0) throw new PaymentFileError(file, null, 'the file is empty');
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const head = bytes.toString('latin1', 0, 2000);
  const ignored: IgnoredEntry[] = [];
  let messageId = '';
  let pending: BankPayment[] = [];
  const sink = { payment: (p: BankPayment) => pending.push(p), ignored: (i: IgnoredEntry) => ignored.push(i) };

  if (isBgMax(head)) {
    return {
      format: 'bgmax',
      ignored,
      messageId: () => messageId,
      schemaErrors: Promise.resolve([]),
      *batches(size) {
        const reader = bgmaxReader(file, sellerBankgiro, sink);
        for (let at = 0; at < bytes.length; at += PIECE) {
          reader.write(bytes.toString('latin1', at, Math.min(bytes.length, at + PIECE)));
          if (pending.length >= size) yield pending.splice(0);
        }
        messageId = reader.end();
        if (pending.length > 0) yield pending.splice(0);
      },
    };
  }

  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const version = camtVersionOf(bytes.toString('utf8', bom, utf8Boundary(bytes, 2000)));
  if (!version) {
    const what = /^\s*</.test(head.slice(bom)) ? 'XML, but not a camt.054.001.02 or .08 notification' : 'neither a camt.054 notification (XML) nor a BgMax file (first record 01BGMAX)';
    throw new PaymentFileError(file, 1, what);
  }
  // Started first: the schema check runs in its worker thread while this thread reads and matches.
  const schemaErrors = camtSchemaErrors(bytes, version);
  schemaErrors.catch(() => undefined);
  return {
    format: version,
    ignored,
    messageId: () => messageId,
    schemaErrors,
    *batches(size) {
      const reader = camt054Reader(file, sellerBankgiro, sink);
      for (let at = bom; at < bytes.length; ) {
        const end = utf8Boundary(bytes, at + PIECE);
        reader.write(bytes.toString('utf8', at, end));
        at = end;
        if (pending.length >= size) yield pending.splice(0);
      }
      messageId = reader.end();
      if (pending.length > 0) yield pending.splice(0);
    },
  };
}

export interface ReadPaymentFile {
  parsed: PaymentFile;
  /** Resolves with the schema errors (camt.054; none for BgMax); the caller commits only when empty. */
  schemaErrors: Promise<string[]>;
}

/** The whole file read at once: every payment in one list (for small files and tests). */
export function readPaymentFile(bytes: Uint8Array, file: string, sellerBankgiro: string): ReadPaymentFile {
  const opened = openPaymentFile(bytes, file, sellerBankgiro);
  const payments: BankPayment[] = [];
  for (const batch of opened.batches(Number.MAX_SAFE_INTEGER)) payments.push(...batch);
  return { parsed: { format: opened.format, messageId: opened.messageId(), payments, ignored: opened.ignored }, schemaErrors: opened.schemaErrors };
}

/** Throws the refusal when the schema check found errors. */
export async function assertSchemaValid(read: { schemaErrors: Promise<string[]>; format?: PaymentFileFormat; parsed?: { format: PaymentFileFormat } }, file: string): Promise<void> {
  const errors = await read.schemaErrors;
  if (errors.length > 0) {
    const format = read.format ?? read.parsed?.format;
    const m = /^line (\d+): (.*)$/s.exec(errors[0]);
    throw new PaymentFileError(file, m ? Number(m[1]) : null, `not valid against the ${format} schema: ${m ? m[2].trim() : errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  }
}
