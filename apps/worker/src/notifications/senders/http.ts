import { createWebhookPoster, retryAfterMsOf, WebhookAddressRefused } from '@statuspage/platform';
import { type ChannelSender, type OutgoingMessage, SendError } from './sender';

/** Statuses after which the same call would fail again (the webhook is gone or refuses us). */
const permanentStatuses = new Set([400, 401, 403, 404, 405, 410, 413, 422]);

/** The request a type makes of a rendered message: the exact body, and headers (a signature). */
export type HttpRequestOf = (message: OutgoingMessage) => { body: string; headers?: Record<string, string> };

/**
 * The one sender core of every HTTP channel (Mattermost, Slack, Discord, Teams, signed webhooks):
 * a POST through platform's guarded poster (public addresses or the allowed networks only, no
 * redirects followed, one deadline for the whole request). 2xx is delivered; a 429 carries when to
 * try again (`Retry-After` in seconds or as an HTTP date, or Discord's `retry_after` in the body),
 * which the processor turns into a postponement of that delivery alone; 3xx, 5xx and an
 * unreachable receiver are retried; the 4xx that would repeat fail at once.
 */
export function createHttpSender(
  settings: { timeoutMs: number; allowedNetworks: readonly string[] },
  requestOf: HttpRequestOf,
): ChannelSender {
  const webhooks = createWebhookPoster(settings);
  return {
    async send(url, message) {
      const request = requestOf(message);
      let response: Awaited<ReturnType<typeof webhooks.postBody>>;
      try {
        response = await webhooks.postBody(url, request.body, request.headers);
      } catch (error) {
        if (error instanceof WebhookAddressRefused) {
          throw new SendError(`webhook address not allowed: ${error.message}`, { permanent: true, cause: error });
        }
        throw new SendError(`webhook unreachable: ${(error as Error).message}`, { cause: error });
      }
      if (response.status >= 200 && response.status < 300) return;
      const reason = `webhook answered ${response.status}${response.body ? `: ${response.body}` : ''}`;
      if (response.status >= 300 && response.status < 400) {
        throw new SendError(`${reason} (redirects are not followed)`);
      }
      throw new SendError(reason, {
        permanent: permanentStatuses.has(response.status),
        retryAfterMs: response.status === 429 ? retryAfterMsOf(response) : undefined,
      });
    },
    async close() {
      webhooks.close();
    },
  };
}
