import { createHttpSender } from './http';
import type { ChannelSender } from './sender';

/** Mattermost (and compatible) incoming webhooks: an HTTP POST of `{text}`, through the HTTP sender core. */
export function createMattermostSender(settings: {
  timeoutMs: number;
  allowedNetworks: readonly string[];
}): ChannelSender {
  return createHttpSender(settings, (message) => ({ body: JSON.stringify({ text: message.text }) }));
}
