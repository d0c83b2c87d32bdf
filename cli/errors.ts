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

/** A failure (exit 1) that knows the next step: `next: …` in the text, `next` under --json. */
export class FailureWithNextStep extends Error {
  constructor(
    message: string,
    readonly next: string,
  ) {
    super(message);
  }
}

/** PostgreSQL did not answer: says so, where, and what to do (never Temporal's hint for its port). */
export class DatabaseUnavailable extends FailureWithNextStep {}

/** Error codes of a database that is down, restarting or unreachable (node's and PostgreSQL's). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/**
 * A DatabaseUnavailable for an error that says PostgreSQL is not answering (a refused or lost
 * connection to its host and port, a server shutting down, no connection from the pool), else null.
 */
export function databaseUnavailable(err: unknown, databaseUrl: string): DatabaseUnavailable | null {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return null;
  }
  const port = Number(url.port || 5432);
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, port: errPort, message } = e as { code?: unknown; port?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    const ours = errPort === undefined || Number(errPort) === port;
    if ((typeof code === 'string' && UNREACHABLE.has(code) && ours) || /Connection terminated|Knex: Timeout acquiring a connection/.test(text)) {
      return new DatabaseUnavailable(
        `PostgreSQL at ${url.hostname}:${port} is not answering (${text || String(code)})`,
        "start it again ('month-close dev', or your database service; DATABASE_URL names it), then run the same command again: what was already done stands and is not done twice",
      );
    }
  }
  return null;
}

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
  const next = err instanceof FailureWithNextStep ? err.next : (findFailure(err)?.remedy ?? NEXT_STEPS.find((s) => s.match.test(all))?.next);
  return next ? `${all}\n  next: ${next}` : all;
}
