import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { logger } from '../infra/logger';

// Local receivers for `dev` and `demo` when no real SMTP server or webhook endpoint is
// configured: real protocol peers that keep what they receive as files to look at.
// They run inside `dev`, next to Temporal and PostgreSQL: whatever a client does (drop the
// connection, reset it mid-transaction, send garbage) is logged and answered, never fatal.

export interface Catcher {
  port: number;
  /** Messages stored and accepted. */
  count(): number;
  /** Client problems survived (dropped connections, malformed input): logged, never fatal. */
  problems(): number;
  close(): Promise<void>;
}

/**
 * Numbered files in a folder that a restarted catcher adds to: numbering goes on after the
 * highest number on disk, and a file is created only if no file has that name (another
 * catcher on the same folder may have taken the number meanwhile: take the next).
 */
export class NumberedFiles {
  private last: number;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.last = Math.max(0, ...fs.readdirSync(dir).map((name) => Number(/^(\d+)[-.]/.exec(name)?.[1] ?? 0)));
  }

  /** Write `content` as `<number><suffix>` under a number no file in the folder has; returns the name. */
  write(suffix: string, content: string | Buffer): string {
    for (;;) {
      const name = `${String(this.last + 1).padStart(5, '0')}${suffix}`;
      this.last += 1;
      try {
        fs.writeFileSync(path.join(this.dir, name), content, { flag: 'wx' });
        return name;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

/**
 * An SMTP server on 127.0.0.1 that stores each message as an .eml file in `dir`. A recipient in
 * the reserved top-level domain .invalid (RFC 2606: no such address can exist) is refused with
 * 550, as a real server refuses an unknown mailbox: the demo's bounced e-mail an operator then
 * sends again (docs/delivery-errors.md).
 */
export async function startMailCatcher(dir: string): Promise<Catcher> {
  const files = new NumberedFiles(dir);
  const log = logger.child({ component: 'mail-catcher' });
  let received = 0;
  let problems = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    closeTimeout: 1000, // a lingering client must not hold up close()
    logger: false,
    onRcptTo(address, _session, callback) {
      if (/\.invalid$/i.test(address.address)) {
        return callback(Object.assign(new Error(`5.1.1 <${address.address}>: no such mailbox (.invalid is a reserved domain)`), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        try {
          files.write(`-${to.replace(/[^a-z0-9@.-]/gi, '_')}.eml`, Buffer.concat(chunks));
        } catch (err) {
          log.error({ err: (err as Error).message }, 'could not store a message; answered 451 so the sender retries');
          return callback(Object.assign(new Error('cannot store the message now'), { responseCode: 451 }));
        }
        received += 1;
        callback();
      });
    },
  });
  // smtp-server reports a client's dropped or reset connection as an 'error' on the server;
  // without a listener that would end the whole process.
  server.on('error', (err: Error & { code?: string; remote?: string }) => {
    problems += 1;
    log.warn({ code: err.code, remote: err.remote, err: err.message }, 'SMTP client connection failed; the catcher goes on');
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    count: () => received,
    problems: () => problems,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An HTTP receiver on 127.0.0.1 that stores each POSTed webhook with its headers as JSON.
 * A body that is not JSON is stored too (as `raw`, nothing is lost) and answered 400, as a
 * real receiver would: the sender's delivery then shows as failed instead of looking fine.
 */
export async function startWebhookCatcher(dir: string): Promise<Catcher & { url: string }> {
  const files = new NumberedFiles(dir);
  const log = logger.child({ component: 'webhook-catcher' });
  let accepted = 0;
  let problems = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => {
      problems += 1;
      log.warn({ url: req.url, err: err.message }, 'webhook client went away mid-request; nothing stored');
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      let problem: string | null = null;
      try {
        body = JSON.parse(text || 'null');
      } catch (err) {
        problem = `body is not JSON: ${(err as Error).message}`;
      }
      const record = problem ? { url: req.url, headers: req.headers, body: null, raw: text, problem } : { url: req.url, headers: req.headers, body };
      try {
        files.write('.json', JSON.stringify(record, null, 2));
      } catch (err) {
        log.error({ err: (err as Error).message }, 'could not store a webhook; answered 503 so the sender retries');
        return void res.writeHead(503, { 'Content-Type': 'text/plain' }).end('cannot store the webhook now\n');
      }
      if (problem) {
        problems += 1;
        log.warn({ url: req.url, problem }, 'webhook with a body that is not JSON: stored raw, answered 400');
        return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${problem}\n`);
      }
      accepted += 1;
      res.writeHead(204).end();
    });
  });
  // Malformed HTTP: answer 400 and drop that connection (Node's default, plus a log line).
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    problems += 1;
    log.warn({ code: err.code, err: err.message }, 'malformed HTTP request or dropped connection; the catcher goes on');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    count: () => accepted,
    problems: () => problems,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
