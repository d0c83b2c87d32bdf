// A small non-validating XML reader for bank files: elements, attributes, text, CDATA,
// comments, processing instructions. Events, not a tree, and fed in pieces: a camt.054 of
// 100,000 payments is read in one pass holding only the piece at hand, never a node per element
// nor the whole document as one string. DOCTYPE is refused (no entity expansion from a bank
// file, ever). The XSD validation (camt-schema.ts) is the strict check; this only has to read
// what the schema allows.

export class XmlError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface XmlEvents {
  /** `name` without its namespace prefix; `attrs` as written (xmlns included). */
  open(name: string, attrs: Record<string, string>): void;
  /** The decoded text directly inside the element last opened (may arrive in parts). */
  text(text: string): void;
  close(name: string): void;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string, line = 0): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (all, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError(line, 'a bare "&" (write &amp;)');
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    const e = ENTITIES[ref];
    if (e === undefined) throw new XmlError(line, `unknown entity &${ref};`);
    return e;
  });
}

const localName = (qname: string) => {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
};

const ATTR = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Reads a document written to it in pieces, calling `events` in document order; throws XmlError at the first fault. */
export class XmlReader {
  private buf = '';
  private pos = 0;
  /** Where the construct being reported starts, in `buf`. */
  private at = 0;
  private lineCursor = 0;
  private linesBefore = 1;
  private readonly open: string[] = [];
  private rootSeen = false;

  constructor(private readonly events: XmlEvents) {}

  /** 1-based line of the construct being reported (an event's tag or text). */
  line(): number {
    return this.lineOf(this.at);
  }

  write(piece: string): void {
    this.buf = this.buf === '' ? piece : this.buf + piece;
    this.read(false);
    // What is left is an unfinished construct: kept for the next piece, the rest let go.
    this.lineOf(this.pos);
    this.buf = this.buf.slice(this.pos);
    this.lineCursor -= this.pos;
    this.pos = 0;
    this.at = 0;
  }

  end(): void {
    this.read(true);
    this.at = this.buf.length;
    if (this.open.length > 0) throw this.error(`the file ends inside <${this.open[this.open.length - 1]}>`);
    if (!this.rootSeen) throw this.error('no root element');
    this.buf = '';
    this.pos = 0;
  }

  private lineOf(index: number): number {
    // Positions are asked in document order, so each character is counted once.
    for (let i = this.buf.indexOf('\n', this.lineCursor); i >= 0 && i < index; i = this.buf.indexOf('\n', i + 1)) this.linesBefore++;
    this.lineCursor = Math.max(this.lineCursor, index);
    return this.linesBefore;
  }

  private error(reason: string): XmlError {
    return new XmlError(this.line(), reason);
  }

  /** Reads every complete construct of `buf` from `pos`; stops before an unfinished one unless `final`. */
  private read(final: boolean): void {
    const src = this.buf;
    const n = src.length;
    const events = this.events;
    const open = this.open;
    let pos = this.pos;
    try {
      while (pos < n) {
        this.at = pos;
        const lt = src.indexOf('<', pos);
        if (lt < 0 && !final) break; // text may go on in the next piece
        const textEnd = lt < 0 ? n : lt;
        if (textEnd > pos) {
          const raw = src.slice(pos, textEnd);
          if (open.length > 0) events.text(decodeEntities(raw, this.line()));
          else if (raw.trim() !== '') throw this.error('text outside the root element');
        }
        pos = textEnd;
        if (lt < 0) break;
        this.at = lt;
        const c = src.charCodeAt(lt + 1);
        if (Number.isNaN(c) && !final) break; // "<" is the piece's last character
        let end: number;
        if (c === 63 /* ? */) {
          end = src.indexOf('?>', lt + 2);
          if (end < 0) {
            if (final) throw this.error('unterminated processing instruction');
            break;
          }
          pos = end + 2;
        } else if (c === 33 /* ! */) {
          if (!final && n - lt < 9 && ('<![CDATA['.startsWith(src.slice(lt)) || '<!--'.startsWith(src.slice(lt)))) break;
          if (src.startsWith('<!--', lt)) {
            end = src.indexOf('-->', lt + 4);
            if (end < 0) {
              if (final) throw this.error('unterminated comment');
              break;
            }
            pos = end + 3;
          } else if (src.startsWith('<![CDATA[', lt)) {
            end = src.indexOf(']]>', lt + 9);
            if (end < 0) {
              if (final) throw this.error('unterminated CDATA section');
              break;
            }
            if (open.length === 0) throw this.error('CDATA outside the root element');
            events.text(src.slice(lt + 9, end));
            pos = end + 3;
          } else {
            throw this.error('a DOCTYPE or other declaration, which a bank file never has');
          }
        } else if (c === 47 /* / */) {
          end = src.indexOf('>', lt + 2);
          if (end < 0) {
            if (final) throw this.error('unterminated end tag');
            break;
          }
          const name = localName(src.slice(lt + 2, end).trim());
          const expected = open.pop();
          if (expected !== name) throw this.error(expected ? `</${name}> closes <${expected}>` : `</${name}> without its start tag`);
          events.close(name);
          pos = end + 1;
        } else {
          end = src.indexOf('>', lt + 1);
          if (end < 0) {
            if (final) throw this.error('unterminated start tag');
            break;
          }
          const selfClosing = src.charCodeAt(end - 1) === 47;
          const body = src.slice(lt + 1, selfClosing ? end - 1 : end);
          const m = /^[^\s/>]+/.exec(body);
          if (!m) throw this.error('a start tag without a name');
          if (open.length === 0 && this.rootSeen) throw this.error('a second root element');
          this.rootSeen = true;
          const attrs: Record<string, string> = {};
          const rest = body.slice(m[0].length);
          if (rest.trim() !== '') {
            ATTR.lastIndex = 0;
            let a: RegExpExecArray | null;
            let consumed = 0;
            while ((a = ATTR.exec(rest))) {
              if (rest.slice(consumed, a.index).trim() !== '') throw this.error(`malformed attributes in <${m[0]}>`);
              attrs[a[1]] = decodeEntities(a[3] ?? a[4], this.line());
              consumed = a.index + a[0].length;
            }
            if (rest.slice(consumed).trim() !== '') throw this.error(`malformed attributes in <${m[0]}>`);
          }
          const name = localName(m[0]);
          events.open(name, attrs);
          if (selfClosing) events.close(name);
          else open.push(name);
          pos = end + 1;
        }
      }
    } finally {
      this.pos = pos;
    }
  }
}

/** Reads a whole document given as one string. */
export function readXml(src: string, events: XmlEvents): void {
  const reader = new XmlReader(events);
  reader.write(src);
  reader.end();
}

