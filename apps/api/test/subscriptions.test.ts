import { createHmac, randomUUID } from 'node:crypto';
import { unsubscribeToken } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { expectPlainError, expectValidationError } from './support/catalog';
import { createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { expectError, registerAccount, signIn } from './support/identity';
import {
  channelState,
  confirmDefaultChannel,
  createChannel,
  getMatrix,
  listChannels,
  setSubscriptions,
  userNotificationState,
  verifiedEmailChannel,
} from './support/notifications';

const APP_SECRET = 'subscriptions-test-secret-0123456789';
/** The secret before a rotation (APP_SECRET_PREVIOUS): its links still work, nothing new is signed with it. */
const PREVIOUS_SECRET = 'subscriptions-test-previous-secret-0123456789';
const UNSUBSCRIBE = '/api/v1/notifications/unsubscribe';

const t = useApiFixture({ APP_SECRET, APP_SECRET_PREVIOUS: PREVIOUS_SECRET });

interface User {
  id: string;
  email: string;
  token: string;
}

/** A newly registered user who confirmed the address of their default channel with the e-mailed code. */
async function newUser(): Promise<User> {
  const account = await registerAccount(t.http);
  const session = await signIn(t.http, account.email, account.password);
  await confirmDefaultChannel(t.http, t.sql, session.access);
  return { id: account.id, email: account.email, token: session.access };
}

const subscriptionsPath = (channelId: string) => `/api/v1/me/channels/${channelId}/subscriptions`;

/** A signed-in user with a verified (non-default) e-mail channel. */
async function userWithVerifiedChannel() {
  const user = await newUser();
  const channel = await verifiedEmailChannel(t.http, t.sql, user.token);
  return { user, channel };
}

describe('subscriptions matrix', () => {
  it('matrix answers 401 without credentials', async () => {
    expectPlainError(await t.http.get('/api/v1/me/subscriptions'), 401);
  });

  it('matrix of a new user lists the default channel following no service', async () => {
    const user = await newUser();
    const channels = await getMatrix(t.http, user.token);
    expect(channels).toHaveLength(1);
    expect(channels[0]).toMatchObject({
      channel: { user_id: user.id, type: 'email', is_default: true, is_verified: true },
      subscribe_to_all_services: false,
      subscribed_service_ids: [],
    });
  });

  it('matrix lists every channel of the user (unverified ones too) in list order, with what each follows', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const unverified = await createChannel(t.http, user.token, 'email', `${randomUUID()}@example.test`);
    const [defaultChannel] = await listChannels(t.http, user.token);
    const first = await createService(t.http, t.admin, { order: 1 });
    const second = await createService(t.http, t.admin, { order: 2 });
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [second.id, first.id] });
    await setSubscriptions(t.http, user.token, defaultChannel?.id ?? '', { subscribe_to_all_services: true });
    const other = await newUser();
    await setSubscriptions(t.http, other.token, (await listChannels(t.http, other.token))[0]?.id ?? '', {
      service_ids: [first.id],
    });

    const matrix = await getMatrix(t.http, user.token);
    expect(matrix.map((item) => item.channel.id)).toEqual(
      (await listChannels(t.http, user.token)).map((item) => item.id),
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
    const kept = await createService(t.http, t.admin);
    const archived = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [kept.id, archived.id] });
    const deleted = await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin });
    expect(deleted.status, deleted.text).toBe(204);
    const after = (await getMatrix(t.http, user.token)).find((item) => item.channel.id === channel.id);
    expect(after?.subscribed_service_ids).toEqual([kept.id]);

    const restored = await t.http.post(`/api/v1/services/${archived.slug}/restore`, { token: t.admin });
    expect(restored.status, restored.text).toBe(200);
    const again = (await getMatrix(t.http, user.token)).find((item) => item.channel.id === channel.id);
    expect([...(again?.subscribed_service_ids ?? [])].sort()).toEqual([kept.id, archived.id].sort());
  });
});

describe('subscriptions set', () => {
  it('set answers 200 with the channel’s services and replaces what it followed', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    const c = await createService(t.http, t.admin);

    const first = await setSubscriptions(t.http, user.token, channel.id, {
      subscribe_to_all_services: false,
      service_ids: [a.id, b.id, a.id],
    });
    expect(first.subscribe_to_all_services).toBe(false);
    expect([...first.subscribed_service_ids].sort()).toEqual([a.id, b.id].sort());

    const second = await setSubscriptions(t.http, user.token, channel.id, { service_ids: [c.id] });
    expect(second.subscribed_service_ids).toEqual([c.id]);
    const rows = await t.sql`select service_id from channel_subscriptions where channel_id = ${channel.id}`;
    expect(rows).toEqual([{ service_id: c.id }]);
    const matrix = (await getMatrix(t.http, user.token)).find((item) => item.channel.id === channel.id);
    expect(matrix).toMatchObject({ subscribe_to_all_services: false, subscribed_service_ids: [c.id] });
  });

  it('set to all services answers 200 with no ids; a list afterwards ends following all', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });

    const all = await setSubscriptions(t.http, user.token, channel.id, {
      subscribe_to_all_services: true,
      service_ids: [],
    });
    expect(all).toEqual({ channel_id: channel.id, subscribe_to_all_services: true, subscribed_service_ids: [] });
    expect(await t.sql`select service_id from channel_subscriptions where channel_id = ${channel.id}`).toEqual([]);
    // Services created later are followed too (nothing to add per service).
    const later = await createService(t.http, t.admin);
    const matrix = (await getMatrix(t.http, user.token)).find((item) => item.channel.id === channel.id);
    expect(matrix).toMatchObject({ subscribe_to_all_services: true, subscribed_service_ids: [] });

    const list = await setSubscriptions(t.http, user.token, channel.id, { service_ids: [later.id] });
    expect(list).toEqual({
      channel_id: channel.id,
      subscribe_to_all_services: false,
      subscribed_service_ids: [later.id],
    });
  });

  it('set with an empty body follows nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });
    const none = await setSubscriptions(t.http, user.token, channel.id, {});
    expect(none).toEqual({ channel_id: channel.id, subscribe_to_all_services: false, subscribed_service_ids: [] });
  });

  it('set works for the default channel and for a disabled channel', async () => {
    const user = await newUser();
    const [defaultChannel] = await listChannels(t.http, user.token);
    const a = await createService(t.http, t.admin);
    const onDefault = await setSubscriptions(t.http, user.token, defaultChannel?.id ?? '', { service_ids: [a.id] });
    expect(onDefault.subscribed_service_ids).toEqual([a.id]);

    const off = await t.http.patch(`/api/v1/me/channels/${defaultChannel?.id}`, {
      token: user.token,
      body: { is_enabled: false },
    });
    expect(off.status, off.text).toBe(200);
    const onDisabled = await setSubscriptions(t.http, user.token, defaultChannel?.id ?? '', {
      subscribe_to_all_services: true,
    });
    expect(onDisabled.subscribe_to_all_services).toBe(true);
  });

  it('set answers 400 for an unverified channel, changing nothing', async () => {
    const user = await newUser();
    const channel = await createChannel(t.http, user.token, 'email', `${randomUUID()}@example.test`);
    const a = await createService(t.http, t.admin);
    const before = await channelState(t.sql, channel.id);
    for (const body of [{ service_ids: [a.id] }, { subscribe_to_all_services: true }]) {
      const response = await t.http.put(subscriptionsPath(channel.id), { token: user.token, body });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toMatch(/verif/i);
    }
    expect(await channelState(t.sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for subscribe_to_all_services with service ids, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(t.sql, channel.id);
    expectValidationError(
      await t.http.put(subscriptionsPath(channel.id), {
        token: user.token,
        body: { subscribe_to_all_services: true, service_ids: [b.id] },
      }),
      'service_ids',
    );
    expect(await channelState(t.sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for unknown or archived service ids, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    const archived = await createService(t.http, t.admin);
    expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(t.sql, channel.id);
    const unknown = randomUUID();
    for (const ids of [[unknown], [a.id, unknown], [archived.id]]) {
      const response = await t.http.put(subscriptionsPath(channel.id), {
        token: user.token,
        body: { service_ids: ids },
      });
      expectValidationError(response, 'service_ids');
      expect(response.body.error.message).toContain(ids.at(-1));
    }
    expect(await channelState(t.sql, channel.id)).toEqual(before);
  });

  it('set answers 400 for wrong types, unknown fields, a bad id and malformed JSON, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(t.sql, channel.id);
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
      expectValidationError(await t.http.put(subscriptionsPath(channel.id), { token: user.token, body }), field);
    }
    expectPlainError(
      await t.http.put(subscriptionsPath('not-a-uuid'), { token: user.token, body: { service_ids: [] } }),
      404,
    );
    expectError(
      await t.http.put(subscriptionsPath(channel.id), { token: user.token, raw: '{"service_ids":[' }),
      400,
      'fields',
    );
    expect(await channelState(t.sql, channel.id)).toEqual(before);
  });

  it('set answers 400 to a JSON body that is not an object, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const a = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id] });
    const before = await channelState(t.sql, channel.id);
    for (const raw of ['[]', 'null', '5']) {
      expectError(await t.http.put(subscriptionsPath(channel.id), { token: user.token, raw }), 400, 'fields');
    }
    expect(await channelState(t.sql, channel.id)).toEqual(before);
  });

  it('set answers 403 for another user’s channel and 404 for an unknown one, changing nothing', async () => {
    const { user, channel } = await userWithVerifiedChannel();
    const other = await newUser();
    const a = await createService(t.http, t.admin);
    const before = await userNotificationState(t.sql, user.id);
    expectPlainError(
      await t.http.put(subscriptionsPath(channel.id), { token: other.token, body: { service_ids: [a.id] } }),
      403,
    );
    expectPlainError(
      await t.http.put(subscriptionsPath(randomUUID()), { token: user.token, body: { service_ids: [a.id] } }),
      404,
    );
    expect(await userNotificationState(t.sql, user.id)).toEqual(before);
  });

  it('set answers 401 without credentials', async () => {
    expectPlainError(await t.http.put(subscriptionsPath(randomUUID()), { body: { service_ids: [] } }), 401);
  });
});

describe('subscriptions one-click unsubscribe', () => {
  /** A verified channel following two services, and one following all. */
  async function subscribedChannels() {
    const { user, channel } = await userWithVerifiedChannel();
    const [defaultChannel] = await listChannels(t.http, user.token);
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    await setSubscriptions(t.http, user.token, channel.id, { service_ids: [a.id, b.id] });
    await setSubscriptions(t.http, user.token, defaultChannel?.id ?? '', { subscribe_to_all_services: true });
    return { user, listChannel: channel, allChannel: defaultChannel as NonNullable<typeof defaultChannel> };
  }

  it('GET shows a confirmation form posting back to the link and changes nothing', async () => {
    const { user, listChannel } = await subscribedChannels();
    const before = await userNotificationState(t.sql, user.id);
    const token = unsubscribeToken(listChannel.id, APP_SECRET);
    const response = await t.http.get(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.text).toMatch(/<form[^>]*method="post"/i);
    expect(response.text).toContain(encodeURIComponent(token));
    expect(await userNotificationState(t.sql, user.id)).toEqual(before);
  });

  it('POST with a valid token stops the channel following its services, and only that channel', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const token = unsubscribeToken(listChannel.id, APP_SECRET);
    const response = await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');

    const matrix = await getMatrix(t.http, user.token);
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
    const response = await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`, {
      raw: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status, response.text).toBe(200);
    const byId = new Map((await getMatrix(t.http, user.token)).map((item) => [item.channel.id, item]));
    expect(byId.get(allChannel.id)).toMatchObject({ subscribe_to_all_services: false, subscribed_service_ids: [] });
    expect(byId.get(listChannel.id)?.subscribed_service_ids).toHaveLength(2);

    // Using the link again is harmless.
    const again = await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
    expect(again.status, again.text).toBe(200);
  });

  it('tokens carry a version, the channel, the day they were issued and a signature', async () => {
    const { listChannel } = await subscribedChannels();
    const token = unsubscribeToken(listChannel.id, APP_SECRET);
    const [version, id, day, signature, ...rest] = token.split('.');
    expect(version).toBe('v1');
    expect(id).toBe(listChannel.id);
    expect(Number.parseInt(day ?? '', 36)).toBe(Math.floor(Date.now() / 86_400_000));
    expect(signature).toMatch(/^[\w-]{43}$/);
    expect(rest).toEqual([]);
  });

  it('POST answers 400 for a tampered, foreign, expired, unversioned or missing token and changes nothing', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const before = await userNotificationState(t.sql, user.id);
    const valid = unsubscribeToken(listChannel.id, APP_SECRET);
    const [version, , day, signature = ''] = valid.split('.');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const legacySignature = createHmac('sha256', APP_SECRET)
      .update(`unsubscribe:${listChannel.id}`)
      .digest('base64url');
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const tokens = [
      `${version}.${listChannel.id}.${day}.${flipped}`,
      // The signature of one channel on another channel's id.
      `${version}.${allChannel.id}.${day}.${signature}`,
      // Another day with the same signature (moving the expiry).
      `${version}.${listChannel.id}.${(Number.parseInt(day ?? '0', 36) + 30).toString(36)}.${signature}`,
      `v2.${listChannel.id}.${day}.${signature}`,
      unsubscribeToken(listChannel.id, 'another-secret-of-sufficient-length'),
      // Past the links' lifetime, however well signed.
      unsubscribeToken(listChannel.id, APP_SECRET, daysAgo(91)),
      unsubscribeToken(listChannel.id, PREVIOUS_SECRET, daysAgo(91)),
      // The unversioned format (an HMAC of the id alone): forever valid, so no longer accepted.
      `${listChannel.id}.${legacySignature}`,
      `${valid}.extra`,
      listChannel.id,
      `${listChannel.id}.`,
      'garbage',
    ];
    for (const token of tokens) {
      const response = await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(token)}`);
      expect(response.status, `${token}: ${response.text}`).toBe(400);
    }
    expect((await t.http.post(UNSUBSCRIBE)).status).toBe(400);
    expect(await userNotificationState(t.sql, user.id)).toEqual(before);
  });

  it('POST accepts a link signed with APP_SECRET_PREVIOUS (rotation) and one issued 89 days ago', async () => {
    const { user, listChannel, allChannel } = await subscribedChannels();
    const previous = unsubscribeToken(listChannel.id, PREVIOUS_SECRET);
    expect((await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(previous)}`)).status).toBe(200);
    const old = unsubscribeToken(allChannel.id, APP_SECRET, new Date(Date.now() - 89 * 86_400_000));
    expect((await t.http.post(`${UNSUBSCRIBE}?token=${encodeURIComponent(old)}`)).status).toBe(200);
    const byId = new Map((await getMatrix(t.http, user.token)).map((item) => [item.channel.id, item]));
    expect(byId.get(listChannel.id)?.subscribed_service_ids).toEqual([]);
    expect(byId.get(allChannel.id)?.subscribe_to_all_services).toBe(false);
  });
});
