import { type ChannelProbe, ProbeFailure } from '@statuspage/core';
import { Api, GrammyError, HttpError } from 'grammy';

export interface ProbeSettings {
  telegramBotToken?: string | undefined;
  /** Bot API root (tests point it at a local fake). */
  telegramApiUrl: string;
  /** How long a test message may take. */
  timeoutMs: number;
}

/**
 * Sends verification test messages: through the Telegram Bot API (grammy)
 * and to Mattermost incoming webhooks. Failures become ProbeFailure with a
 * reason the channel's owner can act on (answered 422).
 */
export function createChannelProbe(settings: ProbeSettings): ChannelProbe {
  const api = settings.telegramBotToken
    ? new Api(settings.telegramBotToken, { apiRoot: settings.telegramApiUrl.replace(/\/$/, '') })
    : undefined;
  return {
    async telegram(chatId, text) {
      if (!api) throw new ProbeFailure('Telegram is not configured on this server');
      try {
        // The signal is grammy's fourth argument: inside `other` it would be sent to Telegram as a parameter.
        // (grammy types it with the abort-controller polyfill's AbortSignal; the native one works.)
        const signal = AbortSignal.timeout(settings.timeoutMs) as unknown as Parameters<Api['sendMessage']>[3];
        await api.sendMessage(chatId, text, undefined, signal);
      } catch (error) {
        if (error instanceof GrammyError) {
          const reason = /chat not found/i.test(error.description)
            ? 'chat not found'
            : /blocked/i.test(error.description)
              ? 'the bot is blocked by this chat'
              : error.description;
          throw new ProbeFailure(reason);
        }
        if (error instanceof HttpError) throw new ProbeFailure('the Telegram Bot API could not be reached');
        throw error;
      }
    },
    async mattermost(webhookUrl, text) {
      let response: Response;
      try {
        response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text, username: 'StatusPage' }),
          signal: AbortSignal.timeout(settings.timeoutMs),
          redirect: 'error',
        });
      } catch {
        throw new ProbeFailure('the webhook URL could not be reached');
      }
      if (!response.ok) {
        throw new ProbeFailure(
          `the webhook answered ${response.status}; check that the URL is a Mattermost incoming webhook`,
        );
      }
    },
  };
}
