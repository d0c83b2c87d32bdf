// Why a payment was left unmatched, in Swedish for finance's screen. The import stores the
// reason as English text (JSON and logs keep it); each known wording is turned into Swedish here,
// and one never seen before gets a general Swedish line instead of leaking English.

const REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^no OCR reference$/, () => 'Inget OCR-nummer angivet'],
  [/^OCR (\S+) fails its check digits$/, (m) => `OCR-numret ${m[1]} har fel kontrollsiffra`],
  [/^no invoice has OCR (\S+)$/, (m) => `Ingen faktura har OCR-numret ${m[1]}`],
  [/^no OCR \(BgMax reference code (\w)(?:, reference (.*))?\)$/, (m) => `Inget OCR-nummer (BgMax referenskod ${m[1]}${m[2] ? `, referens ${m[2]}` : ''})`],
  [/^the payment names several references/, () => 'Betalningen anger flera referenser (BgMax-post 22/23): bokför den för hand'],
];

export function unmatchedReasonSv(reason: string): string {
  for (const [pattern, sv] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return sv(m);
  }
  return 'Kunde inte matchas mot en faktura automatiskt';
}
