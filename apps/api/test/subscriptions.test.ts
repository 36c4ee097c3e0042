import { randomUUID } from 'node:crypto';
import { unsubscribeToken } from '@statuspage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { expectPlainError, expectValidationError } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createService } from './support/factories';
import { expectError, openDatabase, registerAccount, type Sql, signIn } from './support/identity';
import {
  channelState,
  createChannel,
  getMatrix,
  listChannels,
  setSubscriptions,
  userNotificationState,
  verifiedEmailChannel,
} from './support/notifications';

const APP_SECRET = 'subscriptions-test-secret-0123456789';
const UNSUBSCRIBE = '/api/v1/notifications/unsubscribe';

let api: ApiServer;
let http: Http;
let sql: Sql;
let admin: string;

beforeAll(async () => {
  api = await startTestApi({ APP_SECRET });
  http = createHttp(api.url);
  sql = openDatabase();
  admin = await adminToken(http);
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await api.close();
});

interface User {
  id: string;
  email: string;
  token: string;
}

async function newUser(): Promise<User> {
  const account = await registerAccount(http);
  const session = await signIn(http, account.email, account.password);
  return { id: account.id, email: account.email, token: session.access };
}

const subscriptionsPath = (channelId: string) => `/api/v1/me/channels/${channelId}/subscriptions`;

/** A signed-in user with a verified (non-default) e-mail channel. */
async function userWithVerifiedChannel() {
  const user = await newUser();
  const channel = await verifiedEmailChannel(http, sql, user.token);
  return { user, channel };
}

describe('subscriptions matrix', () => {
  it('matrix answers 401 without credentials', async () => {
    expectPlainError(await http.get('/api/v1/me/subscriptions'), 401);
  });

  it('matrix of a new user lists the default channel following no service', async () => {
    const user = await newUser();
    const channels = await getMatrix(http, user.token);
    expect(channels).toHaveLength(1);
    expect(channels[0]).toMatchObject({
      channel: { user_id: user.id, type: 'email', is_default: true, is_verified: true },
      subscribe_to_all_services: false,
      subscribed_service_ids: [],
    });
  });

  it('matrix lists every channel of the user (unverified ones too) in list order, with what each follows', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const unverified = await createChannel(http, user.token, 'email', `${randomUUID()}@example.test`);
    const [defaultChannel] = await listChannels(http, user.token);
    const first = await createService(http, admin, { order: 1 });
    const second = await createService(http, admin, { order: 2 });
    await setSubscriptions(http, user.token, channel.id, { service_ids: [second.id, first.id] });
    await setSubscriptions(http, user.token, defaultChannel?.id ?? '', { subscribe_to_all_services: true });
    const other = await newUser();
    await setSubscriptions(http, other.token, (await listChannels(http, other.token))[0]?.id ?? '', {
      service_ids: [first.id],
    });

    const matrix = await getMatrix(http, user.token);
    expect(matrix.map((item) => item.channel.id)).toEqual(
      (await listChannels(http, user.token)).map((item) => item.id),
    );
    expect(matrix.map((item) => item.channel.id)).toEqual([defaultChannel?.id, channel.id, unverified.id]);
    const byId = new Map(matrix.map((item) => [item.channel.id, item]));
    expect(byId.get(defaultChannel?.id ?? '')).toMatchObject({
      subscribe_to_all_services: true,
      subscribed_service_ids: [],
    });
    expect(byId.get(channel.id)).toMatchObject({ subscribe_to_all_services: false });
    expect([...(byId.get(channel.id)?.subscribed_service_ids ?? [])].sort()).toEqual([first.id, second.id].sort());
    expect(byId.get(unverified.id)).toMatchObject({
      channel: { is_verified: false },
      subscribe_to_all_services: false,
      subscribed_service_ids: [],
    });
  });

  it('matrix leaves out an archived service and shows it again once restored', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const kept = await createService(http, admin);
    const archived = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [kept.id, archived.id] });
    const deleted = await http.delete(`/api/v1/services/${archived.slug}`, { token: admin });
    expect(deleted.status, deleted.text).toBe(204);
    const after = (await getMatrix(http, user.token)).find((item) => item.channel.id === channel.id);
    expect(after?.subscribed_service_ids).toEqual([kept.id]);

    const restored = await http.post(`/api/v1/services/${archived.slug}/restore`, { token: admin });
    expect(restored.status, restored.text).toBe(200);
    const again = (await getMatrix(http, user.token)).find((item) => item.channel.id === channel.id);
    expect([...(again?.subscribed_service_ids ?? [])].sort()).toEqual([kept.id, archived.id].sort());
  });
});

describe('subscriptions set', () => {
  it('set answers 200 with the channel’s services and replaces what it followed', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    const b = await createService(http, admin);
    const c = await createService(http, admin);

    const first = await setSubscriptions(http, user.token, channel.id, {
      subscribe_to_all_services: false,
      service_ids: [a.id, b.id, a.id],
    });
    expect(first.subscribe_to_all_services).toBe(false);
    expect([...first.subscribed_service_ids].sort()).toEqual([a.id, b.id].sort());

    const second = await setSubscriptions(http, user.token, channel.id, { service_ids: [c.id] });
    expect(second.subscribed_service_ids).toEqual([c.id]);
    const rows = await sql`select service_id from channel_subscriptions where channel_id = ${channel.id}`;
    expect(rows).toEqual([{ service_id: c.id }]);
    const matrix = (await getMatrix(http, user.token)).find((item) => item.channel.id === channel.id);
    expect(matrix).toMatchObject({ subscribe_to_all_services: false, subscribed_service_ids: [c.id] });
  });

  it('set to all services answers 200 with no ids; a list afterwards ends following all', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });

    const all = await setSubscriptions(http, user.token, channel.id, {
      subscribe_to_all_services: true,
      service_ids: [],
    });
    expect(all).toEqual({ channel_id: channel.id, subscribe_to_all_services: true, subscribed_service_ids: [] });
    expect(await sql`select service_id from channel_subscriptions where channel_id = ${channel.id}`).toEqual([]);
    // Services created later are followed too (nothing to add per service).
    const later = await createService(http, admin);
    const matrix = (await getMatrix(http, user.token)).find((item) => item.channel.id === channel.id);
    expect(matrix).toMatchObject({ subscribe_to_all_services: true, subscribed_service_ids: [] });

    const list = await setSubscriptions(http, user.token, channel.id, { service_ids: [later.id] });
    expect(list).toEqual({
      channel_id: channel.id,
      subscribe_to_all_services: false,
      subscribed_service_ids: [later.id],
    });
  });

  it('set with an empty body follows nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });
    const none = await setSubscriptions(http, user.token, channel.id, {});
    expect(none).toEqual({ channel_id: channel.id, subscribe_to_all_services: false, subscribed_service_ids: [] });
  });

  it('set works for the default channel and for a disabled channel', async () => {
    const user = await newUser();
    const [defaultChannel] = await listChannels(http, user.token);
    const a = await createService(http, admin);
    const onDefault = await setSubscriptions(http, user.token, defaultChannel?.id ?? '', { service_ids: [a.id] });
    expect(onDefault.subscribed_service_ids).toEqual([a.id]);

    const off = await http.patch(`/api/v1/me/channels/${defaultChannel?.id}`, {
      token: user.token,
      body: { is_enabled: false },
    });
    expect(off.status, off.text).toBe(200);
    const onDisabled = await setSubscriptions(http, user.token, defaultChannel?.id ?? '', {
      subscribe_to_all_services: true,
    });
    expect(onDisabled.subscribe_to_all_services).toBe(true);
  });

  it('set answers 400 for an unverified channel, changing nothing', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', `${randomUUID()}@example.test`);
    const a = await createService(http, admin);
    const before = await channelState(sql, channel.id);
    for (const body of [{ service_ids: [a.id] }, { subscribe_to_all_services: true }]) {
      const response = await http.put(subscriptionsPath(channel.id), { token: user.token, body });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toMatch(/verif/i);
    }
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for subscribe_to_all_services with service ids, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    const b = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(sql, channel.id);
    expectValidationError(
      await http.put(subscriptionsPath(channel.id), {
        token: user.token,
        body: { subscribe_to_all_services: true, service_ids: [b.id] },
      }),
      'service_ids',
    );
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for unknown or archived service ids, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    const archived = await createService(http, admin);
    expect((await http.delete(`/api/v1/services/${archived.slug}`, { token: admin })).status).toBe(204);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(sql, channel.id);
    const unknown = randomUUID();
    for (const ids of [[unknown], [a.id, unknown], [archived.id]]) {
      const response = await http.put(subscriptionsPath(channel.id), {
        token: user.token,
        body: { service_ids: ids },
      });
      expectValidationError(response, 'service_ids');
      expect(response.body.error.message).toContain(ids.at(-1));
    }
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for wrong types, unknown fields, a bad id and malformed JSON, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(sql, channel.id);
    const cases: [unknown, string][] = [
      [{ subscribe_to_all_services: 'true' }, 'subscribe_to_all_services'],
      [{ subscribe_to_all_services: 1 }, 'subscribe_to_all_services'],
      [{ subscribe_to_all_services: null }, 'subscribe_to_all_services'],
      [{ service_ids: a.id }, 'service_ids'],
      [{ service_ids: ['not-a-uuid'] }, 'service_ids.0'],
      [{ service_ids: [42] }, 'service_ids.0'],
      [{ service_ids: null }, 'service_ids'],
      [{ service_ids: [a.id], services: [a.id] }, 'services'],
      [{ channel_id: channel.id }, 'channel_id'],
    ];
    for (const [body, field] of cases) {
      expectValidationError(await http.put(subscriptionsPath(channel.id), { token: user.token, body }), field);
    }
    expectValidationError(
      await http.put(subscriptionsPath('not-a-uuid'), { token: user.token, body: { service_ids: [] } }),
      'id',
    );
    expectError(
      await http.put(subscriptionsPath(channel.id), { token: user.token, raw: '{"service_ids":[' }),
      400,
      'fields',
    );
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('set answers 400 to a JSON body that is not an object, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(sql, channel.id);
    for (const raw of ['[]', 'null', '5']) {
      expectError(await http.put(subscriptionsPath(channel.id), { token: user.token, raw }), 400, 'fields');
    }
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('set answers 403 for another user’s channel and 404 for an unknown one, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const other = await newUser();
    const a = await createService(http, admin);
    const before = await userNotificationState(sql, user.id);
    expectPlainError(
      await http.put(subscriptionsPath(channel.id), { token: other.token, body: { service_ids: [a.id] } }),
      403,
    );
    expectPlainError(
      await http.put(subscriptionsPath(randomUUID()), { token: user.token, body: { service_ids: [a.id] } }),
      404,
    );
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('set answers 401 without credentials', async () => {
    expectPlainError(await http.put(subscriptionsPath(randomUUID()), { body: { service_ids: [] } }), 401);
  });
});

describe('subscriptions one-click unsubscribe', () => {
  /** A verified channel following two services, and one following all. */
  async function subscribedChannels() {
    const { user, channel } = await userWithVerifiedChannel();
    const [defaultChannel] = await listChannels(http, user.token);
    const a = await createService(http, admin);
    const b = await createService(http, admin);
    await setSubscriptions(http, user.token, channel.id, { service_ids: [a.id, b.id] });
    await setSubscriptions(http, user.token, defaultChannel?.id ?? '', { subscribe_to_all_services: true });
    return { user, listChannel: channel, allChannel: defaultChannel as NonNullable<typeof defaultChannel> };
  }

  it('GET shows a confirmation form posting back to the link and changes nothing', async () => {
    const { user, listChannel } = await subscribedChannels();
    const before = await userNotificationState(sql, user.id);
    const token = unsubscribeToken(listChannel.id, APP_SECRET);
    const response = await http.get(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.text).toMatch(/<form[^>]*method="post"/i);
    expect(response.text).toContain(encodeURIComponent(token));
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('POST with a valid token stops the channel following its services, and only that channel', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const token = unsubscribeToken(listChannel.id, APP_SECRET);
    const response = await http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');

    const matrix = await getMatrix(http, user.token);
    const byId = new Map(matrix.map((item) => [item.channel.id, item]));
    expect(byId.get(listChannel.id)).toMatchObject({
      channel: { is_enabled: true, is_verified: true },
      subscribe_to_all_services: false,
      subscribed_service_ids: [],
    });
    expect(byId.get(allChannel.id)?.subscribe_to_all_services).toBe(true);
  });

  it('POST with a valid token clears subscribe-to-all (RFC 8058 form body)', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const token = unsubscribeToken(allChannel.id, APP_SECRET);
    const response = await http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`, {
      raw: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status, response.text).toBe(200);
    const byId = new Map((await getMatrix(http, user.token)).map((item) => [item.channel.id, item]));
    expect(byId.get(allChannel.id)).toMatchObject({ subscribe_to_all_services: false, subscribed_service_ids: [] });
    expect(byId.get(listChannel.id)?.subscribed_service_ids).toHaveLength(2);

    // Using the link again is harmless.
    const again = await http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(again.status, again.text).toBe(200);
  });

  it('POST answers 400 for a tampered, foreign or missing token and changes nothing', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const before = await userNotificationState(sql, user.id);
    const valid = unsubscribeToken(listChannel.id, APP_SECRET);
    const [, signature = ''] = valid.split('.');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const tokens = [
      `${listChannel.id}.${flipped}`,
      // The signature of one channel on another channel's id.
      `${allChannel.id}.${signature}`,
      unsubscribeToken(listChannel.id, 'another-secret-of-sufficient-length'),
      listChannel.id,
      `${listChannel.id}.`,
      'garbage',
    ];
    for (const token of tokens) {
      const response = await http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
      expect(response.status, `${token}: ${response.text}`).toBe(400);
    }
    expect((await http.post(UNSUBSCRIBE)).status).toBe(400);
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });
});
