// Values a payment keeps from a file read in pieces.
/**
 * A copy of a value read from a piece of the file. V8 makes a substring of 13 or more
 * characters a window on its parent string, which would keep the whole piece (a megabyte) alive
 * for as long as a payment keeps the value; shorter ones are copies already.
 */
export function kept(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
