import { createHmac, randomInt } from 'node:crypto';
import type { ChannelType, CreateChannelInput, NotificationChannel } from '@statuspage/contracts';
import {
  channelVerifications,
  type Database,
  notificationChannels,
  notificationDeliveries,
  notificationMessages,
  verificationSends,
} from '@statuspage/db';
import { and, asc, count, eq, gt, lt, max, min, sql } from 'drizzle-orm';
import { writeOutbox } from '../outbox/write';
import type { Clock } from '../shared/clock';
import { hashToken } from '../shared/crypto';
import type { DomainError } from '../shared/errors';
import { changedColumns } from '../shared/patch';
import { isUniqueViolation } from '../shared/pg-errors';
import { NotificationErrors } from './errors';

export interface NotificationSettings {
  /** Channel types this server can deliver to (Mattermost always; e-mail and Telegram by configuration). */
  availableTypes: ChannelType[];
  telegramBotUsername?: string | undefined;
  /** Lifetime of an e-mail verification code. */
  codeTtlSeconds: number;
  /** Wrong codes allowed before a new one must be requested. */
  maxCodeAttempts: number;
  /** Minimum time between two codes to one address (whichever channel or user asked). */
  resendCooldownSeconds: number;
  /** Codes one address may receive in an hour (all channels and users together). */
  maxCodesPerAddressPerHour: number;
  /** Codes one user may have sent in an hour (all addresses together). */
  maxCodesPerUserPerHour: number;
}

/** Sends a test message to prove a Telegram or Mattermost channel works; throws with a reason otherwise. */
export interface ChannelProbe {
  /**
   * Whether the chat (`target`: its id or `@username`) recently sent the bot
   * `/start <startParameter>` — what opening the bot's deep link does.
   */
  telegramStarted(target: string, startParameter: string): Promise<boolean>;
  telegram(chatId: string, text: string): Promise<void>;
  mattermost(webhookUrl: string, text: string): Promise<void>;
}

/** Why a probe failed, in words for the channel's owner. */
export class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';
}

export interface ChannelDeps {
  db: Database;
  clock: Clock;
  settings: NotificationSettings;
  probe: ChannelProbe;
  /** APP_SECRET: derives each Telegram channel's start parameter. */
  secret: string;
}

/**
 * The start parameter of a Telegram channel's deep link
 * (`https://t.me/<bot>?start=<this>`): an HMAC of the channel id, so only the
 * channel's owner (who reads it in the verification answer) can give it to
 * the chat, and the chat proves it is theirs by sending it to the bot.
 * Telegram allows 1–64 characters `A-Za-z0-9_-`.
 */
export function telegramStartParameter(channelId: string, secret: string): string {
  return createHmac('sha256', secret).update(`telegram-start:${channelId}`).digest('base64url').slice(0, 32);
}

type ChannelRow = typeof notificationChannels.$inferSelect;

/** The wire shape of a channel row. */
export function toChannelDto(row: typeof notificationChannels.$inferSelect): NotificationChannel {
  return {
    id: row.id,
    user_id: row.userId,
    type: row.type,
    target: row.target,
    is_enabled: row.isEnabled,
    is_verified: row.isVerified,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A user's notification channels: CRUD and verification. */
export function createChannelUseCases(deps: ChannelDeps) {
  const { db, clock, settings } = deps;

  async function ownChannel(tx: Database, userId: string, id: string, lock = false) {
    const query = tx.select().from(notificationChannels).where(eq(notificationChannels.id, id));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw NotificationErrors.channelNotFound();
    if (row.userId !== userId) throw NotificationErrors.notYourChannel();
    return row;
  }

  /**
   * Why no code may go to this channel's address now (undefined: one may):
   * the cooldown since the last code to the address, or the hourly limits of
   * the address and of the user. Counted over every code ever sent
   * (`verification_sends`), so deleting and re-creating a channel resets
   * nothing. Takes transaction locks on the user and the address, so
   * concurrent requests are counted one after the other.
   */
  async function sendRefusal(tx: Database, channel: ChannelRow): Promise<DomainError | undefined> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`verification-user:${channel.userId}`}))`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`verification-target:${channel.target}`}))`);
    const now = clock();
    const hourAgo = new Date(now.getTime() - 3_600_000);
    await tx.delete(verificationSends).where(lt(verificationSends.sentAt, new Date(now.getTime() - 86_400_000)));
    const [toAddress] = await tx
      .select({ count: count(), last: max(verificationSends.sentAt), first: min(verificationSends.sentAt) })
      .from(verificationSends)
      .where(and(eq(verificationSends.target, channel.target), gt(verificationSends.sentAt, hourAgo)));
    const [byUser] = await tx
      .select({ count: count(), first: min(verificationSends.sentAt) })
      .from(verificationSends)
      .where(and(eq(verificationSends.userId, channel.userId), gt(verificationSends.sentAt, hourAgo)));
    const secondsUntil = (date: Date) => Math.max(1, Math.ceil((date.getTime() - now.getTime()) / 1000));
    if (toAddress?.last) {
      const waited = (now.getTime() - new Date(toAddress.last).getTime()) / 1000;
      if (waited < settings.resendCooldownSeconds) {
        return NotificationErrors.resendTooSoon(Math.ceil(settings.resendCooldownSeconds - waited));
      }
    }
    if (toAddress?.first && toAddress.count >= settings.maxCodesPerAddressPerHour) {
      return NotificationErrors.tooManyCodes(secondsUntil(new Date(new Date(toAddress.first).getTime() + 3_600_000)));
    }
    if (byUser?.first && byUser.count >= settings.maxCodesPerUserPerHour) {
      return NotificationErrors.tooManyCodes(secondsUntil(new Date(new Date(byUser.first).getTime() + 3_600_000)));
    }
    return undefined;
  }

  /** Issues a new code for an e-mail channel and queues the e-mail (high priority), in the caller's transaction. */
  async function sendCode(tx: Database, channel: ChannelRow) {
    const now = clock();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await tx.insert(verificationSends).values({ target: channel.target, userId: channel.userId, sentAt: now });
    await tx
      .insert(channelVerifications)
      .values({
        channelId: channel.id,
        codeHash: hashToken(`${channel.id}:${code}`),
        expiresAt: new Date(now.getTime() + settings.codeTtlSeconds * 1000),
        attempts: 0,
        sentAt: now,
      })
      .onConflictDoUpdate({
        target: channelVerifications.channelId,
        set: {
          codeHash: sql`excluded.code_hash`,
          expiresAt: sql`excluded.expires_at`,
          attempts: 0,
          sentAt: sql`excluded.sent_at`,
        },
      });
    const [message] = await tx
      .insert(notificationMessages)
      .values({ kind: 'verification', payload: { code } })
      .returning({ id: notificationMessages.id });
    if (!message) throw new Error('insert returned no row');
    const [delivery] = await tx
      .insert(notificationDeliveries)
      .values({ messageId: message.id, channelId: channel.id, channelType: channel.type, target: channel.target })
      .returning({ id: notificationDeliveries.id });
    if (!delivery) throw new Error('insert returned no row');
    await writeOutbox(tx, 'notification.deliver', { delivery_id: delivery.id, priority: 'high' });
  }

  return {
    /**
     * The default e-mail channel of a new account, in its transaction: unverified
     * (nobody proved the address is theirs), with its code sent when e-mail is on
     * and the address's limits allow (else the owner asks for one later).
     */
    async createDefault(tx: Database, userId: string, email: string) {
      const [row] = await tx
        .insert(notificationChannels)
        .values({ userId, type: 'email', target: email.toLowerCase(), isVerified: false, isDefault: true })
        .onConflictDoNothing()
        .returning();
      if (!row || !settings.availableTypes.includes('email')) return;
      if (!(await sendRefusal(tx, row))) await sendCode(tx, row);
    },

    /** The user's channels, default first, then oldest first. */
    async list(userId: string): Promise<NotificationChannel[]> {
      const rows = await db
        .select()
        .from(notificationChannels)
        .where(eq(notificationChannels.userId, userId))
        .orderBy(sql`${notificationChannels.isDefault} desc`, asc(notificationChannels.createdAt));
      return rows.map(toChannelDto);
    },

    /** Adds an unverified channel; an e-mail channel gets its code by e-mail. */
    async create(userId: string, input: CreateChannelInput): Promise<NotificationChannel> {
      if (!settings.availableTypes.includes(input.type)) throw NotificationErrors.typeDisabled(input.type);
      const target = input.type === 'email' ? input.target.toLowerCase() : input.target;
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx.insert(notificationChannels).values({ userId, type: input.type, target }).returning();
          if (!row) throw new Error('insert returned no row');
          if (row.type === 'email') {
            // Refused: the channel is not kept either (nothing changed), and the caller hears when to retry.
            const refusal = await sendRefusal(tx, row);
            if (refusal) throw refusal;
            await sendCode(tx, row);
          }
          return toChannelDto(row);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw NotificationErrors.duplicateChannel();
        throw error;
      }
    },

    /** Enables or disables a channel. Changing nothing writes nothing. */
    async update(
      userId: string,
      id: string,
      patch: { is_enabled?: boolean | undefined },
    ): Promise<NotificationChannel> {
      const current = await ownChannel(db, userId, id);
      const changed = changedColumns(current, { isEnabled: patch.is_enabled });
      if (Object.keys(changed).length === 0) return toChannelDto(current);
      const [row] = await db
        .update(notificationChannels)
        .set({ ...changed, updatedAt: clock() })
        .where(eq(notificationChannels.id, id))
        .returning();
      if (!row) throw NotificationErrors.channelNotFound();
      return toChannelDto(row);
    },

    /** Deletes a channel (not the default e-mail channel). */
    async delete(userId: string, id: string) {
      const row = await ownChannel(db, userId, id);
      if (row.isDefault) throw NotificationErrors.defaultChannel();
      await db.delete(notificationChannels).where(eq(notificationChannels.id, id));
    },

    /**
     * Verifies a channel: e-mail by its code (expiring, limited attempts);
     * Telegram and Mattermost by a test message that must go through.
     */
    async verify(userId: string, id: string, code: string | undefined): Promise<NotificationChannel> {
      const channel = await ownChannel(db, userId, id);
      if (channel.isVerified) return toChannelDto(channel);
      if (channel.type === 'email') {
        if (!code) throw NotificationErrors.codeRequired();
        const outcome = await db.transaction(async (tx) => {
          const [pending] = await tx
            .select()
            .from(channelVerifications)
            .where(eq(channelVerifications.channelId, id))
            .for('update');
          if (!pending) return NotificationErrors.noCodePending();
          if (pending.attempts >= settings.maxCodeAttempts) return NotificationErrors.tooManyAttempts();
          if (pending.expiresAt <= clock()) return NotificationErrors.codeExpired();
          if (pending.codeHash !== hashToken(`${id}:${code}`)) {
            await tx
              .update(channelVerifications)
              .set({ attempts: pending.attempts + 1 })
              .where(eq(channelVerifications.channelId, id));
            return NotificationErrors.wrongCode();
          }
          await tx.delete(channelVerifications).where(eq(channelVerifications.channelId, id));
          const [row] = await tx
            .update(notificationChannels)
            .set({ isVerified: true, updatedAt: clock() })
            .where(eq(notificationChannels.id, id))
            .returning();
          return row;
        });
        // Failed attempts are counted (committed) before the error is reported.
        if (outcome instanceof Error) throw outcome;
        if (!outcome) throw NotificationErrors.channelNotFound();
        return toChannelDto(outcome);
      }
      const text = 'StatusPage: this channel is connected. You will receive status notifications here.';
      try {
        if (channel.type === 'telegram') {
          // A test message going through proves only that the chat talks to the bot, not that it is the
          // caller's: the chat must have sent this channel's start parameter (the deep link) first.
          const start = telegramStartParameter(channel.id, deps.secret);
          if (!(await deps.probe.telegramStarted(channel.target, start))) {
            const link = settings.telegramBotUsername
              ? `open https://t.me/${settings.telegramBotUsername}?start=${start} in the chat and press Start`
              : `send /start ${start} to the bot from the chat`;
            throw NotificationErrors.verificationFailed(
              `this chat has not confirmed the channel yet — ${link} (in a group or channel, post /start ${start}), then try again`,
            );
          }
          await deps.probe.telegram(channel.target, text);
        } else await deps.probe.mattermost(channel.target, text);
      } catch (error) {
        if (error instanceof ProbeFailure) {
          const hint =
            channel.type === 'telegram' && settings.telegramBotUsername
              ? ` — open https://t.me/${settings.telegramBotUsername}?start=${telegramStartParameter(channel.id, deps.secret)} and press Start, then try again`
              : '';
          throw NotificationErrors.verificationFailed(`${error.message}${hint}`);
        }
        throw error;
      }
      const [row] = await db
        .update(notificationChannels)
        .set({ isVerified: true, updatedAt: clock() })
        .where(eq(notificationChannels.id, id))
        .returning();
      if (!row) throw NotificationErrors.channelNotFound();
      return toChannelDto(row);
    },

    /** Sends a new code to an unverified e-mail channel, within the address's cooldown and hourly limits. */
    async resendCode(userId: string, id: string) {
      await db.transaction(async (tx) => {
        const channel = await ownChannel(tx, userId, id, true);
        if (channel.type !== 'email') throw NotificationErrors.resendNotSupported();
        if (channel.isVerified) throw NotificationErrors.alreadyVerified();
        const refusal = await sendRefusal(tx, channel);
        if (refusal) throw refusal;
        await sendCode(tx, channel);
      });
    },
  };
}
export type ChannelUseCases = ReturnType<typeof createChannelUseCases>;
