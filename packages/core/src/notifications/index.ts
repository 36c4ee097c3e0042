import type { CreateChannelInput, SetChannelSubscriptionsInput } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { createChannel, createDefaultChannel, deleteOwnChannel, listChannels, updateOwnChannel } from './channels';
import { listDeliveries, retryDelivery } from './deliveries';
import type { NotificationDeps } from './ports';
import type { DeliveryFilter } from './store';
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
  renderVerification,
} from './render';
export {
  CONSECUTIVE_FAILURE_LIMIT,
  channelMayReceiveSql,
  destinationOf,
  directKinds,
  disablesChannel,
  eventKinds,
  httpChannelTypes,
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
    /** Which channel types this server offers, and the Telegram bot to start. */
    config: () => ({
      available_channels: settings.availableTypes,
      telegram: settings.telegramBotUsername ? { bot_username: settings.telegramBotUsername } : null,
    }),
  };
}
export type NotificationUseCases = ReturnType<typeof createNotificationUseCases>;
