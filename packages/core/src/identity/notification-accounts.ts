import { users } from '@statuspage/db';
import { type SQL, sql } from 'drizzle-orm';
import type { NotificationAccounts } from '../notifications';

/** The identity module's side of the notifications module's `NotificationAccounts` port. */
export const identityForNotifications: NotificationAccounts = {
  activeAccountSql: (userId: SQL) => sql<boolean>`exists (
    select 1 from ${users} as receiving_owner where receiving_owner.id = ${userId} and receiving_owner.is_active
  )`,
};
