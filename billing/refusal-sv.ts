// A refusal (billing/refusals.ts) as a person in the console reads it: Swedish, built from the
// refusal's facts, with articles by the names the invoice lines use and amounts in sv-SE kronor.
// One lower-case clause without a closing full stop, so a page can lead it in ("Krediteringen kan
// inte begäras: …").

import { ARTICLE_INFO } from './articles';
import { formatQuantity, formatSek } from './format';
import { parseRefusal, type LockFacts, type Refusal, type TextProblem } from './refusals';
import type { Article } from './types';

/** An article code as the invoice line names it, in quotes: ”OneStop Reporting - Portalanvändare”. */
export function articleNameSv(code: string): string {
  return `”${ARTICLE_INFO[code as Article]?.description ?? code}”`;
}

/** A close's or a credit's state as a refusal names it. */
const STATE_SV: Record<string, string> = {
  drafting: 'utkastet räknas fram',
  running: 'pågår',
  awaiting_approval: 'väntar på godkännande',
  approved: 'godkänd',
  rejected: 'avvisad',
  finalising: 'godkänd, slutförs',
  final: 'slutlig',
  nothing_to_bill: 'inget att fakturera',
  failed: 'misslyckad',
  refused: 'vägrad',
};

const stateSv = (state: string) => STATE_SV[state] ?? 'okänt läge';

const FLAG_SV: Record<string, string> = {
  first_invoice: 'första fakturan',
  change_above_threshold: 'stor förändring',
  new_article: 'ny artikel',
  article_dropped: 'artikel borttagen',
  usage_contradictions: 'motstridiga händelser',
  late_events: 'sena händelser',
  four_eyes: 'fyra ögon',
};

const qty = (n: number) => (Number.isSafeInteger(n) ? formatQuantity(n) : String(n));
const names = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} och ${list[list.length - 1]}`);

function lockSv(l: LockFacts): string {
  return `perioden ${l.period} är låst av ${l.lockedBy} ${l.lockedOn}${l.lockReason ? ` (${l.lockReason})` : ''}`;
}

function textProblemSv(field: string, p: TextProblem): string {
  switch (p.kind) {
    case 'empty':
      return `${field} är tom`;
    case 'too_long':
      return `${field} har ${qty(p.length)} tecken; högst ${qty(p.max)}`;
    case 'control':
      return `${field} innehåller ett styrtecken eller en radbrytning vid tecken ${p.position}: skriv en rad text utan styrtecken`;
  }
}

/** The refusal's clause in Swedish. */
export function refusalSv(r: Refusal): string {
  switch (r.code) {
    case 'credit_article_twice':
      return `faktura ${r.invoice} har ${articleNameSv(r.article)} på två rader; kreditera hela fakturan`;
    case 'credit_no_such_line':
      return `faktura ${r.invoice} har ingen rad ${articleNameSv(r.article)} (raderna är ${names(r.lines.map(articleNameSv))})`;
    case 'credit_quantity_not_positive':
      return `antalet för ${articleNameSv(r.article)} måste vara ett heltal större än 0`;
    case 'credit_more_than_invoiced': {
      const left = r.invoiced - r.alreadyCredited;
      return (
        `att kreditera ${qty(r.wanted)} ${articleNameSv(r.article)} är mer än faktura ${r.invoice} har kvar: ${qty(r.invoiced)} fakturerade, ` +
        `varav ${qty(r.alreadyCredited)} redan krediterade${r.by.length ? ` med ${names(r.by)}` : ''}, så högst ${qty(left)} kan krediteras`
      );
    }
    case 'credit_nothing_left':
      return `faktura ${r.invoice} är redan helt krediterad${r.by.length ? ` med ${names(r.by)}` : ''}; det finns inget kvar att kreditera`;
    case 'credit_lines_syntax':
      return `”${r.arg.slice(0, 60)}” ska skrivas ARTIKEL=ANTAL`;
    case 'credit_unknown_article':
      return `artikeln ${articleNameSv(r.article)} finns inte`;
    case 'reissue_needs_full_credit':
      return (
        `en rättad faktura kan bara utfärdas när hela faktura ${r.invoice} krediteras` +
        `${r.leftOre === undefined ? '' : ` (den här krediteringen lämnar ${formatSek(r.leftOre)} kvar)`}: välj hela fakturan, eller kreditera alla rader som är kvar`
      );
    case 'reissue_period_locked':
      return `${lockSv(r.lock)}, så ingen rättad faktura kan utfärdas i stället för ${r.invoice}; begär krediteringen utan ”Utfärda en rättad faktura”, så krediteras fakturan ändå`;
    case 'credit_unknown_invoice':
      return `det finns ingen faktura ${r.invoice} att kreditera (en kreditfaktura kan inte krediteras)`;
    case 'credit_text':
      return textProblemSv(r.field === 'reason' ? 'orsaken' : 'namnet på den som begär', r.problem);
    case 'credit_never_approvable': {
      const behov = r.approvalsNeeded > 1 ? `${r.approvalsNeeded} godkännanden (fyra ögon, över ${formatSek(r.fourEyesAboveOre)})` : 'ett godkännande';
      const andra = r.others.length === 0 ? 'ingen annan godkännare finns' : `bara ${r.others.join(' och ')} finns som ${r.others.length === 1 ? 'annan godkännare' : 'andra godkännare'}`;
      return (
        `den kräver ${behov} av någon annan än den som begär, men ${andra}. ` +
        'Den skulle aldrig kunna godkännas, så inget startades. Be en annan person begära krediteringen, eller be driften lägga till en godkännare i financeApprovers'
      );
    }
    case 'credit_already_issued':
      return `krediteringen är redan beslutad: kreditfaktura ${r.creditNote} är utfärdad`;
    case 'credit_was_refused':
      return `krediteringen stoppades: ${refusalTextSv(r.reason)}`;
    case 'credit_was_rejected':
      return `krediteringen är avslagen av ${r.by}: ${r.reason}`;
    case 'credit_not_running':
      return `krediteringen pågår inte längre (${stateSv(r.status)})`;
    case 'credit_unknown_request':
      return 'det finns ingen sådan kreditering';
    case 'credit_refused_before':
      return `kreditfakturan stoppades: ${refusalTextSv(r.reason)}`;
    case 'credit_not_issued':
      return `godkänd, men kreditfakturan utfärdades inte: ${refusalTextSv(r.reason)}`;
    case 'not_an_approver':
      return `${r.by} är inte en av de godkännare som ekonomi har konfigurerat`;
    case 'reject_needs_reason':
      return 'ett avvisande behöver en motivering';
    case 'nothing_awaits_decision':
      return `inget utkast väntar på beslut (läge: ${stateSv(r.state)})`;
    case 'stale_version':
      return `utkast ${r.version} är inte det senaste (${r.current}): granska det nya utkastet först`;
    case 'own_request': {
      const others = r.approvalsNeeded > 1 ? `${r.approvalsNeeded} andra godkännare än ${r.requester}` : `en annan godkännare än ${r.requester}`;
      return `${r.by} har själv begärt detta och får inte godkänna det (åtskilda uppgifter): ${others} måste göra det`;
    }
    case 'already_approved':
      return `${r.by} har redan godkänt utkast ${r.version}; fyra ögon: en annan person måste göra det andra godkännandet`;
    case 'flagged_in_bulk':
      return `utkast ${r.version} är flaggat (${r.flags.map((f) => FLAG_SV[f] ?? 'flagga').join(', ')}): godkänn det på utkastets sida`;
    case 'no_close_running':
      return 'inget avslut körs för kunden och perioden: det kan redan vara slutfört eller aldrig startat';
    case 'nothing_to_recompute':
      return `det finns inget att räkna om (läge: ${stateSv(r.state)})`;
    case 'period_locked':
      return `${lockSv(r.lock)}: ${r.action} görs inte. Rätta med en kreditfaktura (Kreditera i fakturalistan), eller be den som låste perioden att låsa upp den`;
    case 'period_not_ended':
      return `perioden ${r.period} ${r.future ? 'har inte börjat' : 'pågår fortfarande'}: bara en månad som har tagit slut kan godkännas och faktureras; ${r.period} kan godkännas från ${r.closableFrom} kl. 00.00`;
    case 'unrecognised':
      return 'av ett skäl som saknar svensk text; den tekniska orsaken finns i loggen';
  }
}

/** A refusal's text in Swedish when a template knows it; null otherwise (the caller says it its own way). */
export function knownRefusalTextSv(text: string): string | null {
  const refusal = parseRefusal(text);
  return refusal.code === 'unrecognised' ? null : refusalSv(refusal);
}

/** A refusal's text (a workflow's, or the CLI's) in Swedish, by its facts. */
export function refusalTextSv(text: string): string {
  return refusalSv(parseRefusal(text));
}
