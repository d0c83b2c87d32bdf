/**
 * An input value as an error message shows it: quoted, and cut to `max` characters with its
 * full length said, so a 10,000-character id cannot flood the terminal.
 */
export function shown(value: string, max = 60): string {
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
  if (printable.length <= max) return `'${printable}'`;
  return `'${printable.slice(0, max)}…' (${value.length} characters)`;
}
