import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { dataOf, expectPlainError, expectValidationError, RFC3339_UTC, UUID } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { addUpdate, createEvent, incidentBody, maintenanceBody, type WireEvent } from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { registerAccount, signIn } from './support/identity';
import {
  confirmDefaultChannel,
  createChannel,
  listChannels,
  outboxRows,
  setSubscriptions,
  uniqueAddress,
  verifiedEmailChannel,
  type WireChannel,
} from './support/notifications';

/** The types that need no configuration beyond NOTIFICATIONS_ENABLED: every HTTP webhook type. */
const webhookTypes = ['mattermost', 'webhook', 'slack', 'discord', 'teams'];

const t = useApiFixture();

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const minutesAhead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

async function newUser(client: Http = t.http) {
  const account = await registerAccount(client);
  const session = await signIn(client, account.email, account.password);
  return { id: account.id, email: account.email, token: session.access };
}

interface Message {
  id: string;
  kind: string;
  event_id: string | null;
  payload: {
    event: Record<string, unknown>;
    text: string;
    services: string[];
  };
}

/** The notification messages written for an event, oldest first. */
function messagesOf(eventId: string): Promise<Message[]> {
  return t.sql<Message[]>`
    select m.id::text, m.kind, m.event_id, m.payload from notification_messages m
    where m.event_id = ${eventId} or m.payload->'event'->>'id' = ${eventId}
    order by m.id`;
}

/** The fan-out outbox rows of a message. */
function fanoutsOf(messageId: string) {
  return outboxRows(t.sql, 'notification.fanout', 'message_id', messageId);
}

/** The event's subscriber set, restricted to the given channels (other tests' channels may follow all). */
async function subscriberSet(eventId: string, channelIds: string[]): Promise<string[]> {
  const rows = await t.sql<{ channel_id: string }[]>`
    select channel_id from event_subscribers where event_id = ${eventId} and channel_id in ${t.sql(channelIds)}`;
  return rows.map((row) => row.channel_id).sort();
}

const sorted = (ids: string[]) => [...ids].sort();

/**
 * Services A and B, a group G holding A, and one user's channels:
 * followsA, followsAll, followsB (verified, enabled); disabledA (verified, disabled, follows A);
 * unverifiedA (unverified, with a subscription to A written directly); and the default
 * channel (confirmed with its code), which follows nothing.
 */
async function audience() {
  const group = await createGroup(t.http, t.admin);
  const a = await createService(t.http, t.admin, { group_ids: [group.id] });
  const b = await createService(t.http, t.admin);
  const user = await newUser();
  const defaultChannel = await confirmDefaultChannel(t.http, t.sql, user.token);
  const followsA = await verifiedEmailChannel(t.http, t.sql, user.token);
  const followsAll = await verifiedEmailChannel(t.http, t.sql, user.token);
  const followsB = await verifiedEmailChannel(t.http, t.sql, user.token);
  const disabledA = await verifiedEmailChannel(t.http, t.sql, user.token);
  const unverifiedA = await createChannel(t.http, user.token, 'email', uniqueAddress());
  await setSubscriptions(t.http, user.token, followsA.id, { service_ids: [a.id] });
  await setSubscriptions(t.http, user.token, followsAll.id, { subscribe_to_all_services: true });
  await setSubscriptions(t.http, user.token, followsB.id, { service_ids: [b.id] });
  await setSubscriptions(t.http, user.token, disabledA.id, { service_ids: [a.id] });
  const off = await t.http.patch(`/api/v1/me/channels/${disabledA.id}`, {
    token: user.token,
    body: { is_enabled: false },
  });
  expect(off.status, off.text).toBe(200);
  await t.sql`insert into channel_subscriptions (channel_id, service_id) values (${unverifiedA.id}, ${a.id})`;
  const channels = {
    default: defaultChannel as WireChannel,
    followsA,
    followsAll,
    followsB,
    disabledA,
    unverifiedA,
  };
  return {
    a,
    b,
    group,
    user,
    channels,
    ids: Object.values(channels).map((channel) => channel.id),
  };
}

describe('notifications config', () => {
  const servers: ApiServer[] = [];
  const start = async (overrides: Record<string, string>) => {
    const server = await startTestApi(overrides);
    servers.push(server);
    return createHttp(server.url);
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function config(client: Http, token?: string) {
    const response = await client.get('/api/v1/notifications/config', token ? { token } : {});
    const data = dataOf<{ available_channels: string[]; telegram: { bot_username: string } | null }>(response);
    expect(Object.keys(data).sort()).toEqual(['available_channels', 'telegram']);
    return data;
  }

  it('config is public and lists e-mail and the webhook types by default, without Telegram', async () => {
    expect(await config(t.http)).toEqual({ available_channels: ['email', ...webhookTypes], telegram: null });
    expect(await config(t.http, t.user.token)).toEqual({
      available_channels: ['email', ...webhookTypes],
      telegram: null,
    });
  });

  it('config lists Telegram with the bot username when Telegram is enabled', async () => {
    const client = await start({
      NOTIFICATIONS_TELEGRAM_ENABLED: 'true',
      NOTIFICATIONS_TELEGRAM_BOT_TOKEN: '1:token',
      NOTIFICATIONS_TELEGRAM_BOT_USERNAME: 'status_bot',
    });
    expect(await config(client)).toEqual({
      available_channels: ['email', 'telegram', ...webhookTypes],
      telegram: { bot_username: 'status_bot' },
    });
  });

  it('config lists Telegram with a null telegram object when no bot username is configured', async () => {
    const client = await start({ NOTIFICATIONS_TELEGRAM_ENABLED: 'true', NOTIFICATIONS_TELEGRAM_BOT_TOKEN: '1:t' });
    expect(await config(client)).toEqual({
      available_channels: ['email', 'telegram', ...webhookTypes],
      telegram: null,
    });
  });

  it('config leaves out Telegram’s username when Telegram is disabled', async () => {
    const client = await start({ NOTIFICATIONS_TELEGRAM_BOT_USERNAME: 'status_bot' });
    expect(await config(client)).toEqual({ available_channels: ['email', ...webhookTypes], telegram: null });
  });

  it('config lists only the webhook types (Mattermost, webhook, Slack, Discord, Teams) when e-mail is disabled', async () => {
    const client = await start({ NOTIFICATIONS_EMAIL_ENABLED: 'false' });
    expect(await config(client)).toEqual({ available_channels: [...webhookTypes], telegram: null });
  });

  it('config lists nothing when notifications are disabled, and no channel can be created', async () => {
    const client = await start({ NOTIFICATIONS_ENABLED: 'false', NOTIFICATIONS_TELEGRAM_ENABLED: 'true' });
    expect(await config(client)).toEqual({ available_channels: [], telegram: null });
    const user = await newUser(client);
    // Every account has its default e-mail channel; with notifications off it stays unverified and gets nothing.
    const before = await listChannels(client, user.token);
    expect(before.map(({ type, is_default, is_verified }) => ({ type, is_default, is_verified }))).toEqual([
      { type: 'email', is_default: true, is_verified: false },
    ]);
    for (const body of [
      { type: 'mattermost', target: 'http://127.0.0.1:9/hooks/x' },
      { type: 'email', target: uniqueAddress() },
    ]) {
      expectValidationError(await client.post('/api/v1/me/channels', { token: user.token, body }), 'type');
    }
    expect(await listChannels(client, user.token)).toEqual(before);
  });
});

describe('notifications event subscribers', () => {
  it('create stores the set of enabled, verified channels following a service of the event or all', async () => {
    const { a, channels, ids } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    expect(await subscriberSet(event.id, ids)).toEqual(sorted([channels.followsA.id, channels.followsAll.id]));
  });

  it('create stores the set without notify_subscribers too', async () => {
    const { a, channels, ids } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: false, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    expect(await subscriberSet(event.id, ids)).toEqual(sorted([channels.followsA.id, channels.followsAll.id]));
    expect(await messagesOf(event.id)).toEqual([]);
  });

  it('create through a group brings the subscribers of the group’s services', async () => {
    const { group, channels, ids } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_groups: [{ group_id: group.id, status: 'partial_outage' }] }),
    );
    expect(await subscriberSet(event.id, ids)).toEqual(sorted([channels.followsA.id, channels.followsAll.id]));
  });

  it('create of an event without services stores only the channels following all', async () => {
    const { channels, ids } = await audience();
    const event = await createEvent(t.http, t.operator.token, incidentBody({ notify_subscribers: true }));
    expect(await subscriberSet(event.id, ids)).toEqual([channels.followsAll.id]);
  });

  it('the set is fixed at creation: later subscriptions do not join it, services added later do', async () => {
    const { a, b, user, channels, ids } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    // After creation: the default channel starts following A, a new channel follows all.
    await setSubscriptions(t.http, user.token, channels.default.id, { service_ids: [a.id] });
    const lateAll = await verifiedEmailChannel(t.http, t.sql, user.token);
    await setSubscriptions(t.http, user.token, lateAll.id, { subscribe_to_all_services: true });
    const watched = [...ids, lateAll.id];

    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Found it',
      notify_subscribers: true,
    });
    expect(await subscriberSet(event.id, watched)).toEqual(sorted([channels.followsA.id, channels.followsAll.id]));

    // Adding B brings B's subscribers (and channels following all, which follow B too).
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'B too',
      add_services: [{ service_id: b.id, status: 'degraded' }],
    });
    expect(await subscriberSet(event.id, watched)).toEqual(
      sorted([channels.followsA.id, channels.followsAll.id, channels.followsB.id, lateAll.id]),
    );
  });

  it('services added later through a group bring their subscribers; disabled and unverified ones stay out', async () => {
    const { a, b, user, channels, ids } = await audience();
    const groupC = await createGroup(t.http, t.admin);
    const c = await createService(t.http, t.admin, { group_ids: [groupC.id] });
    const followsC = await verifiedEmailChannel(t.http, t.sql, user.token);
    await setSubscriptions(t.http, user.token, followsC.id, { service_ids: [c.id] });
    const watched = [...ids, followsC.id];

    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [{ service_id: b.id, status: 'degraded' }] }),
    );
    expect(await subscriberSet(event.id, watched)).toEqual(sorted([channels.followsB.id, channels.followsAll.id]));

    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Spreading',
      add_groups: [{ group_id: groupC.id, status: 'partial_outage' }],
      add_services: [{ service_id: a.id, status: 'degraded' }],
    });
    expect(await subscriberSet(event.id, watched)).toEqual(
      sorted([channels.followsA.id, channels.followsAll.id, channels.followsB.id, followsC.id]),
    );
  });
});

describe('notifications event messages', () => {
  it('create with notify_subscribers writes an initial message and its fan-out in the outbox', async () => {
    const { a } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({
        notify_subscribers: true,
        description: 'The API answers slowly',
        affected_services: [{ service_id: a.id, status: 'degraded' }],
      }),
    );
    const messages = await messagesOf(event.id);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message).toMatchObject({ kind: 'initial', event_id: event.id });
    expect(message?.payload).toEqual({
      event: {
        id: event.id,
        title: event.title,
        type: 'incident',
        status: 'investigating',
        severity: 'minor',
        scheduled_start_at: null,
        scheduled_end_at: null,
      },
      text: 'The API answers slowly',
      services: [`Service ${a.slug}`],
    });
    const fanouts = await fanoutsOf(message?.id ?? '');
    expect(fanouts.map((row) => row.payload)).toEqual([{ message_id: Number(message?.id) }]);
  });

  it('create of a past (already resolved) event writes no message', async () => {
    const { a } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({
        notify_subscribers: true,
        status: 'resolved',
        started_at: minutesAgo(120),
        resolved_at: minutesAgo(60),
        affected_services: [{ service_id: a.id, status: 'degraded' }],
      }),
    );
    expect(event.status).toBe('resolved');
    expect(await messagesOf(event.id)).toEqual([]);
  });

  it('updates write an update message only when they notify; resolving writes resolved', async () => {
    const { a } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    await addUpdate(t.http, t.operator.token, event.id, { status: 'identified', message: 'Quiet update' });
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'monitoring',
      message: 'Fix deployed',
      notify_subscribers: true,
    });
    // The event notifies subscribers, so its resolution is announced even when the update does not ask.
    await addUpdate(t.http, t.operator.token, event.id, { status: 'resolved', message: 'All good' });

    const messages = await messagesOf(event.id);
    expect(messages.map((message) => [message.kind, message.payload.text, message.payload.event.status])).toEqual([
      ['initial', 'Something is wrong', 'investigating'],
      ['update', 'Fix deployed', 'monitoring'],
      ['resolved', 'All good', 'resolved'],
    ]);
    for (const message of messages) {
      expect((await fanoutsOf(message.id)).map((row) => row.payload)).toEqual([{ message_id: Number(message.id) }]);
    }
  });

  it('an event without notify_subscribers writes messages only for updates that notify', async () => {
    const { a } = await audience();
    const quiet = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: false, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    await addUpdate(t.http, t.operator.token, quiet.id, { status: 'identified', message: 'Quiet' });
    await addUpdate(t.http, t.operator.token, quiet.id, { status: 'resolved', message: 'Quietly resolved' });
    expect(await messagesOf(quiet.id)).toEqual([]);

    const loud = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: false, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    await addUpdate(t.http, t.operator.token, loud.id, {
      status: 'identified',
      message: 'Telling everyone',
      notify_subscribers: true,
    });
    await addUpdate(t.http, t.operator.token, loud.id, {
      status: 'resolved',
      message: 'Resolved, telling everyone',
      notify_subscribers: true,
    });
    expect((await messagesOf(loud.id)).map((message) => message.kind)).toEqual(['update', 'resolved']);
  });

  it('a maintenance writes initial, update and completed messages', async () => {
    const { a } = await audience();
    const start = minutesAhead(60);
    const end = minutesAhead(120);
    const event = await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({
        notify_subscribers: true,
        scheduled_start_at: start,
        scheduled_end_at: end,
        affected_services: [{ service_id: a.id, status: 'maintenance' }],
      }),
    );
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'in_progress',
      message: 'Started',
      notify_subscribers: true,
    });
    await addUpdate(t.http, t.operator.token, event.id, { status: 'completed', message: 'Done' });
    const messages = await messagesOf(event.id);
    expect(messages.map((message) => message.kind)).toEqual(['initial', 'update', 'completed']);
    expect(messages[0]?.payload.event).toMatchObject({
      type: 'maintenance',
      status: 'scheduled',
      severity: null,
      scheduled_start_at: new Date(start).toISOString(),
      scheduled_end_at: new Date(end).toISOString(),
    });
  });

  it('deleting a scheduled maintenance that notifies writes a cancelled message with a delivery per subscriber', async () => {
    const { a, channels, ids } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({
        notify_subscribers: true,
        scheduled_start_at: minutesAhead(60),
        scheduled_end_at: minutesAhead(120),
        affected_services: [{ service_id: a.id, status: 'maintenance' }],
      }),
    );
    const deleted = await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin });
    expect(deleted.status, deleted.text).toBe(204);

    const messages = await messagesOf(event.id);
    expect(messages.map((message) => message.kind)).toEqual(['initial', 'cancelled']);
    const cancelled = messages[1];
    expect(cancelled?.payload.event).toMatchObject({ id: event.id, title: event.title, status: 'scheduled' });
    expect((await fanoutsOf(cancelled?.id ?? '')).map((row) => row.payload)).toEqual([
      { message_id: Number(cancelled?.id) },
    ]);
    // The set goes away with the event, so the cancellation's deliveries are written now.
    const deliveries = await t.sql<{ channel_id: string; state: string; target: string }[]>`
      select channel_id, state, target from notification_deliveries
      where message_id = ${cancelled?.id ?? '0'} and channel_id in ${t.sql(ids)}`;
    expect(deliveries.map((row) => row.channel_id).sort()).toEqual(
      sorted([channels.followsA.id, channels.followsAll.id]),
    );
    for (const delivery of deliveries) expect(delivery.state).toBe('pending');
    expect(await t.sql`select channel_id from event_subscribers where event_id = ${event.id}`).toEqual([]);
  });

  it('deleting a maintenance writes no cancelled message without notify_subscribers or once completed', async () => {
    const { a } = await audience();
    const quiet = await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({ notify_subscribers: false, affected_services: [{ service_id: a.id, status: 'maintenance' }] }),
    );
    expect((await t.http.delete(`/api/v1/events/${quiet.id}`, { token: t.admin })).status).toBe(204);
    expect(await messagesOf(quiet.id)).toEqual([]);

    const done = await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({ notify_subscribers: true, affected_services: [{ service_id: a.id, status: 'maintenance' }] }),
    );
    await addUpdate(t.http, t.operator.token, done.id, { status: 'completed', message: 'Done' });
    expect((await t.http.delete(`/api/v1/events/${done.id}`, { token: t.admin })).status).toBe(204);
    expect((await messagesOf(done.id)).map((message) => message.kind)).toEqual(['initial', 'completed']);

    const incident = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    await addUpdate(t.http, t.operator.token, incident.id, { status: 'resolved', message: 'Fixed' });
    expect((await t.http.delete(`/api/v1/events/${incident.id}`, { token: t.admin })).status).toBe(204);
    expect((await messagesOf(incident.id)).map((message) => message.kind)).toEqual(['initial', 'resolved']);
  });

  it('a refused event write writes no message', async () => {
    const { a } = await audience();
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: a.id, status: 'degraded' }] }),
    );
    const refused = await t.http.post(`/api/v1/events/${event.id}/updates`, {
      token: t.operator.token,
      body: {
        status: 'identified',
        message: 'Bad service',
        notify_subscribers: true,
        add_services: [{ service_id: randomUUID(), status: 'degraded' }],
      },
    });
    expect(refused.status, refused.text).toBe(400);
    // An active incident cannot be deleted (409): no cancelled message either.
    expect((await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin })).status).toBe(409);
    expect((await messagesOf(event.id)).map((message) => message.kind)).toEqual(['initial']);
  });
});

// ---------------------------------------------------------------------------
// Admin: deliveries

interface WireDelivery {
  id: number;
  message_id: number;
  kind: string;
  event_id: string | null;
  channel_id: string | null;
  channel_type: string;
  target: string;
  state: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

const deliveryKeys = [
  'attempts',
  'channel_id',
  'channel_type',
  'created_at',
  'event_id',
  'id',
  'kind',
  'last_error',
  'message_id',
  'sent_at',
  'state',
  'target',
  'updated_at',
];

function expectDeliveryShape(delivery: unknown): asserts delivery is WireDelivery {
  const value = delivery as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(deliveryKeys);
  expect(Number.isInteger(value.id)).toBe(true);
  expect(Number.isInteger(value.message_id)).toBe(true);
  expect(value.kind).toBeTypeOf('string');
  if (value.event_id !== null) expect(value.event_id).toMatch(UUID);
  if (value.channel_id !== null) expect(value.channel_id).toMatch(UUID);
  expect(['email', 'telegram', ...webhookTypes]).toContain(value.channel_type);
  expect(value.target).toBeTypeOf('string');
  expect(['pending', 'sent', 'failed']).toContain(value.state);
  expect(Number.isInteger(value.attempts)).toBe(true);
  if (value.last_error !== null) expect(value.last_error).toBeTypeOf('string');
  if (value.sent_at !== null) expect(value.sent_at).toMatch(RFC3339_UTC);
  expect(value.created_at).toMatch(RFC3339_UTC);
  expect(value.updated_at).toMatch(RFC3339_UTC);
}

interface DeliveryPage {
  deliveries: WireDelivery[];
  total: number;
  limit: number;
  offset: number;
}

async function listDeliveries(query: string, token = t.admin): Promise<DeliveryPage> {
  const page = dataOf<DeliveryPage>(await t.http.get(`/api/v1/admin/notifications/deliveries?${query}`, { token }));
  expect(Object.keys(page).sort()).toEqual(['deliveries', 'limit', 'offset', 'total']);
  for (const delivery of page.deliveries) expectDeliveryShape(delivery);
  return page;
}

/**
 * An incident that notified followsA and followsAll, with deliveries as the worker's
 * fan-out writes them: followsA's failed after 5 attempts, followsAll's sent.
 */
async function eventWithDeliveries() {
  const setup = await audience();
  const event: WireEvent = await createEvent(
    t.http,
    t.operator.token,
    incidentBody({ notify_subscribers: true, affected_services: [{ service_id: setup.a.id, status: 'degraded' }] }),
  );
  const [message] = await messagesOf(event.id);
  const { followsA, followsAll } = setup.channels;
  const [failed] = await t.sql<{ id: string }[]>`
    insert into notification_deliveries (message_id, channel_id, channel_type, target, state, attempts, last_error)
    values (${message?.id ?? '0'}, ${followsA.id}, 'email', ${followsA.target}, 'failed', 5, '550 mailbox unavailable')
    returning id::text`;
  const [sent] = await t.sql<{ id: string }[]>`
    insert into notification_deliveries (message_id, channel_id, channel_type, target, state, attempts, sent_at)
    values (${message?.id ?? '0'}, ${followsAll.id}, 'email', ${followsAll.target}, 'sent', 1, now())
    returning id::text`;
  return { ...setup, event, messageId: Number(message?.id), failedId: Number(failed?.id), sentId: Number(sent?.id) };
}

describe('notifications admin deliveries', () => {
  it('list by event answers its deliveries, newest first, with state, attempts and last error', async () => {
    const { event, messageId, failedId, sentId, channels } = await eventWithDeliveries();
    const page = await listDeliveries(`event_id=${event.id}`);
    expect(page).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(page.deliveries.map((delivery) => delivery.id)).toEqual([sentId, failedId]);
    expect(page.deliveries[1]).toEqual({
      id: failedId,
      message_id: messageId,
      kind: 'initial',
      event_id: event.id,
      channel_id: channels.followsA.id,
      channel_type: 'email',
      target: channels.followsA.target,
      state: 'failed',
      attempts: 5,
      last_error: '550 mailbox unavailable',
      sent_at: null,
      created_at: expect.stringMatching(RFC3339_UTC),
      updated_at: expect.stringMatching(RFC3339_UTC),
    });
    expect(page.deliveries[0]).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
    expect(page.deliveries[0]?.sent_at).toMatch(RFC3339_UTC);
  });

  it('list by channel includes its verification code delivery', async () => {
    const { channels, failedId } = await eventWithDeliveries();
    const page = await listDeliveries(`channel_id=${channels.followsA.id}`);
    expect(page.total).toBe(2);
    expect(page.deliveries.map((delivery) => [delivery.id, delivery.kind])).toEqual([
      [failedId, 'initial'],
      [expect.any(Number), 'verification'],
    ]);
    expect(page.deliveries[1]).toMatchObject({ event_id: null, state: 'pending', channel_id: channels.followsA.id });
  });

  it('list filters by state, combined with the other filters', async () => {
    const { event, channels, failedId, sentId } = await eventWithDeliveries();
    expect((await listDeliveries(`event_id=${event.id}&state=failed`)).deliveries.map((d) => d.id)).toEqual([failedId]);
    expect((await listDeliveries(`event_id=${event.id}&state=sent`)).deliveries.map((d) => d.id)).toEqual([sentId]);
    expect(await listDeliveries(`event_id=${event.id}&state=pending`)).toMatchObject({ deliveries: [], total: 0 });
    const pending = await listDeliveries(`channel_id=${channels.followsA.id}&state=pending`);
    expect(pending.deliveries.map((delivery) => delivery.kind)).toEqual(['verification']);
    const failed = await listDeliveries('state=failed&limit=200');
    expect(failed.deliveries.every((delivery) => delivery.state === 'failed')).toBe(true);
    expect(failed.deliveries.map((delivery) => delivery.id)).toContain(failedId);
  });

  it('list pages with limit and offset and counts the total', async () => {
    const { channels } = await eventWithDeliveries();
    const all = await listDeliveries(`channel_id=${channels.followsA.id}`);
    const first = await listDeliveries(`channel_id=${channels.followsA.id}&limit=1`);
    const second = await listDeliveries(`channel_id=${channels.followsA.id}&limit=1&offset=1`);
    const beyond = await listDeliveries(`channel_id=${channels.followsA.id}&limit=1&offset=5`);
    expect(first).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(second).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect([...first.deliveries, ...second.deliveries]).toEqual(all.deliveries);
    expect(beyond).toMatchObject({ deliveries: [], total: 2, limit: 1, offset: 5 });
  });

  it('list answers an empty page for an event or channel without deliveries', async () => {
    expect(await listDeliveries(`event_id=${randomUUID()}`)).toEqual({
      deliveries: [],
      total: 0,
      limit: 50,
      offset: 0,
    });
    expect(await listDeliveries(`channel_id=${randomUUID()}`)).toMatchObject({ deliveries: [], total: 0 });
  });

  it('list answers 400 for bad filters and paging', async () => {
    const path = '/api/v1/admin/notifications/deliveries';
    for (const [query, field] of [
      ['state=lost', 'state'],
      ['event_id=not-a-uuid', 'event_id'],
      ['channel_id=42', 'channel_id'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
    ] as const) {
      expectValidationError(await t.http.get(`${path}?${query}`, { token: t.admin }), field);
    }
  });

  it('list answers 401 without credentials and 403 to users and operators', async () => {
    const path = '/api/v1/admin/notifications/deliveries';
    expectPlainError(await t.http.get(path), 401);
    expectPlainError(await t.http.get(path, { token: t.user.token }), 403);
    expectPlainError(await t.http.get(path, { token: t.operator.token }), 403);
  });
});

describe('notifications admin retry', () => {
  const retryPath = (id: number | string) => `/api/v1/admin/notifications/deliveries/${id}/retry`;

  it('retry answers 200 with the delivery pending again and queues it', async () => {
    const { failedId, event } = await eventWithDeliveries();
    const response = await t.http.post(retryPath(failedId), { token: t.admin });
    const delivery = dataOf<WireDelivery>(response);
    expectDeliveryShape(delivery);
    expect(delivery).toMatchObject({
      id: failedId,
      kind: 'initial',
      event_id: event.id,
      state: 'pending',
      attempts: 0,
      last_error: null,
      sent_at: null,
    });
    const [row] = await t.sql<{ state: string; attempts: number; last_error: string | null }[]>`
      select state, attempts, last_error from notification_deliveries where id = ${failedId}`;
    expect(row).toEqual({ state: 'pending', attempts: 0, last_error: null });
    const outbox = await outboxRows(t.sql, 'notification.deliver', 'delivery_id', failedId);
    expect(outbox.map((item) => item.payload)).toEqual([{ delivery_id: failedId, priority: 'normal' }]);

    // Now pending: a second retry is refused and queues nothing more.
    expectPlainError(await t.http.post(retryPath(failedId), { token: t.admin }), 409);
    expect(await outboxRows(t.sql, 'notification.deliver', 'delivery_id', failedId)).toHaveLength(1);
  });

  it('retry answers 409 for a sent or pending delivery, changing nothing', async () => {
    const { sentId, channels } = await eventWithDeliveries();
    const pending = (await listDeliveries(`channel_id=${channels.followsA.id}&state=pending`)).deliveries[0];
    for (const id of [sentId, pending?.id ?? 0]) {
      const before = await t.sql`select * from notification_deliveries where id = ${id}`;
      expectPlainError(await t.http.post(retryPath(id), { token: t.admin }), 409);
      expect(await t.sql`select * from notification_deliveries where id = ${id}`).toEqual(before);
    }
    expect(await outboxRows(t.sql, 'notification.deliver', 'delivery_id', sentId)).toEqual([]);
  });

  it('retry answers 404 for an unknown delivery or a bad id and 400 for an unknown body field', async () => {
    const { failedId } = await eventWithDeliveries();
    expectPlainError(await t.http.post(retryPath(2_000_000_000), { token: t.admin }), 404);
    expectPlainError(await t.http.post(retryPath(Number.MAX_SAFE_INTEGER), { token: t.admin }), 404);
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      expectPlainError(await t.http.post(retryPath(id), { token: t.admin }), 404);
    }
    expectValidationError(await t.http.post(retryPath(failedId), { token: t.admin, body: { force: true } }), 'force');
    const [row] = await t.sql<{ state: string }[]>`select state from notification_deliveries where id = ${failedId}`;
    expect(row?.state).toBe('failed');
  });

  it('retry answers 401 without credentials and 403 to users and operators', async () => {
    const { failedId } = await eventWithDeliveries();
    expectPlainError(await t.http.post(retryPath(failedId)), 401);
    expectPlainError(await t.http.post(retryPath(failedId), { token: t.user.token }), 403);
    expectPlainError(await t.http.post(retryPath(failedId), { token: t.operator.token }), 403);
    const [row] = await t.sql<{ state: string }[]>`select state from notification_deliveries where id = ${failedId}`;
    expect(row?.state).toBe('failed');
  });
});
