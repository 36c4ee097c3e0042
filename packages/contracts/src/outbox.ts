import { z } from 'zod';

/**
 * Messages written to the outbox table in the same transaction as the write
 * that causes them; the worker relays them to BullMQ with the row id as job id.
 */
export const PasswordResetEmail = z.object({
  user_id: z.guid(),
  email: z.string(),
  first_name: z.string(),
  /** The single-use reset token; only its hash is kept in password_reset_tokens. */
  token: z.string(),
  expires_at: z.string(),
});
export type PasswordResetEmail = z.infer<typeof PasswordResetEmail>;

/** An event message to fan out to the event's subscriber set (one delivery per channel). */
export const NotificationFanout = z.object({ message_id: z.number().int() });
/** One delivery to send now (verification codes, retries): already has its row. */
export const NotificationDeliver = z.object({ delivery_id: z.number().int(), priority: z.enum(['high', 'normal']) });

/** A maintenance whose schedule was set, changed or removed: the worker (re)creates its delayed jobs. */
export const MaintenanceSchedule = z.object({ event_id: z.guid() });

export const outboxKinds = {
  'maintenance.schedule': MaintenanceSchedule,
  'email.password_reset': PasswordResetEmail,
  'notification.fanout': NotificationFanout,
  'notification.deliver': NotificationDeliver,
} as const;
export type OutboxKind = keyof typeof outboxKinds;
export type OutboxPayload<K extends OutboxKind> = z.infer<(typeof outboxKinds)[K]>;
