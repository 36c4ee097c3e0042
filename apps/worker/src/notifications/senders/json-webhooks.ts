import type { ChannelType } from '@statuspage/contracts';
import { SIGNATURE_HEADER, webhookSignature } from '@statuspage/core';
import { createHttpSender } from './http';
import { type ChannelSender, type OutgoingMessage, SendError } from './sender';

const bodyOf = (type: ChannelType, message: OutgoingMessage) => {
  // A message rendered for another type (or for none) must not be posted half-formed.
  if (message.json === undefined) throw new SendError(`no ${type} body was rendered`, { permanent: true });
  return message.json;
};

/** Slack, Discord and Teams: the body core rendered for the type, posted as is. */
export function createChatSender(
  type: 'slack' | 'discord' | 'teams',
  settings: { timeoutMs: number; allowedNetworks: readonly string[] },
): ChannelSender {
  return createHttpSender(settings, (message) => ({ body: bodyOf(type, message) }));
}

/**
 * Signed webhooks: the Statuspage-format body with `X-StatusPage-Signature` over it, signed at
 * each attempt (a retry carries a fresh time, so receivers may keep a tight tolerance).
 */
export function createSignedWebhookSender(settings: {
  timeoutMs: number;
  allowedNetworks: readonly string[];
}): ChannelSender {
  return createHttpSender(settings, (message) => {
    const body = bodyOf('webhook', message);
    if (!message.signingSecret) throw new SendError('the webhook channel has no signing secret', { permanent: true });
    return { body, headers: { [SIGNATURE_HEADER]: webhookSignature(message.signingSecret, body, Date.now() / 1000) } };
  });
}
