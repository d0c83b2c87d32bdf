// A small non-validating XML reader for bank files: elements, attributes, text, CDATA,
// comments, processing instructions. Events, not a tree, so a camt.054 of 100,000 payments is
// read in one pass without holding a node per element. DOCTYPE is refused (no entity expansion
// from a bank file, ever). The XSD validation (camt-schema.ts) is the strict check; this only
// has to read what the schema allows.

export class XmlError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface XmlEvents {
  /** `name` without its namespace prefix; `attrs` as written (xmlns included). */
  open(name: string, attrs: Record<string, string>, offset: number): void;
  /** The decoded text directly inside the element last opened (may arrive in parts). */
  text(text: string): void;
  close(name: string, offset: number): void;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string, offset = 0): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (all, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError(offset, 'a bare "&" (write &amp;)');
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    const e = ENTITIES[ref];
    if (e === undefined) throw new XmlError(offset, `unknown entity &${ref};`);
    return e;
  });
}

const localName = (qname: string) => {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
};

const ATTR = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Reads `src`, calling `events` in document order; throws XmlError at the first fault. */
export function readXml(src: string, events: XmlEvents): void {
  const open: string[] = [];
  let pos = 0;
  let rootSeen = false;
  const n = src.length;
  while (pos < n) {
    const lt = src.indexOf('<', pos);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > pos) {
      const raw = src.slice(pos, textEnd);
      if (open.length > 0) events.text(decodeEntities(raw, pos));
      else if (raw.trim() !== '') throw new XmlError(pos, 'text outside the root element');
    }
    if (lt < 0) break;
    const c = src.charCodeAt(lt + 1);
    if (c === 63 /* ? */) {
      const end = src.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError(lt, 'unterminated processing instruction');
      pos = end + 2;
    } else if (c === 33 /* ! */) {
      if (src.startsWith('<!--', lt)) {
        const end = src.indexOf('-->', lt + 4);
        if (end < 0) throw new XmlError(lt, 'unterminated comment');
        pos = end + 3;
      } else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt + 9);
        if (end < 0) throw new XmlError(lt, 'unterminated CDATA section');
        if (open.length === 0) throw new XmlError(lt, 'CDATA outside the root element');
        events.text(src.slice(lt + 9, end));
        pos = end + 3;
      } else {
        throw new XmlError(lt, 'a DOCTYPE or other declaration, which a bank file never has');
      }
    } else if (c === 47 /* / */) {
      const end = src.indexOf('>', lt + 2);
      if (end < 0) throw new XmlError(lt, 'unterminated end tag');
      const name = localName(src.slice(lt + 2, end).trim());
      const expected = open.pop();
      if (expected !== name) throw new XmlError(lt, expected ? `</${name}> closes <${expected}>` : `</${name}> without its start tag`);
      events.close(name, lt);
      pos = end + 1;
    } else {
      const end = src.indexOf('>', lt + 1);
      if (end < 0) throw new XmlError(lt, 'unterminated start tag');
      const selfClosing = src.charCodeAt(end - 1) === 47;
      const body = src.slice(lt + 1, selfClosing ? end - 1 : end);
      const m = /^[^\s/>]+/.exec(body);
      if (!m) throw new XmlError(lt, 'a start tag without a name');
      if (open.length === 0 && rootSeen) throw new XmlError(lt, 'a second root element');
      rootSeen = true;
      const attrs: Record<string, string> = {};
      const rest = body.slice(m[0].length);
      if (rest.trim() !== '') {
        ATTR.lastIndex = 0;
        let a: RegExpExecArray | null;
        let consumed = 0;
        while ((a = ATTR.exec(rest))) {
          if (rest.slice(consumed, a.index).trim() !== '') throw new XmlError(lt, `malformed attributes in <${m[0]}>`);
          attrs[a[1]] = decodeEntities(a[3] ?? a[4], lt);
          consumed = a.index + a[0].length;
        }
        if (rest.slice(consumed).trim() !== '') throw new XmlError(lt, `malformed attributes in <${m[0]}>`);
      }
      const name = localName(m[0]);
      events.open(name, attrs, lt);
      if (selfClosing) events.close(name, lt);
      else open.push(name);
      pos = end + 1;
    }
  }
  if (open.length > 0) throw new XmlError(n, `the file ends inside <${open[open.length - 1]}>`);
  if (!rootSeen) throw new XmlError(0, 'no root element');
}

/** 1-based line of an offset, for messages. */
export function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < offset; i = src.indexOf('\n', i + 1)) line++;
  return line;
}
