import {
  deliveryJobId,
  type NotificationDeliver,
  type OutboxJob,
  type PasswordResetEmail,
} from '@statuspage/contracts';
import { type Database, notificationDeliveries, notificationMessages, outbox } from '@statuspage/db';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { MaintenanceAutomation } from '../maintenance/automation';
import { enqueueDeliveries, urgentKinds } from '../notifications/enqueue';
import { fanOut } from '../notifications/fanout';
import type { Queues } from '../queues/queues';

export interface OutboxDeps {
  db: Database;
  queues: Queues;
  maintenance: MaintenanceAutomation;
}

/** Handles one relayed outbox row by its kind. */
export async function processOutboxJob(deps: OutboxDeps, job: OutboxJob, log: Logger) {
  switch (job.kind) {
    case 'notification.fanout':
      return fanOut(deps.db, deps.queues, job.payload.message_id, log);
    case 'notification.deliver':
      return enqueueExistingDelivery(deps, job.payload, log);
    case 'email.password_reset':
      return queuePasswordReset(deps, job.outbox_id, job.payload, log);
    case 'maintenance.schedule':
      return deps.maintenance.schedule(job.payload.event_id, log);
  }
}

/**
 * Queues a delivery whose row already exists (a verification code, an admin
 * retry). A finished job of the same id (the failed run an admin retries) is
 * removed first, or BullMQ would ignore the new one.
 */
async function enqueueExistingDelivery(deps: OutboxDeps, payload: z.infer<typeof NotificationDeliver>, log: Logger) {
  const [row] = await deps.db
    .select({
      id: notificationDeliveries.id,
      messageId: notificationDeliveries.messageId,
      channelType: notificationDeliveries.channelType,
      state: notificationDeliveries.state,
      kind: notificationMessages.kind,
    })
    .from(notificationDeliveries)
    .innerJoin(notificationMessages, eq(notificationMessages.id, notificationDeliveries.messageId))
    .where(eq(notificationDeliveries.id, payload.delivery_id));
  if (!row) {
    log.warn({ deliveryId: payload.delivery_id }, 'delivery to queue no longer exists');
    return 0;
  }
  if (row.state !== 'pending') {
    log.info({ deliveryId: row.id, state: row.state }, 'delivery is not pending; nothing to queue');
    return 0;
  }
  const queue = deps.queues.delivery[row.channelType];
  const previous = await queue.getJob(deliveryJobId(row.messageId, row.id));
  if (previous) {
    const state = await previous.getState();
    if (state === 'completed' || state === 'failed') await previous.remove();
  }
  return enqueueDeliveries(
    deps.queues,
    [row],
    payload.priority === 'high' || urgentKinds.has(row.kind) ? 'high' : 'normal',
  );
}

/**
 * Turns a password-reset request into a message and its e-mail delivery
 * (idempotently: the message is keyed by the outbox row), then queues it
 * ahead of event notifications. The token leaves the outbox row here and the
 * message once it was sent.
 */
async function queuePasswordReset(deps: OutboxDeps, outboxId: number, payload: PasswordResetEmail, log: Logger) {
  const dedupeKey = `outbox-${outboxId}`;
  const delivery = await deps.db.transaction(async (tx) => {
    await tx
      .insert(notificationMessages)
      .values({
        kind: 'password_reset',
        dedupeKey,
        payload: { first_name: payload.first_name, token: payload.token, expires_at: payload.expires_at },
      })
      .onConflictDoNothing({ target: notificationMessages.dedupeKey });
    // The message holds the token now (until it is sent); the relayed row need not keep it.
    await tx
      .update(outbox)
      .set({ payload: sql`${outbox.payload} - 'token'` })
      .where(eq(outbox.id, outboxId));
    const [message] = await tx
      .select({ id: notificationMessages.id })
      .from(notificationMessages)
      .where(eq(notificationMessages.dedupeKey, dedupeKey));
    if (!message) throw new Error(`message ${dedupeKey} vanished`);
    await tx
      .insert(notificationDeliveries)
      .values({ messageId: message.id, channelType: 'email', target: payload.email })
      .onConflictDoNothing();
    const [row] = await tx
      .select({
        id: notificationDeliveries.id,
        messageId: notificationDeliveries.messageId,
        channelType: notificationDeliveries.channelType,
        state: notificationDeliveries.state,
      })
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.messageId, message.id));
    return row;
  });
  if (delivery?.state !== 'pending') {
    log.info({ dedupeKey, state: delivery?.state }, 'password-reset e-mail already handled');
    return 0;
  }
  return enqueueDeliveries(deps.queues, [delivery], 'high');
}
