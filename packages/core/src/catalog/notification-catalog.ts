import type { NotificationCatalog } from '../notifications';
import { followableServiceIds, serviceNamesInOrder } from './store';

/** The catalog's side of the notifications module's `NotificationCatalog` port. */
export const catalogForNotifications: NotificationCatalog = {
  followableServices: followableServiceIds,
  serviceNames: serviceNamesInOrder,
};
