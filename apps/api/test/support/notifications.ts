/**
 * Wire-shape checks and helpers for channels, subscriptions and notification
 * messages. The shapes are written from the contract's NotificationChannel,
 * ChannelWithSubscriptions, ChannelSubscriptionsResponse and
 * NotificationsConfigResponse schemas (not from our own zod schemas, so that
 * a drift in either shows up here). Side effects are read from the database.
 */
import { expect } from 'vitest';
import { unique } from './api';
import { dataOf, RFC3339_UTC, UUID } from './catalog';
import type { Http } from './client';
import type { Sql } from './identity';

export const channelTypes = ['email', 'telegram', 'mattermost', 'webhook', 'slack', 'discord', 'teams'] as const;
export type ChannelType = (typeof channelTypes)[number];

export interface WireChannel {
  id: string;
  user_id: string;
  type: ChannelType;
  target: string;
  is_enabled: boolean;
  is_verified: boolean;
  is_default: boolean;
  created_at: string;
  updated_at: string;
}

export interface WireChannelWithSubscriptions {
  channel: WireChannel;
  subscribe_to_all_services: boolean;
  subscribed_service_ids: string[];
}

export interface WireChannelSubscriptions {
  channel_id: string;
  subscribe_to_all_services: boolean;
  subscribed_service_ids: string[];
}

const channelKeys = [
  'created_at',
  'id',
  'is_default',
  'is_enabled',
  'is_verified',
  'target',
  'type',
  'updated_at',
  'user_id',
];

/** A contract `NotificationChannel`: every required field, nothing else, right types. */
export function expectChannelShape(
  channel: unknown,
  expected: Partial<WireChannel> = {},
): asserts channel is WireChannel {
  expect(channel).toBeTypeOf('object');
  const value = channel as Record<string, unknown>;
  // A webhook channel also carries its signing secret (its owner's answers are the only ones there are).
  const keys = value.type === 'webhook' ? [...channelKeys, 'signing_secret'].sort() : channelKeys;
  expect(Object.keys(value).sort()).toEqual(keys);
  if (value.type === 'webhook') expect(value.signing_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(value.id).toMatch(UUID);
  expect(value.user_id).toMatch(UUID);
  expect(channelTypes).toContain(value.type);
  expect(value.target).toBeTypeOf('string');
  expect(value.is_enabled).toBeTypeOf('boolean');
  expect(value.is_verified).toBeTypeOf('boolean');
  expect(value.is_default).toBeTypeOf('boolean');
  expect(value.created_at).toMatch(RFC3339_UTC);
  expect(value.updated_at).toMatch(RFC3339_UTC);
  expect(value).toMatchObject(expected);
}

function expectUuidList(value: unknown) {
  expect(Array.isArray(value), `expected an array, got ${JSON.stringify(value)}`).toBe(true);
  for (const id of value as unknown[]) expect(id).toMatch(UUID);
}

/** A contract `ChannelWithSubscriptions` (ids empty when subscribed to all). */
export function expectChannelWithSubscriptionsShape(item: unknown): asserts item is WireChannelWithSubscriptions {
  expect(item).toBeTypeOf('object');
  const value = item as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(['channel', 'subscribe_to_all_services', 'subscribed_service_ids']);
  expectChannelShape(value.channel);
  expect(value.subscribe_to_all_services).toBeTypeOf('boolean');
  expectUuidList(value.subscribed_service_ids);
  if (value.subscribe_to_all_services) expect(value.subscribed_service_ids).toEqual([]);
}

/** The `data` of a contract `ChannelSubscriptionsResponse`. */
export function expectChannelSubscriptionsShape(data: unknown): asserts data is WireChannelSubscriptions {
  expect(data).toBeTypeOf('object');
  const value = data as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(['channel_id', 'subscribe_to_all_services', 'subscribed_service_ids']);
  expect(value.channel_id).toMatch(UUID);
  expect(value.subscribe_to_all_services).toBeTypeOf('boolean');
  expectUuidList(value.subscribed_service_ids);
  if (value.subscribe_to_all_services) expect(value.subscribed_service_ids).toEqual([]);
}

/** GET /me/channels, each checked against the contract shape. */
export async function listChannels(http: Http, token: string): Promise<WireChannel[]> {
  const channels = dataOf<WireChannel[]>(await http.get('/api/v1/me/channels', { token }));
  expect(Array.isArray(channels)).toBe(true);
  for (const channel of channels) expectChannelShape(channel);
  return channels;
}

/** POST /me/channels expecting 201 and the contract shape (new channels are unverified, not default). */
export async function createChannel(http: Http, token: string, type: ChannelType, target: string) {
  const channel = dataOf<WireChannel>(await http.post('/api/v1/me/channels', { token, body: { type, target } }), 201);
  expectChannelShape(channel, { type, is_enabled: true, is_verified: false, is_default: false });
  return channel;
}

/** GET /me/subscriptions, checked against the contract shape. */
export async function getMatrix(http: Http, token: string): Promise<WireChannelWithSubscriptions[]> {
  const data = dataOf<{ channels: WireChannelWithSubscriptions[] }>(
    await http.get('/api/v1/me/subscriptions', { token }),
  );
  expect(Object.keys(data)).toEqual(['channels']);
  for (const item of data.channels) expectChannelWithSubscriptionsShape(item);
  return data.channels;
}

/** PUT /me/channels/{id}/subscriptions expecting 200 and the contract shape. */
export async function setSubscriptions(
  http: Http,
  token: string,
  channelId: string,
  body: { subscribe_to_all_services?: boolean; service_ids?: string[] },
): Promise<WireChannelSubscriptions> {
  const data = dataOf<WireChannelSubscriptions>(
    await http.put(`/api/v1/me/channels/${channelId}/subscriptions`, { token, body }),
  );
  expectChannelSubscriptionsShape(data);
  expect(data.channel_id).toBe(channelId);
  return data;
}

/** A unique e-mail address for a channel target. */
export function uniqueAddress(prefix = 'ch') {
  return `${unique(prefix)}@example.test`;
}

/** The verification codes written for a channel (the plain code is in the message payload), newest first. */
export async function verificationCodes(sql: Sql, channelId: string): Promise<string[]> {
  const rows = await sql<{ code: string }[]>`
    select m.payload->>'code' as code
    from notification_messages m join notification_deliveries d on d.message_id = m.id
    where m.kind = 'verification' and d.channel_id = ${channelId}
    order by m.id desc`;
  return rows.map((row) => row.code);
}

/** The newest verification code of a channel. */
export async function latestCode(sql: Sql, channelId: string): Promise<string> {
  const [code] = await verificationCodes(sql, channelId);
  expect(code, `a verification code for channel ${channelId}`).toMatch(/^\d{6}$/);
  return code as string;
}

/** A code that is not `code` (same format). */
export function otherCode(code: string) {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** A new e-mail channel, verified with the code from its message. */
export async function verifiedEmailChannel(http: Http, sql: Sql, token: string, address = uniqueAddress()) {
  const channel = await createChannel(http, token, 'email', address);
  const code = await latestCode(sql, channel.id);
  const verified = dataOf<WireChannel>(
    await http.post(`/api/v1/me/channels/${channel.id}/verify`, { token, body: { code } }),
  );
  expectChannelShape(verified, { id: channel.id, is_verified: true });
  return verified;
}

/** A channel's row and what hangs off it, to check that a refused request changed nothing. */
export async function channelState(sql: Sql, channelId: string) {
  const [channel] = await sql`select * from notification_channels where id = ${channelId}`;
  const verification = await sql`select * from channel_verifications where channel_id = ${channelId}`;
  const subscriptions = await sql`
    select service_id from channel_subscriptions where channel_id = ${channelId} order by service_id`;
  const deliveries = await sql`select id from notification_deliveries where channel_id = ${channelId} order by id`;
  return { channel, verification, subscriptions, deliveries };
}

/** Everything a user has in the notification tables, to check that a refused request changed nothing. */
export async function userNotificationState(sql: Sql, userId: string) {
  const channels = await sql<{ id: string }[]>`
    select * from notification_channels where user_id = ${userId} order by created_at, id`;
  const ids = channels.map((row) => row.id);
  const verifications = ids.length
    ? await sql`select * from channel_verifications where channel_id in ${sql(ids)} order by channel_id`
    : [];
  const subscriptions = ids.length
    ? await sql`select * from channel_subscriptions where channel_id in ${sql(ids)} order by channel_id, service_id`
    : [];
  const deliveries = ids.length
    ? await sql`select id from notification_deliveries where channel_id in ${sql(ids)} order by id`
    : [];
  return { channels, verifications, subscriptions, deliveries };
}

export interface OutboxRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** Outbox rows of a kind whose payload has `key` equal to `value` (numbers compared as text). */
export async function outboxRows(sql: Sql, kind: string, key: string, value: string | number): Promise<OutboxRow[]> {
  return sql<OutboxRow[]>`
    select o.id::text, o.kind, o.payload from outbox o
    where o.kind = ${kind} and o.payload->>${key} = ${String(value)}
    order by o.id`;
}

/**
 * Confirms a user's default e-mail channel with the code registration e-mailed
 * (what a new user does first), and answers the verified channel.
 */
export async function confirmDefaultChannel(http: Http, sql: Sql, token: string): Promise<WireChannel> {
  const [channel] = await listChannels(http, token);
  expectChannelShape(channel, { type: 'email', is_default: true });
  if (channel.is_verified) return channel;
  const code = await latestCode(sql, channel.id);
  const verified = dataOf<WireChannel>(
    await http.post(`/api/v1/me/channels/${channel.id}/verify`, { token, body: { code } }),
  );
  expectChannelShape(verified, { id: channel.id, is_verified: true, is_default: true });
  return verified;
}

/** Moves the codes sent to an address back past the resend cooldown (as if a minute had passed). */
export async function passResendCooldown(sql: Sql, target: string) {
  await sql`
    update verification_sends set sent_at = sent_at - interval '61 seconds' where target = ${target.toLowerCase()}`;
}
