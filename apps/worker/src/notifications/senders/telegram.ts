import { createTelegramClient, telegramFailureOf } from '@statuspage/platform';
import { type ChannelSender, SendError } from './sender';

export interface TelegramSettings {
  botToken: string;
  /** The Bot API root (NOTIFICATIONS_TELEGRAM_API_URL; tests point it at a local fake). */
  apiUrl: string;
  timeoutMs: number;
}

/** Telegram messages through the Bot API client of platform (plain text, no link previews). */
export function createTelegramSender(settings: TelegramSettings): ChannelSender {
  const api = createTelegramClient(settings);
  return {
    async send(chatId, message) {
      try {
        await api.sendMessage(chatId, message.text, { link_preview_options: { is_disabled: true } });
      } catch (error) {
        const failure = telegramFailureOf(error);
        if (!failure) throw error;
        if (failure.kind === 'unreachable') {
          throw new SendError(`Telegram unreachable: ${failure.description}`, { cause: error });
        }
        const reason = `Telegram ${failure.status}: ${failure.description}`;
        if (failure.retryAfterMs !== undefined) {
          throw new SendError(reason, { retryAfterMs: failure.retryAfterMs, cause: error });
        }
        // 403: the person blocked the bot (or left the chat): nothing will get through until they come back.
        if (failure.status === 403)
          throw new SendError(reason, { permanent: true, disableChannel: true, cause: error });
        // Other 4xx (chat not found, bad request) fail the same way every time; 5xx are Telegram's trouble.
        throw new SendError(reason, { permanent: failure.status < 500, cause: error });
      }
    },
    async close() {},
  };
}
