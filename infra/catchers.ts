import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

// Local receivers for `dev` and `demo` when no real SMTP server or webhook endpoint is
// configured: real protocol peers that keep what they receive as files to look at.

export interface Catcher {
  port: number;
  count(): number;
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 that stores each message as an .eml file in `dir`. */
export async function startMailCatcher(dir: string): Promise<Catcher> {
  fs.mkdirSync(dir, { recursive: true });
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received += 1;
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        const name = `${String(received).padStart(5, '0')}-${to.replace(/[^a-z0-9@.-]/gi, '_')}.eml`;
        fs.writeFileSync(path.join(dir, name), Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    count: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP receiver on 127.0.0.1 that stores each POSTed webhook with its headers as JSON. */
export async function startWebhookCatcher(dir: string): Promise<Catcher & { url: string }> {
  fs.mkdirSync(dir, { recursive: true });
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received += 1;
      const record = { url: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') };
      fs.writeFileSync(path.join(dir, `${String(received).padStart(5, '0')}.json`), JSON.stringify(record, null, 2));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    count: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
