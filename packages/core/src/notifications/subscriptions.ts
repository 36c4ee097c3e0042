import type { SetChannelSubscriptionsInput } from '@statuspage/contracts';
import { channelSubscriptions, type Database, notificationChannels, services } from '@statuspage/db';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../shared/clock';
import { toChannelDto } from './channels';
import { NotificationErrors } from './errors';

/** Which services each of a user's channels follows. */
export function createSubscriptionUseCases(deps: { db: Database; clock: Clock }) {
  const { db, clock } = deps;

  async function subscribedIds(tx: Database, channelIds: string[]) {
    if (channelIds.length === 0) return new Map<string, string[]>();
    const rows = await tx
      .select({ channelId: channelSubscriptions.channelId, serviceId: channelSubscriptions.serviceId })
      .from(channelSubscriptions)
      .innerJoin(services, eq(services.id, channelSubscriptions.serviceId))
      .where(and(inArray(channelSubscriptions.channelId, channelIds), isNull(services.archivedAt)))
      .orderBy(asc(services.order), asc(services.name));
    const byChannel = new Map<string, string[]>();
    for (const row of rows) byChannel.set(row.channelId, [...(byChannel.get(row.channelId) ?? []), row.serviceId]);
    return byChannel;
  }

  return {
    /** Every channel of the user with its subscriptions. */
    async matrix(userId: string) {
      const channels = await db
        .select()
        .from(notificationChannels)
        .where(eq(notificationChannels.userId, userId))
        .orderBy(sql`${notificationChannels.isDefault} desc`, asc(notificationChannels.createdAt));
      const ids = await subscribedIds(
        db,
        channels.map((channel) => channel.id),
      );
      return {
        channels: channels.map((channel) => ({
          channel: toChannelDto(channel),
          subscribe_to_all_services: channel.subscribeToAll,
          subscribed_service_ids: channel.subscribeToAll ? [] : (ids.get(channel.id) ?? []),
        })),
      };
    },

    /** Replaces what a verified channel follows: every service (including future ones) or a list. */
    async set(userId: string, input: SetChannelSubscriptionsInput) {
      return db.transaction(async (tx) => {
        const [channel] = await tx
          .select()
          .from(notificationChannels)
          .where(eq(notificationChannels.id, input.id))
          .for('update');
        if (!channel) throw NotificationErrors.channelNotFound();
        if (channel.userId !== userId) throw NotificationErrors.notYourChannel();
        if (!channel.isVerified) throw NotificationErrors.notVerified();
        const wanted = [...new Set(input.service_ids)];
        if (input.subscribe_to_all_services && wanted.length > 0) throw NotificationErrors.allWithIds();
        if (wanted.length > 0) {
          const found = await tx
            .select({ id: services.id })
            .from(services)
            .where(and(inArray(services.id, wanted), isNull(services.archivedAt)));
          const known = new Set(found.map((row) => row.id));
          const missing = wanted.filter((id) => !known.has(id));
          if (missing.length > 0) throw NotificationErrors.unknownServices(missing);
        }
        await tx
          .update(notificationChannels)
          .set({ subscribeToAll: input.subscribe_to_all_services, updatedAt: clock() })
          .where(eq(notificationChannels.id, channel.id));
        await tx.delete(channelSubscriptions).where(eq(channelSubscriptions.channelId, channel.id));
        if (wanted.length > 0) {
          await tx
            .insert(channelSubscriptions)
            .values(wanted.map((serviceId) => ({ channelId: channel.id, serviceId })));
        }
        const ids = await subscribedIds(tx, [channel.id]);
        return {
          channel_id: channel.id,
          subscribe_to_all_services: input.subscribe_to_all_services,
          subscribed_service_ids: ids.get(channel.id) ?? [],
        };
      });
    },
  };
}
export type SubscriptionUseCases = ReturnType<typeof createSubscriptionUseCases>;
