import type { NotificationAccounts } from '../notifications';
import { activeAccountSql } from './store';

/** The identity module's side of the notifications module's `NotificationAccounts` port. */
export const identityForNotifications: NotificationAccounts = { activeAccountSql };
