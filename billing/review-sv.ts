// What finance, operators, partners and customers read about a review, in Swedish. The stored
// review keeps its stable codes and English details (JSON, logs and `--json` read those); this
// turns them into Swedish sentences at the moment a person is shown them, from the codes and
// the data inside the details (every template below is one the code base writes).
// Pure: the console and the e-mails share it.

import { STILL_WAITS_PREFIX, type ApprovalPolicy } from './guardrails';
import { stockholmOffsetMinutes } from './period';
import { formatPercent, formatSek } from './format';
import { parseRefusal } from './refusals';
import { refusalSv as refusalOfSv } from './refusal-sv';

const MINUS = '\u2212';

export const ARTICLE_SV: Record<string, string> = {
  smart: 'Smart',
  komplett: 'Komplett',
  extra_company: 'Extra företag',
  superuser: 'Superanvändare',
  portal_user: 'Portalanvändare',
  archive_user: 'Arkivanvändare',
};

/** A role or article code as a person says it; an unknown code is shown as it is. */
export function articleSv(code: string | null | undefined): string {
  if (!code) return '–';
  return ARTICLE_SV[code] ?? code;
}

export const FLAG_SV: Record<string, string> = {
  first_invoice: 'Första fakturan',
  change_above_threshold: 'Stor förändring',
  new_article: 'Ny artikel',
  article_dropped: 'Artikel borttagen',
  usage_contradictions: 'Motstridiga händelser',
  late_events: 'Sena händelser',
  four_eyes: 'Fyra ögon',
};

export function flagSv(code: string): string {
  return FLAG_SV[code] ?? code;
}

export const FACT_KIND_SV: Record<string, string> = {
  first_invoice: 'Första fakturan',
  user_added: 'Ny användare',
  user_left: 'Användare slutade',
  role_changed: 'Roll ändrad',
  module_on: 'Modul påslagen',
  module_off: 'Modul avslagen',
  company_added: 'Företag tillagt',
  company_removed: 'Företag borttaget',
  contradiction: 'Motstridig händelse',
  late_event: 'Sen händelse',
};

export const SUBJECT_SV: Record<string, string> = { user: 'Användare', module: 'Modul', company: 'Företag', event: 'Händelse', invoice: 'Faktura' };

/** '+9.8 %' → '+9,8 %', 'n/a' → '–': formatChangePct's output in sv-SE. */
export function pctSv(text: string): string {
  if (text === 'n/a') return '–';
  return text.replace(/(\d)\.(\d)/g, '$1,$2').replace(/ %/g, '\u00a0%');
}

/** A percentage (e.g. 77.1) in sv-SE with its sign: '+77,1 %', '−3,5 %', '0 %'. */
export function signedPct(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return '–';
  const rounded = Math.round(pct * 10) / 10;
  if (rounded === 0) return formatPercent(0);
  return (rounded > 0 ? '+' : MINUS) + formatPercent(Math.abs(rounded));
}

const articles = (list: string) =>
  list
    .split(',')
    .map((a) => articleSv(a.trim()))
    .join(', ');

/** The contradictions the usage fold records (billing/snapshot.ts), in Swedish. */
export function contradictionSv(reason: string): string {
  const subject = (t: string) => SUBJECT_SV[t]?.toLowerCase() ?? t;
  let m = /^(activated|deactivated|role_changed) (user|module|company) '(.*)' which is (already active|not active)$/.exec(reason);
  if (m) {
    const what = { activated: 'aktiverade', deactivated: 'avaktiverade', role_changed: 'bytte roll för' }[m[1] as 'activated'];
    const state = m[4] === 'already active' ? 'redan var aktiv' : 'inte var aktiv';
    return `${what} ${subject(m[2]!)} '${m[3]}' som ${state}`;
  }
  return reason;
}

/** One review flag's detail in Swedish (billing/guardrails.ts flagDraft's templates). */
export function flagDetailSv(code: string, detail: string): string {
  let m: RegExpExecArray | null;
  switch (code) {
    case 'first_invoice':
      return 'ingen tidigare slutlig faktura att jämföra med';
    case 'change_above_threshold':
      m = /^(\S+ %|n\/a) \((.*)\) vs (\S+)$/.exec(detail);
      return m ? `${pctSv(m[1]!)} (${m[2]}) mot ${m[3]}` : detail;
    case 'new_article':
      m = /^new: (.*)$/.exec(detail);
      return m ? `ny: ${articles(m[1]!)}` : detail;
    case 'article_dropped':
      m = /^dropped: (.*)$/.exec(detail);
      return m ? `borttagen: ${articles(m[1]!)}` : detail;
    case 'usage_contradictions':
      m = /^(\d+) contradicting event/.exec(detail);
      return m ? `${m[1]} motstridiga händelser räknas inte med i fakturan` : detail;
    case 'late_events':
      m = /^(\d+) event/.exec(detail);
      return m ? `${m[1]} händelser för en tidigare månad kom efter förra avslutet` : detail;
    case 'four_eyes':
      m = /^total (.*) above (.*): two approvers$/.exec(detail);
      return m ? `totalt ${m[1]} över ${m[2]}: två olika personer godkänner` : detail;
    default:
      return detail;
  }
}

/** A usage fact in Swedish (billing/explain.ts's templates). */
export function factSv(f: { kind: string; subject_type: string; subject_id: string; detail: string }): string {
  let m: RegExpExecArray | null;
  switch (f.kind) {
    case 'first_invoice':
      return 'ingen tidigare slutlig faktura: den första månadsfakturan';
    case 'user_added':
      m = /^user added as (\S+)$/.exec(f.detail);
      return m ? `tillagd som ${articleSv(m[1])}` : f.detail;
    case 'user_left':
      m = /^user left \(was (\S+)\)$/.exec(f.detail);
      return m ? `slutade (var ${articleSv(m[1])})` : f.detail;
    case 'role_changed':
      m = /^role (\S+) → (\S+)$/.exec(f.detail);
      return m ? `roll ${articleSv(m[1])} → ${articleSv(m[2])}` : f.detail;
    case 'module_on':
      return `modulen ${articleSv(f.subject_id)} påslagen`;
    case 'module_off':
      return `modulen ${articleSv(f.subject_id)} avslagen`;
    case 'company_added':
      return 'företaget tillagt';
    case 'company_removed':
      return 'företaget borttaget';
    case 'contradiction':
      m = /^left out of the bill: (.*)$/.exec(f.detail);
      return m ? `räknas inte med i fakturan: ${contradictionSv(m[1]!)}` : f.detail;
    case 'late_event':
      m = /^(user|module|company) (.*) on (\d{4}-\d{2}-\d{2}), arrived after the previous close$/.exec(f.detail);
      return m ? `${SUBJECT_SV[m[1]!]!.toLowerCase()} ${m[2]} den ${m[3]}, kom efter förra avslutet` : f.detail;
    default:
      return f.detail;
  }
}

/** The article a fact belongs to, for grouping facts per article; null when none. */
export function factArticle(f: { kind: string; subject_type: string; subject_id: string; detail: string }): string {
  if (f.subject_type === 'module') return f.subject_id;
  if (f.subject_type === 'company') return 'extra_company';
  if (f.subject_type === 'user') {
    const m = /(superuser|portal_user|archive_user)\)?$/.exec(f.detail);
    return m ? m[1]! : 'user';
  }
  return 'other';
}

/** Parses '+494,00 kr' / '−2 000,00 kr' back to öre (formatSek's output); null when it is not one. */
function oreOf(text: string): number | null {
  const m = /^([+−-]?)([\d\s\u00a0\u202f]+),(\d{2})\s*kr$/.exec(text.trim());
  if (!m) return null;
  const ore = Number(m[2]!.replace(/\D/g, '')) * 100 + Number(m[3]);
  return m[1] === '−' || m[1] === '-' ? -ore : ore;
}

/**
 * Why a draft waits for a person, or why the policy approved it (guardrails.ts policyVerdict's
 * templates), in Swedish. "X is outside ±5 % and ±2 000 kr" names the limit that was crossed:
 * the draft waits when either is, and saying both reads as false when only one is.
 */
export function reasonSv(reason: string | null | undefined): string {
  if (!reason) return '';
  let m = /^flagged: (.*)$/.exec(reason);
  if (m) return `flaggat: ${m[1]!.split(',').map((c) => flagSv(c.trim()).toLowerCase()).join(', ')}`;
  if (reason === 'auto-approval is off') return 'automatiskt godkännande är avstängt';
  m = /^previous total (.*) \(credited\): no percentage to judge$/.exec(reason);
  if (m) return `föregående faktura är krediterad (${m[1]} kvar): ingen procentsats att bedöma`;
  m = /^(\S+ %|n\/a) \((.*)\) vs (\S+) is outside ±([\d.]+) % and ±(.*)$/.exec(reason);
  if (m) {
    const [, pct, amount, previous, limitPct, limitAmount] = m as unknown as string[];
    const pctValue = Math.abs(Number(pct!.replace(/[^\d.]/g, '')));
    const changeOre = oreOf(amount!);
    const limitOre = oreOf(limitAmount!);
    const pctOver = pct === 'n/a' || pctValue > Number(limitPct);
    const amountOver = changeOre !== null && limitOre !== null && Math.abs(changeOre) > limitOre;
    const limitPctText = `±${pctSv(`${limitPct} %`)}`;
    const vs = `mot ${previous}`;
    if (pctOver && !amountOver) return `förändringen ${pctSv(pct!)} ${vs} är större än ${limitPctText} (beloppet ${amount} ligger inom ±${limitAmount})`;
    if (amountOver && !pctOver) return `förändringen ${amount} ${vs} är större än ±${limitAmount} (${pctSv(pct!)} ligger inom ${limitPctText})`;
    return `förändringen ${pctSv(pct!)} (${amount}) ${vs} är större än både ${limitPctText} och ±${limitAmount}`;
  }
  if (reason.startsWith(STILL_WAITS_PREFIX)) return `väntade redan när jämförelsen uppdaterades; nu ${reasonSv(reason.slice(STILL_WAITS_PREFIX.length))}, men en person beslutar`;
  m = /^(\S+ %|n\/a) \((.*)\) vs (\S+), within (.*) \(policy (.*)\)$/.exec(reason);
  if (m) return `${pctSv(m[1]!)} (${m[2]}) mot ${m[3]}, inom ${pctSv(m[4]!.replace(' and ', ' och '))} (policy ${m[5]})`;
  return reason;
}

/** What the policy needs for an automatic approval, in Swedish. */
export function policySv(policy: ApprovalPolicy): string {
  return `±${formatPercent(policy.autoApprove.maxChangePct)} och ±${formatSek(policy.autoApprove.maxChangeOre)}`;
}

// How a decision arrived, as the decision log says it ('update' is the console or the command line alike).
const VIA_SV: Record<string, string> = { signal: 'signal', update: 'konsolen eller kommandoraden', approve_all: 'godkänn alla', policy: 'policyn', console: 'konsolen', cli: 'kommandoraden' };

/**
 * A recorded refusal's text (approval_requests, console_actions) in Swedish, by its facts
 * (billing/refusal-sv.ts). A text no template knows is the record itself, so it is kept.
 */
export function refusalSv(text: string): string {
  const refusal = parseRefusal(text);
  return refusal.code === 'unrecognised' ? text : refusalOfSv(refusal);
}

/** A decision log's outcome ('approved (approve_all)', 'approved 1 of 2 (update)', 'refused (console): …'). */
export function outcomeSv(outcome: string): string {
  let m = /^approved (\d+) of (\d+) \((\w+)\)$/.exec(outcome);
  if (m) return `godkänt ${m[1]} av ${m[2]} (${VIA_SV[m[3]!] ?? m[3]})`;
  m = /^(approved|rejected|duplicate|accepted|needs_second|recompute_started) \((\w+)\)$/.exec(outcome);
  if (m) return `${OUTCOME_WORD[m[1]!]} (${VIA_SV[m[2]!] ?? m[2]})`;
  m = /^refused \((\w+)\): (.*)$/s.exec(outcome);
  if (m) return `avvisat (${VIA_SV[m[1]!] ?? m[1]}): ${refusalSv(m[2]!)}`;
  m = /^refused: (.*)$/s.exec(outcome);
  if (m) return `avvisat: ${refusalSv(m[1]!)}`;
  return OUTCOME_WORD[outcome] ?? outcome;
}

const OUTCOME_WORD: Record<string, string> = {
  approved: 'godkänt',
  rejected: 'avvisat',
  duplicate: 'redan beslutat',
  accepted: 'accepterat',
  needs_second: 'väntar på andra godkännandet',
  recompute_started: 'omräkning startad',
  started: 'startad',
  already_running: 'körs redan',
  refused: 'avvisat',
  // A credit request's status (credit_requests.status), as the decision log shows it.
  awaiting_approval: 'väntar på godkännande',
  final: 'utfärdad',
  drafting: 'räknas fram',
  running: 'pågår',
  signalled: 'skickat',
  skipped: 'hoppades över',
};

export const REQUEST_SV: Record<string, string> = {
  approve: 'Godkänn',
  reject: 'Avvisa',
  recompute: 'Räkna om',
  decision: 'Beslut',
  rerun: 'Kör om',
  credit_request: 'Kreditering begärd',
  credit_approve: 'Godkänn kreditering',
  credit_reject: 'Avslå kreditering',
};

export function requestSv(request: string): string {
  return REQUEST_SV[request] ?? request;
}

type ComparedPrevious = { number: string; period: string; total_ore: number; credit_notes?: string[]; replaces?: string | null; fully_credited?: boolean };

/** The documents besides the invoice that made the base: "ersätter F10001, efter kreditering K10003"; '' for none. */
export function comparisonDocumentsSv(previous: ComparedPrevious): string {
  const notes = previous.credit_notes ?? [];
  if (previous.fully_credited) return `krediterades helt (${notes.join(', ')})`;
  return [previous.replaces ? `ersätter ${previous.replaces}` : '', notes.length ? `efter kreditering ${notes.join(', ')}` : ''].filter(Boolean).join(', ');
}

/**
 * Which documents a draft is compared with (billing/comparison-base.ts), in Swedish: "jämfört
 * med F10002 (2024-11, ersätter F10001) efter kreditering K10003", or that the previous invoice
 * was credited in full and the draft is compared with nothing billed.
 */
export function comparisonBaseSv(previous: ComparedPrevious | null): string {
  if (!previous) return 'ingen tidigare faktura: den första månadsfakturan';
  if (previous.fully_credited) return `Föregående faktura ${previous.number} (${previous.period}) ${comparisonDocumentsSv(previous)}: jämfört med ${formatSek(0)} fakturerat`;
  const notes = previous.credit_notes ?? [];
  const what = `${previous.number} (${previous.period}${previous.replaces ? `, ersätter ${previous.replaces}` : ''})`;
  return `jämfört med ${what}${notes.length ? ` efter kreditering ${notes.join(', ')}` : ''}: ${formatSek(previous.total_ore)}`;
}

/** A refresh of a draft's stored review (store/reviews.ts `comparison_updates`). */
export interface ComparisonUpdate {
  /** The review version the refresh made (2 for the first). */
  version: number;
  /** When, ISO 8601. */
  at: string;
  /** The issued document that changed the base: a credit note, or an invoice (a re-issue names the one it replaces). */
  after: { number: string; kind: 'credit_note' | 'invoice'; replaces: string | null };
  /** The version it replaced: what the draft was compared with then. */
  before: { previous: ComparedPrevious | null; change_ore: number | null; flags: string[] };
}

/** '2024-12-02 08:00', Stockholm time: when a person reads it. */
function stockholmMinute(iso: string): string {
  const ms = Date.parse(iso);
  const local = new Date(ms + stockholmOffsetMinutes(ms) * 60_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}

/** The document a refresh came after, as finance says it: "kreditfaktura K10002", "faktura F10005 (ersätter F10001)". */
export function issuedDocumentSv(after: ComparisonUpdate['after']): string {
  if (after.kind === 'credit_note') return `kreditfaktura ${after.number}`;
  return `faktura ${after.number}${after.replaces ? ` (ersätter ${after.replaces})` : ''}`;
}

/**
 * That a waiting draft's comparison was updated, after which document, and what it was compared
 * with before: "Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura K10002; tidigare
 * jämfört med F10001 (2024-10): 7 320,00 kr".
 */
export function comparisonUpdatedSv(u: ComparisonUpdate): string {
  const before = comparisonBaseSv(u.before.previous);
  return `${comparisonUpdatedWhenSv(u)}; tidigare ${before.charAt(0).toLowerCase()}${before.slice(1)}`;
}

/** When and after which document, for the queue's mark: "Jämförelsen uppdaterades 2024-12-02 08:00 efter kreditfaktura K10002". */
export function comparisonUpdatedWhenSv(u: Pick<ComparisonUpdate, 'at' | 'after'>): string {
  return `Jämförelsen uppdaterades ${stockholmMinute(u.at)} efter ${issuedDocumentSv(u.after)}`;
}
