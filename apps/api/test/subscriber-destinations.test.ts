import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PROBE_FAILURE } from '../src/notifications/probe';
import { unique } from './support/api';
import { dataOf, expectValidationError } from './support/catalog';
import { chatPayloadErrors } from './support/chat-schemas';
import { type FakeWebhooks, startFakeWebhooks } from './support/fakes';
import { useApiFixture } from './support/fixture';
import { expectError } from './support/identity';
import { documentedVerifier } from './support/webhook-doc';

// Account-less subscribers with a webhook, Slack, Discord or Teams destination over HTTP: subscribe
// (the address is the contact; no enumeration; the address guard), confirm (the URL must take a
// signed test message; a webhook's secret answered once), manage, and the admin's list and export.
// What the worker then posts is tested in apps/worker/test/subscriber-destinations.test.ts.

const t = useApiFixture({
  TRUST_PROXY: 'loopback',
  SUBSCRIBERS_MAIL_COOLDOWN: '1m',
  NOTIFICATIONS_PROBE_TIMEOUT: '3s',
});
let webhooks: FakeWebhooks;
beforeAll(async () => {
  webhooks = await startFakeWebhooks();
});
afterAll(async () => {
  await webhooks.close();
});

let clients = 0;
const newIp = () => {
  clients += 1;
  return `10.${(process.pid % 200) + 20}.200.${(clients % 250) + 1}`;
};
const address = () => `${unique('contact')}@example.test`;

function subscribe(body: Record<string, unknown>, ip = newIp()) {
  return t.http.post('/api/v1/subscribers', { body, headers: { 'x-forwarded-for': ip } });
}

/** The direct e-mails queued to an address, oldest first. */
async function mailsTo(email: string) {
  return t.sql<{ kind: string; payload: Record<string, string>; channel_id: string | null }[]>`
    select m.kind, m.payload, d.channel_id from notification_deliveries d join notification_messages m on m.id = d.message_id
    where d.target = ${email} and d.channel_type = 'email' order by d.id`;
}

async function destinationRow(url: string) {
  const [row] = await t.sql<
    { email: string; state: string; type: string; is_verified: boolean; signing_secret: string | null }[]
  >`select s.email, s.state::text as state, c.type::text as type, c.is_verified, c.signing_secret
    from subscribers s join notification_channels c on c.subscriber_id = s.id where c.target = ${url}`;
  return row;
}

async function pendingDestination(type: string, email = address(), url = webhooks.url()) {
  const response = await subscribe({ email, destination: { type, url }, subscribe_to_all_services: true });
  expect(response.status, response.text).toBe(200);
  const mails = await mailsTo(email);
  const token = mails.at(-1)?.payload.token;
  if (!token) throw new Error('no confirmation e-mail');
  return { email, url, token };
}

const confirm = (token: string) => t.http.post('/api/v1/subscribers/confirm', { body: { token } });

describe('subscriber destinations subscribe', () => {
  it('subscribe with a webhook destination e-mails the contact only and sends nothing to the URL', async () => {
    const fresh = await subscribe({ email: address(), subscribe_to_all_services: true });
    const { email, url } = await pendingDestination('webhook');
    const again = await subscribe({ email, destination: { type: 'webhook', url }, subscribe_to_all_services: true });
    // The same answer as for an e-mail subscriber, new or known.
    expect(again.body).toEqual(fresh.body);
    const mails = await mailsTo(email);
    expect(mails.map((mail) => mail.kind)).toEqual(['subscriber_confirmation']);
    expect(mails[0]?.channel_id).toBeNull();
    expect(mails[0]?.payload.destination).toBe(`a webhook at ${new URL(url).origin}`);
    expect(await destinationRow(url)).toMatchObject({ email, state: 'pending', type: 'webhook', is_verified: false });
    expect((await destinationRow(url))?.signing_secret).toMatch(/^whsec_/);
    expect(webhooks.received(url)).toHaveLength(0);
  });

  it('one address may own an e-mail subscription and several URL ones; one subscriber per URL', async () => {
    const email = address();
    expect((await subscribe({ email, subscribe_to_all_services: true })).status).toBe(200);
    const first = await pendingDestination('slack', email);
    const second = await pendingDestination('discord', email);
    const [row] = await t.sql<
      { total: number }[]
    >`select count(*)::int as total from subscribers where email = ${email}`;
    expect(row?.total).toBe(3);
    expect(first.token).not.toBe(second.token);
    // Another contact for a pending URL: it becomes the contact (the first never confirmed anything).
    const other = address();
    await t.sql`update subscribers set last_mail_at = now() - interval '2 minutes' where email = ${email}`;
    expect(
      (
        await subscribe({
          email: other,
          destination: { type: 'slack', url: first.url },
          subscribe_to_all_services: true,
        })
      ).status,
    ).toBe(200);
    expect(await destinationRow(first.url)).toMatchObject({ email: other, state: 'pending' });
    expectError(await confirm(first.token), 404);
    const [rows] = await t.sql<{ total: number }[]>`
      select count(*)::int as total from notification_channels where target = ${first.url}`;
    expect(rows?.total).toBe(1);
  });

  it('a confirmed URL asked again sends its manage link to its own contact, and nothing to the asker', async () => {
    const { email, url, token } = await pendingDestination('webhook');
    expect((await confirm(token)).status).toBe(200);
    await t.sql`update subscribers set last_mail_at = now() - interval '2 minutes' where email = ${email}`;
    const asker = address();
    const response = await subscribe({
      email: asker,
      destination: { type: 'webhook', url },
      subscribe_to_all_services: true,
    });
    expect(response.status).toBe(200);
    expect((await mailsTo(email)).map((mail) => mail.kind)).toEqual(['subscriber_confirmation', 'subscriber_manage']);
    expect(await mailsTo(asker)).toEqual([]);
    expect(await destinationRow(url)).toMatchObject({ email, state: 'confirmed' });
  });

  it('subscribe answers 400 naming destination.url for a URL that is not http(s) and stores nothing', async () => {
    for (const url of ['not a url', 'ftp://files.example.com/hook', 'javascript:alert(1)']) {
      const email = address();
      const response = await subscribe({ email, destination: { type: 'slack', url }, subscribe_to_all_services: true });
      expectValidationError(response, 'destination.url');
      expect(await mailsTo(email)).toEqual([]);
    }
    expectValidationError(
      await subscribe({ email: address(), destination: { type: 'telegram', url: webhooks.url() } }),
      'destination.type',
    );
  });

  it('subscribe answers 400 for a URL on a private network, the same whatever exists, and stores nothing', async () => {
    const email = address();
    const response = await subscribe({
      email,
      destination: { type: 'webhook', url: 'http://10.1.2.3/hook' },
      subscribe_to_all_services: true,
    });
    expectValidationError(response, 'destination.url');
    expect(await mailsTo(email)).toEqual([]);
    const [row] = await t.sql<{ total: number }[]>`
      select count(*)::int as total from notification_channels where target = 'http://10.1.2.3/hook'`;
    expect(row?.total).toBe(0);
  });

  it('a filled honeypot with a destination answers the same and stores nothing', async () => {
    const email = address();
    const url = webhooks.url();
    const fresh = await subscribe({ email: address(), subscribe_to_all_services: true });
    const response = await subscribe({
      email,
      destination: { type: 'webhook', url },
      subscribe_to_all_services: true,
      website: 'https://spam.example',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(fresh.body);
    expect(await destinationRow(url)).toBeUndefined();
    expect(await mailsTo(email)).toEqual([]);
  });
});

describe('subscriber destinations confirm', () => {
  it('confirm posts a signed test message, then answers the subscription and the signing secret once', async () => {
    const verify = await documentedVerifier();
    const { email, url, token } = await pendingDestination('webhook');
    const response = await confirm(token);
    expect(response.status, response.text).toBe(200);
    const data = response.body.data as Record<string, unknown>;
    expect(data).toMatchObject({
      email,
      destination: { type: 'webhook', host: new URL(url).origin },
      state: 'confirmed',
    });
    const secret = data.signing_secret as string;
    expect(secret).toBe((await destinationRow(url))?.signing_secret);
    const [probe] = webhooks.received(url);
    if (!probe) throw new Error('no test message');
    expect(webhooks.received(url)).toHaveLength(1);
    expect(verify(probe.raw, probe.headers['x-statuspage-signature'], secret)).toBe(true);
    expect(Object.keys(probe.body).sort()).toEqual(['meta', 'ping']);
    expect(await destinationRow(url)).toMatchObject({ state: 'confirmed', is_verified: true });
    // The link worked once; the manage link shows the destination but never the secret.
    expectError(await confirm(token), 404);
    const view = dataOf<Record<string, unknown>>(
      await t.http.get(`/api/v1/subscribers/manage?token=${encodeURIComponent(data.manage_token as string)}`),
    );
    expect(view).toEqual({
      email,
      destination: { type: 'webhook', host: new URL(url).origin },
      state: 'confirmed',
      subscribe_to_all_services: true,
      service_ids: [],
      group_ids: [],
    });
  });

  it('confirm of a Slack subscriber posts a Block Kit test message and answers no secret', async () => {
    const { url, token } = await pendingDestination('slack');
    const response = await confirm(token);
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).not.toHaveProperty('signing_secret');
    const [probe] = webhooks.received(url);
    expect(chatPayloadErrors('slack', probe?.body)).toEqual([]);
    expect(probe?.headers['x-statuspage-signature']).toBeUndefined();
  });

  it('confirm answers 422 when the URL refuses the test message; the subscriber stays pending and the link keeps working', async () => {
    const { url, token } = await pendingDestination('teams');
    webhooks.fail(url, 500);
    const refused = await confirm(token);
    expectError(refused, 422);
    expect(refused.body.error.message).toContain(WEBHOOK_PROBE_FAILURE);
    expect(await destinationRow(url)).toMatchObject({ state: 'pending', is_verified: false });
    webhooks.succeed(url);
    const response = await confirm(token);
    expect(response.status, response.text).toBe(200);
    expect(await destinationRow(url)).toMatchObject({ state: 'confirmed', is_verified: true });
    expect(chatPayloadErrors('teams', webhooks.received(url).at(-1)?.body)).toEqual([]);
  });
});

describe('subscriber destinations admin', () => {
  it('list shows a URL subscriber with its type, target and contact; export writes its line, import refuses it', async () => {
    const { email, url, token } = await pendingDestination('discord');
    expect((await confirm(token)).status).toBe(200);
    const found = dataOf<{ subscribers: Record<string, unknown>[]; total: number }>(
      await t.http.get(`/api/v1/admin/subscribers?q=${encodeURIComponent(email)}`, { token: t.admin }),
    );
    expect(found.total).toBe(1);
    expect(found.subscribers[0]).toMatchObject({
      kind: 'subscriber',
      type: 'discord',
      target: url,
      contact_email: email,
      state: 'confirmed',
    });
    const exported = dataOf<{ csv: string }>(await t.http.get('/api/v1/admin/subscribers/export', { token: t.admin }));
    const line = exported.csv.split('\n').find((row) => row.includes(email));
    expect(line?.startsWith(`discord,${email},`)).toBe(true);
    expect(line?.endsWith(`,${url}`)).toBe(true);
    const header = exported.csv.split('\n')[0];
    const dry = dataOf<{ created: string[]; invalid: { message: string }[] }>(
      await t.http.post('/api/v1/admin/subscribers/import', {
        token: t.admin,
        body: { csv: `${header}\n${line}\n`, dry_run: true },
      }),
    );
    expect(dry.created).toEqual([]);
    expect(dry.invalid.map((item) => item.message)).toEqual([
      'only e-mail subscribers can be imported (this line is discord)',
    ]);
  });
});
