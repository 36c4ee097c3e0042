import type { ChannelType, EventMessagePayload, MessageKind } from '@statuspage/contracts';
import {
  channelGroupSubscriptions,
  channelSubscriptions,
  channelVerifications,
  type Database,
  eventSubscribers,
  notificationChannels,
  notificationDeliveries,
  notificationMessages,
  subscribers,
  verificationSends,
} from '@statuspage/db';
import { and, asc, count, desc, eq, gt, ilike, inArray, isNotNull, lt, max, min, or, type SQL, sql } from 'drizzle-orm';
import { NotificationErrors } from './errors';

// The SQL of the notifications module, over its own tables only (channels, verification codes and
// sends, subscriptions, event subscriber sets, messages, deliveries). Every function takes the db or
// the transaction first, so the use-case owns the transaction. Another module's data comes in
// through the SQL its port hands over (`mayReceive`, `followed`, `openEvents`).

const c = notificationChannels;
const d = notificationDeliveries;
const m = notificationMessages;
const v = channelVerifications;
const s = verificationSends;

export type ChannelRow = typeof notificationChannels.$inferSelect;

// ---- channels

/** The channel with this id, optionally locked for update. */
export async function findChannel(tx: Database, id: string, lock = false): Promise<ChannelRow | undefined> {
  const query = tx.select().from(c).where(eq(c.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The caller's own channel (optionally locked): not found, or someone else's, is refused. */
export async function ownChannel(tx: Database, userId: string, id: string, lock = false): Promise<ChannelRow> {
  const row = await findChannel(tx, id, lock);
  if (!row) throw NotificationErrors.channelNotFound();
  if (row.userId !== userId) throw NotificationErrors.notYourChannel();
  return row;
}

/** The user's channels, default first, then oldest first. */
export function selectUserChannels(db: Database, userId: string): Promise<ChannelRow[]> {
  return db.select().from(c).where(eq(c.userId, userId)).orderBy(sql`${c.isDefault} desc`, asc(c.createdAt));
}

/** Inserts a channel; undefined when `ifAbsent` and the user already has this type and target. */
export async function insertChannel(
  tx: Database,
  values: typeof notificationChannels.$inferInsert,
  ifAbsent = false,
): Promise<ChannelRow | undefined> {
  const insert = tx.insert(c).values(values);
  const [row] = ifAbsent ? await insert.onConflictDoNothing().returning() : await insert.returning();
  return row;
}

/** Changes a channel's columns (with `updatedAt`); undefined when it is gone. */
export async function updateChannel(
  tx: Database,
  id: string,
  set: Partial<typeof notificationChannels.$inferInsert>,
): Promise<ChannelRow | undefined> {
  const [row] = await tx.update(c).set(set).where(eq(c.id, id)).returning();
  return row;
}

/** Deletes a channel (its codes, subscriptions and subscriber-set entries go with it). */
export async function deleteChannel(tx: Database, id: string) {
  await tx.delete(c).where(eq(c.id, id));
}

// ---- verification codes and their sends

/**
 * Takes transaction locks on the user and the address, so concurrent requests
 * for codes are counted one after the other.
 */
export async function lockCodeSenders(tx: Database, userId: string, target: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`verification-user:${userId}`}))`);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`verification-target:${target}`}))`);
}

/** Forgets sends older than `before` (the limits look back an hour, the table keeps a day). */
export async function pruneCodeSends(tx: Database, before: Date) {
  await tx.delete(s).where(lt(s.sentAt, before));
}

/** The codes sent to an address since `since`: how many, the first and the last. */
export async function codeSendsToAddress(tx: Database, target: string, since: Date) {
  const [row] = await tx
    .select({ count: count(), last: max(s.sentAt), first: min(s.sentAt) })
    .from(s)
    .where(and(eq(s.target, target), gt(s.sentAt, since)));
  return row;
}

/** The codes a user had sent since `since`: how many and the first. */
export async function codeSendsByUser(tx: Database, userId: string, since: Date) {
  const [row] = await tx
    .select({ count: count(), first: min(s.sentAt) })
    .from(s)
    .where(and(eq(s.userId, userId), gt(s.sentAt, since)));
  return row;
}

/** Records one code sent (every code ever sent counts, whichever channel it was for). */
export async function recordCodeSend(tx: Database, values: { target: string; userId: string; sentAt: Date }) {
  await tx.insert(s).values(values);
}

/** Makes this the channel's pending code (replacing any older one, attempts start over). */
export async function upsertPendingCode(
  tx: Database,
  values: { channelId: string; codeHash: string; expiresAt: Date; sentAt: Date },
) {
  await tx
    .insert(v)
    .values({ ...values, attempts: 0 })
    .onConflictDoUpdate({
      target: v.channelId,
      set: {
        codeHash: sql`excluded.code_hash`,
        expiresAt: sql`excluded.expires_at`,
        attempts: 0,
        sentAt: sql`excluded.sent_at`,
      },
    });
}

/** The channel's pending code, locked for update. */
export async function lockPendingCode(tx: Database, channelId: string) {
  const [row] = await tx.select().from(v).where(eq(v.channelId, channelId)).for('update');
  return row;
}

/** Sets the number of wrong attempts of the channel's pending code. */
export async function setCodeAttempts(tx: Database, channelId: string, attempts: number) {
  await tx.update(v).set({ attempts }).where(eq(v.channelId, channelId));
}

/** Removes the channel's pending code. */
export async function deletePendingCode(tx: Database, channelId: string) {
  await tx.delete(v).where(eq(v.channelId, channelId));
}

// ---- subscriptions

/** Which services each of these channels lists (whatever their state in the catalog). */
export async function selectSubscriptions(tx: Database, channelIds: readonly string[]) {
  if (channelIds.length === 0) return [];
  return tx
    .select({ channelId: channelSubscriptions.channelId, serviceId: channelSubscriptions.serviceId })
    .from(channelSubscriptions)
    .where(inArray(channelSubscriptions.channelId, [...channelIds]));
}

/** Replaces the services a channel lists. */
export async function replaceSubscriptions(tx: Database, channelId: string, serviceIds: readonly string[]) {
  await tx.delete(channelSubscriptions).where(eq(channelSubscriptions.channelId, channelId));
  if (serviceIds.length > 0) {
    await tx.insert(channelSubscriptions).values(serviceIds.map((serviceId) => ({ channelId, serviceId })));
  }
}

/** Which groups each of these channels follows. */
export async function selectGroupSubscriptions(tx: Database, channelIds: readonly string[]) {
  if (channelIds.length === 0) return [];
  const g = channelGroupSubscriptions;
  return tx
    .select({ channelId: g.channelId, groupId: g.groupId })
    .from(g)
    .where(inArray(g.channelId, [...channelIds]));
}

/** Replaces the groups a channel follows. */
export async function replaceGroupSubscriptions(tx: Database, channelId: string, groupIds: readonly string[]) {
  const g = channelGroupSubscriptions;
  await tx.delete(g).where(eq(g.channelId, channelId));
  if (groupIds.length > 0) await tx.insert(g).values(groupIds.map((groupId) => ({ channelId, groupId })));
}

// ---- account-less subscribers

const sub = subscribers;
export type SubscriberRow = typeof subscribers.$inferSelect;

/**
 * Serialises the requests for one destination (subscribe, import): an e-mail subscriber's address,
 * or a URL subscriber's type and URL, so it gets one subscriber and one mail per cooldown.
 */
export async function lockSubscriberDestination(tx: Database, type: ChannelType, target: string) {
  const key = type === 'email' ? `subscriber-address:${target}` : `subscriber-destination:${type}:${target}`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
}

/** The account-less subscriber whose channel is this destination (one at most: a unique index). */
export async function findSubscriberByDestination(
  tx: Database,
  type: ChannelType,
  target: string,
): Promise<SubscriberRow | undefined> {
  const [row] = await tx
    .select({ subscriber: sub })
    .from(c)
    .innerJoin(sub, eq(sub.id, c.subscriberId))
    .where(and(eq(c.type, type), eq(c.target, target)));
  return row?.subscriber;
}

/** The subscriber with this id, optionally locked for update. */
export async function findSubscriber(tx: Database, id: string, lock = false): Promise<SubscriberRow | undefined> {
  const query = tx.select().from(sub).where(eq(sub.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The subscriber whose pending confirmation token has this hash, locked for update. */
export async function lockSubscriberByConfirmHash(tx: Database, hash: string): Promise<SubscriberRow | undefined> {
  const [row] = await tx.select().from(sub).where(eq(sub.confirmTokenHash, hash)).for('update');
  return row;
}

/** Inserts a subscriber (its destination is its channel's: callers hold the destination's lock). */
export async function insertSubscriber(
  tx: Database,
  values: typeof subscribers.$inferInsert,
): Promise<SubscriberRow | undefined> {
  const [row] = await tx.insert(sub).values(values).onConflictDoNothing().returning();
  return row;
}

/** Changes a subscriber's columns. */
export async function updateSubscriber(tx: Database, id: string, set: Partial<typeof subscribers.$inferInsert>) {
  await tx.update(sub).set(set).where(eq(sub.id, id));
}

/** Deletes a subscriber (its channel, subscriptions and subscriber-set entries go with it); true when it existed. */
export async function deleteSubscriber(tx: Database, id: string): Promise<boolean> {
  const rows = await tx.delete(sub).where(eq(sub.id, id)).returning({ id: sub.id });
  return rows.length > 0;
}

/** How many unconfirmed subscribers this ip hash created (they are deleted after a week). */
export async function countPendingByIp(tx: Database, ipHash: string): Promise<number> {
  const [row] = await tx
    .select({ total: count() })
    .from(sub)
    .where(and(eq(sub.ipHash, ipHash), eq(sub.state, 'pending')));
  return row?.total ?? 0;
}

/** The one channel of a subscriber. */
export async function subscriberChannel(tx: Database, subscriberId: string): Promise<ChannelRow | undefined> {
  const [row] = await tx.select().from(c).where(eq(c.subscriberId, subscriberId));
  return row;
}

/** Deletes the subscribers still unconfirmed that were created before `before`; answers how many. */
export async function deletePendingSubscribers(tx: Database, before: Date): Promise<number> {
  const rows = await tx
    .delete(sub)
    .where(and(eq(sub.state, 'pending'), lt(sub.createdAt, before)))
    .returning({ id: sub.id });
  return rows.length;
}

/** Addresses of these that already have an e-mail subscriber. */
export async function existingSubscriberEmails(tx: Database, emails: readonly string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await tx
    .select({ email: c.target })
    .from(c)
    .where(and(isNotNull(c.subscriberId), eq(c.type, 'email'), inArray(c.target, [...emails])));
  return new Set(rows.map((row) => row.email));
}

// ---- the admin's view of receivers

export interface ReceiverFilter {
  q?: string | undefined;
  kind?: 'account' | 'subscriber' | undefined;
  state?: 'pending' | 'confirmed' | 'disabled' | undefined;
  /** Receivers of this service: every service, listed, or through a group (`groupsOf` gives the groups holding it). */
  service?: { id: string; groups: SQL } | undefined;
}

/** The state an admin sees: disabled, confirmed (verified, and for a subscriber confirmed), or pending. */
const receiverStateSql = sql<'pending' | 'confirmed' | 'disabled'>`case
  when not ${c.isEnabled} then 'disabled'
  when ${c.isVerified} and (${c.subscriberId} is null or ${sub.state} = 'confirmed') then 'confirmed'
  else 'pending' end`;

/** The filter as a condition over channels left-joined with their subscriber. */
export function receiverFilterSql(filter: ReceiverFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conditions.push(or(ilike(c.target, pattern), ilike(sub.email, pattern)));
  }
  if (filter.kind === 'account') conditions.push(isNotNull(c.userId));
  if (filter.kind === 'subscriber') conditions.push(isNotNull(c.subscriberId));
  if (filter.state) conditions.push(sql`${receiverStateSql} = ${filter.state}`);
  if (filter.service) {
    conditions.push(
      sql`(${c.subscribeToAll} or exists (select 1 from channel_subscriptions s where s.channel_id = ${c.id} and s.service_id = ${filter.service.id}::uuid) or exists (select 1 from channel_group_subscriptions g where g.channel_id = ${c.id} and g.group_id in (${filter.service.groups})))`,
    );
  }
  return and(...conditions);
}

/** Channels (account and account-less) with their subscriber and state, newest first. */
export function selectReceivers(db: Database, where: SQL | undefined, page?: { limit: number; offset: number }) {
  let query = db
    .select({ channel: c, subscriber: sub, state: receiverStateSql })
    .from(c)
    .leftJoin(sub, eq(sub.id, c.subscriberId))
    .where(where)
    .orderBy(desc(c.createdAt), asc(c.id))
    .$dynamic();
  if (page) query = query.limit(page.limit).offset(page.offset);
  return query;
}
export type ReceiverRow = Awaited<ReturnType<typeof selectReceivers>>[number];

/** How many channels match. */
export async function countReceivers(db: Database, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ total: count() }).from(c).leftJoin(sub, eq(sub.id, c.subscriberId)).where(where);
  return row?.total ?? 0;
}

/** The channels that may receive and follow every service. */
export async function countAllServiceReceivers(db: Database, mayReceive: SQL<boolean>): Promise<number> {
  const [row] = await db
    .select({ total: count() })
    .from(c)
    .where(and(eq(c.subscribeToAll, true), mayReceive));
  return row?.total ?? 0;
}

/** Of the channels that may receive, how many follow this service (all, listed, or through a group of `groups`). */
export async function countServiceReceivers(db: Database, serviceId: string, groups: SQL, mayReceive: SQL<boolean>) {
  const [row] = await db
    .select({ total: count() })
    .from(c)
    .where(and(mayReceive, receiverFilterSql({ service: { id: serviceId, groups } })));
  return row?.total ?? 0;
}

// ---- event subscriber sets

/** Whether the channel follows one of `followed` (service ids) directly or through one of `groups` (group ids). */
const followsSql = (followed: SQL, groups: SQL) => sql`(
      notification_channels.subscribe_to_all
      or exists (
        select 1 from channel_subscriptions s
        where s.channel_id = notification_channels.id and s.service_id in ${followed}
      )
      or exists (
        select 1 from channel_group_subscriptions g
        where g.channel_id = notification_channels.id and g.group_id in (${groups})
      )
    )`;

/**
 * Adds to an event's subscriber set the channels that may receive
 * (`mayReceive`) and follow all services, one of `followed` (a subquery or a
 * list of service ids, as SQL), or a group of `groups` (a subquery of the
 * groups holding them). One statement, however many channels.
 */
export async function addEventSubscribers(
  tx: Database,
  eventId: string,
  followed: SQL,
  groups: SQL,
  mayReceive: SQL<boolean>,
) {
  await tx.execute(sql`
    insert into event_subscribers (event_id, channel_id)
    select ${eventId}::uuid, notification_channels.id from notification_channels
    where ${mayReceive} and ${followsSql(followed, groups)}
    on conflict do nothing`);
}

/**
 * Adds one channel to the subscriber sets of the open events (`openEvents`, a
 * subquery of ids) whose services it follows (`followedOf`/`groupsOf` build,
 * for the outer query's event id, the subqueries of its services and their
 * groups). Joining now, it gets the events' next messages, not the past ones.
 */
export async function addChannelToOpenEvents(
  tx: Database,
  channelId: string,
  openEvents: SQL,
  followedOf: (eventId: SQL) => SQL,
  groupsOf: (serviceIds: SQL) => SQL,
  mayReceive: SQL<boolean>,
) {
  const eventId = sql.raw('open_event.id');
  const followed = sql`(${followedOf(eventId)})`;
  await tx.execute(sql`
    insert into event_subscribers (event_id, channel_id)
    select open_event.id, notification_channels.id
    from notification_channels, (${openEvents}) as open_event(id)
    where notification_channels.id = ${channelId}::uuid and ${mayReceive} and ${followsSql(followed, groupsOf(followed))}
    on conflict do nothing`);
}

/** Takes a channel out of the subscriber sets of the events `openEvents` (a subquery of event ids) lists. */
export async function removeFromEventSubscribers(tx: Database, channelId: string, openEvents: SQL) {
  await tx
    .delete(eventSubscribers)
    .where(and(eq(eventSubscribers.channelId, channelId), sql`${eventSubscribers.eventId} in (${openEvents})`));
}

// ---- messages and deliveries

/** What a delivery job needs to be queued. */
export interface DeliveryRef {
  id: number;
  uid: string;
  messageId: number;
  channelType: ChannelType;
}

const refColumns = { id: d.id, uid: d.uid, messageId: d.messageId, channelType: d.channelType };

/**
 * Inserts a message; with a dedupe key the insert is a no-op (undefined) when
 * that key was queued before.
 */
export async function insertMessage(
  tx: Database,
  values: {
    kind: MessageKind;
    eventId?: string;
    dedupeKey?: string | undefined;
    payload: EventMessagePayload | Record<string, unknown>;
  },
): Promise<number | undefined> {
  const [message] = await tx
    .insert(m)
    .values(values)
    .onConflictDoNothing({ target: m.dedupeKey })
    .returning({ id: m.id });
  return message?.id;
}

/** The id of the message with this dedupe key. */
export async function messageIdByDedupeKey(tx: Database, dedupeKey: string): Promise<number | undefined> {
  const [message] = await tx.select({ id: m.id }).from(m).where(eq(m.dedupeKey, dedupeKey));
  return message?.id;
}

/** Inserts one delivery (a no-op when the message already has it) and answers its id, if inserted. */
export async function insertDelivery(
  tx: Database,
  values: { messageId: number; channelId?: string; channelType: ChannelType; target: string },
  ifAbsent = false,
): Promise<number | undefined> {
  const insert = tx.insert(d).values(values);
  const [row] = ifAbsent
    ? await insert.onConflictDoNothing().returning({ id: d.id })
    : await insert.returning({ id: d.id });
  return row?.id;
}

/**
 * One delivery of the message per channel of the event's subscriber set that
 * may receive, for subscribers who joined the set before the message was
 * written (`added_at` and `created_at` are both their transaction's time).
 * One statement; running it again inserts nothing new.
 */
export async function insertSubscriberDeliveries(tx: Database, messageId: number, mayReceive: SQL<boolean>) {
  await tx.execute(sql`
    insert into notification_deliveries (message_id, channel_id, channel_type, target)
    select m.id, notification_channels.id, notification_channels.type, notification_channels.target
    from notification_messages m
    join event_subscribers es on es.event_id = m.event_id and es.added_at <= m.created_at
    join notification_channels on notification_channels.id = es.channel_id
    where m.id = ${messageId} and ${mayReceive}
    on conflict do nothing`);
}

/** One delivery of the message per channel of the event's subscriber set that may receive, however old. */
export async function insertEventSubscriberDeliveries(
  tx: Database,
  messageId: number,
  eventId: string,
  mayReceive: SQL<boolean>,
) {
  await tx.execute(sql`
    insert into notification_deliveries (message_id, channel_id, channel_type, target)
    select ${messageId}, notification_channels.id, notification_channels.type, notification_channels.target
    from event_subscribers es join notification_channels on notification_channels.id = es.channel_id
    where es.event_id = ${eventId}::uuid and ${mayReceive}
    on conflict do nothing`);
}

/** The pending deliveries of a message, in id order. */
export function pendingDeliveriesOf(db: Database, messageId: number): Promise<DeliveryRef[]> {
  return db
    .select(refColumns)
    .from(d)
    .where(and(eq(d.messageId, messageId), eq(d.state, 'pending')))
    .orderBy(asc(d.id));
}

/** The delivery of a direct message (it has exactly one), with its state. */
export async function deliveryOfMessage(tx: Database, messageId: number) {
  const [row] = await tx
    .select({ ...refColumns, state: d.state })
    .from(d)
    .where(eq(d.messageId, messageId));
  return row;
}

/** A delivery with its state and its message's kind. */
export async function findDeliveryRef(db: Database, deliveryId: number) {
  const [row] = await db
    .select({ ...refColumns, state: d.state, kind: m.kind })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .where(eq(d.id, deliveryId));
  return row;
}

/**
 * Deliveries with what rendering needs, and `mayReceive` (the recipients
 * rule) asked of their channel now; in no particular order.
 */
export function selectDeliveriesToSend(db: Database, ids: readonly number[], mayReceive: SQL<boolean>) {
  return db
    .select({
      id: d.id,
      uid: d.uid,
      messageId: d.messageId,
      channelId: d.channelId,
      channelType: d.channelType,
      target: d.target,
      state: d.state,
      attempts: d.attempts,
      signingSecret: c.signingSecret,
      kind: m.kind,
      payload: m.payload,
      messageCreatedAt: m.createdAt,
      mayReceive,
      /** The account-less subscriber owning the channel (its messages carry a manage link), if any. */
      subscriberId: sub.id,
      subscriberTokenVersion: sub.tokenVersion,
    })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .leftJoin(c, eq(c.id, d.channelId))
    .leftJoin(sub, eq(sub.id, c.subscriberId))
    .where(inArray(d.id, [...new Set(ids)]));
}

/** Marks pending deliveries sent, counting the attempt. */
export async function markSent(tx: Database, ids: readonly number[], now: Date) {
  await tx
    .update(d)
    .set({ state: 'sent', attempts: sql`${d.attempts} + 1`, sentAt: now, lastError: null, updatedAt: now })
    .where(and(inArray(d.id, [...ids]), eq(d.state, 'pending')));
}

/** Starts the failure count of these deliveries' channels over (only where it is not zero: no write otherwise). */
export async function resetChannelFailures(tx: Database, deliveryIds: readonly number[]) {
  const channels = tx
    .select({ id: d.channelId })
    .from(d)
    .where(inArray(d.id, [...deliveryIds]));
  await tx
    .update(c)
    .set({ consecutiveFailures: 0 })
    .where(and(gt(c.consecutiveFailures, 0), inArray(c.id, channels)));
}

/** Counts one more failed delivery of a channel (locked), answering the channel as it is now. */
export async function countChannelFailure(tx: Database, channelId: string): Promise<ChannelRow | undefined> {
  const [row] = await tx
    .update(c)
    .set({ consecutiveFailures: sql`${c.consecutiveFailures} + 1` })
    .where(eq(c.id, channelId))
    .returning();
  return row;
}

/** Removes the secrets (code, token) from the payloads of these messages. */
export async function scrubMessageSecrets(tx: Database, messageIds: readonly number[]) {
  await tx
    .update(m)
    .set({ payload: sql`(${m.payload} - 'code' - 'token') || '{"scrubbed": true}'::jsonb` })
    .where(inArray(m.id, [...messageIds]));
}

/** Records an attempt or a postponement of a pending delivery (the error is cut to 2000 characters). */
export async function recordAttempt(
  db: Database,
  id: number,
  values: { state?: 'pending' | 'failed'; lastError: string; countAttempt: boolean },
  now: Date,
) {
  await db
    .update(d)
    .set({
      lastError: values.lastError.slice(0, 2000),
      updatedAt: now,
      ...(values.state ? { state: values.state } : {}),
      ...(values.countAttempt ? { attempts: sql`${d.attempts} + 1` } : {}),
    })
    .where(and(eq(d.id, id), eq(d.state, 'pending')));
}

/** Gives pending deliveries new uids. */
export async function renewDeliveryUids(db: Database, ids: readonly number[]): Promise<DeliveryRef[]> {
  return db
    .update(d)
    .set({ uid: sql`gen_random_uuid()` })
    .where(and(inArray(d.id, [...ids]), eq(d.state, 'pending')))
    .returning(refColumns);
}

/** Pending deliveries untouched since `before`, oldest first, with their kind. */
export function selectStalePending(db: Database, before: Date, limit: number) {
  return db
    .select({ ...refColumns, kind: m.kind })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .where(and(eq(d.state, 'pending'), lt(d.updatedAt, before)))
    .orderBy(asc(d.id))
    .limit(limit);
}

// ---- the admin's view of deliveries

export interface DeliveryFilter {
  event_id?: string | undefined;
  channel_id?: string | undefined;
  state?: 'pending' | 'sent' | 'failed' | undefined;
  limit: number;
  offset: number;
}

/** The filter as a condition over deliveries joined with their messages. */
export function deliveryFilterSql(filter: Omit<DeliveryFilter, 'limit' | 'offset'>): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.event_id) conditions.push(eq(m.eventId, filter.event_id));
  if (filter.channel_id) conditions.push(eq(d.channelId, filter.channel_id));
  if (filter.state) conditions.push(eq(d.state, filter.state));
  return and(...conditions);
}

/** Deliveries with their message's kind and event, newest first. */
export async function selectDeliveryList(
  db: Database,
  where: SQL | undefined,
  page?: { limit: number; offset: number },
) {
  let query = db
    .select({ delivery: d, kind: m.kind, eventId: m.eventId })
    .from(d)
    .innerJoin(m, eq(m.id, d.messageId))
    .where(where)
    .orderBy(desc(d.id))
    .$dynamic();
  if (page) query = query.limit(page.limit).offset(page.offset);
  return query;
}
export type DeliveryListRow = Awaited<ReturnType<typeof selectDeliveryList>>[number];

/** How many deliveries match. */
export async function countDeliveries(db: Database, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ total: count() }).from(d).innerJoin(m, eq(m.id, d.messageId)).where(where);
  return row?.total ?? 0;
}

/** The delivery with this id, by id only (no join) and locked for update. */
export async function lockDelivery(tx: Database, id: number) {
  const [row] = await tx.select().from(d).where(eq(d.id, id)).for('update');
  return row;
}

/** Makes a delivery pending again with its attempts starting over. */
export async function resetDelivery(tx: Database, id: number, now: Date) {
  await tx.update(d).set({ state: 'pending', attempts: 0, lastError: null, updatedAt: now }).where(eq(d.id, id));
}

/** The delivery with this id as the admin list shows it. */
export async function findDeliveryListRow(db: Database, id: number): Promise<DeliveryListRow | undefined> {
  const [row] = await selectDeliveryList(db, eq(d.id, id));
  return row;
}
