import { camtSchemaErrors } from './camt-schema';
import { camtVersionOf, parseCamt054 } from './camt054';
import { isBgMax, parseBgMax } from './bgmax';
import { PaymentFileError } from './errors';
import type { PaymentFile } from './types';

// A bank file is told apart by its content, not its name: a BgMax starts with its start record
// "01BGMAX", a camt.054 is XML in the camt.054.001.02 or .08 namespace.

export interface ReadPaymentFile {
  parsed: PaymentFile;
  /** Resolves with the schema errors (camt.054; none for BgMax); the caller commits only when empty. */
  schemaErrors: Promise<string[]>;
}

export function readPaymentFile(bytes: Buffer, file: string, sellerBankgiro: string): ReadPaymentFile {
  if (bytes.length === 0) throw new PaymentFileError(file, null, 'the file is empty');
  const head = bytes.subarray(0, 2000).toString('latin1');
  if (isBgMax(head)) return { parsed: parseBgMax(bytes.toString('latin1'), file, sellerBankgiro), schemaErrors: Promise.resolve([]) };
  const xml = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const version = camtVersionOf(xml.slice(0, 2000));
  if (!version) {
    const what = /^\s*</.test(xml) ? 'XML, but not a camt.054.001.02 or .08 notification' : 'neither a camt.054 notification (XML) nor a BgMax file (first record 01BGMAX)';
    throw new PaymentFileError(file, 1, what);
  }
  // Started first: the schema check runs in its worker thread while the main thread parses.
  const schemaErrors = camtSchemaErrors(xml, version);
  schemaErrors.catch(() => undefined);
  return { parsed: parseCamt054(xml, file, sellerBankgiro), schemaErrors };
}

/** Throws the refusal when the schema check found errors. */
export async function assertSchemaValid(read: ReadPaymentFile, file: string): Promise<void> {
  const errors = await read.schemaErrors;
  if (errors.length > 0) {
    const m = /^line (\d+): (.*)$/s.exec(errors[0]);
    throw new PaymentFileError(file, m ? Number(m[1]) : null, `not valid against the ${read.parsed.format} schema: ${m ? m[2].trim() : errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  }
}
