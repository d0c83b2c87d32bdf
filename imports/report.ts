export type ImportKind = 'partners' | 'customers' | 'prices' | 'usage';

export interface Rejection {
  line: number;
  key: string;
  reason: string;
}

export interface ImportReport {
  kind: ImportKind;
  file: string;
  accepted: number;
  duplicates: number;
  /** Sorted by line. */
  rejected: Rejection[];
}

/** The name the contract (interfaces.md) gives a row's key in each kind's JSON. */
const KEY_NAME: Record<ImportKind, 'partner_id' | 'customer_id' | 'article' | 'event_id'> = {
  partners: 'partner_id',
  customers: 'customer_id',
  prices: 'article',
  usage: 'event_id',
};

export interface ImportJson {
  accepted: number;
  duplicates: number;
  rejected: ({ line: number; key: string; reason: string } & Partial<Record<'partner_id' | 'customer_id' | 'article' | 'event_id', string>>)[];
}

/** `{ "accepted": N, "duplicates": N, "rejected": [{ "line", "event_id" | "customer_id" | "partner_id" | "article", "key", "reason" }] }` */
export function toJson(report: ImportReport): ImportJson {
  const name = KEY_NAME[report.kind];
  return {
    accepted: report.accepted,
    duplicates: report.duplicates,
    rejected: report.rejected.map((r) => ({ line: r.line, [name]: r.key, key: r.key, reason: r.reason })),
  };
}

/** Human text: the counts, then one line per rejection (`line 7: E-1007: unknown role "admin"`). */
export function formatReport(report: ImportReport): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines = [
    `${report.kind} import of ${report.file}: ${report.accepted} accepted, ${plural(report.duplicates, 'duplicate')}, ${report.rejected.length} rejected`,
  ];
  for (const r of report.rejected) lines.push(r.key ? `line ${r.line}: ${r.key}: ${r.reason}` : `line ${r.line}: ${r.reason}`);
  return lines.join('\n');
}
