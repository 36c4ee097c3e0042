import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATTERMOST_PROBE_FAILURE } from '../src/notifications/probe';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { dataOf, expectPlainError, expectValidationError } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken } from './support/factories';
import {
  type FakeTelegram,
  type FakeWebhooks,
  startFakeTelegram,
  startFakeWebhooks,
  telegramFailures,
  unreachableUrl,
} from './support/fakes';
import { expectError, expectNoContent, openDatabase, registerAccount, type Sql, signIn } from './support/identity';
import {
  channelState,
  confirmDefaultChannel,
  createChannel,
  expectChannelShape,
  latestCode,
  listChannels,
  otherCode,
  outboxRows,
  passResendCooldown,
  uniqueAddress,
  userNotificationState,
  verificationCodes,
  verifiedEmailChannel,
  type WireChannel,
} from './support/notifications';

const BOT_TOKEN = '123456:fake-bot-token';
/** What every failed Mattermost verification answers (no port-scan oracle). */
const MATTERMOST_FAILURE = `channel verification failed: ${MATTERMOST_PROBE_FAILURE}`;
const BOT_USERNAME = 'statuspage_test_bot';

let api: ApiServer;
let http: Http;
let sql: Sql;
let telegram: FakeTelegram;
let webhooks: FakeWebhooks;

beforeAll(async () => {
  telegram = await startFakeTelegram({ token: BOT_TOKEN });
  webhooks = await startFakeWebhooks();
  api = await startTestApi({
    NOTIFICATIONS_TELEGRAM_ENABLED: 'true',
    NOTIFICATIONS_TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    NOTIFICATIONS_TELEGRAM_BOT_USERNAME: BOT_USERNAME,
    NOTIFICATIONS_TELEGRAM_API_URL: telegram.apiRoot,
    NOTIFICATIONS_PROBE_TIMEOUT: '3s',
  });
  http = createHttp(api.url);
  sql = openDatabase();
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await api.close();
  await telegram.close();
  await webhooks.close();
});

interface User {
  id: string;
  email: string;
  token: string;
}

/** A newly registered `user`, signed in (bearer). */
async function newUser(client: Http = http): Promise<User> {
  const account = await registerAccount(client);
  const session = await signIn(client, account.email, account.password);
  return { id: account.id, email: account.email, token: session.access };
}

const uniqueChatId = () => String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));

const channelPath = (id: string, suffix = '') => `/api/v1/me/channels/${id}${suffix}`;

describe('channels list', () => {
  it('list answers 401 without credentials', async () => {
    expectPlainError(await http.get('/api/v1/me/channels'), 401);
    expectPlainError(await http.get('/api/v1/me/channels', { token: 'not-a-token' }), 401);
  });

  it('list shows only the caller’s channels, the default first, then oldest first', async () => {
    const user = await newUser();
    const other = await newUser();
    const mattermost = await createChannel(http, user.token, 'mattermost', webhooks.url());
    const email = await createChannel(http, user.token, 'email', uniqueAddress());
    await createChannel(http, other.token, 'email', uniqueAddress());

    const channels = await listChannels(http, user.token);
    expect(channels).toHaveLength(3);
    expect(channels[0]).toMatchObject({ is_default: true, type: 'email', target: user.email });
    expect(channels.slice(1).map((channel) => channel.id)).toEqual([mattermost.id, email.id]);
    for (const channel of channels) expect(channel.user_id).toBe(user.id);
  });
});

describe('channels default e-mail channel', () => {
  it('registration creates an unverified default e-mail channel and e-mails it a code through the outbox', async () => {
    const email = `${unique('Reg')}@Example.test`;
    const registered = await http.post('/api/v1/auth/register', { body: { email, password: 'correct-horse-1' } });
    expect(registered.status, registered.text).toBe(201);
    const session = await signIn(http, email, 'correct-horse-1');

    const channels = await listChannels(http, session.access);
    expect(channels).toHaveLength(1);
    const [channel] = channels;
    // Nobody has proved the address is the registrant's: nothing is sent to it but its code.
    expectChannelShape(channel, {
      user_id: registered.body.data.id,
      type: 'email',
      target: email.toLowerCase(),
      is_enabled: true,
      is_verified: false,
      is_default: true,
    });
    const codes = await verificationCodes(sql, channel.id);
    expect(codes).toHaveLength(1);
    const [delivery] = (await channelState(sql, channel.id)).deliveries;
    const outbox = await outboxRows(sql, 'notification.deliver', 'delivery_id', String(delivery?.id));
    expect(outbox.map((row) => row.payload.priority)).toEqual(['high']);

    // Subscriptions wait for the address to be confirmed.
    const early = await http.put(channelPath(channel.id, '/subscriptions'), {
      token: session.access,
      body: { subscribe_to_all_services: true },
    });
    expect(early.status, early.text).toBe(400);
    expect(early.body.error.message).toMatch(/verify the channel/);
    const verified = dataOf<WireChannel>(
      await http.post(channelPath(channel.id, '/verify'), { token: session.access, body: { code: codes[0] } }),
    );
    expectChannelShape(verified, { id: channel.id, is_verified: true, is_default: true });
  });

  it('admin user creation creates the same unverified default e-mail channel, with its code', async () => {
    const admin = await adminToken(http);
    const email = `${unique('adm')}@example.test`;
    const created = await http.post('/api/v1/users', {
      token: admin,
      body: { email, password: 'correct-horse-1', role: 'operator' },
    });
    expect(created.status, created.text).toBe(201);
    const rows = await sql<{ id: string; type: string; target: string; is_verified: boolean; is_default: boolean }[]>`
      select id, type, target, is_verified, is_default from notification_channels where user_id = ${created.body.data.id}`;
    expect(rows).toEqual([
      { id: expect.any(String), type: 'email', target: email, is_verified: false, is_default: true },
    ]);
    expect(await verificationCodes(sql, rows[0]?.id ?? '')).toHaveLength(1);

    const session = await signIn(http, email, 'correct-horse-1');
    const channels = await listChannels(http, session.access);
    expect(channels).toHaveLength(1);
    expect(channels[0]).toMatchObject({ is_default: true, is_verified: false, target: email });
  });

  it('delete answers 409 for the default channel and keeps it', async () => {
    const user = await newUser();
    const [channel] = await listChannels(http, user.token);
    const before = await channelState(sql, channel?.id ?? '');
    expectPlainError(await http.delete(channelPath(channel?.id ?? ''), { token: user.token }), 409);
    expect(await channelState(sql, channel?.id ?? '')).toEqual(before);
    expect(await listChannels(http, user.token)).toEqual([channel]);
  });

  it('the default channel can be disabled and enabled again', async () => {
    const user = await newUser();
    const channel = await confirmDefaultChannel(http, sql, user.token);
    const off = dataOf<WireChannel>(
      await http.patch(channelPath(channel?.id ?? ''), { token: user.token, body: { is_enabled: false } }),
    );
    expectChannelShape(off, { id: channel?.id, is_enabled: false, is_default: true, is_verified: true });
    const on = dataOf<WireChannel>(
      await http.patch(channelPath(channel?.id ?? ''), { token: user.token, body: { is_enabled: true } }),
    );
    expect(on.is_enabled).toBe(true);
  });
});

describe('channels create', () => {
  it('create answers 201 with an unverified e-mail channel and queues its code in the same transaction', async () => {
    const user = await newUser();
    const address = uniqueAddress('mixed');
    const channel = await createChannel(http, user.token, 'email', address.toUpperCase());
    expectChannelShape(channel, {
      user_id: user.id,
      type: 'email',
      target: address.toLowerCase(),
      is_enabled: true,
      is_verified: false,
      is_default: false,
    });
    expect(channel.created_at).toBe(channel.updated_at);

    // One verification message, one pending delivery to the address, one high-priority outbox row.
    const messages = await sql<{ id: string; kind: string; event_id: string | null; payload: { code: string } }[]>`
      select m.id::text, m.kind, m.event_id, m.payload
      from notification_messages m join notification_deliveries d on d.message_id = m.id
      where d.channel_id = ${channel.id}`;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: 'verification', event_id: null });
    expect(messages[0]?.payload.code).toMatch(/^\d{6}$/);
    const deliveries = await sql<
      { id: string; channel_type: string; target: string; state: string; attempts: number }[]
    >`select id::text, channel_type, target, state, attempts from notification_deliveries where channel_id = ${channel.id}`;
    expect(deliveries).toEqual([
      { id: expect.any(String), channel_type: 'email', target: address.toLowerCase(), state: 'pending', attempts: 0 },
    ]);
    const outbox = await outboxRows(sql, 'notification.deliver', 'delivery_id', deliveries[0]?.id ?? '');
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.payload).toEqual({ delivery_id: Number(deliveries[0]?.id), priority: 'high' });

    // Only the code's hash is stored with the pending verification.
    const [pending] = await sql<{ code_hash: string; attempts: number; expires_at: Date; sent_at: Date }[]>`
      select code_hash, attempts, expires_at, sent_at from channel_verifications where channel_id = ${channel.id}`;
    expect(pending?.attempts).toBe(0);
    expect(pending?.code_hash).not.toContain(messages[0]?.payload.code);
    const ttl = (pending?.expires_at.getTime() ?? 0) - (pending?.sent_at.getTime() ?? 0);
    expect(ttl).toBe(15 * 60 * 1000);
  });

  it('create answers 201 for Telegram chat ids and @channel names, without a code', async () => {
    const user = await newUser();
    for (const target of [uniqueChatId(), `-100${uniqueChatId()}`, `@${unique('chan').replaceAll('-', '_')}`]) {
      const channel = await createChannel(http, user.token, 'telegram', target);
      expect(channel).toMatchObject({ user_id: user.id, type: 'telegram', target });
      expect(await verificationCodes(sql, channel.id)).toEqual([]);
      expect((await channelState(sql, channel.id)).verification).toEqual([]);
    }
  });

  it('create answers 201 for a Mattermost webhook URL, without a code', async () => {
    const user = await newUser();
    const url = webhooks.url();
    const channel = await createChannel(http, user.token, 'mattermost', url);
    expect(channel).toMatchObject({ user_id: user.id, type: 'mattermost', target: url });
    expect(await verificationCodes(sql, channel.id)).toEqual([]);
    // Creating does not call the webhook; verifying does.
    expect(webhooks.received(url)).toEqual([]);
  });

  it('create answers 409 for the same type and target twice (e-mail compared without case)', async () => {
    const user = await newUser();
    const address = uniqueAddress();
    await createChannel(http, user.token, 'email', address);
    const chatId = uniqueChatId();
    await createChannel(http, user.token, 'telegram', chatId);
    const url = webhooks.url();
    await createChannel(http, user.token, 'mattermost', url);
    const before = await userNotificationState(sql, user.id);

    for (const body of [
      { type: 'email', target: address },
      { type: 'email', target: address.toUpperCase() },
      { type: 'email', target: user.email },
      { type: 'telegram', target: chatId },
      { type: 'mattermost', target: url },
    ]) {
      expectPlainError(await http.post('/api/v1/me/channels', { token: user.token, body }), 409);
    }
    expect(await userNotificationState(sql, user.id)).toEqual(before);

    // Another user may use the same targets (an address once its resend cooldown has passed).
    const other = await newUser();
    await passResendCooldown(sql, address);
    await createChannel(http, other.token, 'email', address);
    await createChannel(http, other.token, 'telegram', chatId);
    await createChannel(http, other.token, 'mattermost', url);
  });

  it('create answers 400 naming the field for missing, wrong-typed, unknown and invalid values, changing nothing', async () => {
    const user = await newUser();
    const before = await userNotificationState(sql, user.id);
    const cases: [unknown, string][] = [
      [{ target: uniqueAddress() }, 'type'],
      [{ type: 'email' }, 'target'],
      [{ type: 'sms', target: '+15550100' }, 'type'],
      [{ type: 1, target: uniqueAddress() }, 'type'],
      [{ type: 'email', target: 42 }, 'target'],
      [{ type: 'email', target: '' }, 'target'],
      [{ type: 'email', target: 'not-an-address' }, 'target'],
      [{ type: 'telegram', target: 'alice' }, 'target'],
      [{ type: 'telegram', target: '12ab' }, 'target'],
      [{ type: 'mattermost', target: 'not a url' }, 'target'],
      [{ type: 'mattermost', target: 'ftp://chat.example.test/hooks/abc' }, 'target'],
      [{ type: 'email', target: uniqueAddress(), is_verified: true }, 'is_verified'],
      [{ type: 'email', target: uniqueAddress(), is_default: true }, 'is_default'],
    ];
    for (const [body, field] of cases) {
      expectValidationError(await http.post('/api/v1/me/channels', { token: user.token, body }), field);
    }
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('create answers 400 with the envelope to a malformed or non-object JSON body', async () => {
    const user = await newUser();
    const before = await userNotificationState(sql, user.id);
    expectError(await http.post('/api/v1/me/channels', { token: user.token, raw: '{"type":"email",' }), 400, 'fields');
    expectError(await http.post('/api/v1/me/channels', { token: user.token, raw: '["email"]' }), 400, 'fields');
    expectError(await http.post('/api/v1/me/channels', { token: user.token, raw: 'null' }), 400, 'fields');
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('create with cookie credentials needs the CSRF token (403 without it)', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const body = { type: 'email', target: uniqueAddress() };
    expectPlainError(await http.post('/api/v1/me/channels', { cookie: session.cookie, body }), 403);
    const created = await http.post('/api/v1/me/channels', {
      cookie: session.cookie,
      headers: { 'x-csrf-token': session.csrf },
      body,
    });
    expect(created.status, created.text).toBe(201);
    expect(await listChannels(http, session.access)).toHaveLength(2);
  });

  it('create answers 401 without credentials', async () => {
    expectPlainError(await http.post('/api/v1/me/channels', { body: { type: 'email', target: uniqueAddress() } }), 401);
  });
});

describe('channels update', () => {
  it('update disables and enables a channel, answering the channel', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'mattermost', webhooks.url());
    const off = dataOf<WireChannel>(
      await http.patch(channelPath(channel.id), { token: user.token, body: { is_enabled: false } }),
    );
    expectChannelShape(off, { ...channel, is_enabled: false, updated_at: off.updated_at });
    expect(Date.parse(off.updated_at)).toBeGreaterThanOrEqual(Date.parse(channel.updated_at));
    expect((await listChannels(http, user.token)).find((item) => item.id === channel.id)?.is_enabled).toBe(false);

    const on = dataOf<WireChannel>(
      await http.patch(channelPath(channel.id), { token: user.token, body: { is_enabled: true } }),
    );
    expect(on.is_enabled).toBe(true);
  });

  it('update with an empty body answers the channel unchanged', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const same = dataOf<WireChannel>(await http.patch(channelPath(channel.id), { token: user.token, body: {} }));
    expectChannelShape(same, { id: channel.id, is_enabled: true, is_verified: false, target: channel.target });
  });

  it('update answers 400 for wrong types, unknown fields, a bad id and malformed JSON, changing nothing', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const before = await channelState(sql, channel.id);
    for (const [body, field] of [
      [{ is_enabled: 'false' }, 'is_enabled'],
      [{ is_enabled: 0 }, 'is_enabled'],
      [{ is_enabled: null }, 'is_enabled'],
      [{ target: uniqueAddress() }, 'target'],
      [{ is_verified: true }, 'is_verified'],
      [{ is_default: true }, 'is_default'],
    ] as const) {
      expectValidationError(await http.patch(channelPath(channel.id), { token: user.token, body }), field);
    }
    // An id that is not a uuid names no channel: 404, like every path id.
    expectPlainError(
      await http.patch(channelPath('not-a-uuid'), { token: user.token, body: { is_enabled: false } }),
      404,
    );
    expectError(await http.patch(channelPath(channel.id), { token: user.token, raw: '{"is_enabled":' }), 400, 'fields');
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('update answers 403 for another user’s channel and 404 for an unknown one', async () => {
    const owner = await newUser();
    const other = await newUser();
    const channel = await createChannel(http, owner.token, 'email', uniqueAddress());
    const before = await channelState(sql, channel.id);
    expectPlainError(
      await http.patch(channelPath(channel.id), { token: other.token, body: { is_enabled: false } }),
      403,
    );
    expectPlainError(
      await http.patch(channelPath(randomUUID()), { token: owner.token, body: { is_enabled: false } }),
      404,
    );
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('update answers 401 without credentials', async () => {
    expectPlainError(await http.patch(channelPath(randomUUID()), { body: { is_enabled: false } }), 401);
  });
});

describe('channels delete', () => {
  it('delete answers 204 and removes the channel with its code and subscriptions', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const deliveries = (await channelState(sql, channel.id)).deliveries;
    expect(deliveries).toHaveLength(1);

    expectNoContent(await http.delete(channelPath(channel.id), { token: user.token }));
    expect((await listChannels(http, user.token)).map((item) => item.id)).not.toContain(channel.id);
    const after = await channelState(sql, channel.id);
    expect(after.channel).toBeUndefined();
    expect(after.verification).toEqual([]);
    // The delivery history stays (without its channel).
    const kept = await sql`select channel_id from notification_deliveries where id = ${deliveries[0]?.id}`;
    expect(kept).toEqual([{ channel_id: null }]);

    expectPlainError(await http.delete(channelPath(channel.id), { token: user.token }), 404);
  });

  it('delete removes a verified channel’s subscriptions', async () => {
    const user = await newUser();
    const admin = await adminToken(http);
    const service = await http.post('/api/v1/services', {
      token: admin,
      body: { name: unique('Svc'), slug: unique('svc') },
    });
    expect(service.status, service.text).toBe(201);
    const channel = await verifiedEmailChannel(http, sql, user.token);
    const put = await http.put(channelPath(channel.id, '/subscriptions'), {
      token: user.token,
      body: { service_ids: [service.body.data.id] },
    });
    expect(put.status, put.text).toBe(200);
    expectNoContent(await http.delete(channelPath(channel.id), { token: user.token }));
    expect((await channelState(sql, channel.id)).subscriptions).toEqual([]);
  });

  it('delete answers 403 for another user’s channel, 404 for an unknown one and for a bad id', async () => {
    const owner = await newUser();
    const other = await newUser();
    const channel = await createChannel(http, owner.token, 'telegram', uniqueChatId());
    expectPlainError(await http.delete(channelPath(channel.id), { token: other.token }), 403);
    expectPlainError(await http.delete(channelPath(randomUUID()), { token: owner.token }), 404);
    expectPlainError(await http.delete(channelPath('123'), { token: owner.token }), 404);
    expect((await listChannels(http, owner.token)).map((item) => item.id)).toContain(channel.id);
  });

  it('delete answers 401 without credentials', async () => {
    expectPlainError(await http.delete(channelPath(randomUUID())), 401);
  });
});

describe('channels e-mail verification', () => {
  it('verify with the right code answers 200 with the verified channel and removes the pending code', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const code = await latestCode(sql, channel.id);
    const verified = dataOf<WireChannel>(
      await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code } }),
    );
    expectChannelShape(verified, { ...channel, is_verified: true, updated_at: verified.updated_at });
    expect((await channelState(sql, channel.id)).verification).toEqual([]);
    expect((await listChannels(http, user.token)).find((item) => item.id === channel.id)?.is_verified).toBe(true);

    // Verifying again is harmless.
    const again = dataOf<WireChannel>(
      await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code } }),
    );
    expect(again.is_verified).toBe(true);
  });

  it('verify answers 400 for a wrong code, counts the attempt, and the right code still works', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const code = await latestCode(sql, channel.id);
    const wrong = await http.post(channelPath(channel.id, '/verify'), {
      token: user.token,
      body: { code: otherCode(code) },
    });
    expect(wrong.status, wrong.text).toBe(400);
    expect(wrong.body.error.message).toMatch(/code/i);
    const [pending] = await sql<{ attempts: number }[]>`
      select attempts from channel_verifications where channel_id = ${channel.id}`;
    expect(pending?.attempts).toBe(1);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);

    const ok = await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.is_verified).toBe(true);
  });

  it('verify answers 400 for a missing, malformed or wrong-typed code and unknown fields, counting no attempt', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const before = await channelState(sql, channel.id);
    const path = channelPath(channel.id, '/verify');
    expectValidationError(await http.post(path, { token: user.token, body: {} }), 'code');
    expectValidationError(await http.post(path, { token: user.token }), 'code');
    for (const code of ['12345', '1234567', 'abcdef', ' 123456', 123456, null]) {
      expectValidationError(await http.post(path, { token: user.token, body: { code } }), 'code');
    }
    const code = await latestCode(sql, channel.id);
    expectValidationError(
      await http.post(path, { token: user.token, body: { code, is_verified: true } }),
      'is_verified',
    );
    expectError(await http.post(path, { token: user.token, raw: '{"code":"1' }), 400, 'fields');
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('verify answers 429 after too many wrong codes, even for the right code, until a new code is sent', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const code = await latestCode(sql, channel.id);
    const path = channelPath(channel.id, '/verify');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const wrong = await http.post(path, { token: user.token, body: { code: otherCode(code) } });
      expect(wrong.status, `attempt ${attempt}: ${wrong.text}`).toBe(400);
    }
    const blocked = await http.post(path, { token: user.token, body: { code } });
    expectPlainError(blocked, 429);
    expect(blocked.body.error.message).toMatch(/too many attempts/i);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);

    // A new code (once the resend cooldown has passed) opens verification again; the old code is void.
    await passResendCooldown(sql, channel.target);
    const resent = await http.post(channelPath(channel.id, '/resend-code'), { token: user.token });
    expect(resent.status, resent.text).toBe(200);
    const fresh = await latestCode(sql, channel.id);
    if (fresh !== code) expect((await http.post(path, { token: user.token, body: { code } })).status).toBe(400);
    const ok = await http.post(path, { token: user.token, body: { code: fresh } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.is_verified).toBe(true);
  });

  it('verify answers 403 for another user’s channel and 404 for an unknown one', async () => {
    const owner = await newUser();
    const other = await newUser();
    const channel = await createChannel(http, owner.token, 'email', uniqueAddress());
    const code = await latestCode(sql, channel.id);
    const before = await channelState(sql, channel.id);
    expectPlainError(await http.post(channelPath(channel.id, '/verify'), { token: other.token, body: { code } }), 403);
    expectPlainError(
      await http.post(channelPath(randomUUID(), '/verify'), { token: owner.token, body: { code } }),
      404,
    );
    expectPlainError(await http.post(channelPath('nope', '/verify'), { token: owner.token, body: { code } }), 404);
    expect(await channelState(sql, channel.id)).toEqual(before);
  });

  it('verify answers 401 without credentials', async () => {
    expectPlainError(await http.post(channelPath(randomUUID(), '/verify'), { body: { code: '123456' } }), 401);
  });
});

describe('channels e-mail verification code expiry', () => {
  let shortApi: ApiServer;
  let shortHttp: Http;
  beforeAll(async () => {
    shortApi = await startTestApi({ NOTIFICATIONS_VERIFICATION_CODE_TTL: '1s' });
    shortHttp = createHttp(shortApi.url);
  });
  afterAll(() => shortApi.close());

  it('verify answers 400 for an expired code, and a resent code works', async () => {
    const user = await newUser(shortHttp);
    const channel = await createChannel(shortHttp, user.token, 'email', uniqueAddress());
    const code = await latestCode(sql, channel.id);
    await new Promise((resolve) => setTimeout(resolve, 1_300));

    const expired = await shortHttp.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code } });
    expect(expired.status, expired.text).toBe(400);
    expect(expired.body.error.message).toMatch(/expired/i);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);

    await passResendCooldown(sql, channel.target);
    const resent = await shortHttp.post(channelPath(channel.id, '/resend-code'), { token: user.token });
    expect(resent.status, resent.text).toBe(200);
    const fresh = await latestCode(sql, channel.id);
    const ok = await shortHttp.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code: fresh } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.is_verified).toBe(true);
  });
});

describe('channels verification e-mail limits', () => {
  it('create answers 429 within the cooldown of the address, even after the channel was deleted, changing nothing', async () => {
    const user = await newUser();
    const address = uniqueAddress('cycle');
    const first = await createChannel(http, user.token, 'email', address);
    expectNoContent(await http.delete(channelPath(first.id), { token: user.token }));
    const before = await userNotificationState(sql, user.id);

    const again = await http.post('/api/v1/me/channels', {
      token: user.token,
      body: { type: 'email', target: address },
    });
    expectPlainError(again, 429);
    expect(again.body.error.message).toMatch(/please wait before requesting a new code/);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await userNotificationState(sql, user.id)).toEqual(before);
    // Another user asking for the same address waits too: the cooldown belongs to the address.
    const other = await newUser();
    const theirs = await http.post('/api/v1/me/channels', {
      token: other.token,
      body: { type: 'email', target: address },
    });
    expectPlainError(theirs, 429);
  });

  it('an address receives at most 5 codes an hour, whoever asks and however often channels are re-created', async () => {
    const address = uniqueAddress('flood');
    const statuses: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      const user = await newUser();
      await passResendCooldown(sql, address);
      const created = await http.post('/api/v1/me/channels', {
        token: user.token,
        body: { type: 'email', target: address },
      });
      statuses.push(created.status);
      if (created.status === 429) {
        expect(created.body.error.message).toMatch(/too many verification codes/);
        expect(Number(created.headers.get('retry-after'))).toBeGreaterThan(60);
      } else {
        expectNoContent(await http.delete(channelPath(created.body.data.id), { token: user.token }));
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const [sent] = await sql<{ count: number }[]>`
      select count(*)::int as count from notification_deliveries d join notification_messages m on m.id = d.message_id
      where m.kind = 'verification' and d.target = ${address}`;
    expect(sent?.count).toBe(5);
  });

  it('a user has at most 10 codes sent an hour (its registration code included), on any addresses', async () => {
    const user = await newUser();
    const statuses: number[] = [];
    for (let index = 0; index < 11; index += 1) {
      const created = await http.post('/api/v1/me/channels', {
        token: user.token,
        body: { type: 'email', target: uniqueAddress(`user-limit-${index}`) },
      });
      statuses.push(created.status);
    }
    expect(statuses).toEqual([...Array(9).fill(201), 429, 429]);
    const refused = await http.post(channelPath((await listChannels(http, user.token))[1]?.id ?? '', '/resend-code'), {
      token: user.token,
    });
    expectPlainError(refused, 429);
  });
});

describe('channels resend code', () => {
  it('resend answers 429 with Retry-After within the cooldown, sending nothing', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const before = await channelState(sql, channel.id);
    const response = await http.post(channelPath(channel.id, '/resend-code'), { token: user.token });
    expectPlainError(response, 429);
    expect(response.body.error.message).toMatch(/please wait before requesting a new code/);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await channelState(sql, channel.id)).toEqual(before);
    expect(await verificationCodes(sql, channel.id)).toHaveLength(1);
  });

  it('resend after the cooldown answers 200, sends a new code that works while the old one does not', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'email', uniqueAddress());
    const first = await latestCode(sql, channel.id);
    // One wrong attempt on the first code: a new code starts its attempts over.
    await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code: otherCode(first) } });
    await passResendCooldown(sql, channel.target);

    const response = await http.post(channelPath(channel.id, '/resend-code'), { token: user.token });
    expect(dataOf<{ message: string }>(response)).toEqual({ message: expect.any(String) });
    expect(Object.keys(response.body.data)).toEqual(['message']);
    const codes = await verificationCodes(sql, channel.id);
    expect(codes).toHaveLength(2);
    const [pending] = await sql<{ attempts: number }[]>`
      select attempts from channel_verifications where channel_id = ${channel.id}`;
    expect(pending?.attempts).toBe(0);
    const deliveries = (await channelState(sql, channel.id)).deliveries;
    expect(deliveries).toHaveLength(2);
    const outbox = await outboxRows(sql, 'notification.deliver', 'delivery_id', deliveries[1]?.id ?? '');
    expect(outbox.map((row) => row.payload.priority)).toEqual(['high']);

    // The cooldown starts again with the new code.
    expectPlainError(await http.post(channelPath(channel.id, '/resend-code'), { token: user.token }), 429);

    const fresh = codes[0] ?? '';
    if (fresh !== first) {
      const old = await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code: first } });
      expect(old.status, old.text).toBe(400);
    }
    const ok = await http.post(channelPath(channel.id, '/verify'), { token: user.token, body: { code: fresh } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('resend answers 400 for a verified channel and for Telegram and Mattermost channels', async () => {
    const user = await newUser();
    const defaultChannel = await confirmDefaultChannel(http, sql, user.token);
    const verified = await verifiedEmailChannel(http, sql, user.token);
    const tg = await createChannel(http, user.token, 'telegram', uniqueChatId());
    const mm = await createChannel(http, user.token, 'mattermost', webhooks.url());
    const before = await userNotificationState(sql, user.id);
    for (const id of [defaultChannel?.id ?? '', verified.id, tg.id, mm.id]) {
      const response = await http.post(channelPath(id, '/resend-code'), { token: user.token });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
    }
    const verifiedAnswer = await http.post(channelPath(verified.id, '/resend-code'), { token: user.token });
    expect(verifiedAnswer.body.error.message).toMatch(/already verified/i);
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('resend answers 403 for another user’s channel, 404 for an unknown one, 401 without credentials', async () => {
    const owner = await newUser();
    const other = await newUser();
    const channel = await createChannel(http, owner.token, 'email', uniqueAddress());
    await passResendCooldown(sql, channel.target);
    expectPlainError(await http.post(channelPath(channel.id, '/resend-code'), { token: other.token }), 403);
    expectPlainError(await http.post(channelPath(randomUUID(), '/resend-code'), { token: owner.token }), 404);
    expectPlainError(await http.post(channelPath(channel.id, '/resend-code')), 401);
    expect(await verificationCodes(sql, channel.id)).toHaveLength(1);
  });
});

/**
 * What a channel's owner does for Telegram: asks to verify, reads the deep link in the 422 answer and
 * opens it in the chat (the bot then receives `/start <parameter>` from that chat). Answers the parameter.
 */
async function openDeepLink(
  client: Http,
  token: string,
  channelId: string,
  chat: { id: string | number; username?: string; type?: 'private' | 'group' | 'channel' },
) {
  const answer = await client.post(channelPath(channelId, '/verify'), { token });
  expectPlainError(answer, 422);
  const start = /https:\/\/t\.me\/\w+\?start=([\w-]+)/.exec(answer.body.error.message)?.[1];
  expect(start, answer.body.error.message).toMatch(/^[\w-]{16,64}$/);
  telegram.receive(chat, `/start ${start}`);
  return start as string;
}

describe('channels telegram verification', () => {
  it('verify answers 422 with the bot deep link until the chat pressed Start on it, sending nothing', async () => {
    const user = await newUser();
    const chatId = uniqueChatId();
    const channel = await createChannel(http, user.token, 'telegram', chatId);
    const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toContain(`https://t.me/${BOT_USERNAME}?start=`);
    expect(failed.body.error.message).toMatch(/press Start/);
    // A chat id alone proves nothing: no message goes to it before it confirmed.
    expect(telegram.messages(chatId)).toHaveLength(0);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });

  it('verify sends a test message through the Bot API once the chat opened the deep link, and answers 200', async () => {
    const user = await newUser();
    const chatId = uniqueChatId();
    const channel = await createChannel(http, user.token, 'telegram', chatId);
    await openDeepLink(http, user.token, channel.id, { id: chatId });
    const response = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    const verified = dataOf<WireChannel>(response);
    expectChannelShape(verified, { id: channel.id, type: 'telegram', target: chatId, is_verified: true });

    const sent = telegram.messages(chatId);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.token).toBe(BOT_TOKEN);
    // Exactly the Bot API's parameters (no client-side options leaking into the request).
    expect(Object.keys(sent[0]?.body ?? {}).sort()).toEqual(['chat_id', 'text']);
    expect(String(sent[0]?.body.chat_id)).toBe(chatId);
    expect(sent[0]?.body.text).toEqual(expect.any(String));
  });

  it('verify refuses someone else’s chat: one that pressed Start for its own channel, or a link opened elsewhere', async () => {
    const victim = await newUser();
    const attacker = await newUser();
    const victimChat = uniqueChatId();
    const attackerChat = uniqueChatId();
    // The victim verifies their own channel on their chat.
    const own = await createChannel(http, victim.token, 'telegram', victimChat);
    const victimStart = await openDeepLink(http, victim.token, own.id, { id: victimChat });
    expect((await http.post(channelPath(own.id, '/verify'), { token: victim.token })).status).toBe(200);

    // The attacker adds the victim's chat id and opens the deep link in their own chat.
    const stolen = await createChannel(http, attacker.token, 'telegram', victimChat);
    const attackerStart = await openDeepLink(http, attacker.token, stolen.id, { id: attackerChat });
    expect(attackerStart).not.toBe(victimStart);
    const before = telegram.messages(victimChat).length;
    const refused = await http.post(channelPath(stolen.id, '/verify'), { token: attacker.token });
    expectPlainError(refused, 422);
    expect(telegram.messages(victimChat)).toHaveLength(before);
    expect((await channelState(sql, stolen.id)).channel?.is_verified).toBe(false);
  });

  it('verify accepts a public channel by @username when the start parameter is posted there', async () => {
    const user = await newUser();
    const username = unique('chan').replaceAll('-', '_');
    const channel = await createChannel(http, user.token, 'telegram', `@${username}`);
    await openDeepLink(http, user.token, channel.id, { id: `-100${uniqueChatId()}`, username, type: 'channel' });
    const ok = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expect(ok.status, ok.text).toBe(200);
  });

  it('verify answers 422 naming the bot deep link when the chat is not found, then 200 once it is', async () => {
    const user = await newUser();
    const chatId = uniqueChatId();
    telegram.fail(chatId, telegramFailures.chatNotFound);
    const channel = await createChannel(http, user.token, 'telegram', chatId);
    await openDeepLink(http, user.token, channel.id, { id: chatId });

    const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    const message = failed.body.error.message as string;
    expect(message).toMatch(/chat not found/i);
    expect(message).toContain(`https://t.me/${BOT_USERNAME}?start=`);
    expect(message).toMatch(/press Start/);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
    expect(telegram.messages(chatId)).toHaveLength(1);

    telegram.succeed(chatId);
    const ok = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.is_verified).toBe(true);
  });

  it('verify answers 422 naming the bot deep link when the bot is blocked', async () => {
    const user = await newUser();
    const chatId = uniqueChatId();
    telegram.fail(chatId, telegramFailures.botBlocked);
    const channel = await createChannel(http, user.token, 'telegram', chatId);
    await openDeepLink(http, user.token, channel.id, { id: chatId });
    const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toMatch(/blocked/i);
    expect(failed.body.error.message).toContain(`https://t.me/${BOT_USERNAME}?start=`);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });

  it('verify answers 422 when the Bot API cannot be reached', async () => {
    const unreachable = await startTestApi({
      NOTIFICATIONS_TELEGRAM_ENABLED: 'true',
      NOTIFICATIONS_TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      NOTIFICATIONS_TELEGRAM_BOT_USERNAME: BOT_USERNAME,
      NOTIFICATIONS_TELEGRAM_API_URL: (await unreachableUrl('')).replace(/\/$/, ''),
    });
    try {
      const client = createHttp(unreachable.url);
      const user = await newUser(client);
      const channel = await createChannel(client, user.token, 'telegram', uniqueChatId());
      const failed = await client.post(channelPath(channel.id, '/verify'), { token: user.token });
      expectPlainError(failed, 422);
      expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
    } finally {
      await unreachable.close();
    }
  });
});

describe('channels verification timeouts', () => {
  let quick: ApiServer;
  let client: Http;
  beforeAll(async () => {
    quick = await startTestApi({
      NOTIFICATIONS_TELEGRAM_ENABLED: 'true',
      NOTIFICATIONS_TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      NOTIFICATIONS_TELEGRAM_BOT_USERNAME: BOT_USERNAME,
      NOTIFICATIONS_TELEGRAM_API_URL: telegram.apiRoot,
      NOTIFICATIONS_PROBE_TIMEOUT: '1s',
    });
    client = createHttp(quick.url);
  });
  afterAll(() => quick.close());

  it('verify answers 422 when the Bot API does not answer in time', async () => {
    const user = await newUser(client);
    const chatId = uniqueChatId();
    telegram.delay(chatId, 4_000);
    const channel = await createChannel(client, user.token, 'telegram', chatId);
    await openDeepLink(client, user.token, channel.id, { id: chatId });
    const started = Date.now();
    const failed = await client.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(Date.now() - started).toBeLessThan(3_500);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });

  it('verify answers 422 when the webhook does not answer in time', async () => {
    const user = await newUser(client);
    const url = webhooks.url();
    webhooks.delay(url, 4_000);
    const channel = await createChannel(client, user.token, 'mattermost', url);
    const started = Date.now();
    const failed = await client.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(MATTERMOST_FAILURE);
    expect(Date.now() - started).toBeLessThan(3_500);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });
});

describe('channels mattermost verification', () => {
  it('verify posts a test message to the webhook and answers 200 with the verified channel', async () => {
    const user = await newUser();
    const url = webhooks.url();
    const channel = await createChannel(http, user.token, 'mattermost', url);
    const verified = dataOf<WireChannel>(await http.post(channelPath(channel.id, '/verify'), { token: user.token }));
    expectChannelShape(verified, { id: channel.id, type: 'mattermost', target: url, is_verified: true });
    const received = webhooks.received(url);
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.headers['content-type']).toContain('application/json');
    expect(received[0]?.body.text).toEqual(expect.any(String));
  });

  it.each([404, 500])(
    'verify answers 422 when the webhook answers %i, and the channel stays unverified',
    async (status) => {
      const user = await newUser();
      const url = webhooks.url();
      webhooks.fail(url, status);
      const channel = await createChannel(http, user.token, 'mattermost', url);
      const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
      expectPlainError(failed, 422);
      // The same answer as for every other failure: no status, nothing about the far end.
      expect(failed.body.error.message).toBe(MATTERMOST_FAILURE);
      expect(webhooks.received(url)).toHaveLength(1);
      expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);

      webhooks.succeed(url);
      const ok = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
      expect(ok.status, ok.text).toBe(200);
    },
  );

  it('verify answers 422 when the webhook cannot be reached', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'mattermost', await unreachableUrl());
    const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(MATTERMOST_FAILURE);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });
});

describe('channels mattermost verification: one answer for every failure', () => {
  it('verify answers the same 422 for a non-2xx answer, a closed port, a refused address and a mapped address', async () => {
    const user = await newUser();
    const answered404 = webhooks.url();
    webhooks.fail(answered404, 404);
    const urls = [
      answered404,
      await unreachableUrl(),
      'http://10.255.255.1/hooks/lan',
      `http://[::ffff:7f00:1]:${new URL(webhooks.baseUrl).port}/hooks/mapped`,
      `http://[::7f00:1]:${new URL(webhooks.baseUrl).port}/hooks/compatible`,
    ];
    const messages = new Set<string>();
    for (const url of urls) {
      const channel = await createChannel(http, user.token, 'mattermost', url);
      const failed = await http.post(channelPath(channel.id, '/verify'), { token: user.token });
      expectPlainError(failed, 422);
      messages.add(failed.body.error.message);
      expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
    }
    expect([...messages]).toEqual([MATTERMOST_FAILURE]);
  });
});

describe('channels mattermost verification: private and local addresses', () => {
  // A server as deployed by default: NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS empty.
  let strict: ApiServer;
  let client: Http;
  beforeAll(async () => {
    strict = await startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '', NOTIFICATIONS_PROBE_TIMEOUT: '3s' });
    client = createHttp(strict.url);
  });
  afterAll(() => strict.close());

  const port = () => new URL(webhooks.baseUrl).port;
  it.each([
    ['loopback by address', () => webhooks.url()],
    ['loopback by name (refused after DNS)', () => webhooks.url().replace('127.0.0.1', 'localhost')],
    ['IPv6 loopback', () => `http://[::1]:${port()}/hooks/v6`],
    ['the unspecified address', () => `http://0.0.0.0:${port()}/hooks/meta`],
    ['the cloud metadata service (link-local)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private network', () => 'http://10.255.255.1/hooks/lan'],
  ])('verify answers 422 for a webhook on %s, without calling it', async (_name, makeUrl) => {
    const url = makeUrl();
    const user = await newUser(client);
    const channel = await createChannel(client, user.token, 'mattermost', url);
    const before = webhooks.requests.length;
    const started = Date.now();
    const failed = await client.post(channelPath(channel.id, '/verify'), { token: user.token });
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(MATTERMOST_FAILURE);
    expect(failed.body.error.message).toContain('NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS');
    // Refused before connecting: no request reached the receiver, and no connection timeout was waited for.
    expect(webhooks.requests.length).toBe(before);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
  });

  it('an allowed network that does not hold the address does not open it', async () => {
    const other = await startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '10.0.0.0/8, fd00::/8' });
    try {
      const otherClient = createHttp(other.url);
      const user = await newUser(otherClient);
      const channel = await createChannel(otherClient, user.token, 'mattermost', webhooks.url());
      const failed = await otherClient.post(channelPath(channel.id, '/verify'), { token: user.token });
      expectPlainError(failed, 422);
      expect(failed.body.error.message).toBe(MATTERMOST_FAILURE);
    } finally {
      await other.close();
    }
  });

  it('the allowed networks let a webhook on them be verified', async () => {
    const other = await startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '127.0.0.1/32' });
    try {
      const otherClient = createHttp(other.url);
      const user = await newUser(otherClient);
      const url = webhooks.url();
      const channel = await createChannel(otherClient, user.token, 'mattermost', url);
      const verified = dataOf<WireChannel>(
        await otherClient.post(channelPath(channel.id, '/verify'), { token: user.token }),
      );
      expect(verified.is_verified).toBe(true);
      expect(webhooks.received(url)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('refuses to start with a malformed network list, naming the variable', async () => {
    await expect(startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '10.0.0.0/33' })).rejects.toThrow(
      /NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS/,
    );
    await expect(startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: 'mattermost.lan' })).rejects.toThrow(
      /NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS/,
    );
  });
});

describe('channels with e-mail notifications disabled', () => {
  let noEmail: ApiServer;
  let client: Http;
  beforeAll(async () => {
    noEmail = await startTestApi({ NOTIFICATIONS_EMAIL_ENABLED: 'false' });
    client = createHttp(noEmail.url);
  });
  afterAll(() => noEmail.close());

  it('registration and admin creation still create the unverified default channel, sending no code', async () => {
    const user = await newUser(client);
    const channels = await listChannels(client, user.token);
    expect(channels).toHaveLength(1);
    expectChannelShape(channels[0], { type: 'email', target: user.email, is_default: true, is_verified: false });
    expect(await verificationCodes(sql, channels[0]?.id ?? '')).toEqual([]);

    const admin = await adminToken(client);
    const email = `${unique('noemail')}@example.test`;
    const created = await client.post('/api/v1/users', {
      token: admin,
      body: { email, password: 'correct-horse-1', role: 'user' },
    });
    expect(created.status, created.text).toBe(201);
    const rows = await sql<{ id: string; target: string; is_verified: boolean; is_default: boolean }[]>`
      select id, target, is_verified, is_default from notification_channels where user_id = ${created.body.data.id}`;
    expect(rows).toEqual([{ id: expect.any(String), target: email, is_verified: false, is_default: true }]);
    expect(await verificationCodes(sql, rows[0]?.id ?? '')).toEqual([]);
  });

  it('create answers 400 for an e-mail channel and 400 for Telegram (not enabled), creating nothing', async () => {
    const user = await newUser(client);
    const before = await userNotificationState(sql, user.id);
    expectValidationError(
      await client.post('/api/v1/me/channels', { token: user.token, body: { type: 'email', target: uniqueAddress() } }),
      'type',
    );
    expectValidationError(
      await client.post('/api/v1/me/channels', { token: user.token, body: { type: 'telegram', target: '12345' } }),
      'type',
    );
    expect(await userNotificationState(sql, user.id)).toEqual(before);
    await createChannel(client, user.token, 'mattermost', webhooks.url());
  });
});
