import {
  type ChannelType,
  type DeliveryJob,
  deliveryJobId,
  type JobPriority,
  jobPriorities,
} from '@statuspage/contracts';
import type { Queues } from '../queues/queues';

export interface DeliveryRef {
  id: number;
  messageId: number;
  channelType: ChannelType;
}

/** Deliveries per addBulk call: one Redis round trip (a MULTI) per chunk. */
const chunkSize = 1000;

/** Messages whose deliveries jump the queue: someone is waiting for them right now. */
export const urgentKinds: ReadonlySet<string> = new Set(['verification', 'password_reset']);

/**
 * Adds one delivery job per row to the queue of its channel type, in chunks;
 * the job id is derived from message and delivery, so adding a delivery that
 * is already queued (or running) is a no-op.
 */
export async function enqueueDeliveries(queues: Queues, deliveries: readonly DeliveryRef[], priority: JobPriority) {
  const byType = new Map<ChannelType, DeliveryRef[]>();
  for (const delivery of deliveries) {
    const list = byType.get(delivery.channelType) ?? [];
    list.push(delivery);
    byType.set(delivery.channelType, list);
  }
  for (const [type, list] of byType) {
    for (let start = 0; start < list.length; start += chunkSize) {
      await queues.delivery[type].addBulk(
        list.slice(start, start + chunkSize).map((delivery) => ({
          name: 'deliver',
          data: { delivery_id: delivery.id, message_id: delivery.messageId } satisfies DeliveryJob,
          opts: { jobId: deliveryJobId(delivery.messageId, delivery.id), priority: jobPriorities[priority] },
        })),
      );
    }
  }
  return deliveries.length;
}
