import { Api, GrammyError, HttpError } from 'grammy';

/**
 * The Telegram Bot API as both processes use it (the api's verification
 * probe, the worker's sender): one client factory and one reading of what a
 * failure means. What each does about a failure is its own (the probe tells
 * the channel's owner, the sender retries, gives up or disables the channel).
 */
export interface TelegramClientSettings {
  botToken: string;
  /** The Bot API root (NOTIFICATIONS_TELEGRAM_API_URL; tests point it at a local fake). */
  apiUrl: string;
  /** A deadline for every call (else each call passes its own signal). */
  timeoutMs?: number | undefined;
}

export function createTelegramClient(settings: TelegramClientSettings): Api {
  return new Api(settings.botToken, {
    apiRoot: settings.apiUrl.replace(/\/$/, ''),
    ...(settings.timeoutMs !== undefined ? { timeoutSeconds: Math.max(1, Math.ceil(settings.timeoutMs / 1000)) } : {}),
  });
}

/** A failed Bot API call, read once. */
export type TelegramFailure =
  | {
      /** Telegram answered with an error. */
      kind: 'answered';
      status: number;
      description: string;
      /** A 429's `retry_after`, in milliseconds. */
      retryAfterMs?: number | undefined;
    }
  | { kind: 'unreachable'; description: string };

/** What a Bot API error means, or undefined for an error that is not one (a bug: rethrow it). */
export function telegramFailureOf(error: unknown): TelegramFailure | undefined {
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    return {
      kind: 'answered',
      status: error.error_code,
      description: error.description,
      retryAfterMs: error.error_code === 429 ? (retryAfter ?? 1) * 1000 : undefined,
    };
  }
  if (error instanceof HttpError) return { kind: 'unreachable', description: error.message };
  return undefined;
}
