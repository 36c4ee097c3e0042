import type { SetChannelSubscriptionsInput } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { NotificationErrors } from './errors';
import type { NotificationDeps } from './ports';
import { findChannel, replaceSubscriptions, selectSubscriptions, selectUserChannels, updateChannel } from './store';
import { toChannelSubscriptions } from './views';

// Which services each of a user's channels follows.

/**
 * The services each channel lists that may still be followed (archived ones
 * drop out), per channel in display order; the catalog port decides both.
 */
async function followedServices(deps: NotificationDeps, tx: Database, channelIds: readonly string[]) {
  const byChannel = new Map<string, string[]>();
  const rows = await selectSubscriptions(tx, channelIds);
  if (rows.length === 0) return byChannel;
  const ordered = await deps.catalog.followableServices(tx, [...new Set(rows.map((row) => row.serviceId))]);
  const rank = new Map(ordered.map((id, index) => [id, index]));
  const kept = rows.filter((row) => rank.has(row.serviceId));
  kept.sort((a, b) => (rank.get(a.serviceId) ?? 0) - (rank.get(b.serviceId) ?? 0));
  for (const row of kept) byChannel.set(row.channelId, [...(byChannel.get(row.channelId) ?? []), row.serviceId]);
  return byChannel;
}

/** Every channel of the user with its subscriptions. */
export async function subscriptionMatrix(deps: NotificationDeps, userId: string) {
  const channels = await selectUserChannels(deps.db, userId);
  const ids = await followedServices(
    deps,
    deps.db,
    channels.map((channel) => channel.id),
  );
  return { channels: channels.map((channel) => toChannelSubscriptions(channel, ids.get(channel.id) ?? [])) };
}

/** Replaces what a verified channel follows: every service (including future ones) or a list. */
export async function setSubscriptions(deps: NotificationDeps, userId: string, input: SetChannelSubscriptionsInput) {
  return deps.db.transaction(async (tx) => {
    const channel = await findChannel(tx, input.id, true);
    if (!channel) throw NotificationErrors.channelNotFound();
    if (channel.userId !== userId) throw NotificationErrors.notYourChannel();
    if (!channel.isVerified) throw NotificationErrors.notVerified();
    const wanted = [...new Set(input.service_ids)];
    if (input.subscribe_to_all_services && wanted.length > 0) throw NotificationErrors.allWithIds();
    if (wanted.length > 0) {
      const known = new Set(await deps.catalog.followableServices(tx, wanted));
      const missing = wanted.filter((id) => !known.has(id));
      if (missing.length > 0) throw NotificationErrors.unknownServices(missing);
    }
    await updateChannel(tx, channel.id, { subscribeToAll: input.subscribe_to_all_services, updatedAt: deps.clock() });
    await replaceSubscriptions(tx, channel.id, wanted);
    const ids = await followedServices(deps, tx, [channel.id]);
    return {
      channel_id: channel.id,
      subscribe_to_all_services: input.subscribe_to_all_services,
      subscribed_service_ids: ids.get(channel.id) ?? [],
    };
  });
}
