import type { ChannelType } from '@statuspage/contracts';
import type { Logger } from 'pino';
import type { WorkerEnv } from '../../env';
import { createEmailSender } from './email';
import { createChatSender, createSignedWebhookSender } from './json-webhooks';
import { createMattermostSender } from './mattermost';
import { type ChannelSender, unavailableSender } from './sender';
import { createTelegramSender } from './telegram';

/** The longest a signed webhook, Slack, Discord or Teams call may take (NOTIFICATIONS_SEND_TIMEOUT when shorter). */
export const HTTP_CHANNEL_TIMEOUT_MS = 10_000;

/** One sender per channel type, from configuration; a type that is switched off fails its deliveries at once. */
export function createSenders(env: WorkerEnv, logger: Logger): Record<ChannelType, ChannelSender> {
  const timeoutMs = env.NOTIFICATIONS_SEND_TIMEOUT;
  // One address guard for every outgoing webhook, whatever its type.
  const allowedNetworks = env.NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS;
  // Webhooks, Slack, Discord and Teams count as delivered only when answered within 10 s (docs/api/11-webhooks.md).
  const http = { timeoutMs: Math.min(timeoutMs, HTTP_CHANNEL_TIMEOUT_MS), allowedNetworks };
  if (!env.NOTIFICATIONS_ENABLED) {
    const off = 'NOTIFICATIONS_ENABLED is false';
    return {
      email: unavailableSender('email', off),
      telegram: unavailableSender('telegram', off),
      mattermost: unavailableSender('mattermost', off),
      webhook: unavailableSender('webhook', off),
      slack: unavailableSender('slack', off),
      discord: unavailableSender('discord', off),
      teams: unavailableSender('teams', off),
    };
  }
  return {
    email: env.NOTIFICATIONS_EMAIL_ENABLED
      ? createEmailSender(
          {
            host: env.NOTIFICATIONS_EMAIL_SMTP_HOST,
            port: env.NOTIFICATIONS_EMAIL_SMTP_PORT,
            user: env.NOTIFICATIONS_EMAIL_SMTP_USER,
            password: env.NOTIFICATIONS_EMAIL_SMTP_PASSWORD,
            from: env.NOTIFICATIONS_EMAIL_FROM_ADDRESS,
            maxConnections: env.NOTIFICATIONS_EMAIL_SMTP_MAX_CONNECTIONS,
            timeoutMs,
          },
          logger.child({ sender: 'email' }),
        )
      : unavailableSender('email', 'NOTIFICATIONS_EMAIL_ENABLED is false'),
    telegram:
      env.NOTIFICATIONS_TELEGRAM_ENABLED && env.NOTIFICATIONS_TELEGRAM_BOT_TOKEN
        ? createTelegramSender({
            botToken: env.NOTIFICATIONS_TELEGRAM_BOT_TOKEN,
            apiUrl: env.NOTIFICATIONS_TELEGRAM_API_URL,
            timeoutMs,
          })
        : unavailableSender('telegram', 'NOTIFICATIONS_TELEGRAM_ENABLED is false'),
    mattermost: createMattermostSender({ timeoutMs, allowedNetworks }),
    webhook: createSignedWebhookSender(http),
    slack: createChatSender('slack', http),
    discord: createChatSender('discord', http),
    teams: createChatSender('teams', http),
  };
}
