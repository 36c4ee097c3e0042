/**
 * An in-process SMTP server (smtp-server) that records what it receives and
 * can refuse deliveries to chosen addresses, as a real mail server would
 * (4xx: try again later; 5xx: never).
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope sender and recipients. */
  from: string;
  to: string[];
  raw: Buffer;
  at: number;
}

export interface ParsedMail {
  subject: string;
  text: string;
  html: string;
  /** Header values by lower-case name, as sent (unfolded). */
  headers: Record<string, string>;
}

export interface FakeSmtp {
  port: number;
  /** Accepted messages, in order. */
  messages: ReceivedMail[];
  /** Accepted messages to one address. */
  to(address: string): ReceivedMail[];
  /** Delivery attempts (accepted or refused) per recipient address. */
  attempts(address: string): number;
  /** Refuses the next `times` messages to this address with `code` (451: temporary). */
  refuse(address: string, times: number, code?: number): void;
  /** Refuses every message to this address with `code` until `accept`. */
  refuseAlways(address: string, code?: number): void;
  accept(address: string): void;
  /** SMTP sessions opened so far (pooled senders reuse theirs). */
  sessions(): number;
  close(): Promise<void>;
}

/** Parses a received message (only when a test looks at its content). */
export async function parse(mail: ReceivedMail): Promise<ParsedMail> {
  const parsed = await simpleParser(mail.raw);
  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines) {
    headers[line.key] = line.line
      .slice(line.line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
  }
  return {
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    headers,
  };
}

export async function startFakeSmtp(): Promise<FakeSmtp> {
  const messages: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const refusals = new Map<string, { remaining: number; code: number }>();
  let sessions = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      sessions += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
        for (const address of to) attempts.set(address, (attempts.get(address) ?? 0) + 1);
        const refusal = to.map((address) => refusals.get(address)).find((entry) => entry && entry.remaining > 0);
        if (refusal) {
          refusal.remaining -= 1;
          const error = Object.assign(new Error(refusal.code >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
            responseCode: refusal.code,
          });
          callback(error);
          return;
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ from, to, raw: Buffer.concat(chunks), at: Date.now() });
        callback(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const address = server.server.address();
  const port = address && typeof address === 'object' ? address.port : 0;

  return {
    port,
    messages,
    to: (address) => messages.filter((mail) => mail.to.includes(address.toLowerCase())),
    attempts: (address) => attempts.get(address.toLowerCase()) ?? 0,
    refuse(address, times, code = 451) {
      refusals.set(address.toLowerCase(), { remaining: times, code });
    },
    refuseAlways(address, code = 451) {
      refusals.set(address.toLowerCase(), { remaining: Number.POSITIVE_INFINITY, code });
    },
    accept(address) {
      refusals.delete(address.toLowerCase());
    },
    sessions: () => sessions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
