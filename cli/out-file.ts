import fs from 'node:fs';
import path from 'node:path';
import { shown } from '../infra/shown';
import { UsageError } from './runtime';

// `--out FILE` for every command that writes a file: checked before any work is done, and a
// write that fails anyway is bad input (exit 2) that names the path and the reason.

function outError(file: string, reason: string): UsageError {
  return new UsageError(`--out ${shown(file, 120)}: ${reason}; choose a writable file path`);
}

/**
 * A file name given on the command line that was not valid UTF-8 reaches Node with U+FFFD in
 * place of the bytes: opening it finds nothing, and writing it writes another name. Refused,
 * naming the argument.
 */
export function fileNameProblem(file: string): string | null {
  return file.includes('\uFFFD') ? 'is not a valid UTF-8 file name (or contains U+FFFD): rename the file to UTF-8 characters' : null;
}

/** A file to read, given on the command line: refused (exit 2) when its name is not valid UTF-8. */
export function readableFileArgument(what: string, file: string): string {
  const problem = fileNameProblem(file);
  if (problem) throw new UsageError(`${what} ${shown(file, 120)} ${problem}`);
  return file;
}

/** The absolute path to write, after checking that it can be written (folders are created). */
export function writableOutPath(file: string): string {
  if (file.trim() === '') throw outError(file, 'is empty');
  const problem = fileNameProblem(file);
  if (problem) throw outError(file, problem);
  const target = path.resolve(file);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw outError(file, 'is a folder, not a file');
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.accessSync(path.dirname(target), fs.constants.W_OK);
  } catch (err) {
    throw outError(file, `cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return target;
}

export function writeOut(target: string, content: Buffer): void {
  try {
    fs.writeFileSync(target, content);
  } catch (err) {
    throw outError(target, `cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
