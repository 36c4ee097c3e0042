import type { NotificationDeps } from './ports';
import { verifyUnsubscribeToken } from './rules';
import {
  deleteSubscriber,
  findChannel,
  removeFromEventSubscribers,
  replaceGroupSubscriptions,
  replaceSubscriptions,
  updateChannel,
} from './store';

/**
 * One-click unsubscribe (RFC 8058): the channel follows no service any more
 * and leaves the subscriber sets of open events; an account-less subscriber's
 * channel is deleted with its subscriber. No sign-in needed. True when
 * the token was valid (whether or not the channel still existed).
 */
export async function unsubscribe(deps: NotificationDeps, token: string): Promise<boolean> {
  const secrets = [deps.secret, ...(deps.previousSecret ? [deps.previousSecret] : [])];
  const channelId = verifyUnsubscribeToken(token, secrets, deps.clock());
  if (!channelId) return false;
  await deps.db.transaction(async (tx) => {
    const channel = await findChannel(tx, channelId, true);
    if (channel?.subscriberId) {
      await deleteSubscriber(tx, channel.subscriberId);
      return;
    }
    await replaceGroupSubscriptions(tx, channelId, []);
    await updateChannel(tx, channelId, { subscribeToAll: false, updatedAt: deps.clock() });
    await replaceSubscriptions(tx, channelId, []);
    // Open events stop writing to it too (closed ones keep their record).
    await removeFromEventSubscribers(tx, channelId, deps.events.openEventIdsSql());
  });
  return true;
}
