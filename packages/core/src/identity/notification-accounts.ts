import type { NotificationAccounts } from '../notifications';
import { activeAccountSql, findUserById } from './store';

/** The identity module's side of the notifications module's `NotificationAccounts` port. */
export const identityForNotifications: NotificationAccounts = {
  activeAccountSql,
  async contactAddress(tx, userId) {
    const user = await findUserById(tx, userId);
    return user?.isActive ? user.email : undefined;
  },
};
