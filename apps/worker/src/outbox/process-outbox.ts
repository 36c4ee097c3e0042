import {
  deliveryJobId,
  type NotificationDeliver,
  type OutboxJob,
  type PasswordResetEmail,
} from '@statuspage/contracts';
import { directKinds, notificationPipeline, type OutboxRowRef, outboxStore } from '@statuspage/core';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { MaintenanceAutomation } from '../maintenance/automation';
import { type EnqueueDeps, enqueueDeliveries } from '../notifications/enqueue';
import { fanOut } from '../notifications/fanout';

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
  if (!(await outboxStore.outboxRowOf(deps.db, row.id, row.uid))) {
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
      await outboxStore.markOutboxProcessed(deps.db, row);
      return result;
    }
  }
}

/**
 * Queues a delivery whose row already exists (a verification code, an admin
 * retry). A finished job of the same id (the failed run an admin retries) is
 * removed first, or BullMQ would ignore the new one. The row is processed
 * once the job is added: a pending delivery whose job Redis loses is the
 * repair's.
 */
async function enqueueExistingDelivery(
  deps: OutboxDeps,
  outboxRow: OutboxRowRef,
  payload: z.infer<typeof NotificationDeliver>,
  log: Logger,
) {
  const row = await notificationPipeline.deliveryToQueue(deps.db, payload.delivery_id);
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
      payload.priority === 'high' || directKinds.has(row.kind) ? 'high' : 'normal',
    );
  }
  await outboxStore.markOutboxProcessed(deps.db, outboxRow);
  return queued;
}

/** Core writes the reset e-mail's message and delivery (marking the row processed); this queues it first. */
async function queuePasswordReset(deps: OutboxDeps, outboxRow: OutboxRowRef, payload: PasswordResetEmail, log: Logger) {
  const delivery = await notificationPipeline.createPasswordResetDelivery(deps.db, outboxRow, payload);
  if (delivery?.state !== 'pending') {
    log.info({ outboxId: outboxRow.id, state: delivery?.state }, 'password-reset e-mail already handled');
    return 0;
  }
  return enqueueDeliveries(deps, [delivery], 'high');
}
