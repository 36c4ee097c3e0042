import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { manageToken, unsubscribeToken } from '@statuspage/core';
import { describe, expect, inject, it } from 'vitest';
import { loadEnv } from '../src/env';
import { createLogger, redactUrl } from '../src/logger';
import { startApiServer } from '../src/server';
import { unique } from './support/api';
import { dataOf, expectValidationError } from './support/catalog';
import { createHttp } from './support/client';
import { createEvent, incidentBody } from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { expectError, expectNoContent } from './support/identity';

// Account-less subscribers over HTTP: subscribe (no enumeration, honeypot, limits), confirm, manage,
// unsubscribe, the admin's list, counts, removal, export and import. What the worker then sends is
// tested in apps/worker/test/subscribers.test.ts.

const APP_SECRET = 'subscribers-test-secret-0123456789abcdef';
const PER_IP = 8;
const PER_ADDRESS = 3;
const PENDING_PER_IP = 3;
const LINK_USES = 12;
const t = useApiFixture({
  APP_SECRET,
  // The tests speak for many clients: X-Forwarded-For from the loopback proxy names each one.
  TRUST_PROXY: 'loopback',
  SUBSCRIBERS_RATE_LIMIT_PER_IP: String(PER_IP),
  SUBSCRIBERS_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
  SUBSCRIBERS_MAX_PENDING_PER_IP: String(PENDING_PER_IP),
  SUBSCRIBERS_MAIL_COOLDOWN: '1m',
  // The links from e-mails count per token under the auth limits.
  RATE_LIMIT_AUTH_PER_ACCOUNT: String(LINK_USES),
});

let clients = 0;
/** An ip no other test of this file uses. */
const newIp = () => {
  clients += 1;
  return `10.${(process.pid % 200) + 20}.${Math.floor(clients / 250)}.${(clients % 250) + 1}`;
};
const address = () => `${unique('sub')}@example.test`;

function subscribe(body: Record<string, unknown>, ip = newIp()) {
  return t.http.post('/api/v1/subscribers', { body, headers: { 'x-forwarded-for': ip } });
}

/** The direct e-mails queued to an address, oldest first. */
async function mailsTo(email: string) {
  return t.sql<{ kind: string; payload: Record<string, string> }[]>`
    select m.kind, m.payload from notification_deliveries d join notification_messages m on m.id = d.message_id
    where d.target = ${email} order by d.id`;
}

async function subscriberOf(email: string) {
  const [row] = await t.sql<
    { id: string; state: string; ip_hash: string | null; channel_id: string; is_verified: boolean }[]
  >`select s.id, s.state::text as state, s.ip_hash, c.id as channel_id, c.is_verified
    from subscribers s join notification_channels c on c.subscriber_id = s.id where s.email = ${email}`;
  return row;
}

/** Subscribes a new address to every service and answers the token of its confirmation e-mail. */
async function pendingSubscriber(body: Record<string, unknown> = { subscribe_to_all_services: true }) {
  const email = address();
  expect((await subscribe({ email, ...body })).status).toBe(200);
  const [mail] = await mailsTo(email);
  if (!mail?.payload.token) throw new Error('no confirmation e-mail');
  return { email, confirmToken: mail.payload.token };
}

async function confirmedSubscriber(body: Record<string, unknown> = { subscribe_to_all_services: true }) {
  const pending = await pendingSubscriber(body);
  const confirmed = dataOf<{ manage_token: string }>(
    await t.http.post('/api/v1/subscribers/confirm', { body: { token: pending.confirmToken } }),
  );
  return { ...pending, manageToken: confirmed.manage_token };
}

describe('subscribers subscribe', () => {
  it('subscribe of a new address queues one confirmation e-mail and keeps the subscriber pending', async () => {
    const email = address();
    const ip = newIp();
    const response = await subscribe({ email, subscribe_to_all_services: true }, ip);
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body.data)).toEqual(['message']);
    const mails = await mailsTo(email);
    expect(mails.map((mail) => mail.kind)).toEqual(['subscriber_confirmation']);
    expect(mails[0]?.payload.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const subscriber = await subscriberOf(email);
    expect(subscriber).toMatchObject({ state: 'pending', is_verified: false });
    // The per-ip cap keeps a keyed hash, never the address itself.
    expect(subscriber?.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(subscriber?.ip_hash).not.toContain(ip);
  });

  it('subscribe answers the same for a new, a pending and a confirmed address', async () => {
    const fresh = await subscribe({ email: address(), subscribe_to_all_services: true });
    const { email: pendingEmail } = await pendingSubscriber();
    const { email: confirmedEmail } = await confirmedSubscriber();
    await t.sql`update subscribers set last_mail_at = now() - interval '2 minutes' where email in ${t.sql([pendingEmail, confirmedEmail])}`;
    const pending = await subscribe({ email: pendingEmail, subscribe_to_all_services: true });
    const confirmed = await subscribe({ email: confirmedEmail, subscribe_to_all_services: true });
    for (const response of [pending, confirmed]) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual(fresh.body);
    }
    expect((await mailsTo(pendingEmail)).map((mail) => mail.kind)).toEqual([
      'subscriber_confirmation',
      'subscriber_confirmation',
    ]);
    const confirmedMails = await mailsTo(confirmedEmail);
    expect(confirmedMails.map((mail) => mail.kind)).toEqual(['subscriber_confirmation', 'subscriber_manage']);
    // The manage e-mail's token opens the subscription.
    const manage = confirmedMails[1]?.payload.token ?? '';
    const view = dataOf<{ email: string }>(
      await t.http.get(`/api/v1/subscribers/manage?token=${encodeURIComponent(manage)}`),
    );
    expect(view.email).toBe(confirmedEmail);
  });

  it('subscribe again within the cooldown sends nothing more and answers the same', async () => {
    const { email } = await pendingSubscriber();
    const again = await subscribe({ email, subscribe_to_all_services: true });
    expect(again.status).toBe(200);
    expect(await mailsTo(email)).toHaveLength(1);
  });

  it('a new confirmation replaces the previous link', async () => {
    const { email, confirmToken } = await pendingSubscriber();
    await t.sql`update subscribers set last_mail_at = now() - interval '2 minutes' where email = ${email}`;
    await subscribe({ email, subscribe_to_all_services: true });
    expectError(await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } }), 404);
    const latest = (await mailsTo(email))[1]?.payload.token;
    expect((await t.http.post('/api/v1/subscribers/confirm', { body: { token: latest } })).status).toBe(200);
  });

  it('subscribe normalises the address (case, spaces): one subscriber per address', async () => {
    const local = unique('MiXeD');
    const response = await subscribe({ email: `  ${local}@Example.TEST `, subscribe_to_all_services: true });
    expect(response.status, response.text).toBe(200);
    const normalised = `${local.toLowerCase()}@example.test`;
    expect(await subscriberOf(normalised)).toMatchObject({ state: 'pending' });
    await subscribe({ email: normalised, subscribe_to_all_services: true });
    const [row] = await t.sql<{ n: number }[]>`select count(*)::int as n from subscribers where email = ${normalised}`;
    expect(row?.n).toBe(1);
  });

  it('subscribe with the honeypot filled answers the same and writes nothing', async () => {
    const email = address();
    const fresh = await subscribe({ email: address(), subscribe_to_all_services: true });
    const bot = await subscribe({ email, subscribe_to_all_services: true, website: 'http://spam.example' });
    expect(bot.status).toBe(200);
    expect(bot.body).toEqual(fresh.body);
    expect(await subscriberOf(email)).toBeUndefined();
    expect(await mailsTo(email)).toEqual([]);
  });

  it('subscribe to chosen services and groups keeps them', async () => {
    const service = await createService(t.http, t.admin);
    const group = await createGroup(t.http, t.admin);
    const { manageToken: token } = await confirmedSubscriber({ service_ids: [service.id], group_ids: [group.id] });
    const view = dataOf(await t.http.get(`/api/v1/subscribers/manage?token=${encodeURIComponent(token)}`));
    expect(view).toMatchObject({
      state: 'confirmed',
      subscribe_to_all_services: false,
      service_ids: [service.id],
      group_ids: [group.id],
    });
  });

  it('subscribe refuses what is not an address, unknown fields and a missing choice (400)', async () => {
    expectValidationError(await subscribe({ email: 'not-an-address', subscribe_to_all_services: true }), 'email');
    expectValidationError(await subscribe({ subscribe_to_all_services: true }), 'email');
    expectValidationError(await subscribe({ email: address(), subscribe_to_all_services: true, admin: true }), 'admin');
    expectValidationError(await subscribe({ email: address() }), 'service_ids');
    const service = await createService(t.http, t.admin);
    expectValidationError(
      await subscribe({ email: address(), subscribe_to_all_services: true, service_ids: [service.id] }),
      'service_ids',
    );
  });

  it('subscribe refuses unknown services and groups (400) and writes nothing', async () => {
    const email = address();
    expectValidationError(await subscribe({ email, service_ids: [randomUUID()] }), 'service_ids');
    expectValidationError(await subscribe({ email, group_ids: [randomUUID()] }), 'group_ids');
    expect(await subscriberOf(email)).toBeUndefined();
  });

  it(`subscribe is limited to ${PER_ADDRESS} requests per address (429 with Retry-After), from any ip`, async () => {
    const email = address();
    for (let i = 0; i < PER_ADDRESS; i += 1) {
      expect((await subscribe({ email, subscribe_to_all_services: true })).status).toBe(200);
    }
    const refused = await subscribe({ email, subscribe_to_all_services: true });
    expectError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it(`subscribe is limited to ${PER_IP} requests per ip (429), honeypot requests included`, async () => {
    const ip = newIp();
    for (let i = 0; i < PER_IP; i += 1) {
      const response = await subscribe({ email: address(), subscribe_to_all_services: true, website: 'x' }, ip);
      expect(response.status).toBe(200);
    }
    expectError(await subscribe({ email: address(), subscribe_to_all_services: true }, ip), 429);
    // Another client is not affected.
    expect((await subscribe({ email: address(), subscribe_to_all_services: true })).status).toBe(200);
  });

  it(`an ip may have ${PENDING_PER_IP} unconfirmed subscriptions at once (429 above)`, async () => {
    const ip = newIp();
    for (let i = 0; i < PENDING_PER_IP; i += 1) {
      expect((await subscribe({ email: address(), subscribe_to_all_services: true }, ip)).status).toBe(200);
    }
    const email = address();
    expectError(await subscribe({ email, subscribe_to_all_services: true }, ip), 429);
    expect(await subscriberOf(email)).toBeUndefined();
    // A known address is refused the same way there, so the refusal tells nothing about it.
    const { email: known } = await confirmedSubscriber();
    expectError(await subscribe({ email: known, subscribe_to_all_services: true }, ip), 429);
  });

  it('the log never holds a token of a confirmation or manage link', () => {
    expect(redactUrl('/subscribers/confirm?token=secret-value')).toBe('/subscribers/confirm?token=[redacted]');
    expect(redactUrl('/api/v1/subscribers/manage?token=secret-value')).not.toContain('secret-value');
  });

  it("the api's log lines hold neither the visitors' addresses nor the tokens of their links", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    const secret = 'subscribers-log-test-secret-0123456789';
    const api = await startApiServer(
      loadEnv({
        DATABASE_URL: inject('databaseUrl'),
        SERVER_HOST: '127.0.0.1',
        SERVER_PORT: '0',
        SERVER_METRICS_PORT: '0',
        COOKIE_SECURE: 'false',
        APP_SECRET: secret,
        SUBSCRIBERS_MAX_PENDING_PER_IP: '100000',
      }),
      { logger: createLogger({ level: 'info', format: 'json', name: 'api', destination: sink }) },
    );
    try {
      const http = createHttp(api.url);
      const email = address();
      const other = address();
      expect(
        (await http.post('/api/v1/subscribers', { body: { email, subscribe_to_all_services: true } })).status,
      ).toBe(200);
      const form = new URLSearchParams({ email: other, scope: 'all' }).toString();
      await http.post('/subscribe', { raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const [mail] = await mailsTo(email);
      const confirmToken = mail?.payload.token ?? '';
      await http.get(`/subscribers/confirm?token=${encodeURIComponent(confirmToken)}`);
      const confirmed = await http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } });
      const token = confirmed.body.data.manage_token as string;
      await http.get(`/api/v1/subscribers/manage?token=${encodeURIComponent(token)}`);
      await http.get(`/subscribers/manage?token=${encodeURIComponent(token)}`);
      const text = lines.join('\n');
      expect(lines.length).toBeGreaterThanOrEqual(6);
      expect(text).toContain('/subscribers/manage?token=[redacted]');
      for (const secretValue of [email, other, confirmToken, token, encodeURIComponent(token)]) {
        expect(text).not.toContain(secretValue);
      }
    } finally {
      await api.close();
    }
  });
});

describe('subscribers confirm', () => {
  it('confirm verifies the channel, answers the subscription and its manage token', async () => {
    const { email, confirmToken } = await pendingSubscriber();
    const response = await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } });
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body.data).sort()).toEqual([
      'destination',
      'email',
      'group_ids',
      'manage_token',
      'service_ids',
      'state',
      'subscribe_to_all_services',
    ]);
    expect(response.body.data).toMatchObject({ email, state: 'confirmed', subscribe_to_all_services: true });
    expect(await subscriberOf(email)).toMatchObject({ state: 'confirmed', is_verified: true });
  });

  it('confirm works once (404 when the link is used again)', async () => {
    const { confirmToken } = await pendingSubscriber();
    expect((await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } })).status).toBe(200);
    expectError(await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } }), 404);
  });

  it('confirm refuses a link older than 24 hours (404) and keeps the subscriber pending', async () => {
    const { email, confirmToken } = await pendingSubscriber();
    await t.sql`update subscribers set confirm_expires_at = now() - interval '1 second' where email = ${email}`;
    expectError(await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } }), 404);
    expect(await subscriberOf(email)).toMatchObject({ state: 'pending', is_verified: false });
  });

  it('confirm refuses an unknown token (404) and a malformed one (400)', async () => {
    expectError(await t.http.post('/api/v1/subscribers/confirm', { body: { token: 'A'.repeat(43) } }), 404);
    expectValidationError(await t.http.post('/api/v1/subscribers/confirm', { body: { token: 'x' } }), 'token');
  });

  it('a subscriber confirming while an incident is open joins its subscriber set then', async () => {
    const service = await createService(t.http, t.admin);
    const { email, confirmToken } = await pendingSubscriber({ service_ids: [service.id] });
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: service.id, status: 'degraded' }] }),
    );
    const channel = (await subscriberOf(email))?.channel_id;
    const before =
      await t.sql`select 1 from event_subscribers where event_id = ${event.id} and channel_id = ${channel ?? ''}`;
    expect(before).toHaveLength(0);
    await t.http.post('/api/v1/subscribers/confirm', { body: { token: confirmToken } });
    const [joined] = await t.sql<{ added_at: Date }[]>`
      select added_at from event_subscribers where event_id = ${event.id} and channel_id = ${channel ?? ''}`;
    const [initial] = await t.sql<{ created_at: Date }[]>`
      select created_at from notification_messages where event_id = ${event.id} and kind = 'initial'`;
    // Joined after the first message was written: the fan-out leaves that one out.
    expect(joined?.added_at.getTime()).toBeGreaterThan(initial?.created_at.getTime() ?? Number.POSITIVE_INFINITY);
  });

  it('a group subscription covers services added to the group later', async () => {
    const group = await createGroup(t.http, t.admin);
    const { email } = await confirmedSubscriber({ group_ids: [group.id] });
    const later = await createService(t.http, t.admin, { group_ids: [group.id] });
    const other = await createService(t.http, t.admin);
    const inGroup = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: later.id, status: 'degraded' }] }),
    );
    const outside = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: other.id, status: 'degraded' }] }),
    );
    const channel = (await subscriberOf(email))?.channel_id ?? '';
    expect(
      await t.sql`select 1 from event_subscribers where event_id = ${inGroup.id} and channel_id = ${channel}`,
    ).toHaveLength(1);
    expect(
      await t.sql`select 1 from event_subscribers where event_id = ${outside.id} and channel_id = ${channel}`,
    ).toHaveLength(0);
  });

  it('a pending subscriber is in no subscriber set', async () => {
    const { email } = await pendingSubscriber();
    const service = await createService(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ notify_subscribers: true, affected_services: [{ service_id: service.id, status: 'degraded' }] }),
    );
    const channel = (await subscriberOf(email))?.channel_id ?? '';
    expect(
      await t.sql`select 1 from event_subscribers where event_id = ${event.id} and channel_id = ${channel}`,
    ).toHaveLength(0);
  });
});

describe('subscribers manage', () => {
  const managePath = (token: string) => `/api/v1/subscribers/manage?token=${encodeURIComponent(token)}`;

  it('manage reads the subscription', async () => {
    const { email, manageToken: token } = await confirmedSubscriber();
    const response = await t.http.get(managePath(token));
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      email,
      destination: null,
      state: 'confirmed',
      subscribe_to_all_services: true,
      service_ids: [],
      group_ids: [],
    });
  });

  it('manage changes what the subscription follows', async () => {
    const { manageToken: token } = await confirmedSubscriber();
    const service = await createService(t.http, t.admin);
    const response = await t.http.put('/api/v1/subscribers/manage', {
      body: { token, service_ids: [service.id] },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toMatchObject({ subscribe_to_all_services: false, service_ids: [service.id] });
    expectValidationError(
      await t.http.put('/api/v1/subscribers/manage', { body: { token, service_ids: [randomUUID()] } }),
      'service_ids',
    );
    expectValidationError(await t.http.put('/api/v1/subscribers/manage', { body: { token } }), 'service_ids');
  });

  it('unsubscribe deletes the subscriber and the manage link stops working', async () => {
    const { email, manageToken: token } = await confirmedSubscriber();
    expectNoContent(await t.http.post('/api/v1/subscribers/unsubscribe', { body: { token } }));
    expect(await subscriberOf(email)).toBeUndefined();
    expectError(await t.http.get(managePath(token)), 404);
    expectError(await t.http.post('/api/v1/subscribers/unsubscribe', { body: { token } }), 404);
  });

  it('manage refuses a forged token, another secret and an old token version (404)', async () => {
    const { email, manageToken: token } = await confirmedSubscriber();
    const subscriber = await subscriberOf(email);
    const id = subscriber?.id ?? '';
    expectError(await t.http.get(managePath(`${token.slice(0, -2)}xx`)), 404);
    expectError(await t.http.get(managePath(manageToken(id, 1, 'another-secret-0123456789abcdef'))), 404);
    expectError(await t.http.get(managePath(manageToken(randomUUID(), 1, APP_SECRET))), 404);
    await t.sql`update subscribers set token_version = 2 where id = ${id}`;
    expectError(await t.http.get(managePath(token)), 404);
    expect((await t.http.get(managePath(manageToken(id, 2, APP_SECRET)))).status).toBe(200);
  });

  it(`one link answers ${LINK_USES} uses per window, then 429 with Retry-After (other links are not affected)`, async () => {
    const { manageToken: token } = await confirmedSubscriber();
    for (let i = 0; i < LINK_USES; i += 1) expect((await t.http.get(managePath(token))).status).toBe(200);
    const refused = await t.http.get(managePath(token));
    expectError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectError(await t.http.post('/api/v1/subscribers/unsubscribe', { body: { token } }), 429);
    const other = await confirmedSubscriber();
    expect((await t.http.get(managePath(other.manageToken))).status).toBe(200);
  });

  it('one-click unsubscribe of a subscriber channel deletes the subscriber', async () => {
    const { email } = await confirmedSubscriber();
    const channel = (await subscriberOf(email))?.channel_id ?? '';
    const token = unsubscribeToken(channel, APP_SECRET);
    const response = await t.http.post(`/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    expect(await subscriberOf(email)).toBeUndefined();
  });
});

describe('subscribers admin', () => {
  it('list shows account channels and account-less subscribers together, searchable', async () => {
    const { email } = await confirmedSubscriber();
    const pending = await pendingSubscriber();
    const all = dataOf<{ subscribers: Record<string, unknown>[]; total: number }>(
      await t.http.get('/api/v1/admin/subscribers?limit=200', { token: t.admin }),
    );
    expect(all.total).toBeGreaterThanOrEqual(3);
    expect(all.subscribers.some((row) => row.kind === 'account')).toBe(true);
    const found = dataOf<{ subscribers: Record<string, unknown>[]; total: number }>(
      await t.http.get(`/api/v1/admin/subscribers?q=${encodeURIComponent(email.toUpperCase())}`, { token: t.admin }),
    );
    expect(found.total).toBe(1);
    expect(Object.keys(found.subscribers[0] ?? {}).sort()).toEqual([
      'channel_id',
      'contact_email',
      'created_at',
      'group_ids',
      'kind',
      'service_ids',
      'state',
      'subscribe_to_all_services',
      'subscriber_id',
      'target',
      'type',
      'user_id',
    ]);
    expect(found.subscribers[0]).toMatchObject({
      kind: 'subscriber',
      target: email,
      state: 'confirmed',
      user_id: null,
    });
    const pendingOnly = dataOf<{ subscribers: { target: string; state: string }[] }>(
      await t.http.get(`/api/v1/admin/subscribers?state=pending&kind=subscriber&q=${pending.email}`, {
        token: t.admin,
      }),
    );
    expect(pendingOnly.subscribers).toMatchObject([{ target: pending.email, state: 'pending' }]);
    const accounts = dataOf<{ subscribers: { kind: string }[] }>(
      await t.http.get('/api/v1/admin/subscribers?kind=account', { token: t.admin }),
    );
    expect(accounts.subscribers.every((row) => row.kind === 'account')).toBe(true);
  });

  it('list and counts by service count listed, group and every-service subscribers that may receive', async () => {
    const group = await createGroup(t.http, t.admin);
    const service = await createService(t.http, t.admin, { group_ids: [group.id] });
    const before = dataOf<{ all_services: number; services: { service_id: string; subscribers: number }[] }>(
      await t.http.get('/api/v1/admin/subscribers/counts', { token: t.admin }),
    );
    const countOf = (data: typeof before) => data.services.find((row) => row.service_id === service.id)?.subscribers;
    expect(countOf(before)).toBe(before.all_services);
    await confirmedSubscriber({ service_ids: [service.id] });
    await confirmedSubscriber({ group_ids: [group.id] });
    await pendingSubscriber({ service_ids: [service.id] });
    const after = dataOf<typeof before>(await t.http.get('/api/v1/admin/subscribers/counts', { token: t.admin }));
    expect((countOf(after) ?? 0) - after.all_services).toBe(2);
    const listed = dataOf<{ total: number; subscribers: { subscribe_to_all_services: boolean }[] }>(
      await t.http.get(`/api/v1/admin/subscribers?service_id=${service.id}&kind=subscriber&limit=200`, {
        token: t.admin,
      }),
    );
    expect(listed.subscribers.filter((row) => !row.subscribe_to_all_services)).toHaveLength(3);
  });

  it('remove deletes an account-less subscriber (204), refuses an account channel (409) and an unknown id (404)', async () => {
    const { email } = await confirmedSubscriber();
    const channel = (await subscriberOf(email))?.channel_id ?? '';
    expectNoContent(await t.http.delete(`/api/v1/admin/subscribers/${channel}`, { token: t.admin }));
    expect(await subscriberOf(email)).toBeUndefined();
    expectError(await t.http.delete(`/api/v1/admin/subscribers/${channel}`, { token: t.admin }), 404);
    const [account] = await t.sql<{ id: string }[]>`select id from notification_channels where user_id = ${t.user.id}`;
    expectError(await t.http.delete(`/api/v1/admin/subscribers/${account?.id}`, { token: t.admin }), 409);
  });

  it('the admin operations answer 401 anonymously and 403 to lower roles', async () => {
    for (const [method, path] of [
      ['get', '/api/v1/admin/subscribers'],
      ['get', '/api/v1/admin/subscribers/counts'],
      ['get', '/api/v1/admin/subscribers/export'],
    ] as const) {
      expectError(await t.http[method](path), 401);
      expectError(await t.http[method](path, { token: t.operator.token }), 403);
    }
    expectError(await t.http.post('/api/v1/admin/subscribers/import', { body: { csv: 'email\n' } }), 401);
    expectError(
      await t.http.post('/api/v1/admin/subscribers/import', { token: t.user.token, body: { csv: 'email\n' } }),
      403,
    );
  });

  it('export and import round trip; a dry run reports the same and writes nothing', async () => {
    const service = await createService(t.http, t.admin);
    const group = await createGroup(t.http, t.admin);
    const chosen = await confirmedSubscriber({ service_ids: [service.id], group_ids: [group.id] });
    const everything = await confirmedSubscriber();
    const exported = dataOf<{ filename: string; csv: string }>(
      await t.http.get('/api/v1/admin/subscribers/export', { token: t.admin }),
    );
    expect(exported.filename).toMatch(/^subscribers-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = exported.csv.trim().split('\n');
    expect(lines[0]).toBe('type,email,components,groups,subscribe all,state,created at,destination');
    const ours = lines.filter((line) => line.includes(chosen.email) || line.includes(everything.email));
    expect(ours).toHaveLength(2);
    // Delete both, then bring them back from the CSV.
    for (const email of [chosen.email, everything.email]) {
      const channel = (await subscriberOf(email))?.channel_id ?? '';
      expectNoContent(await t.http.delete(`/api/v1/admin/subscribers/${channel}`, { token: t.admin }));
    }
    const csv = [lines[0], ...ours, 'email,not-an-address', 'sms,+15555550100'].join('\n');
    const dry = dataOf<{ created: string[]; already_present: string[]; invalid: { line: number }[] }>(
      await t.http.post('/api/v1/admin/subscribers/import', { token: t.admin, body: { csv, dry_run: true } }),
    );
    expect(dry).toMatchObject({ dry_run: true, already_present: [] });
    expect([...dry.created].sort()).toEqual([chosen.email, everything.email].sort());
    expect(dry.invalid.map((item) => item.line)).toEqual([4, 5]);
    expect(await subscriberOf(chosen.email)).toBeUndefined();
    const done = dataOf<typeof dry>(
      await t.http.post('/api/v1/admin/subscribers/import', { token: t.admin, body: { csv } }),
    );
    expect([...done.created].sort()).toEqual([chosen.email, everything.email].sort());
    expect(await subscriberOf(chosen.email)).toMatchObject({ state: 'confirmed', is_verified: true });
    const restored = dataOf<{ subscribers: Record<string, unknown>[] }>(
      await t.http.get(`/api/v1/admin/subscribers?q=${chosen.email}`, { token: t.admin }),
    );
    expect(restored.subscribers[0]).toMatchObject({
      subscribe_to_all_services: false,
      service_ids: [service.id],
      group_ids: [group.id],
    });
    const again = dataOf<typeof dry>(
      await t.http.post('/api/v1/admin/subscribers/import', { token: t.admin, body: { csv } }),
    );
    expect(again.created).toEqual([]);
    expect([...again.already_present].sort()).toEqual([chosen.email, everything.email].sort());
  });

  it("import reads Statuspage's template (no header) and reports unknown components with their line", async () => {
    const service = await createService(t.http, t.admin);
    const first = address();
    const second = address();
    const csv = [`email,${first},yes,${service.id}`, `email,${second},no,No Such Component`, ''].join('\n');
    const result = dataOf<{ created: string[]; invalid: { line: number; message: string }[] }>(
      await t.http.post('/api/v1/admin/subscribers/import', { token: t.admin, body: { csv } }),
    );
    expect(result.created).toEqual([first]);
    expect(result.invalid).toEqual([{ line: 2, message: 'unknown components or groups: No Such Component' }]);
    const [row] = await t.sql<{ service_id: string }[]>`
      select cs.service_id from channel_subscriptions cs join notification_channels c on c.id = cs.channel_id
      join subscribers s on s.id = c.subscriber_id where s.email = ${first}`;
    expect(row?.service_id).toBe(service.id);
  });

  it('import of text that is not CSV reports it as invalid and writes nothing', async () => {
    const result = dataOf<{ created: string[]; invalid: { line: number }[] }>(
      await t.http.post('/api/v1/admin/subscribers/import', {
        token: t.admin,
        body: { csv: 'email\n"unterminated@example.test' },
      }),
    );
    expect(result.created).toEqual([]);
    expect(result.invalid).toHaveLength(1);
  });
});
