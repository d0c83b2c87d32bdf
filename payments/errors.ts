// A payment file that cannot be read, or whose own figures disagree: refused whole (exit 2),
// nothing stored. The message names the file, the line and the reason.

export class PaymentFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ''}: ${reason}; the file was refused whole, nothing was recorded`);
    this.name = 'PaymentFileError';
  }
}
