import { createHmac, timingSafeEqual } from 'node:crypto';
import { closedEventStatuses } from '@statuspage/contracts';
import { channelSubscriptions, type Database, notificationChannels } from '@statuspage/db';
import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../shared/clock';
import { literalList } from '../shared/sql';

/** Where the api serves one-click unsubscribe (RFC 8058); the links in messages point here. */
export const UNSUBSCRIBE_PATH = '/api/v1/notifications/unsubscribe';

/** The token format; a new format gets a new prefix (and old links keep their meaning or stop working, by choice). */
const VERSION = 'v1';
/** How long an unsubscribe link works: days from the message that carried it. */
export const UNSUBSCRIBE_TOKEN_TTL_DAYS = 90;
const DAY_MS = 86_400_000;

const sign = (channelId: string, issuedDay: string, secret: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${VERSION}:${channelId}:${issuedDay}`).digest('base64url');

/**
 * The token of a channel's one-click unsubscribe link:
 * `v1.<channel id>.<issue day, base 36>.<HMAC-SHA256 of those with APP_SECRET>`.
 */
export function unsubscribeToken(channelId: string, secret: string, now: Date = new Date()): string {
  const issuedDay = Math.floor(now.getTime() / DAY_MS).toString(36);
  return `${VERSION}.${channelId}.${issuedDay}.${sign(channelId, issuedDay, secret)}`;
}

/**
 * The channel a token was signed for, or null: not this format, signed with
 * none of `secrets` (the current APP_SECRET, then APP_SECRET_PREVIOUS during
 * a rotation), or older than the links' lifetime.
 */
export function verifyUnsubscribeToken(
  token: string,
  secrets: readonly string[],
  now: Date = new Date(),
): string | null {
  const [version, channelId, issuedDay, signature, ...rest] = token.split('.');
  if (version !== VERSION || rest.length > 0 || !channelId || !issuedDay || !signature) return null;
  if (!/^[0-9a-f-]{36}$/i.test(channelId) || !/^[0-9a-z]{1,8}$/.test(issuedDay)) return null;
  const age = Math.floor(now.getTime() / DAY_MS) - Number.parseInt(issuedDay, 36);
  if (age < -1 || age > UNSUBSCRIBE_TOKEN_TTL_DAYS) return null;
  const given = Buffer.from(signature);
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(sign(channelId, issuedDay, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return valid ? channelId : null;
}

/** One-click unsubscribe (RFC 8058): the channel follows no service any more. No sign-in needed. */
export function createUnsubscribeUseCase(deps: { db: Database; clock: Clock; secrets: readonly string[] }) {
  return {
    /** True when the token was valid (whether or not the channel still existed). */
    async unsubscribe(token: string): Promise<boolean> {
      const channelId = verifyUnsubscribeToken(token, deps.secrets, deps.clock());
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
            and ev.status not in ${sql.raw(literalList(closedEventStatuses))}`);
      });
      return true;
    },
  };
}
