import type { Delivery } from '@statuspage/contracts';
import { writeOutbox } from '../outbox/write';
import { NotificationErrors } from './errors';
import type { NotificationDeps } from './ports';
import {
  countDeliveries,
  type DeliveryFilter,
  deliveryFilterSql,
  findDeliveryListRow,
  lockDelivery,
  resetDelivery,
  selectDeliveryList,
} from './store';
import { toDeliveryDto } from './views';

// The admin's view of deliveries: their state, attempts and last error; retry of failed ones.

/** Deliveries, newest first, filtered by event, channel or state. */
export async function listDeliveries(deps: NotificationDeps, filter: DeliveryFilter) {
  const where = deliveryFilterSql(filter);
  const [rows, total] = await Promise.all([
    selectDeliveryList(deps.db, where, filter),
    countDeliveries(deps.db, where),
  ]);
  return { deliveries: rows.map(toDeliveryDto), total, limit: filter.limit, offset: filter.offset };
}

/** Sends a failed delivery again (attempts start over). */
export async function retryDelivery(deps: NotificationDeps, id: number): Promise<Delivery> {
  await deps.db.transaction(async (tx) => {
    const row = await lockDelivery(tx, id);
    if (!row) throw NotificationErrors.deliveryNotFound();
    if (row.state !== 'failed') throw NotificationErrors.deliveryNotFailed();
    await resetDelivery(tx, id, deps.clock());
    await writeOutbox(tx, 'notification.deliver', { delivery_id: id, priority: 'normal' });
  });
  const row = await findDeliveryListRow(deps.db, id);
  if (!row) throw NotificationErrors.deliveryNotFound();
  return toDeliveryDto(row);
}
