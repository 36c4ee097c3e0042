import { type ChannelSender, SendError } from './sender';

/** Statuses after which the same webhook call would fail again (the webhook is gone or refuses us). */
const permanentStatuses = new Set([400, 401, 403, 404, 405, 410, 413, 422]);

/** Mattermost (and compatible) incoming webhooks: an HTTP POST of `{text}`. */
export function createMattermostSender(settings: { timeoutMs: number }): ChannelSender {
  return {
    async send(webhookUrl, message) {
      let response: Response;
      try {
        response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: message.text }),
          signal: AbortSignal.timeout(settings.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        throw new SendError(`webhook unreachable: ${(error as Error).message}`, { cause: error });
      }
      // The body is not needed; drain it so the connection can be reused.
      const body = (await response.text().catch(() => '')).slice(0, 200);
      if (response.ok) return;
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new SendError(`webhook answered ${response.status}${body ? `: ${body}` : ''}`, {
        permanent: permanentStatuses.has(response.status),
        retryAfterMs: response.status === 429 && retryAfter > 0 ? retryAfter * 1000 : undefined,
      });
    },
    async close() {},
  };
}
