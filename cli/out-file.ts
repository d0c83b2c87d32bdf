import fs from 'node:fs';
import path from 'node:path';
import { shown } from '../infra/shown';
import { UsageError } from './runtime';

// `--out FILE` for every command that writes a file: checked before any work is done, and a
// write that fails anyway is bad input (exit 2) that names the path and the reason.

function outError(file: string, reason: string): UsageError {
  return new UsageError(`--out ${shown(file, 120)}: ${reason}; choose a writable file path`);
}

/** The absolute path to write, after checking that it can be written (folders are created). */
export function writableOutPath(file: string): string {
  if (file.trim() === '') throw outError(file, 'is empty');
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
