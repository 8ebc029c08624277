import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/*
 * A real SMTP server for tests (smtp-server from npm), in process: it accepts any sender and
 * recipient and keeps every message, parsed with mailparser, along with its SMTP envelope.
 * STARTTLS is disabled (no certificate here), so clients must connect in plain text.
 */

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  auth: { username: string; password: string } | null;
  parsed: ParsedMail;
  raw: string;
}

export interface SmtpTestServer {
  host: string;
  port: number;
  messages: ReceivedMail[];
  /** A connection URI for an `smtp` connection to this server (login/password accepted, not checked). */
  connectionUri(user?: string, password?: string): string;
  /** Resolves when at least `count` messages have arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export async function startSmtpServer(): Promise<SmtpTestServer> {
  const messages: ReceivedMail[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: { username: auth.username ?? '', password: auth.password ?? '' } });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then((parsed) => {
          const user = session.user as { username: string; password: string } | undefined;
          messages.push({
            envelope: {
              from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            auth: user ?? null,
            parsed,
            raw,
          });
          for (const waiter of [...waiters]) {
            if (messages.length >= waiter.count) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
          callback();
        }, (error: unknown) => callback(error as Error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    messages,
    connectionUri(user?: string, password?: string) {
      const auth = user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@`;
      return `smtp://${auth}127.0.0.1:${port}/?disable_ssl=true&disable_tls=true`;
    },
    async waitFor(count, timeoutMs = 15_000) {
      if (messages.length >= count) return messages;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`)), timeoutMs);
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
      });
      return messages;
    },
    stop() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
