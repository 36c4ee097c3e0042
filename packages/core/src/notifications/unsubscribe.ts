import { createHmac, timingSafeEqual } from 'node:crypto';
import { channelSubscriptions, type Database, notificationChannels } from '@statuspage/db';
import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../shared/clock';

const sign = (channelId: string, secret: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${channelId}`).digest('base64url');

/** The token of a channel's one-click unsubscribe link: the channel id and its HMAC. */
export function unsubscribeToken(channelId: string, secret: string): string {
  return `${channelId}.${sign(channelId, secret)}`;
}

/** The channel a token was signed for, or null when it was not signed with this secret. */
export function verifyUnsubscribeToken(token: string, secret: string): string | null {
  const [channelId, signature] = token.split('.');
  if (!channelId || !signature || !/^[0-9a-f-]{36}$/i.test(channelId)) return null;
  const expected = Buffer.from(sign(channelId, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? channelId : null;
}

/** One-click unsubscribe (RFC 8058): the channel follows no service any more. No sign-in needed. */
export function createUnsubscribeUseCase(deps: { db: Database; clock: Clock; secret: string }) {
  return {
    /** True when the token was valid (whether or not the channel still existed). */
    async unsubscribe(token: string): Promise<boolean> {
      const channelId = verifyUnsubscribeToken(token, deps.secret);
      if (!channelId) return false;
      await deps.db.transaction(async (tx) => {
        await tx
          .update(notificationChannels)
          .set({ subscribeToAll: false, updatedAt: deps.clock() })
          .where(eq(notificationChannels.id, channelId));
        await tx.delete(channelSubscriptions).where(eq(channelSubscriptions.channelId, channelId));
        // Open events stop writing to it too (closed ones keep their record).
        await tx.execute(sql`
          delete from event_subscribers es using events ev
          where es.event_id = ev.id and es.channel_id = ${channelId}::uuid
            and ev.status not in ('resolved', 'completed')`);
      });
      return true;
    },
  };
}
