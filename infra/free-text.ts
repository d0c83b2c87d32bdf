// Free text a person types (a reason, a name) ends up on invoices and credit notes, in XML sent
// to customers, in e-mail and in one-line logs. It is checked as the imports check text: one
// line, no control characters, bounded length. One check for the CLI, the console and the
// activities that store such text; the messages name the field (English for the CLI, Swedish
// for the console).

/** Control characters, and the line and paragraph separators that break a line just the same. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Half of a surrogate pair on its own: not a character, and not something XML can carry. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type FreeTextProblem =
  | { kind: 'empty' }
  | { kind: 'too_long'; length: number; max: number }
  | { kind: 'control'; codePoint: number; position: number };

/** What is wrong with a free-text value (already trimmed by the caller), or null. Lengths count characters, not UTF-16 units. */
export function freeTextProblem(value: string, max: number): FreeTextProblem | null {
  if (value === '') return { kind: 'empty' };
  const control = CONTROL.exec(value) ?? LONE_SURROGATE.exec(value);
  if (control) return { kind: 'control', codePoint: control[0].charCodeAt(0), position: [...value.slice(0, control.index)].length + 1 };
  const length = [...value].length;
  if (length > max) return { kind: 'too_long', length, max };
  return null;
}

function character(codePoint: number, lang: 'en' | 'sv'): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (codePoint === 0x0a || codePoint === 0x0d || codePoint === 0x2028 || codePoint === 0x2029) return lang === 'en' ? `a line break (${hex})` : `en radbrytning (${hex})`;
  if (codePoint === 0x09) return lang === 'en' ? 'a tab (U+0009)' : 'en tabb (U+0009)';
  return lang === 'en' ? `the control character ${hex}` : `styrtecknet ${hex}`;
}

/** The problem as the CLI says it, naming the field, e.g. "--reason contains a line break (U+000A) at character 6: …". */
export function describeFreeTextProblem(field: string, p: FreeTextProblem): string {
  switch (p.kind) {
    case 'empty':
      return `${field} is empty`;
    case 'too_long':
      return `${field} is ${p.length} characters long: at most ${p.max}`;
    case 'control':
      return `${field} contains ${character(p.codePoint, 'en')} at character ${p.position}: it must be one line of text without control characters`;
  }
}

/** The same for the console, in Swedish, e.g. "Motiveringen innehåller en radbrytning …". */
export function beskrivFritextProblem(falt: string, p: FreeTextProblem): string {
  switch (p.kind) {
    case 'empty':
      return `${falt} är tom.`;
    case 'too_long':
      return `${falt} har ${p.length.toLocaleString('sv-SE')} tecken; högst ${p.max.toLocaleString('sv-SE')}.`;
    case 'control':
      return `${falt} innehåller ${character(p.codePoint, 'sv')} vid tecken ${p.position}: skriv en rad text utan styrtecken.`;
  }
}

/** The trimmed value, or the reason it is refused (CLI wording). */
export function checkFreeText(field: string, value: string, max: number): { value: string } | { problem: string } {
  const trimmed = value.trim();
  const p = freeTextProblem(trimmed, max);
  return p ? { problem: describeFreeTextProblem(field, p) } : { value: trimmed };
}

/** Longest reason on a credit note (fits the PDF and the e-invoice's note). */
export const MAX_CREDIT_REASON = 500;
/** Longest reason for rejecting a draft (for the record and the people correcting the data). */
export const MAX_REJECT_REASON = 2000;
/** Longest name of a person (requester, approver, console user). */
export const MAX_PERSON_NAME = 200;

/**
 * The request's free text (who asks, why) as every writer of it needs it: one line, no control
 * characters, bounded (infra/free-text.ts). Null when fine. Checked by the client (to refuse early)
 * and by the activity that stores the request (for any other client).
 */
export function creditTextProblem(r: { requestedBy: string; reason: string }): string | null {
  return creditTextRefusal(r)?.cli ?? null;
}

/** The same, with its facts: which field, and what is wrong (the console says it in Swedish). */
export function creditTextRefusal(r: { requestedBy: string; reason: string }): { field: 'requested_by' | 'reason'; problem: FreeTextProblem; cli: string } | null {
  for (const [field, cliField, value, max] of [['requested_by', '--by', r.requestedBy, MAX_PERSON_NAME], ['reason', '--reason', r.reason, MAX_CREDIT_REASON]] as const) {
    const problem = freeTextProblem(value.trim(), max);
    if (problem) return { field, problem, cli: describeFreeTextProblem(cliField, problem) };
  }
  return null;
}
