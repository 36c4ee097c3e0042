import {
  type ChannelType,
  EventMessagePayload,
  type MessageKind,
  PasswordResetPayload,
  SubscriberConfirmationPayload,
  SubscriberManagePayload,
  VerificationPayload,
} from '@statuspage/contracts';
import {
  eventKinds,
  MANAGE_PATH,
  manageToken,
  renderEventMessage,
  renderPasswordReset,
  renderSubscriberConfirmation,
  renderSubscriberManage,
  renderVerification,
  UNSUBSCRIBE_PATH,
  unsubscribeToken,
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

/** Renders a delivery for its channel type; event e-mails get the List-Unsubscribe headers. */
export function renderDelivery(settings: RenderSettings, delivery: DeliveryToRender): OutgoingMessage {
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
  if (!eventKinds.has(delivery.kind)) throw new UnrenderableMessage(`unknown message kind ${delivery.kind}`);
  const link =
    delivery.channelType === 'email' && delivery.channelId ? unsubscribeUrl(settings, delivery.channelId) : undefined;
  const rendered = renderEventMessage(delivery.kind as MessageKind, parse(EventMessagePayload), delivery.channelType, {
    baseUrl: settings.baseUrl,
    unsubscribeUrl: link,
    manageUrl:
      delivery.subscriberId && delivery.subscriberTokenVersion
        ? manageUrl(settings, delivery.subscriberId, delivery.subscriberTokenVersion)
        : undefined,
  });
  if (!link) return rendered;
  return {
    ...rendered,
    headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
