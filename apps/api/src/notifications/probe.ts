import { type ChannelProbe, ProbeFailure } from '@statuspage/core';
import {
  createTelegramClient,
  createWebhookPoster,
  literalAddressRefusal,
  telegramFailureOf,
} from '@statuspage/platform';
import type { Api } from 'grammy';

/** What a failed Mattermost verification answers, whatever went wrong. */
export const MATTERMOST_PROBE_FAILURE =
  'the webhook did not accept the test message; check that the URL is a Mattermost incoming webhook ' +
  'reachable from this server (webhooks on private or local network addresses need an administrator ' +
  'to allow that network with NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS)';

/** What a failed Slack, Discord, Teams or webhook verification answers, whatever went wrong. */
export const WEBHOOK_PROBE_FAILURE =
  'the URL did not accept the test message with a 2xx answer; check that it is reachable from this server ' +
  '(no redirects are followed; URLs on private or local network addresses need an administrator to allow ' +
  'that network with NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS)';

export interface ProbeSettings {
  telegramBotToken?: string | undefined;
  /** Bot API root (tests point it at a local fake). */
  telegramApiUrl: string;
  /** How long a test message may take. */
  timeoutMs: number;
  /** Private networks webhooks of every type may be on (NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS). */
  mattermostAllowedNetworks?: readonly string[];
}

/**
 * Sends verification test messages: through the Telegram Bot API (grammy),
 * to Mattermost incoming webhooks, and the ready bodies of Slack, Discord,
 * Teams and signed webhooks (built by core). Failures become ProbeFailure with a
 * reason the channel's owner can act on (answered 422).
 */
export function createChannelProbe(settings: ProbeSettings): ChannelProbe & { close(): void } {
  const webhooks = createWebhookPoster({
    timeoutMs: settings.timeoutMs,
    allowedNetworks: settings.mattermostAllowedNetworks ?? [],
  });
  // Each call passes its own deadline (a signal), so the client has none.
  const api = settings.telegramBotToken
    ? createTelegramClient({ botToken: settings.telegramBotToken, apiUrl: settings.telegramApiUrl })
    : undefined;
  return {
    async telegramStarted(target, startParameter) {
      if (!api) throw new ProbeFailure('Telegram is not configured on this server');
      const signal = AbortSignal.timeout(settings.timeoutMs) as unknown as Parameters<Api['getUpdates']>[1];
      let updates: Awaited<ReturnType<Api['getUpdates']>>;
      try {
        // The last 100 updates, whoever reads them (every replica sees the same; nothing to store). Older
        // ones are forgotten: on a busy bot, Start is pressed again just before verifying.
        updates = await api.getUpdates(
          { offset: -100, limit: 100, timeout: 0, allowed_updates: ['message', 'channel_post'] },
          signal,
        );
      } catch (error) {
        const failure = telegramFailureOf(error);
        if (!failure) throw error;
        if (failure.kind === 'unreachable') throw new ProbeFailure('the Telegram Bot API could not be reached');
        throw new ProbeFailure(
          failure.status === 409
            ? 'the bot receives its updates by webhook, so the server cannot see who pressed Start'
            : failure.description,
        );
      }
      const wanted = target.toLowerCase();
      return updates.some((update) => {
        const message = update.message ?? update.channel_post;
        if (!message || message.text?.trim() !== `/start ${startParameter}`) return false;
        const username = 'username' in message.chat ? message.chat.username : undefined;
        return (
          String(message.chat.id) === target || (username !== undefined && `@${username.toLowerCase()}` === wanted)
        );
      });
    },
    async telegram(chatId, text) {
      if (!api) throw new ProbeFailure('Telegram is not configured on this server');
      try {
        // The signal is grammy's fourth argument: inside `other` it would be sent to Telegram as a parameter.
        // (grammy types it with the abort-controller polyfill's AbortSignal; the native one works.)
        const signal = AbortSignal.timeout(settings.timeoutMs) as unknown as Parameters<Api['sendMessage']>[3];
        await api.sendMessage(chatId, text, undefined, signal);
      } catch (error) {
        const failure = telegramFailureOf(error);
        if (!failure) throw error;
        if (failure.kind === 'unreachable') throw new ProbeFailure('the Telegram Bot API could not be reached');
        const reason = /chat not found/i.test(failure.description)
          ? 'chat not found'
          : /blocked/i.test(failure.description)
            ? 'the bot is blocked by this chat'
            : failure.description;
        throw new ProbeFailure(reason);
      }
    },
    async mattermost(webhookUrl, text) {
      // One answer for every failure: a refused address, a closed port, a timeout and a 404 look alike,
      // so verification cannot be used to map the network behind the server.
      const failure = (cause?: unknown) => new ProbeFailure(MATTERMOST_PROBE_FAILURE, { cause });
      let response: Awaited<ReturnType<typeof webhooks.post>>;
      try {
        response = await webhooks.post(webhookUrl, { text, username: 'StatusPage' });
      } catch (error) {
        throw failure(error);
      }
      if (response.status < 200 || response.status >= 300) throw failure();
    },
    addressRefusal(url) {
      return literalAddressRefusal(url, settings.mattermostAllowedNetworks ?? []);
    },
    async webhook(url, request) {
      // The same single answer as Mattermost's, for the same reason.
      const failure = (cause?: unknown) => new ProbeFailure(WEBHOOK_PROBE_FAILURE, { cause });
      let response: Awaited<ReturnType<typeof webhooks.postBody>>;
      try {
        response = await webhooks.postBody(url, request.body, request.headers);
      } catch (error) {
        throw failure(error);
      }
      if (response.status < 200 || response.status >= 300) throw failure();
    },
    close() {
      webhooks.close();
    },
  };
}
