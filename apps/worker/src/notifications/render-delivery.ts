import {
  ChannelDisabledPayload,
  type ChannelType,
  EventMessagePayload,
  type MessageKind,
  PasswordResetPayload,
  SubscriberConfirmationPayload,
  SubscriberManagePayload,
  VerificationPayload,
} from '@statuspage/contracts';
import {
  chatMessageOf,
  discordPayload,
  eventKinds,
  MANAGE_PATH,
  manageToken,
  renderChannelDisabled,
  renderEventMessage,
  renderPasswordReset,
  renderSubscriberConfirmation,
  renderSubscriberManage,
  renderVerification,
  slackPayload,
  statuspageWebhookBody,
  teamsPayload,
  UNSUBSCRIBE_PATH,
  unsubscribeToken,
  type WebhookSnapshot,
  webhookDocumentationUrl,
} from '@statuspage/core';
import type { OutgoingMessage } from './senders/sender';

export interface RenderSettings {
  baseUrl: string;
  appSecret: string;
  verificationTtlMinutes: number;
}

export interface DeliveryToRender {
  kind: string;
  payload: unknown;
  channelType: ChannelType;
  channelId: string | null;
  /** The account-less subscriber owning the channel: its messages carry its manage link. */
  subscriberId?: string | null;
  subscriberTokenVersion?: number | null;
  signingSecret?: string | null | undefined;
}

/** The payload cannot be rendered (malformed, or its secret was already removed): retrying will not help. */
export class UnrenderableMessage extends Error {
  override readonly name = 'UnrenderableMessage';
}

/** The one-click unsubscribe link of a channel (served by the api; RFC 8058). */
export function unsubscribeUrl(settings: RenderSettings, channelId: string) {
  const token = encodeURIComponent(unsubscribeToken(channelId, settings.appSecret));
  return `${settings.baseUrl.replace(/\/$/, '')}${UNSUBSCRIBE_PATH}?token=${token}`;
}

/** The manage link of an account-less subscriber (the api's page; change services, unsubscribe). */
export function manageUrl(settings: RenderSettings, subscriberId: string, tokenVersion: number) {
  const token = encodeURIComponent(manageToken(subscriberId, tokenVersion, settings.appSecret));
  return `${settings.baseUrl.replace(/\/$/, '')}${MANAGE_PATH}?token=${token}`;
}

/** The JSON body of an event message for an HTTP channel that takes our own JSON (undefined for the others). */
function jsonBody(
  settings: RenderSettings,
  delivery: DeliveryToRender,
  kind: MessageKind,
  payload: EventMessagePayload,
  snapshot: WebhookSnapshot | undefined,
  manage: string | undefined,
): string | undefined {
  const { channelType } = delivery;
  if (channelType === 'slack' || channelType === 'discord' || channelType === 'teams') {
    const chat = chatMessageOf(kind, payload, settings.baseUrl, manage);
    const build = { slack: slackPayload, discord: discordPayload, teams: teamsPayload }[channelType];
    return JSON.stringify(build(chat));
  }
  if (channelType !== 'webhook') return undefined;
  if (!snapshot?.incident) throw new UnrenderableMessage('the event of this message no longer exists');
  const meta = {
    // An account-less subscriber stops these by its manage link; an account's channel by its one-click link.
    unsubscribe: manage ?? (delivery.channelId ? unsubscribeUrl(settings, delivery.channelId) : null),
    documentation: webhookDocumentationUrl(settings.baseUrl),
    generated_at: new Date().toISOString(),
  };
  return JSON.stringify(statuspageWebhookBody(meta, { page: snapshot.page, incident: snapshot.incident }));
}

/**
 * Renders a delivery for its channel type; event e-mails get the List-Unsubscribe headers, HTTP
 * channels their JSON body (a webhook's from `snapshot`: the event in the Statuspage shape).
 */
export function renderDelivery(
  settings: RenderSettings,
  delivery: DeliveryToRender,
  snapshot?: WebhookSnapshot,
): OutgoingMessage {
  const parse = <T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }) => {
    const result = schema.safeParse(delivery.payload);
    if (!result.success) throw new UnrenderableMessage(`the ${delivery.kind} message has no usable payload`);
    return result.data;
  };
  if (delivery.kind === 'verification') {
    return renderVerification(parse(VerificationPayload).code, settings.verificationTtlMinutes);
  }
  if (delivery.kind === 'password_reset') {
    return renderPasswordReset(parse(PasswordResetPayload), { baseUrl: settings.baseUrl });
  }
  if (delivery.kind === 'subscriber_confirmation') {
    return renderSubscriberConfirmation(parse(SubscriberConfirmationPayload), { baseUrl: settings.baseUrl });
  }
  if (delivery.kind === 'subscriber_manage') {
    return renderSubscriberManage(parse(SubscriberManagePayload), { baseUrl: settings.baseUrl });
  }
  if (delivery.kind === 'channel_disabled') {
    return renderChannelDisabled(parse(ChannelDisabledPayload), { baseUrl: settings.baseUrl });
  }
  if (!eventKinds.has(delivery.kind)) throw new UnrenderableMessage(`unknown message kind ${delivery.kind}`);
  const kind = delivery.kind as MessageKind;
  const payload = parse(EventMessagePayload);
  const link =
    delivery.channelType === 'email' && delivery.channelId ? unsubscribeUrl(settings, delivery.channelId) : undefined;
  const manage =
    delivery.subscriberId && delivery.subscriberTokenVersion
      ? manageUrl(settings, delivery.subscriberId, delivery.subscriberTokenVersion)
      : undefined;
  const rendered = renderEventMessage(kind, payload, delivery.channelType, {
    baseUrl: settings.baseUrl,
    unsubscribeUrl: link,
    manageUrl: manage,
  });
  const json = jsonBody(settings, delivery, kind, payload, snapshot, manage);
  if (json !== undefined) return { ...rendered, json, signingSecret: delivery.signingSecret };
  if (!link) return rendered;
  return {
    ...rendered,
    headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
