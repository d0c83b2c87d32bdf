// Text of a PDF as a reader's copy-paste would see it, via pdfjs-dist (an npm package, so
// CI needs no system tool). Items are grouped into lines by their baseline and ordered
// left to right; pages are separated by a form feed.

import { inflateSync } from 'node:zlib';

export async function pdfText(pdf: Buffer): Promise<string[]> {
  // pdfjs-dist is ESM only; a dynamic import keeps this CommonJS project happy.
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, isEvalSupported: false }).promise;
  const pages: string[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const lines = new Map<number, { x: number; s: string }[]>();
      for (const item of content.items) {
        // pdfjs adds blank items for wide gaps; the join below puts one space there.
        if (!('str' in item) || /^[ \t]*$/.test(item.str)) continue;
        const y = Math.round(item.transform[5] as number);
        const row = lines.get(y) ?? [];
        row.push({ x: item.transform[4] as number, s: item.str });
        lines.set(y, row);
      }
      const ordered = [...lines.entries()]
        .sort(([a], [b]) => b - a) // PDF y grows upwards
        .map(([, row]) => row.sort((a, b) => a.x - b.x).map((i) => i.s).join(' '));
      pages.push(ordered.join('\n'));
    }
  } finally {
    await doc.destroy();
  }
  return pages;
}

/** No-break spaces as plain spaces, for readable assertions. */
export function plain(s: string): string {
  return s.replace(/\u00a0/g, ' ');
}

/**
 * Every code point the PDF's ToUnicode maps name: what any extractor can recover. Needed
 * for U+00A0, which pdfjs reports as a plain space even though the PDF maps it exactly.
 */
export function mappedCodePoints(pdf: Buffer): Set<number> {
  const out = new Set<number>();
  const body = pdf.toString('latin1');
  for (const m of body.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let data: string;
    try {
      data = inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
    } catch {
      continue; // not a deflated stream
    }
    if (!data.includes('/CMapName /Adobe-Identity-UCS')) continue;
    for (const range of data.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      // pdfkit writes `<first> <last> [<target> …]`; only the bracketed targets are text.
      for (const hex of (range[1]!.match(/\[([^\]]*)\]/)?.[1] ?? '').matchAll(/<([0-9a-f]{4,})>/gi)) {
        const h = hex[1]!;
        for (let i = 0; i + 4 <= h.length; i += 4) out.add(parseInt(h.slice(i, i + 4), 16));
      }
    }
  }
  return out;
}
