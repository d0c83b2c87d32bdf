// Why a payment was left unmatched or ignored, in Swedish for the people who read it (finance's
// page, the CLI's text). The import stores the reason as English text, which JSON and logs keep;
// each known wording is turned into Swedish here, and one never seen before gets a general Swedish
// line instead of leaking English.

type Rendering = [RegExp, (m: RegExpExecArray) => string];

/** "1234.50" (the BgMax reader's amounts) as sv-SE kronor. */
const kronor = (dotted: string) => `${Number(dotted).toLocaleString('sv-SE', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} kr`;

const UNMATCHED: Rendering[] = [
  [/^no OCR reference$/, () => 'Inget OCR-nummer angivet'],
  [/^OCR (\S+) fails its check digits$/, (m) => `OCR-numret ${m[1]} har fel kontrollsiffra`],
  [/^no invoice has OCR (\S+)$/, (m) => `Ingen faktura har OCR-numret ${m[1]}`],
  [/^no OCR \(BgMax reference code (\w)(?:, reference (.*))?\)$/, (m) => `Inget OCR-nummer (BgMax referenskod ${m[1]}${m[2] ? `, referens ${m[2]}` : ''})`],
  [/^a deducted credit \(BgMax record 23\) with OCR (\S+), which no credit note of ours has$/, (m) => `Avdragen kredit (BgMax-post 23) med OCR-numret ${m[1]}, som ingen av våra kreditfakturor har`],
  [/^a deducted reference \(record 23\) without its amount/, () => 'Avdragen referens (BgMax-post 23) utan belopp: bokför den för hand'],
  [/^its extra references \(records 22\/23\) add up to ([\d.-]+), more than the payment of ([\d.-]+)/, (m) => `Extra referenserna (BgMax-post 22/23) summerar till ${kronor(m[1]!)}, mer än inbetalningens ${kronor(m[2]!)}: bokför den för hand`],
  [/^names (\d+) references \((.*)\) without an amount for each/, (m) => `Anger ${m[1]} referenser (${m[2]}) utan belopp för var och en, och är inte exakt vad fakturorna har öppet tillsammans: bokför den för hand`],
  [/^the part of the payment no extra reference names$/, () => 'Den del av inbetalningen som ingen extra referens anger'],
  [/^the payment names several references/, () => 'Betalningen anger flera referenser (BgMax-post 22/23): bokför den för hand'],
];

const IGNORED: Rendering[] = [
  [/^account (\S+) is not the seller's bankgiro (\S+)$/, (m) => `Kontot ${m[1]} är inte säljarens bankgiro ${m[2]}`],
  [/^a debit \(only credits are payments\)$/, () => 'En debitering (bara insättningar är inbetalningar)'],
  [/^a (\S+) \(only credits are payments\)$/, (m) => `${m[1]} (bara insättningar är inbetalningar)`],
  [/^status (\S+), not booked \(BOOK\)$/, (m) => `Status ${m[1]}, inte bokförd (BOOK)`],
  [/^currency (\S+), not SEK$/, (m) => `Valutan ${m[1]}, inte SEK`],
  [/^a deduction \(avdragspost, code (\w)\) on reference (.*): book it by hand$/, (m) => `Ett avdrag (avdragspost, kod ${m[1]}) på referens ${m[2] === '(none)' ? '(ingen)' : m[2]}: bokför det för hand`],
];

function render(table: Rendering[], reason: string, fallback: string): string {
  for (const [pattern, sv] of table) {
    const m = pattern.exec(reason);
    if (m) return sv(m);
  }
  return fallback;
}

/** Why a payment is unmatched, in Swedish. */
export function unmatchedReasonSv(reason: string): string {
  return render(UNMATCHED, reason, 'Kunde inte matchas mot en faktura automatiskt');
}

/** Why a bank entry is not a payment, in Swedish. */
export function ignoredReasonSv(reason: string): string {
  return render(IGNORED, reason, 'Inte en inbetalning till en faktura');
}
