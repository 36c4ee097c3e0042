import { z } from 'zod';
import type { ChannelType } from './enums';
import { MaintenanceSchedule, NotificationDeliver, NotificationFanout, PasswordResetEmail } from './outbox';

/**
 * BullMQ queues of the worker and the payloads of their jobs. Job ids are
 * deterministic (a duplicate add is a no-op) and never contain `:` (BullMQ 6
 * refuses them).
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
  } satisfies Record<ChannelType, string>,
} as const;

const outboxId = z.number().int().positive();

/** A relayed outbox row: its id (for idempotent side effects), kind and payload. */
export const OutboxJob = z.discriminatedUnion('kind', [
  z.object({ outbox_id: outboxId, kind: z.literal('notification.fanout'), payload: NotificationFanout }),
  z.object({ outbox_id: outboxId, kind: z.literal('notification.deliver'), payload: NotificationDeliver }),
  z.object({ outbox_id: outboxId, kind: z.literal('email.password_reset'), payload: PasswordResetEmail }),
  z.object({ outbox_id: outboxId, kind: z.literal('maintenance.schedule'), payload: MaintenanceSchedule }),
]);
export type OutboxJob = z.infer<typeof OutboxJob>;

/** One message to one channel: the notification_deliveries row to send. */
export const DeliveryJob = z.object({
  delivery_id: z.number().int().positive(),
  message_id: z.number().int().positive(),
});
export type DeliveryJob = z.infer<typeof DeliveryJob>;

/** What a maintenance job does: start or complete the event, or remind its subscribers. */
export const maintenanceActions = ['start', 'complete', 'reminder', 'reconcile'] as const;
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

/** Job id of a relayed outbox row: relaying a row twice enqueues it once. */
export const outboxJobId = (outboxRowId: number) => `outbox-${outboxRowId}`;

/** Job id of a delivery: fanning a message out twice enqueues each delivery once. */
export const deliveryJobId = (messageId: number, deliveryId: number) => `deliver-${messageId}-${deliveryId}`;

/**
 * BullMQ priorities (lower runs first). Every job gets one: BullMQ runs jobs
 * without a priority before all prioritised ones.
 */
export const jobPriorities = { high: 1, normal: 10 } as const;
export type JobPriority = keyof typeof jobPriorities;
