import { Api, GrammyError, HttpError } from 'grammy';
import { type ChannelSender, SendError } from './sender';

export interface TelegramSettings {
  botToken: string;
  /** The Bot API root (NOTIFICATIONS_TELEGRAM_API_URL; tests point it at a local fake). */
  apiUrl: string;
  timeoutMs: number;
}

/** Telegram messages through grammy's Bot API client (plain text, no link previews). */
export function createTelegramSender(settings: TelegramSettings): ChannelSender {
  const api = new Api(settings.botToken, {
    apiRoot: settings.apiUrl.replace(/\/$/, ''),
    timeoutSeconds: Math.max(1, Math.ceil(settings.timeoutMs / 1000)),
  });
  return {
    async send(chatId, message) {
      try {
        await api.sendMessage(chatId, message.text, { link_preview_options: { is_disabled: true } });
      } catch (error) {
        if (error instanceof GrammyError) {
          const reason = `Telegram ${error.error_code}: ${error.description}`;
          if (error.error_code === 429) {
            const seconds = error.parameters.retry_after ?? 1;
            throw new SendError(reason, { retryAfterMs: seconds * 1000, cause: error });
          }
          // 403: the person blocked the bot (or left the chat): nothing will get through until they come back.
          if (error.error_code === 403)
            throw new SendError(reason, { permanent: true, disableChannel: true, cause: error });
          // Other 4xx (chat not found, bad request) fail the same way every time; 5xx are Telegram's trouble.
          throw new SendError(reason, { permanent: error.error_code < 500, cause: error });
        }
        if (error instanceof HttpError) throw new SendError(`Telegram unreachable: ${error.message}`, { cause: error });
        throw error;
      }
    },
    async close() {},
  };
}
