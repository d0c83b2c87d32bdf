// In-process peers for tests: an SMTP server and a webhook receiver on 127.0.0.1,
// with switches to make them fail the way real peers do.

import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

// ---------------------------------------------------------------------------------------
// SMTP

export interface ReceivedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface ReceivedMail {
  /** SMTP envelope as the client sent it. */
  envelope: { from: string; to: string[] };
  /** Login name when the client authenticated. */
  authUser?: string;
  /** The message as received (RFC 5322 text). */
  raw: string;
  /** Top-level headers, lower-case names, unfolded, not decoded; the first of repeated ones. */
  headers: Record<string, string>;
  /** Decoded Subject. */
  subject: string;
  /** To header as sent. */
  to: string;
  messageId: string;
  /** Decoded first text/plain part. */
  text: string;
  attachments: ReceivedAttachment[];
}

export interface SmtpPeerOptions {
  /** Refuse the first N recipients (RCPT TO) with failCode. */
  failFirst?: number;
  /** Reply code for failFirst, default 451. */
  failCode?: number;
  /** When set, only this login is accepted (others get 535); otherwise any login passes. */
  auth?: { user: string; password: string };
  /** Take in the first N messages whole, then drop the connection instead of answering 250. */
  dropAfterData?: number;
}

export interface SmtpPeer {
  port: number;
  messages: ReceivedMail[];
  /** SMTP sessions opened so far (connections that got a greeting). */
  connections(): number;
  /** true: every new connection gets "421 try again later" until refuse(false). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpPeer(opts: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  let refusing = false;
  let failuresLeft = opts.failFirst ?? 0;
  const failCode = opts.failCode ?? 451;
  let drops = opts.dropAfterData ?? 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true, // no STARTTLS here, yet clients with credentials must get through
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    maxAllowedUnauthenticatedCommands: false,
    closeTimeout: 1000, // don't let a lingering client hold up close()
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      if (refusing) return callback(smtpError(421, 'Service not available, try again later'));
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = !opts.auth || (auth.username === opts.auth.user && auth.password === opts.auth.password);
      if (!ok) return callback(smtpError(535, 'Authentication credentials invalid'));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        const text = failCode >= 500 ? `Mailbox unavailable: ${address.address}` : 'Try again later';
        return callback(smtpError(failCode, text));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { envelope } = session;
        messages.push({
          envelope: {
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((r) => r.address),
          },
          authUser: session.user,
          raw,
          ...parseMail(raw),
        });
        if (drops > 0) {
          // The message arrived, but the client never hears so: its outcome is unknown.
          drops -= 1;
          for (const socket of sockets) socket.end();
          return;
        }
        callback(null, `OK: queued as ${messages.length}`);
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client dropping mid-session is not a test failure
  server.server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    messages,
    connections: () => connections,
    refuse(on) {
      refusing = on;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------
// A minimal MIME reader: enough for what sendEmail produces (multipart/mixed with a text
// part and base64 attachments). No mailparser in the project, so we do it here.

export interface ParsedMail {
  headers: Record<string, string>;
  subject: string;
  to: string;
  messageId: string;
  text: string;
  attachments: ReceivedAttachment[];
}

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

export function parseMail(raw: string): ParsedMail {
  const top = splitPart(raw);
  const leaves = flatten(top);
  let text = '';
  const attachments: ReceivedAttachment[] = [];
  for (const part of leaves) {
    const type = parseHeaderValue(part.headers['content-type'] ?? 'text/plain');
    const disposition = parseHeaderValue(part.headers['content-disposition'] ?? '');
    const content = decodeBody(part.body, part.headers['content-transfer-encoding']);
    const filename = disposition.params.filename ?? type.params.name;
    if (disposition.value === 'attachment' || filename !== undefined) {
      attachments.push({ filename: filename ?? '', contentType: type.value, content });
    } else if (type.value === 'text/plain' && text === '') {
      text = decodeCharset(content, type.params.charset);
    }
  }
  return {
    headers: top.headers,
    subject: decodeWords(top.headers.subject ?? ''),
    to: top.headers.to ?? '',
    messageId: top.headers['message-id'] ?? '',
    text,
    attachments,
  };
}

/** Leaf parts of a (possibly nested) multipart entity, in order. */
function flatten(part: MimePart): MimePart[] {
  const type = parseHeaderValue(part.headers['content-type'] ?? 'text/plain');
  const boundary = type.params.boundary;
  if (!type.value.startsWith('multipart/') || !boundary) return [part];

  const children: MimePart[] = [];
  let current: string[] | null = null; // null before the first boundary (the preamble)
  for (const line of part.body.split(/\r?\n/)) {
    if (line === `--${boundary}` || line === `--${boundary}--`) {
      if (current) children.push(splitPart(current.join('\r\n')));
      if (line.endsWith('--')) break;
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  return children.flatMap(flatten);
}

function splitPart(raw: string): MimePart {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers: Record<string, string> = {};
  // Unfold: a line starting with whitespace continues the previous header.
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** `type/subtype; a=1; b="2"` → value and params, including RFC 2231 `name*=utf-8''..` and `name*0=` continuations. */
export function parseHeaderValue(header: string): { value: string; params: Record<string, string> } {
  const [value = '', ...rest] = header.match(/(?:[^;"]|"(?:\\.|[^"\\])*")+/g) ?? [];
  const pieces = new Map<string, { index: number; text: string; encoded: boolean }[]>();
  for (const item of rest) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim().toLowerCase();
    let text = item.slice(eq + 1).trim();
    if (text.startsWith('"')) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!m) continue;
    const list = pieces.get(m[1]) ?? [];
    list.push({ index: Number(m[2] ?? 0), text, encoded: m[3] === '*' });
    pieces.set(m[1], list);
  }
  const params: Record<string, string> = {};
  for (const [name, list] of pieces) {
    list.sort((a, b) => a.index - b.index);
    let charset = 'utf-8';
    const bytes: Buffer[] = [];
    for (const piece of list) {
      let text = piece.text;
      if (piece.encoded && piece.index === 0) {
        const [cs, , ...restText] = text.split("'");
        charset = cs || charset;
        text = restText.join("'");
      }
      bytes.push(piece.encoded ? percentDecode(text) : Buffer.from(text, 'utf8'));
    }
    params[name] = decodeCharset(Buffer.concat(bytes), charset);
  }
  return { value: value.trim().toLowerCase(), params };
}

function percentDecode(text: string): Buffer {
  return Buffer.from(text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

function decodeBody(body: string, encoding = '7bit'): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return Buffer.from(body, 'utf8');
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const unwrapped = text.replace(/=\r?\n/g, ''); // soft line breaks
  return Buffer.from(unwrapped.replace(/=([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

function decodeCharset(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** RFC 2047 encoded words, e.g. `=?UTF-8?Q?fr=C3=A5n?=` → `från`. */
export function decodeWords(header: string): string {
  const word = /=\?([^?]+)\?([bq])\?([^?]*)\?=/gi;
  // Whitespace between two adjacent encoded words is not part of the text.
  const joined = header.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(word, (_, charset: string, enc: string, text: string) => {
    const bytes =
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' '));
    return decodeCharset(bytes, charset);
  });
}

// ---------------------------------------------------------------------------------------
// Webhook

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  receivedAt: Date;
}

export interface WebhookPeerOptions {
  /** Status of a normal answer, default 200. */
  status?: number;
  /** Never answer (to test client timeouts) until hang(false). */
  hang?: boolean;
}

export interface WebhookPeer {
  url: string;
  requests: ReceivedRequest[];
  /** Answer the next n requests with `status` (and `body`) instead of the normal answer. */
  failNext(n: number, status?: number, body?: string): void;
  /** true: record requests but never answer them. */
  hang(on: boolean): void;
  close(): Promise<void>;
}

export async function startWebhookPeer(opts: WebhookPeerOptions = {}): Promise<WebhookPeer> {
  const requests: ReceivedRequest[] = [];
  let hanging = opts.hang ?? false;
  let failures: { left: number; status: number; body: string } = { left: 0, status: 503, body: '' };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined); // a client that goes away mid-request is not a test failure
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: new Date(),
      });
      if (hanging) return; // close() destroys the socket
      if (failures.left > 0) {
        failures.left -= 1;
        res.writeHead(failures.status, { 'Content-Type': 'text/plain' }).end(failures.body);
        return;
      }
      res.writeHead(opts.status ?? 200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    failNext(n, status = 503, body = http.STATUS_CODES[status] ?? '') {
      failures = { left: n, status, body };
    },
    hang(on) {
      hanging = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // including hung requests and idle keep-alive sockets
      }),
  };
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs before its greeting). */
export async function startSilentPeer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
