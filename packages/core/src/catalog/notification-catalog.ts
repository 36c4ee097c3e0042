import type { NotificationCatalog } from '../notifications';
import {
  followableGroupIds,
  followableGroupNames,
  followableServiceIds,
  followableServiceList,
  groupIdsOfServicesSql,
  serviceNamesInOrder,
} from './store';

/** The catalog's side of the notifications module's `NotificationCatalog` port. */
export const catalogForNotifications: NotificationCatalog = {
  followableServices: followableServiceIds,
  serviceNames: serviceNamesInOrder,
  followableGroups: followableGroupIds,
  groupIdsOfServicesSql,
  serviceList: followableServiceList,
  groupNames: followableGroupNames,
};
