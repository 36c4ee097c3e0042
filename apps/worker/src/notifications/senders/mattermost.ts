import { createWebhookPoster, WebhookAddressRefused } from '@statuspage/platform';
import { type ChannelSender, SendError } from './sender';

/** Statuses after which the same webhook call would fail again (the webhook is gone or refuses us). */
const permanentStatuses = new Set([400, 401, 403, 404, 405, 410, 413, 422]);

/**
 * Mattermost (and compatible) incoming webhooks: an HTTP POST of `{text}`, to
 * public addresses or the allowed networks only (see core's webhook poster).
 */
export function createMattermostSender(settings: {
  timeoutMs: number;
  allowedNetworks: readonly string[];
}): ChannelSender {
  const webhooks = createWebhookPoster(settings);
  return {
    async send(webhookUrl, message) {
      let response: Awaited<ReturnType<typeof webhooks.post>>;
      try {
        response = await webhooks.post(webhookUrl, { text: message.text });
      } catch (error) {
        if (error instanceof WebhookAddressRefused) {
          throw new SendError(`webhook address not allowed: ${error.message}`, { permanent: true, cause: error });
        }
        throw new SendError(`webhook unreachable: ${(error as Error).message}`, { cause: error });
      }
      if (response.status >= 200 && response.status < 300) return;
      const retryAfter = Number(response.retryAfter);
      throw new SendError(`webhook answered ${response.status}${response.body ? `: ${response.body}` : ''}`, {
        permanent: permanentStatuses.has(response.status),
        retryAfterMs: response.status === 429 && retryAfter > 0 ? retryAfter * 1000 : undefined,
      });
    },
    async close() {
      webhooks.close();
    },
  };
}
