// Why a person's request is refused, as data: a code and the facts. The CLI, logs and `--json`
// read the text `refusalCli` builds (the wording they always had); people in the console read
// the Swedish `refusalSv` (billing/refusal-sv.ts) builds from the same facts. The approval
// workflows refuse with text (their validators throw it, and it is in their histories), so
// `parseRefusal` reads those texts back into facts, template by template.

/** A free-text value's problem (infra/free-text.ts FreeTextProblem, repeated here: billing imports nothing). */
export type TextProblem = { kind: 'empty' } | { kind: 'too_long'; length: number; max: number } | { kind: 'control'; codePoint: number; position: number };

/** The facts of a period lock (store/period-locks.ts), as a refusal names them. */
export interface LockFacts {
  period: string;
  lockedBy: string;
  /** YYYY-MM-DD */
  lockedOn: string;
  lockReason: string | null;
}

export type Refusal =
  // Credit rules (billing/credit.ts) and the credit request (client/credit.ts).
  | { code: 'credit_article_twice'; invoice: string; article: string }
  | { code: 'credit_no_such_line'; invoice: string; article: string; quantity: number; lines: string[] }
  | { code: 'credit_quantity_not_positive'; article: string; quantity: number }
  | { code: 'credit_more_than_invoiced'; invoice: string; article: string; wanted: number; invoiced: number; alreadyCredited: number; by: string[] }
  | { code: 'credit_nothing_left'; invoice: string; by: string[] }
  | { code: 'credit_lines_syntax'; arg: string }
  | { code: 'credit_unknown_article'; article: string; known: readonly string[] }
  /** `leftOre`: what the credit would leave of the invoice (the credit activity says it; the client does not). */
  | { code: 'reissue_needs_full_credit'; invoice: string; leftOre?: number }
  | { code: 'reissue_period_locked'; invoice: string; lock: LockFacts }
  | { code: 'credit_unknown_invoice'; invoice: string }
  | { code: 'credit_text'; field: 'requested_by' | 'reason'; problem: TextProblem; cli: string }
  | { code: 'credit_never_approvable'; invoice: string; totalOre: number; fourEyesAboveOre: number; requester: string; approvalsNeeded: number; others: string[]; cli: string }
  // A credit whose workflow has ended (client/credit.ts endedCredit).
  | { code: 'credit_already_issued'; workflowId: string; creditNote: string }
  | { code: 'credit_was_refused'; workflowId: string; reason: string }
  | { code: 'credit_was_rejected'; workflowId: string; by: string; reason: string }
  | { code: 'credit_not_running'; workflowId: string; status: string }
  | { code: 'credit_unknown_request'; workflowId: string }
  | { code: 'credit_refused_before'; reason: string }
  | { code: 'credit_not_issued'; reason: string }
  // The approval rules (workflows/draft-review.ts) and the clients around them.
  | { code: 'not_an_approver'; by: string }
  | { code: 'reject_needs_reason' }
  | { code: 'nothing_awaits_decision'; state: string }
  | { code: 'stale_version'; version: number; current: number }
  | { code: 'own_request'; by: string; requester: string; approvalsNeeded: number }
  | { code: 'already_approved'; by: string; version: number }
  | { code: 'flagged_in_bulk'; version: number; flags: string[] }
  | { code: 'no_close_running' }
  | { code: 'nothing_to_recompute'; state: string }
  | { code: 'period_locked'; lock: LockFacts; action: string }
  | { code: 'period_not_ended'; period: string; future: boolean; closableFrom: string; cli: string }
  // A text no template above matches: kept for the record, never shown to a person as it is.
  | { code: 'unrecognised'; text: string };

export type RefusalCode = Refusal['code'];

/** The lock's own sentence (Swedish in the CLI too, as store/period-locks.ts always wrote it). */
function lockedCli(l: LockFacts, action: string): string {
  return (
    `${l.period} är låst av ${l.lockedBy} ${l.lockedOn}${l.lockReason ? ` (${l.lockReason})` : ''}: ${action} görs inte. ` +
    `Rätta med en kreditfaktura ('month-close invoices credit NUMMER --by NAMN --reason TEXT'), eller lås upp perioden ('month-close period unlock --period ${l.period} --by NAMN --reason TEXT')`
  );
}

const byPrior = (by: string[]) => (by.length ? ` by ${by.join(', ')}` : '');

/** The refusal as the CLI, logs and `--json` say it. */
export function refusalCli(r: Refusal): string {
  switch (r.code) {
    case 'credit_article_twice':
      return `${r.invoice} has article ${r.article} on two lines: credit it as a whole`;
    case 'credit_no_such_line':
      return `--lines ${r.article}=${r.quantity}: ${r.invoice} has no line ${r.article} (it has ${r.lines.join(', ')})`;
    case 'credit_quantity_not_positive':
      return `--lines ${r.article}=${r.quantity}: the quantity must be a whole number above 0`;
    case 'credit_more_than_invoiced':
      return `${r.article}: crediting ${r.wanted} would credit more than ${r.invoice} invoiced (${r.invoiced}, of which ${r.alreadyCredited} already credited${byPrior(r.by)})`;
    case 'credit_nothing_left':
      return `${r.invoice} is already fully credited${byPrior(r.by)}: nothing left to credit`;
    case 'credit_lines_syntax':
      return `--lines ${JSON.stringify(r.arg.slice(0, 60))}: write ARTICLE=QTY, e.g. portal_user=2`;
    case 'credit_unknown_article':
      return `--lines ${r.article}: unknown article (one of ${r.known.join(', ')})`;
    case 'reissue_needs_full_credit':
      return r.leftOre === undefined
        ? `--reissue needs ${r.invoice} credited in full: leave out --lines, or credit every line that is left`
        : `--reissue needs ${r.invoice} credited in full; this credit leaves ${r.leftOre} öre of it live`;
    case 'reissue_period_locked':
      return `${lockedCli(r.lock, `--reissue av ${r.invoice}`)}; utan --reissue krediteras fakturan ändå`;
    case 'credit_unknown_invoice':
      return `no invoice ${r.invoice}: see 'month-close invoices list --period YYYY-MM' (credit notes cannot be credited)`;
    case 'credit_text':
    case 'credit_never_approvable':
    case 'period_not_ended':
      return r.cli;
    case 'credit_already_issued':
      return `${r.workflowId} is already decided: credit note ${r.creditNote} was issued`;
    case 'credit_was_refused':
      return `${r.workflowId} was refused: ${r.reason}`;
    case 'credit_was_rejected':
      return `${r.workflowId} was rejected by ${r.by}: ${r.reason}`;
    case 'credit_not_running':
      return `${r.workflowId} is no longer running (${r.status})`;
    case 'credit_unknown_request':
      return `no credit request ${r.workflowId} (see the id 'invoices credit' printed)`;
    case 'credit_refused_before':
      return `the credit note was refused: ${r.reason}`;
    case 'credit_not_issued':
      return `approved, but the credit note was not issued: ${r.reason}`;
    case 'not_an_approver':
      return `${r.by} is not a configured finance approver`;
    case 'reject_needs_reason':
      return 'a rejection needs a reason';
    case 'nothing_awaits_decision':
      return `no draft awaits a decision (state: ${r.state})`;
    case 'stale_version':
      return `draft version ${r.version} is not the current one (${r.current}): look at the new draft first`;
    case 'own_request': {
      const others = r.approvalsNeeded > 1 ? `${r.approvalsNeeded} approvers other than ${r.requester}` : `an approver other than ${r.requester}`;
      return `${r.by} asked for this and may not approve it (segregation of duties): ${others} must`;
    }
    case 'already_approved':
      return `${r.by} has already approved draft version ${r.version}; four eyes: a second, different approver must approve it`;
    case 'flagged_in_bulk':
      return `draft version ${r.version} is flagged (${r.flags.join(', ')}): approve it on its own or with --include-flagged`;
    case 'no_close_running':
      return 'no close of this customer and period is running: it may be final already or never started (see `close status`)';
    case 'nothing_to_recompute':
      return `nothing to recompute (state: ${r.state})`;
    case 'period_locked':
      return lockedCli(r.lock, r.action);
    case 'unrecognised':
      return r.text;
  }
}

const list = (text: string | undefined) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** The templates refusalCli writes (and the workflows' validators throw), read back into facts. */
const TEMPLATES: [RegExp, (m: string[]) => Refusal][] = [
  [/^(\S+) has article (\S+) on two lines: credit it as a whole$/, (m) => ({ code: 'credit_article_twice', invoice: m[1]!, article: m[2]! })],
  [/^--lines (\w+)=(-?\d+): (\S+) has no line \w+ \(it has (.*)\)$/, (m) => ({ code: 'credit_no_such_line', article: m[1]!, quantity: Number(m[2]), invoice: m[3]!, lines: list(m[4]) })],
  [/^--lines (\w+)=(.*): the quantity must be a whole number above 0$/, (m) => ({ code: 'credit_quantity_not_positive', article: m[1]!, quantity: Number(m[2]) })],
  [
    /^(\w+): crediting (\d+) would credit more than (\S+) invoiced \((\d+), of which (\d+) already credited(?: by (.*))?\)$/,
    (m) => ({ code: 'credit_more_than_invoiced', article: m[1]!, wanted: Number(m[2]), invoice: m[3]!, invoiced: Number(m[4]), alreadyCredited: Number(m[5]), by: list(m[6]) }),
  ],
  [/^(\S+) is already fully credited(?: by (.*))?: nothing left to credit$/, (m) => ({ code: 'credit_nothing_left', invoice: m[1]!, by: list(m[2]) })],
  [
    /^--reissue needs (\S+) credited in full(?:; this credit leaves (-?\d+) öre of it live)?/,
    (m) => (m[2] === undefined ? { code: 'reissue_needs_full_credit', invoice: m[1]! } : { code: 'reissue_needs_full_credit', invoice: m[1]!, leftOre: Number(m[2]) }),
  ],
  // The client's "no invoice X: see …" and the credit activity's "no invoice X: only a final invoice can be credited".
  [/^no invoice (\S+): /, (m) => ({ code: 'credit_unknown_invoice', invoice: m[1]! })],
  [/^approved, but the credit note was not issued: (.*)$/s, (m) => ({ code: 'credit_not_issued', reason: m[1]! })],
  [/^(\S+) is already decided: credit note (\S+) was issued$/, (m) => ({ code: 'credit_already_issued', workflowId: m[1]!, creditNote: m[2]! })],
  [/^the credit note was refused: (.*)$/s, (m) => ({ code: 'credit_refused_before', reason: m[1]! })],
  [/^(\S+) was refused: (.*)$/s, (m) => ({ code: 'credit_was_refused', workflowId: m[1]!, reason: m[2]! })],
  [/^(\S+) was rejected by (.*?): (.*)$/s, (m) => ({ code: 'credit_was_rejected', workflowId: m[1]!, by: m[2]!, reason: m[3]! })],
  [/^(\S+) is no longer running \((.*)\)$/, (m) => ({ code: 'credit_not_running', workflowId: m[1]!, status: m[2]! })],
  [/^no credit request (\S+) /, (m) => ({ code: 'credit_unknown_request', workflowId: m[1]! })],
  [/^(.*) is not a configured finance approver$/, (m) => ({ code: 'not_an_approver', by: m[1]! })],
  [/^a rejection needs a reason$/, () => ({ code: 'reject_needs_reason' })],
  [/^no draft awaits a decision \(state: (.*)\)$/, (m) => ({ code: 'nothing_awaits_decision', state: m[1]! })],
  [/^draft version (\d+) is not the current one \((\d+)\)/, (m) => ({ code: 'stale_version', version: Number(m[1]), current: Number(m[2]) })],
  [
    /^(.*) asked for this and may not approve it \(segregation of duties\): (?:(\d+) approvers|an approver) other than (.*) must$/,
    (m) => ({ code: 'own_request', by: m[1]!, approvalsNeeded: m[2] ? Number(m[2]) : 1, requester: m[3]! }),
  ],
  [/^(.*) has already approved draft version (\d+); four eyes/, (m) => ({ code: 'already_approved', by: m[1]!, version: Number(m[2]) })],
  [/^draft version (\d+) is flagged \((.*)\): /, (m) => ({ code: 'flagged_in_bulk', version: Number(m[1]), flags: list(m[2]) })],
  [/^no close of this customer and period is running/, () => ({ code: 'no_close_running' })],
  [/^nothing to recompute \(state: (.*)\)$/, (m) => ({ code: 'nothing_to_recompute', state: m[1]! })],
  [
    /^(\d{4}-\d{2}) är låst av (.*?) (\d{4}-\d{2}-\d{2})(?: \((.*)\))?: --reissue av (\S+) görs inte\./s,
    (m) => ({ code: 'reissue_period_locked', invoice: m[5]!, lock: { period: m[1]!, lockedBy: m[2]!, lockedOn: m[3]!, lockReason: m[4] ?? null } }),
  ],
  [
    /^(\d{4}-\d{2}) är låst av (.*?) (\d{4}-\d{2}-\d{2})(?: \((.*)\))?: (.*?) görs inte\./s,
    (m) => ({ code: 'period_locked', lock: { period: m[1]!, lockedBy: m[2]!, lockedOn: m[3]!, lockReason: m[4] ?? null }, action: m[5]! }),
  ],
  // The store's own PeriodLockedError (an activity's refusal), e.g. "2026-11 är låst (av Anna 2026-12-03: bokslut); fakturan utfärdas görs inte".
  [
    /^(\d{4}-\d{2}) är låst \(av (.*?) (\d{4}-\d{2}-\d{2})(?:: (.*))?\); (.*) görs inte$/s,
    (m) => ({ code: 'period_locked', lock: { period: m[1]!, lockedBy: m[2]!, lockedOn: m[3]!, lockReason: m[4] ?? null }, action: m[5]! }),
  ],
];

/** A refusal's text (a workflow's, or one refusalCli wrote) as facts; `unrecognised` keeps any other text. */
export function parseRefusal(text: string): Refusal {
  for (const [re, of] of TEMPLATES) {
    const m = re.exec(text);
    if (m) return of([...m]);
  }
  return { code: 'unrecognised', text };
}
