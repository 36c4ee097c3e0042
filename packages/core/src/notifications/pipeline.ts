import type { ChannelType, PasswordResetEmail } from '@statuspage/contracts';
import { type Database, notificationChannels, notificationDeliveries, notificationMessages } from '@statuspage/db';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { markOutboxProcessed, type OutboxRowRef, scrubOutboxSecret } from '../outbox/store';
import { directKinds } from './kinds';
import { channelMayReceive } from './recipients';

/**
 * The delivery lifecycle, as the worker drives it: fan-out, direct messages,
 * loading a batch to send, marking sent or failed, disabling a channel that
 * refuses us, and finding deliveries to queue again. The worker keeps BullMQ,
 * the senders and the backoff; every rule about the rows is here. Functions
 * take the db or a transaction first.
 */

const d = notificationDeliveries;
const m = notificationMessages;
const c = notificationChannels;

/** What a delivery job needs to be queued. */
export interface DeliveryRef {
  id: number;
  uid: string;
  messageId: number;
  channelType: ChannelType;
}

const refColumns = { id: d.id, uid: d.uid, messageId: d.messageId, channelType: d.channelType };

/**
 * Fans an event message out: one delivery row per channel of the event's
 * subscriber set that may still receive (one statement, however many
 * subscribers), committed with the outbox row marked processed — the message
 * is finished only once its deliveries exist. Running it again inserts
 * nothing new. Subscribers who joined the set after the message was written
 * do not get it (`added_at` and `created_at` are both their transaction's
 * time). Answers the pending deliveries, to queue.
 */
export async function fanOutMessage(db: Database, outboxRow: OutboxRowRef, messageId: number): Promise<DeliveryRef[]> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into notification_deliveries (message_id, channel_id, channel_type, target)
      select m.id, notification_channels.id, notification_channels.type, notification_channels.target
      from notification_messages m
      join event_subscribers es on es.event_id = m.event_id and es.added_at <= m.created_at
      join notification_channels on notification_channels.id = es.channel_id
      where m.id = ${messageId} and ${channelMayReceive()}
      on conflict do nothing`);
    await markOutboxProcessed(tx, outboxRow);
  });
  return db
    .select(refColumns)
    .from(d)
    .where(and(eq(d.messageId, messageId), eq(d.state, 'pending')))
    .orderBy(asc(d.id));
}

/**
 * Turns a password-reset request into its message and e-mail delivery
 * (idempotently: the message is keyed by the outbox row's uid) and marks the
 * row processed, in one transaction. The token leaves the outbox row here and
 * the message once it was sent.
 */
export async function createPasswordResetDelivery(db: Database, outboxRow: OutboxRowRef, payload: PasswordResetEmail) {
  const dedupeKey = `outbox-${outboxRow.uid}`;
  return db.transaction(async (tx) => {
    await tx
      .insert(m)
      .values({
        kind: 'password_reset',
        dedupeKey,
        payload: { first_name: payload.first_name, token: payload.token, expires_at: payload.expires_at },
      })
      .onConflictDoNothing({ target: m.dedupeKey });
    await scrubOutboxSecret(tx, outboxRow.id);
    const [message] = await tx.select({ id: m.id }).from(m).where(eq(m.dedupeKey, dedupeKey));
    if (!message) throw new Error(`message ${dedupeKey} vanished`);
    await tx
      .insert(d)
      .values({ messageId: message.id, channelType: 'email', target: payload.email })
      .onConflictDoNothing();
    await markOutboxProcessed(tx, outboxRow);
    const [row] = await tx
      .select({ ...refColumns, state: d.state })
      .from(d)
      .where(eq(d.messageId, message.id));
    return row;
  });
}

/** A delivery whose row already exists (a verification code, an admin retry), with its state and kind. */
export async function deliveryToQueue(db: Database, deliveryId: number) {
  const [row] = await db
    .select({ ...refColumns, state: d.state, kind: m.kind })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .where(eq(d.id, deliveryId));
  return row;
}

/** Deliveries to send, in the order asked (undefined where a row is gone), with what rendering needs. */
export async function loadDeliveries(db: Database, ids: readonly number[]) {
  const rows = await db
    .select({
      id: d.id,
      uid: d.uid,
      messageId: d.messageId,
      channelId: d.channelId,
      channelType: d.channelType,
      target: d.target,
      state: d.state,
      attempts: d.attempts,
      kind: m.kind,
      payload: m.payload,
      messageCreatedAt: m.createdAt,
      /** The one rule (enabled, verified, active owner), asked again at send time. */
      mayReceive: channelMayReceive(),
    })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .leftJoin(c, eq(c.id, d.channelId))
    .where(inArray(d.id, [...new Set(ids)]));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}
export type LoadedDelivery = NonNullable<Awaited<ReturnType<typeof loadDeliveries>>[number]>;

/** Marks deliveries sent (one more attempt) and removes the secrets of the direct messages among them. */
export async function markDeliveriesSent(
  db: Database,
  sent: readonly { id: number; messageId: number; kind: string }[],
) {
  const now = new Date();
  const update = (tx: Database) =>
    tx
      .update(d)
      .set({ state: 'sent', attempts: sql`${d.attempts} + 1`, sentAt: now, lastError: null, updatedAt: now })
      .where(
        and(
          inArray(
            d.id,
            sent.map((row) => row.id),
          ),
          eq(d.state, 'pending'),
        ),
      );
  const secretMessages = [...new Set(sent.filter((row) => directKinds.has(row.kind)).map((row) => row.messageId))];
  if (secretMessages.length === 0) {
    await update(db);
    return;
  }
  await db.transaction(async (tx) => {
    await update(tx);
    await tx
      .update(m)
      .set({ payload: sql`(${m.payload} - 'code' - 'token') || '{"scrubbed": true}'::jsonb` })
      .where(inArray(m.id, secretMessages));
  });
}

/** Records a failed attempt (or a postponement) of a pending delivery; `failed` ends it. */
export async function recordDeliveryAttempt(
  db: Database,
  id: number,
  values: { state?: 'pending' | 'failed'; lastError: string; countAttempt: boolean },
) {
  await db
    .update(d)
    .set({
      lastError: values.lastError.slice(0, 2000),
      updatedAt: new Date(),
      ...(values.state ? { state: values.state } : {}),
      ...(values.countAttempt ? { attempts: sql`${d.attempts} + 1` } : {}),
    })
    .where(and(eq(d.id, id), eq(d.state, 'pending')));
}

/** Turns off a channel that refuses our messages for good (a chat that blocked the bot). */
export async function disableRefusingChannel(db: Database, channelId: string) {
  await db.update(c).set({ isEnabled: false, updatedAt: new Date() }).where(eq(c.id, channelId));
}

/** Gives pending deliveries new uids (so new job ids), e.g. when Redis holds their ids for other rows. */
export async function renameDeliveries(db: Database, ids: readonly number[]): Promise<DeliveryRef[]> {
  if (ids.length === 0) return [];
  return db
    .update(d)
    .set({ uid: sql`gen_random_uuid()` })
    .where(and(inArray(d.id, [...ids]), eq(d.state, 'pending')))
    .returning(refColumns);
}

/** Pending deliveries untouched since `before` (their jobs may be lost), oldest first, with their kind. */
export async function stalePendingDeliveries(db: Database, before: Date, limit: number) {
  return db
    .select({ ...refColumns, kind: m.kind })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .where(and(eq(d.state, 'pending'), lt(d.updatedAt, before)))
    .orderBy(asc(d.id))
    .limit(limit);
}
