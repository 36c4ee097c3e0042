import {
  deliveryJobId,
  type NotificationDeliver,
  type OutboxJob,
  type PasswordResetEmail,
} from '@statuspage/contracts';
import { notificationDeliveries, notificationMessages, outbox } from '@statuspage/db';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { MaintenanceAutomation } from '../maintenance/automation';
import { type EnqueueDeps, enqueueDeliveries, urgentKinds } from '../notifications/enqueue';
import { fanOut } from '../notifications/fanout';
import { markOutboxProcessed, type OutboxRowRef, outboxRowOf } from './store';

export interface OutboxDeps extends EnqueueDeps {
  maintenance: MaintenanceAutomation;
}

/**
 * Handles one relayed outbox row by its kind. The row must be in this
 * database under the job's uid: a job of another database lifetime (a
 * restored backup, keys left in Redis) names a row that is not this one, and
 * is dropped. Each handler marks the row processed when its work commits.
 */
export async function processOutboxJob(deps: OutboxDeps, job: OutboxJob, log: Logger) {
  const row: OutboxRowRef = { id: job.outbox_id, uid: job.outbox_uid };
  if (!(await outboxRowOf(deps.db, row.id, row.uid))) {
    log.warn(
      { outboxId: row.id, outboxUid: row.uid },
      'outbox job names no row of this database (a job of another database lifetime); dropped',
    );
    return 0;
  }
  switch (job.kind) {
    case 'notification.fanout':
      return fanOut(deps, row, job.payload.message_id, log);
    case 'notification.deliver':
      return enqueueExistingDelivery(deps, row, job.payload, log);
    case 'email.password_reset':
      return queuePasswordReset(deps, row, job.payload, log);
    case 'maintenance.schedule': {
      const result = await deps.maintenance.schedule(job.payload.event_id, log);
      // The delayed jobs are in Redis now; should Redis lose them, reconciliation adds them again.
      await markOutboxProcessed(deps.db, row.id, row.uid);
      return result;
    }
  }
}

const deliveryRef = {
  id: notificationDeliveries.id,
  uid: notificationDeliveries.uid,
  messageId: notificationDeliveries.messageId,
  channelType: notificationDeliveries.channelType,
  state: notificationDeliveries.state,
};

/**
 * Queues a delivery whose row already exists (a verification code, an admin
 * retry). A finished job of the same id (the failed run an admin retries) is
 * removed first, or BullMQ would ignore the new one. The row is processed
 * once the job is added: a pending delivery whose job Redis loses is the
 * delivery repair's.
 */
async function enqueueExistingDelivery(
  deps: OutboxDeps,
  outboxRow: OutboxRowRef,
  payload: z.infer<typeof NotificationDeliver>,
  log: Logger,
) {
  const [row] = await deps.db
    .select({ ...deliveryRef, kind: notificationMessages.kind })
    .from(notificationDeliveries)
    .innerJoin(notificationMessages, eq(notificationMessages.id, notificationDeliveries.messageId))
    .where(eq(notificationDeliveries.id, payload.delivery_id));
  let queued = 0;
  if (!row) {
    log.warn({ deliveryId: payload.delivery_id }, 'delivery to queue no longer exists');
  } else if (row.state !== 'pending') {
    log.info({ deliveryId: row.id, state: row.state }, 'delivery is not pending; nothing to queue');
  } else {
    const previous = await deps.queues.delivery[row.channelType].getJob(deliveryJobId(row.uid));
    if (previous) {
      const state = await previous.getState();
      if (state === 'completed' || state === 'failed') await previous.remove();
    }
    queued = await enqueueDeliveries(
      deps,
      [row],
      payload.priority === 'high' || urgentKinds.has(row.kind) ? 'high' : 'normal',
    );
  }
  await markOutboxProcessed(deps.db, outboxRow.id, outboxRow.uid);
  return queued;
}

/**
 * Turns a password-reset request into a message and its e-mail delivery
 * (idempotently: the message is keyed by the outbox row's uid) and marks the
 * row processed, in one transaction; then queues the e-mail ahead of event
 * notifications. The token leaves the outbox row here and the message once it
 * was sent.
 */
async function queuePasswordReset(deps: OutboxDeps, outboxRow: OutboxRowRef, payload: PasswordResetEmail, log: Logger) {
  const dedupeKey = `outbox-${outboxRow.uid}`;
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
      .where(eq(outbox.id, outboxRow.id));
    const [message] = await tx
      .select({ id: notificationMessages.id })
      .from(notificationMessages)
      .where(eq(notificationMessages.dedupeKey, dedupeKey));
    if (!message) throw new Error(`message ${dedupeKey} vanished`);
    await tx
      .insert(notificationDeliveries)
      .values({ messageId: message.id, channelType: 'email', target: payload.email })
      .onConflictDoNothing();
    await markOutboxProcessed(tx, outboxRow.id, outboxRow.uid);
    const [row] = await tx
      .select(deliveryRef)
      .from(notificationDeliveries)
      .where(eq(notificationDeliveries.messageId, message.id));
    return row;
  });
  if (delivery?.state !== 'pending') {
    log.info({ dedupeKey, state: delivery?.state }, 'password-reset e-mail already handled');
    return 0;
  }
  return enqueueDeliveries(deps, [delivery], 'high');
}
