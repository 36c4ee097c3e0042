import {
  type ChannelType,
  type DeliveryJob,
  deliveryJobId,
  type JobPriority,
  jobPriorities,
} from '@statuspage/contracts';
import { type DeliveryRef, notificationPipeline } from '@statuspage/core';
import type { Database } from '@statuspage/db';
import type { Logger } from 'pino';
import type { JobConflictObserver } from '../outbox/relay';
import { addBulkChecked, type CheckedJob } from '../queues/add-checked';
import type { Queues } from '../queues/queues';

export type { DeliveryRef };

/** What enqueueing needs: the queues, and the database to give a delivery a new id after a conflict. */
export interface EnqueueDeps {
  db: Database;
  queues: Queues;
  logger: Logger;
  observe?: JobConflictObserver | undefined;
}

/** Deliveries per addBulk call: one Redis round trip (a MULTI) per chunk, and one to check it. */
const chunkSize = 1000;

function sameDelivery(stored: unknown, ours: DeliveryJob) {
  const job = stored as Partial<DeliveryJob> | undefined;
  return job?.delivery_id === ours.delivery_id && job.delivery_uid === ours.delivery_uid;
}

/**
 * Adds one delivery job per row to the queue of its channel type, in chunks;
 * the job id is the delivery's uid, so adding a delivery that is already
 * queued (or running) is a no-op. A job id Redis already holds for another
 * row is logged, counted, and the delivery is given a new uid and added once
 * more (should that conflict too, the repair adds it later).
 */
export async function enqueueDeliveries(
  deps: EnqueueDeps,
  deliveries: readonly DeliveryRef[],
  priority: JobPriority,
  retryConflicts = true,
) {
  const byType = new Map<ChannelType, DeliveryRef[]>();
  for (const delivery of deliveries) {
    const list = byType.get(delivery.channelType) ?? [];
    list.push(delivery);
    byType.set(delivery.channelType, list);
  }
  const conflicting: DeliveryRef[] = [];
  for (const [type, list] of byType) {
    const queue = deps.queues.delivery[type];
    for (let start = 0; start < list.length; start += chunkSize) {
      const chunk = list.slice(start, start + chunkSize);
      const jobs = chunk.map(
        (delivery): CheckedJob<DeliveryJob> => ({
          name: 'deliver',
          data: { delivery_id: delivery.id, delivery_uid: delivery.uid, message_id: delivery.messageId },
          opts: { jobId: deliveryJobId(delivery.uid), priority: jobPriorities[priority] },
        }),
      );
      for (const index of await addBulkChecked(deps.queues.connection, queue, jobs, sameDelivery)) {
        const delivery = chunk[index];
        if (delivery) conflicting.push(delivery);
      }
    }
  }
  if (conflicting.length > 0) {
    deps.observe?.jobIdConflicts('delivery', conflicting.length);
    deps.logger.error(
      { deliveries: conflicting.map((delivery) => delivery.id) },
      'Redis already holds jobs with these deliveries’ ids but for other rows (keys left by another database?): they get new ids',
    );
    const renamed = await notificationPipeline.renameDeliveries(
      deps.db,
      conflicting.map((delivery) => delivery.id),
    );
    if (retryConflicts) await enqueueDeliveries(deps, renamed, priority, false);
  }
  return deliveries.length;
}
