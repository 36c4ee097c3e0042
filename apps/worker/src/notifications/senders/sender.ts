import type { ChannelType } from '@statuspage/contracts';

/** What a sender puts on the wire: the rendered message plus e-mail headers. */
export interface OutgoingMessage {
  /** Stable id of this delivery: the same on every attempt (the e-mail Message-ID is built from it). */
  id?: string | undefined;
  subject: string;
  text: string;
  html?: string | undefined;
  /** Extra e-mail headers (the unsubscribe headers of event messages). */
  headers?: Record<string, string> | undefined;
  /** The exact JSON body of an HTTP channel (Slack, Discord, Teams, webhook), as rendered. */
  json?: string | undefined;
  /** A webhook channel's signing secret (the sender signs the body at each attempt). */
  signingSecret?: string | null | undefined;
}

/** Delivers rendered messages to one channel type. */
export interface ChannelSender {
  send(target: string, message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
}

/** How a send failed: the delivery processor turns this into a retry, a failure or a pause. */
export class SendError extends Error {
  override readonly name = 'SendError';
  /** Retrying the same message would fail the same way (5xx SMTP reply, unknown chat, 404 webhook). */
  readonly permanent: boolean;
  /** The peer asked to wait this long before the next message (Telegram's `retry_after`, an HTTP 429's `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  /** The target refuses us for good (a Telegram chat that blocked the bot): disable the channel. */
  readonly disableChannel: boolean;

  constructor(
    message: string,
    options: { permanent?: boolean; retryAfterMs?: number | undefined; disableChannel?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.disableChannel = options.disableChannel ?? false;
  }
}

/** A channel type this worker is not configured for: every delivery to it fails at once. */
export function unavailableSender(type: ChannelType, why: string): ChannelSender {
  return {
    async send() {
      throw new SendError(`${type} delivery is not available: ${why}`, { permanent: true });
    },
    async close() {},
  };
}
