import { AddEventUpdateInput } from '@statuspage/contracts';
import { verifyUnsubscribeToken } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { chatPayloadErrors } from '../../api/test/support/chat-schemas';
import { webhookAnswers } from '../../api/test/support/fakes';
import { documentedVerifier } from '../../api/test/support/webhook-doc';
import { useWorkerFixture } from './support/fixture';
import {
  addVerifiedChannel,
  appSecret,
  baseUrl,
  createService,
  deliveriesOf,
  openIncident,
  registerUser,
  settled,
  subscribe,
  unique,
  waitFor,
} from './support/harness';
import { parse } from './support/smtp';

// Delivery to webhook, Slack, Discord and Teams channels through real local HTTP receivers: what is
// posted (the platforms' schemas, the Statuspage format, the signature as the guide checks it), retries,
// 429 postponement per destination, and disabling a channel that keeps failing (its owner e-mailed).

const f = useWorkerFixture({ name: 'http-channels', webhooks: true });

type HttpType = 'webhook' | 'slack' | 'discord' | 'teams';

/** A user with a verified channel of this type on a fresh receiver path, following `serviceId`. */
async function follower(type: HttpType, serviceId: string) {
  const user = await registerUser(f.t);
  const url = f.webhooks.url();
  const channel = await addVerifiedChannel(f.t, user.id, type, url);
  await subscribe(f.t, user.id, channel.id, [serviceId]);
  return { user, url, channel: channel as typeof channel & { signing_secret?: string } };
}

async function setup() {
  const operator = await registerUser(f.t, unique('operator'));
  const service = await createService(f.t, operator.id);
  return { operator, service };
}

const channelRow = async (id: string) => {
  const [row] = await f.t.sql<{ is_enabled: boolean; consecutive_failures: number }[]>`
    select is_enabled, consecutive_failures from notification_channels where id = ${id}::uuid`;
  return row;
};

describe('http channels delivery', () => {
  it('posts a signed Statuspage-format webhook per event message that the documented check accepts', async () => {
    const verify = await documentedVerifier();
    const { operator, service } = await setup();
    const hook = await follower('webhook', service.id);
    const secret = hook.channel.signing_secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    const incident = await openIncident(f.t, operator.id, [service.id]);
    await f.t.core.events.addUpdate(
      operator.id,
      AddEventUpdateInput.parse({
        id: incident.id,
        status: 'identified',
        message: 'Found it',
        notify_subscribers: true,
      }),
    );
    const rows = await settled(f.t, { eventId: incident.id, targets: [hook.url] }, 2);
    expect(rows.every((row) => row.state === 'sent')).toBe(true);

    const posts = await waitFor(
      'two webhook posts',
      () => f.webhooks.received(hook.url).length === 2 && f.webhooks.received(hook.url),
    );
    for (const post of posts) {
      const header = post.headers['x-statuspage-signature'];
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verify(post.raw, header, secret)).toBe(true);
      expect(verify(post.raw, header, `${secret}x`)).toBe(false);
    }
    const last = posts[1]?.body as {
      meta: { unsubscribe: string; documentation: string; generated_at: string };
      page: { id: string; status_indicator: string; status_description: string };
      incident: {
        id: string;
        name: string;
        status: string;
        impact: string;
        shortlink: string;
        components: { id: string; status: string }[];
        incident_updates: { status: string; body: string; created_at: string }[];
      };
    };
    expect(Object.keys(last).sort()).toEqual(['incident', 'meta', 'page']);
    expect(last.meta.documentation).toBe(`${baseUrl}/docs`);
    expect(Number.isNaN(Date.parse(last.meta.generated_at))).toBe(false);
    // The unsubscribe link is the channel's own one-click link.
    const token = new URL(last.meta.unsubscribe).searchParams.get('token') ?? '';
    expect(verifyUnsubscribeToken(token, [appSecret])).toBe(hook.channel.id);
    expect(last.page.status_indicator).toBe('major');
    expect(last.page.status_description).toBe('Partial System Outage');
    expect(last.incident).toMatchObject({
      id: incident.id,
      name: incident.title,
      status: 'identified',
      impact: 'major',
      shortlink: `${baseUrl}/events/${incident.id}`,
    });
    expect(last.incident.components.map((component) => [component.id, component.status])).toEqual([
      [service.id, 'partial_outage'],
    ]);
    // Newest first.
    expect(last.incident.incident_updates.map((update) => update.status)).toEqual(['identified', 'investigating']);
    expect(last.incident.incident_updates[0]?.body).toBe('Found it');
  });

  it.each(['slack', 'discord', 'teams'] as const)(
    'posts %s messages valid against the platform schema, one per event message',
    async (type) => {
      const { operator, service } = await setup();
      const chat = await follower(type, service.id);
      const incident = await openIncident(f.t, operator.id, [service.id]);
      // Messages of one event are not ordered across each other: the second is written once the first arrived.
      await settled(f.t, { eventId: incident.id, targets: [chat.url] }, 1);
      await f.t.core.events.addUpdate(
        operator.id,
        AddEventUpdateInput.parse({ id: incident.id, status: 'resolved', message: 'Fixed <!channel> @everyone' }),
      );
      await settled(f.t, { eventId: incident.id, targets: [chat.url] }, 2);
      const posts = f.webhooks.received(chat.url);
      expect(posts).toHaveLength(2);
      for (const post of posts) {
        expect(chatPayloadErrors(type, post.body)).toEqual([]);
        expect(post.headers['x-statuspage-signature']).toBeUndefined();
      }
      expect(posts[0]?.raw).toContain(`[New] Incident: ${incident.title}`);
      expect(posts[1]?.raw).toContain(`[Resolved] Incident: ${incident.title}`);
      expect(posts[1]?.raw).toContain(`${baseUrl}/events/${incident.id}`);
      if (type === 'slack') expect(posts[1]?.raw).not.toContain('<!channel>');
      if (type === 'discord') expect(posts[1]?.body.allowed_mentions).toEqual({ parse: [] });
    },
  );

  it('retries 5xx and 3xx answers with the backoff (redirects not followed) until a 2xx', async () => {
    const { operator, service } = await setup();
    const hook = await follower('webhook', service.id);
    const elsewhere = f.webhooks.url();
    f.webhooks.failTimes(hook.url, 302, 1, '', webhookAnswers.redirect(elsewhere).headers);
    const slack = await follower('slack', service.id);
    f.webhooks.failTimes(slack.url, 503, 2);
    const incident = await openIncident(f.t, operator.id, [service.id]);
    const rows = await settled(f.t, { eventId: incident.id, targets: [hook.url, slack.url] }, 2);
    expect(rows.map((row) => [row.target, row.state, row.attempts])).toEqual(
      expect.arrayContaining([
        [hook.url, 'sent', 2],
        [slack.url, 'sent', 3],
      ]),
    );
    expect(f.webhooks.received(hook.url)).toHaveLength(2);
    expect(f.webhooks.received(elsewhere)).toHaveLength(0);
    expect(f.webhooks.received(slack.url)).toHaveLength(3);
  });

  it.each([
    ['Retry-After in seconds', 'teams' as const, () => webhookAnswers.retryAfterSeconds(2)],
    [
      'Retry-After as an HTTP date',
      'webhook' as const,
      () => webhookAnswers.retryAfterDate(new Date(Date.now() + 3000)),
    ],
    ["Discord's retry_after body", 'discord' as const, () => webhookAnswers.discordRateLimited(1.5)],
  ])('a 429 with %s postpones that delivery only, not as an attempt', async (_name, type, answer) => {
    const { operator, service } = await setup();
    const limited = await follower(type, service.id);
    const other = await follower(type, service.id);
    const { status, body, headers } = answer();
    f.webhooks.failTimes(limited.url, status, 1, body, headers);
    const incident = await openIncident(f.t, operator.id, [service.id]);
    const rows = await settled(f.t, { eventId: incident.id, targets: [limited.url, other.url] }, 2);
    expect(rows.every((row) => row.state === 'sent')).toBe(true);
    expect(rows.find((row) => row.target === limited.url)?.attempts).toBe(1);
    const [first, second] = f.webhooks.received(limited.url);
    const [otherPost] = f.webhooks.received(other.url);
    if (!first || !second || !otherPost) throw new Error('missing requests');
    // Waited as asked (at least a second: the HTTP date has whole seconds)…
    expect(second.at.getTime() - first.at.getTime()).toBeGreaterThanOrEqual(1000);
    // …while the other destination of the same queue went ahead.
    expect(otherPost.at.getTime()).toBeLessThan(second.at.getTime());
  });
});

describe('http channels failures in a row', () => {
  it('disables a channel after 10 deliveries failed in a row and e-mails its owner, once', async () => {
    const { operator, service } = await setup();
    const hook = await follower('webhook', service.id);
    f.webhooks.fail(hook.url, 404);
    for (let i = 0; i < 10; i += 1) {
      const incident = await openIncident(f.t, operator.id, [service.id]);
      await settled(f.t, { eventId: incident.id, targets: [hook.url] }, 1);
    }
    const rows = await deliveriesOf(f.t, { targets: [hook.url] });
    expect(rows.filter((row) => row.kind === 'initial').map((row) => row.state)).toEqual(Array(10).fill('failed'));
    expect(await channelRow(hook.channel.id)).toEqual({ is_enabled: false, consecutive_failures: 10 });

    const [mail] = await waitFor(
      'the channel-disabled e-mail',
      () => f.smtp.to(hook.user.email).length > 0 && f.smtp.to(hook.user.email),
    );
    if (!mail) throw new Error('no mail');
    const parsed = await parse(mail);
    expect(parsed.subject).toBe('Your StatusPage webhook was disabled');
    expect(parsed.text).toContain(new URL(hook.url).origin);
    expect(parsed.text).not.toContain(new URL(hook.url).pathname);
    expect(parsed.text).toContain('failed 10 deliveries in a row');
    expect(parsed.text).toContain('404');

    // Disabled: the next incident does not reach it, and no second e-mail is sent.
    const next = await openIncident(f.t, operator.id, [service.id]);
    const beforeCount = f.webhooks.received(hook.url).length;
    const other = await follower('slack', service.id);
    const later = await openIncident(f.t, operator.id, [service.id]);
    await settled(f.t, { eventId: later.id, targets: [other.url] }, 1);
    expect(await deliveriesOf(f.t, { eventId: next.id, targets: [hook.url] })).toEqual([]);
    expect(f.webhooks.received(hook.url)).toHaveLength(beforeCount);
    expect(f.smtp.to(hook.user.email)).toHaveLength(1);
  });

  it('a delivered message starts the count over', async () => {
    const { operator, service } = await setup();
    const hook = await follower('discord', service.id);
    f.webhooks.fail(hook.url, 410);
    for (let i = 0; i < 3; i += 1) {
      const incident = await openIncident(f.t, operator.id, [service.id]);
      await settled(f.t, { eventId: incident.id, targets: [hook.url] }, 1);
    }
    expect(await channelRow(hook.channel.id)).toEqual({ is_enabled: true, consecutive_failures: 3 });
    f.webhooks.succeed(hook.url);
    const ok = await openIncident(f.t, operator.id, [service.id]);
    const [row] = await settled(f.t, { eventId: ok.id, targets: [hook.url] }, 1);
    expect(row?.state).toBe('sent');
    expect(await channelRow(hook.channel.id)).toEqual({ is_enabled: true, consecutive_failures: 0 });
  });
});
