import type {
  CreateChannelInput,
  CreateSubscriberInput,
  ListSubscribersInput,
  SetChannelSubscriptionsInput,
  SubscriptionChoice,
} from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { createChannel, createDefaultChannel, deleteOwnChannel, listChannels, updateOwnChannel } from './channels';
import { listDeliveries, retryDelivery } from './deliveries';
import type { NotificationDeps } from './ports';
import type { DeliveryFilter } from './store';
import {
  exportSubscribers,
  importSubscribers,
  listSubscribers,
  removeSubscriber,
  subscriberCounts,
} from './subscriber-admin';
import {
  confirmSubscriber,
  getSubscription,
  SUBSCRIBE_ANSWER,
  subscribe,
  unsubscribeSubscriber,
  updateSubscription,
} from './subscribers';
import { setSubscriptions, subscriptionMatrix } from './subscriptions';
import { unsubscribe } from './unsubscribe';
import { resendCode, verifyChannel } from './verification';

// The notifications module: channels and their verification, subscriptions, event subscriber sets
// and messages, deliveries and their lifecycle, what a message says.

export { NotificationErrors } from './errors';
export { createEventNotifier } from './event-notifier';
export {
  type ChatMessage,
  chatMessageOf,
  clip,
  discordColours,
  discordLimits,
  discordPayload,
  probeChatMessage,
  slackLimits,
  slackPayload,
  statuspageWebhookBody,
  teamsLimits,
  teamsPayload,
  type WebhookMeta,
  webhookProbeBody,
} from './payloads';
export {
  createNotificationPipeline,
  type DeliveryRef,
  type LoadedDelivery,
  type NotificationPipeline,
} from './pipeline';
export {
  type ChannelProbe,
  type NotificationAccounts,
  type NotificationCatalog,
  type NotificationDeps,
  type NotificationEvents,
  type NotificationPorts,
  type NotificationSettings,
  ProbeFailure,
} from './ports';
export {
  eventLink,
  eventSubject,
  mattermostText,
  nameForMessage,
  type RenderContext,
  type RenderedMessage,
  renderChannelDisabled,
  renderEventMessage,
  renderPasswordReset,
  renderSubscriberConfirmation,
  renderSubscriberManage,
  renderVerification,
} from './render';
export {
  CONFIRM_PATH,
  CONSECUTIVE_FAILURE_LIMIT,
  channelMayReceiveSql,
  destinationOf,
  directKinds,
  disablesChannel,
  eventKinds,
  httpChannelTypes,
  MANAGE_PATH,
  manageToken,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  telegramStartParameter,
  UNSUBSCRIBE_PATH,
  UNSUBSCRIBE_TOKEN_TTL_DAYS,
  unsubscribeToken,
  verifyUnsubscribeToken,
  webhookDocumentationUrl,
  webhookSignature,
} from './rules';
export type { DeliveryFilter } from './store';
export { prunePendingSubscribers, SUBSCRIBE_ANSWER } from './subscribers';

/** Notifications: a user's channels, verification, subscriptions, one-click unsubscribe, the admin's deliveries. */
export function createNotificationUseCases(deps: NotificationDeps) {
  const { settings } = deps;
  return {
    channels: {
      createDefault: (tx: Database, userId: string, email: string) => createDefaultChannel(deps, tx, userId, email),
      list: (userId: string) => listChannels(deps, userId),
      create: (userId: string, input: CreateChannelInput) => createChannel(deps, userId, input),
      update: (userId: string, id: string, patch: { is_enabled?: boolean | undefined }) =>
        updateOwnChannel(deps, userId, id, patch),
      delete: (userId: string, id: string) => deleteOwnChannel(deps, userId, id),
      verify: (userId: string, id: string, code: string | undefined) => verifyChannel(deps, userId, id, code),
      resendCode: (userId: string, id: string) => resendCode(deps, userId, id),
    },
    subscriptions: {
      matrix: (userId: string) => subscriptionMatrix(deps, userId),
      set: (userId: string, input: SetChannelSubscriptionsInput) => setSubscriptions(deps, userId, input),
    },
    deliveries: {
      list: (filter: DeliveryFilter) => listDeliveries(deps, filter),
      retry: (id: number) => retryDelivery(deps, id),
    },
    unsubscribe: {
      unsubscribe: (token: string) => unsubscribe(deps, token),
    },
    /** Account-less subscribers: the public flows by token. */
    subscribers: {
      /** Always answers the same words (no enumeration). */
      subscribe: async (input: CreateSubscriberInput, ip: string) => {
        await subscribe(deps, input, ip);
        return SUBSCRIBE_ANSWER;
      },
      confirm: (token: string) => confirmSubscriber(deps, token),
      get: (token: string) => getSubscription(deps, token),
      update: (token: string, choice: SubscriptionChoice) => updateSubscription(deps, token, choice),
      unsubscribe: (token: string) => unsubscribeSubscriber(deps, token),
    },
    /** The admin's view of every receiver (account channels and account-less subscribers). */
    subscriberAdmin: {
      list: (input: ListSubscribersInput) => listSubscribers(deps, input),
      counts: () => subscriberCounts(deps),
      remove: (channelId: string) => removeSubscriber(deps, channelId),
      export: (includePending: boolean) => exportSubscribers(deps, includePending),
      import: (csv: string, dryRun: boolean) => importSubscribers(deps, csv, dryRun),
    },
    /** Which channel types this server offers, and the Telegram bot to start. */
    config: () => ({
      available_channels: settings.availableTypes,
      telegram: settings.telegramBotUsername ? { bot_username: settings.telegramBotUsername } : null,
    }),
  };
}
export type NotificationUseCases = ReturnType<typeof createNotificationUseCases>;
