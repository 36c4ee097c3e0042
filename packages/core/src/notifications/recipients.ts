import { notificationChannels, users } from '@statuspage/db';
import { type SQL, sql } from 'drizzle-orm';

/**
 * Who may receive event notifications — the one rule, used when an event's
 * subscriber set is written, when a message is fanned out and again just
 * before each delivery is sent: a channel that is enabled, verified, and
 * owned by an active account. Written against `notification_channels`
 * (unaliased), so it reads the same in drizzle queries and in raw SQL.
 */
export function channelMayReceive(): SQL<boolean> {
  const c = notificationChannels;
  return sql<boolean>`(${c.isEnabled} and ${c.isVerified} and exists (
    select 1 from ${users} as receiving_owner where receiving_owner.id = ${c.userId} and receiving_owner.is_active
  ))`;
}
