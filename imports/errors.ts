/**
 * A whole input file is refused (bad header, broken CSV quoting, unreadable file).
 * Thrown before anything is written, or from inside the import's transaction so that
 * nothing of the file is kept. The CLI prints the message and exits with code 2.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    /** Physical line as an editor shows it (header = 1); null when the whole file is meant. */
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'InputError';
  }
}
