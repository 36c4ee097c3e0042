import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Logger } from 'pino';
import { type ChannelSender, SendError } from './sender';

export interface EmailSettings {
  host: string;
  port: number;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  maxConnections: number;
  timeoutMs: number;
}

/**
 * E-mail through one pooled SMTP transport (nodemailer). Connections are kept
 * for any number of messages: reconnecting every 100 (nodemailer's default)
 * costs a greeting round trip each time.
 */
export function createEmailSender(settings: EmailSettings, logger: Logger): ChannelSender {
  const transport = createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    // Port 465 speaks TLS from the start; others upgrade with STARTTLS when the server offers it.
    secure: settings.port === 465,
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    maxConnections: settings.maxConnections,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  transport.on('error', (error) => logger.warn({ err: error }, 'smtp pool error'));
  const domain = /@([^>\s]+)/.exec(settings.from)?.[1] ?? 'localhost';
  // MIME boundaries only have to be unlikely in the content: one random part per process and a
  // counter spare the random bytes nodemailer would read for each part of each message.
  const boundarySeed = randomBytes(6).toString('hex');
  let boundaries = 0;

  return {
    async send(to, message) {
      // Composed into one buffer first: streamed part by part, the MIME tree costs a socket
      // write per chunk, which was most of the CPU time per message.
      boundaries += 1;
      // The same delivery keeps its Message-ID on every attempt, so a receiver can tell a repeat.
      const messageId = `<${message.id ?? `${boundarySeed}.${boundaries}`}@${domain}>`;
      const raw = await new MailComposer({
        baseBoundary: `${boundarySeed}${boundaries.toString(36)}`,
        messageId,
        from: settings.from,
        to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        ...(message.headers ? { headers: message.headers } : {}),
      })
        .compile()
        .build();
      try {
        await transport.sendMail({ envelope: { from: settings.from, to: [to] }, raw, messageId });
      } catch (error) {
        const smtp = error as { responseCode?: number; response?: string; permanent?: boolean; message?: string };
        const reason = smtp.response ?? smtp.message ?? String(error);
        // RFC 5321: 5yz replies are final (nodemailer sets `permanent`); 4yz and lost connections are worth a retry.
        throw new SendError(smtp.responseCode ? `SMTP ${reason}` : `SMTP: ${reason}`, {
          permanent: smtp.permanent === true,
          cause: error,
        });
      }
    },
    async close() {
      transport.close();
    },
  };
}
