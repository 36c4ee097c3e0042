import { z } from 'zod';
import type { ChannelType } from './enums';
import { MaintenanceSchedule, NotificationDeliver, NotificationFanout, PasswordResetEmail } from './outbox';

/**
 * BullMQ queues of the worker and the payloads of their jobs. Job ids are
 * deterministic (a duplicate add is a no-op) and never contain `:` (BullMQ 6
 * refuses them). Ids of outbox and delivery jobs are the rows' random `uid`s,
 * never their serial ids: serial ids start again in a re-created or restored
 * database while Redis still holds the old jobs, and BullMQ ignores an add
 * whose id it holds. Every job names its row by id and uid; a processor whose
 * row has another uid is looking at a job of another database lifetime.
 */
export const queueNames = {
  /** Outbox rows relayed from PostgreSQL, one job per row (job name = outbox kind). */
  outbox: 'outbox',
  /** Scheduled-maintenance transitions and reminders (delayed jobs) and the reconciliation scheduler. */
  maintenance: 'maintenance',
  /** One job per delivery, one queue per channel type (own concurrency and rate limit). */
  delivery: {
    email: 'deliver-email',
    telegram: 'deliver-telegram',
    mattermost: 'deliver-mattermost',
    webhook: 'deliver-webhook',
    slack: 'deliver-slack',
    discord: 'deliver-discord',
    teams: 'deliver-teams',
  } satisfies Record<ChannelType, string>,
} as const;

const outboxRow = { outbox_id: z.number().int().positive(), outbox_uid: z.guid() };

/** A relayed outbox row: its id and uid (for idempotent side effects), kind and payload. */
export const OutboxJob = z.discriminatedUnion('kind', [
  z.object({ ...outboxRow, kind: z.literal('notification.fanout'), payload: NotificationFanout }),
  z.object({ ...outboxRow, kind: z.literal('notification.deliver'), payload: NotificationDeliver }),
  z.object({ ...outboxRow, kind: z.literal('email.password_reset'), payload: PasswordResetEmail }),
  z.object({ ...outboxRow, kind: z.literal('maintenance.schedule'), payload: MaintenanceSchedule }),
]);
export type OutboxJob = z.infer<typeof OutboxJob>;

/** One message to one channel: the notification_deliveries row to send. */
export const DeliveryJob = z.object({
  delivery_id: z.number().int().positive(),
  delivery_uid: z.guid(),
  message_id: z.number().int().positive(),
});
export type DeliveryJob = z.infer<typeof DeliveryJob>;

/**
 * What a maintenance job does: start or complete the event, remind its
 * subscribers, reconcile; or, scheduled on the same queue, delete the
 * account-less subscribers left unconfirmed for a week.
 */
export const maintenanceActions = [
  'start',
  'complete',
  'reminder',
  'reconcile',
  'prune_subscribers',
  'prune_audit',
] as const;
export const MaintenanceJob = z.object({
  action: z.enum(maintenanceActions),
  /** Absent for `reconcile`. */
  event_id: z.guid().optional(),
  /** The scheduled time the job was made for (ISO); a job whose time no longer matches the event is stale. */
  scheduled_at: z.string().optional(),
});
export type MaintenanceJob = z.infer<typeof MaintenanceJob>;

/** Job id of a maintenance transition or reminder: event, action and scheduled time (ms), never `:`. */
export const maintenanceJobId = (eventId: string, action: 'start' | 'complete' | 'reminder', scheduledAt: Date) =>
  `maintenance-${eventId}-${action}-${scheduledAt.getTime()}`;

/** Job id of a relayed outbox row (its uid): relaying a row twice enqueues it once. */
export const outboxJobId = (outboxRowUid: string) => `outbox-${outboxRowUid}`;

/** Job id of a delivery (its uid): fanning a message out twice enqueues each delivery once. */
export const deliveryJobId = (deliveryUid: string) => `deliver-${deliveryUid}`;

/**
 * The BullMQ key prefix of an installation: WORKER_QUEUE_PREFIX and the
 * first 12 hex digits (48 random bits) of the installation id, so that two
 * installations (or a database created again) on one Redis with the same
 * setting never share a queue. The api's queue dashboard uses it too.
 */
export const installationQueuePrefix = (prefix: string, installationId: string) =>
  `${prefix}-${installationId.replaceAll('-', '').slice(0, 12)}`;

/**
 * BullMQ priorities (lower runs first). Every job gets one: BullMQ runs jobs
 * without a priority before all prioritised ones.
 */
export const jobPriorities = { high: 1, normal: 10 } as const;
export type JobPriority = keyof typeof jobPriorities;
