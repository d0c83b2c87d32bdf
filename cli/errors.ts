// What a person reads when a command fails for a reason other than bad input: the error and
// the causes beneath it (a Temporal "Failed to start Workflow" says why only in its cause),
// and, for the failures we know, the next step.

const NEXT_STEPS: { match: RegExp; next: string }[] = [
  {
    match: /no mapping defined for search attribute|search attribute .* (is )?not (defined|found)|unknown search attribute/i,
    next: "the namespace does not know month-close's search attributes: run 'month-close temporal setup' once",
  },
  { match: /namespace .*(not found|does not exist)/i, next: "run 'month-close temporal setup' to create and prepare the namespace, or check TEMPORAL_NAMESPACE" },
  {
    match: /ECONNREFUSED|UNAVAILABLE|failed to connect|cannot reach Temporal/i,
    next: "is Temporal running? Start 'month-close dev', or check TEMPORAL_ADDRESS",
  },
];

import { findFailure } from '../contracts/failures';

/** The error's message and its causes' messages, each once, then the next step when known. */
export function describeFailure(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const text = [(e as Error).message, (e as { details?: unknown }).details]
      .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
      .map((t) => t.trim());
    for (const t of text) if (!messages.some((m) => m.includes(t))) messages.push(t);
  }
  const all = messages.join(': ') || String(err);
  // A business failure carries its own remedy; otherwise the failures we recognise by their text.
  const next = findFailure(err)?.remedy ?? NEXT_STEPS.find((s) => s.match.test(all))?.next;
  return next ? `${all}\n  next: ${next}` : all;
}
