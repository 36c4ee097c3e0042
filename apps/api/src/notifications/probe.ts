import { type ChannelProbe, createWebhookPoster, ProbeFailure, WebhookAddressRefused } from '@statuspage/core';
import { Api, GrammyError, HttpError } from 'grammy';

export interface ProbeSettings {
  telegramBotToken?: string | undefined;
  /** Bot API root (tests point it at a local fake). */
  telegramApiUrl: string;
  /** How long a test message may take. */
  timeoutMs: number;
  /** Private networks Mattermost webhooks may be on (NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS). */
  mattermostAllowedNetworks?: readonly string[];
}

/**
 * Sends verification test messages: through the Telegram Bot API (grammy)
 * and to Mattermost incoming webhooks. Failures become ProbeFailure with a
 * reason the channel's owner can act on (answered 422).
 */
export function createChannelProbe(settings: ProbeSettings): ChannelProbe & { close(): void } {
  const webhooks = createWebhookPoster({
    timeoutMs: settings.timeoutMs,
    allowedNetworks: settings.mattermostAllowedNetworks ?? [],
  });
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
      let response: Awaited<ReturnType<typeof webhooks.post>>;
      try {
        response = await webhooks.post(webhookUrl, { text, username: 'StatusPage' });
      } catch (error) {
        if (error instanceof WebhookAddressRefused) {
          throw new ProbeFailure(
            'the webhook URL points to a private or local network address, which this server does not call ' +
              '(an administrator can allow that network with NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS)',
          );
        }
        throw new ProbeFailure('the webhook URL could not be reached');
      }
      if (response.status < 200 || response.status >= 300) {
        throw new ProbeFailure(
          `the webhook answered ${response.status}; check that the URL is a Mattermost incoming webhook`,
        );
      }
    },
    close() {
      webhooks.close();
    },
  };
}
