import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PROBE_FAILURE } from '../src/notifications/probe';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { dataOf, expectPlainError, expectValidationError } from './support/catalog';
import { chatPayloadErrors } from './support/chat-schemas';
import { createHttp, type Http } from './support/client';
import { type FakeWebhooks, startFakeWebhooks, unreachableUrl, webhookAnswers } from './support/fakes';
import { expectError, expectNoContent, openDatabase, registerAccount, type Sql, signIn } from './support/identity';
import {
  channelState,
  createChannel,
  expectChannelShape,
  getMatrix,
  listChannels,
  userNotificationState,
  type WireChannel,
} from './support/notifications';
import { documentedVerifier, type VerifySignature } from './support/webhook-doc';

// Webhook, Slack, Discord and Teams channels of accounts: create, verify (a test message that must be
// answered 2xx; a webhook's is signed), list, delete, and the address guard.

const WEBHOOK_FAILURE = `channel verification failed: ${WEBHOOK_PROBE_FAILURE}`;
const httpTypes = ['webhook', 'slack', 'discord', 'teams'] as const;
type HttpType = (typeof httpTypes)[number];

let api: ApiServer;
let http: Http;
let sql: Sql;
let webhooks: FakeWebhooks;
let verifySignature: VerifySignature;

beforeAll(async () => {
  webhooks = await startFakeWebhooks();
  api = await startTestApi({ NOTIFICATIONS_PROBE_TIMEOUT: '3s' });
  http = createHttp(api.url);
  sql = openDatabase();
  verifySignature = await documentedVerifier();
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await api.close();
  await webhooks.close();
});

async function newUser(client: Http = http) {
  const account = await registerAccount(client);
  const session = await signIn(client, account.email, account.password);
  return { id: account.id, email: account.email, token: session.access };
}

const channelPath = (id: string, suffix = '') => `/api/v1/me/channels/${id}${suffix}`;
const verify = (client: Http, token: string, id: string) => client.post(channelPath(id, '/verify'), { token });

describe('channels http types config', () => {
  it('config offers webhook, slack, discord and teams', async () => {
    const config = dataOf<{ available_channels: string[] }>(await http.get('/api/v1/notifications/config'));
    expect(config.available_channels).toEqual(expect.arrayContaining([...httpTypes]));
  });
});

describe('channels http types create', () => {
  it.each(httpTypes)('create answers 201 with an unverified %s channel and queues nothing', async (type) => {
    const user = await newUser();
    const before = await userNotificationState(sql, user.id);
    const url = webhooks.url();
    const channel = await createChannel(http, user.token, type, url);
    expect(channel.target).toBe(url);
    const after = await userNotificationState(sql, user.id);
    // One channel more, no code, no message, and nothing was posted yet.
    expect(after.channels).toHaveLength(before.channels.length + 1);
    expect(after.verifications).toEqual(before.verifications);
    expect(webhooks.received(url)).toHaveLength(0);
    const secret = (channel as WireChannel & { signing_secret?: string }).signing_secret;
    if (type === 'webhook') expect(secret).toMatch(/^whsec_/);
    else expect(channel).not.toHaveProperty('signing_secret');
  });

  it('each webhook channel gets its own secret, kept in the database and shown to its owner in list and matrix', async () => {
    const user = await newUser();
    const first = await createChannel(http, user.token, 'webhook', webhooks.url());
    const second = await createChannel(http, user.token, 'webhook', webhooks.url());
    const secretOf = (channel: WireChannel) => (channel as WireChannel & { signing_secret?: string }).signing_secret;
    expect(secretOf(first)).not.toBe(secretOf(second));
    expect((await channelState(sql, first.id)).channel?.signing_secret).toBe(secretOf(first));
    const listed = await listChannels(http, user.token);
    expect(listed.find((channel) => channel.id === first.id)).toMatchObject({ signing_secret: secretOf(first) });
    const matrix = await getMatrix(http, user.token);
    expect(matrix.find((item) => item.channel.id === second.id)?.channel).toMatchObject({
      signing_secret: secretOf(second),
    });
    // Nobody else sees the channel at all.
    const other = await newUser();
    expect((await listChannels(http, other.token)).map((channel) => channel.id)).not.toContain(first.id);
    expectError(await verify(http, other.token, first.id), 403);
  });

  it.each(httpTypes)('create answers 400 naming target for a %s target that is not an http(s) URL', async (type) => {
    const user = await newUser();
    const before = await userNotificationState(sql, user.id);
    for (const target of ['not a url', 'ftp://files.example.com/hook', 'javascript:alert(1)', 'mailto:a@example.com']) {
      const response = await http.post('/api/v1/me/channels', { token: user.token, body: { type, target } });
      expectValidationError(response, 'target');
    }
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('create answers 409 for the same type and URL twice', async () => {
    const user = await newUser();
    const url = webhooks.url();
    await createChannel(http, user.token, 'slack', url);
    expectError(
      await http.post('/api/v1/me/channels', { token: user.token, body: { type: 'slack', target: url } }),
      409,
    );
    // Another type on the same URL is another channel.
    await createChannel(http, user.token, 'discord', url);
  });

  it('create answers 401 without credentials', async () => {
    expectError(await http.post('/api/v1/me/channels', { body: { type: 'webhook', target: webhooks.url() } }), 401);
  });
});

describe('channels http types verification', () => {
  it('verify posts a signed Statuspage-style ping to a webhook, which the documented check accepts, and answers 200', async () => {
    const user = await newUser();
    const url = webhooks.url();
    const channel = await createChannel(http, user.token, 'webhook', url);
    const secret = (channel as WireChannel & { signing_secret: string }).signing_secret;
    const verified = dataOf<WireChannel>(await verify(http, user.token, channel.id));
    expectChannelShape(verified, { id: channel.id, type: 'webhook', is_verified: true });
    const [request] = webhooks.received(url);
    expect(request?.headers['content-type']).toContain('application/json');
    const header = request?.headers['x-statuspage-signature'];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(request?.raw ?? '', header, secret)).toBe(true);
    // The documented check refuses another secret, a changed body and an old signature.
    expect(verifySignature(request?.raw ?? '', header, 'whsec_other')).toBe(false);
    expect(verifySignature(`${request?.raw} `, header, secret)).toBe(false);
    expect(verifySignature(request?.raw ?? '', header, secret, Date.now() / 1000 + 301)).toBe(false);
    expect(request?.body).toMatchObject({
      meta: { unsubscribe: null, documentation: expect.stringMatching(/\/docs$/), generated_at: expect.any(String) },
      ping: { message: expect.stringContaining('connected') },
    });
  });

  it.each(['slack', 'discord', 'teams'] as const)(
    'verify posts a %s test message valid against the platform schema and answers 200',
    async (type) => {
      const user = await newUser();
      const url = webhooks.url();
      const channel = await createChannel(http, user.token, type, url);
      const verified = dataOf<WireChannel>(await verify(http, user.token, channel.id));
      expect(verified.is_verified).toBe(true);
      const [request] = webhooks.received(url);
      expect(chatPayloadErrors(type, request?.body)).toEqual([]);
      expect(request?.headers['x-statuspage-signature']).toBeUndefined();
      expect(request?.raw).toContain('this channel is connected');
    },
  );

  it.each([
    ['a 500', (url: string) => webhooks.fail(url, 500)],
    ['a 404', (url: string) => webhooks.fail(url, 404)],
    [
      'a redirect (not followed)',
      (url: string) => webhooks.fail(url, 302, '', webhookAnswers.redirect(webhooks.url()).headers),
    ],
    ['a 429', (url: string) => webhooks.fail(url, 429, 'slow down', webhookAnswers.retryAfterSeconds(1).headers)],
  ])('verify answers 422 when the URL answers %s, and the channel stays unverified', async (_name, script) => {
    const user = await newUser();
    const url = webhooks.url();
    script(url);
    const channel = await createChannel(http, user.token, 'discord', url);
    const failed = await verify(http, user.token, channel.id);
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(WEBHOOK_FAILURE);
    expect(webhooks.received(url)).toHaveLength(1);
    expect((await channelState(sql, channel.id)).channel?.is_verified).toBe(false);
    webhooks.succeed(url);
    expect((await verify(http, user.token, channel.id)).status).toBe(200);
  });

  it('verify answers 422 when the URL cannot be reached', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'teams', await unreachableUrl());
    const failed = await verify(http, user.token, channel.id);
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(WEBHOOK_FAILURE);
  });

  it('verify answers 404 for an unknown channel and 401 without credentials', async () => {
    const user = await newUser();
    expectError(await verify(http, user.token, '00000000-0000-4000-8000-000000000000'), 404);
    const channel = await createChannel(http, user.token, 'slack', webhooks.url());
    expectError(await http.post(channelPath(channel.id, '/verify')), 401);
  });
});

describe('channels http types update and delete', () => {
  it('update disables a webhook channel and delete removes it', async () => {
    const user = await newUser();
    const channel = await createChannel(http, user.token, 'webhook', webhooks.url());
    const patched = dataOf<WireChannel>(
      await http.patch(channelPath(channel.id), { token: user.token, body: { is_enabled: false } }),
    );
    expectChannelShape(patched, { id: channel.id, is_enabled: false });
    expectNoContent(await http.delete(channelPath(channel.id), { token: user.token }));
    expect((await channelState(sql, channel.id)).channel).toBeUndefined();
  });
});

describe('channels http types: private and local addresses', () => {
  // A server as deployed by default: NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS empty.
  let strict: ApiServer;
  let client: Http;
  beforeAll(async () => {
    strict = await startTestApi({ NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '', NOTIFICATIONS_PROBE_TIMEOUT: '3s' });
    client = createHttp(strict.url);
  });
  afterAll(() => strict.close());

  it.each<[HttpType, string]>([
    ['webhook', 'http://127.0.0.1:9/hook'],
    ['slack', 'http://[::1]/hook'],
    ['discord', 'http://10.1.2.3/hook'],
    ['teams', 'http://169.254.169.254/latest/meta-data/'],
    ['webhook', 'http://[::ffff:7f00:1]/mapped'],
    ['slack', 'http://0.0.0.0/hook'],
  ])('create answers 400 naming target for a %s URL on %s, changing nothing', async (type, target) => {
    const user = await newUser(client);
    const before = await userNotificationState(sql, user.id);
    const response = await client.post('/api/v1/me/channels', { token: user.token, body: { type, target } });
    expectValidationError(response, 'target');
    expect(response.body.error.message).toContain('may not be called');
    expect(await userNotificationState(sql, user.id)).toEqual(before);
  });

  it('verify answers 422 without calling it for a name that resolves to a loopback address', async () => {
    const user = await newUser(client);
    const url = webhooks.url().replace('127.0.0.1', 'localhost');
    const channel = await createChannel(client, user.token, 'webhook', url);
    const before = webhooks.requests.length;
    const failed = await verify(client, user.token, channel.id);
    expectPlainError(failed, 422);
    expect(failed.body.error.message).toBe(WEBHOOK_FAILURE);
    expect(webhooks.requests.length).toBe(before);
  });
});
