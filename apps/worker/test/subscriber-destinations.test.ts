/**
 * Account-less subscribers whose notifications go to a URL (a signed webhook, Slack), with a real
 * worker, Redis, in-process SMTP and real local HTTP receivers: subscribe → confirmation e-mail to
 * the contact (nothing to the URL) → its link → incident → exactly one body at the receiver (signed
 * and checked by the guide's snippet; Slack's against its schema) carrying the working manage link;
 * ten failures in a row → the contact is told by e-mail. The api's probe at confirmation is tested
 * over HTTP in apps/api/test/subscriber-destinations.test.ts (here the harness's probe accepts).
 */
import { CreateSubscriberInput, type SubscriberDestinationType } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import { chatPayloadErrors } from '../../api/test/support/chat-schemas';
import { documentedVerifier } from '../../api/test/support/webhook-doc';
import { useWorkerFixture } from './support/fixture';
import {
  baseUrl,
  createService,
  deliveriesOf,
  openIncident,
  registerUser,
  settled,
  unique,
  waitFor,
} from './support/harness';
import { type ParsedMail, parse } from './support/smtp';

const f = useWorkerFixture({ name: 'subscriber-destinations', webhooks: true });

const address = () => `${unique('contact')}@example.test`;
let clients = 0;
const ip = () => {
  clients += 1;
  return `198.51.100.${clients}`;
};

async function mailNumber(email: string, count: number): Promise<ParsedMail> {
  const mail = await waitFor(`e-mail ${count} to ${email}`, () => f.smtp.to(email)[count - 1]);
  return parse(mail);
}

function linkToken(text: string, path: string): string {
  const match = text.match(
    new RegExp(`https://status\\.example\\.test${path.replaceAll('/', '\\/')}\\?token=([^\\s>|"]+)`),
  );
  if (!match?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return decodeURIComponent(match[1]);
}

/** A confirmed subscriber with this destination on a fresh receiver path, following `serviceId`. */
async function confirmedDestination(type: SubscriberDestinationType, serviceId: string) {
  const email = address();
  const url = f.webhooks.url();
  await f.t.core.subscribers.subscribe(
    CreateSubscriberInput.parse({ email, destination: { type, url }, service_ids: [serviceId] }),
    ip(),
  );
  const confirmation = await mailNumber(email, 1);
  expect(confirmation.subject).toBe('Confirm your status notifications');
  expect(confirmation.text).toContain(`at ${new URL(url).origin}, with this address as its contact`);
  expect(confirmation.text).not.toContain(new URL(url).pathname);
  // Nothing goes to the URL before its contact confirmed.
  expect(f.webhooks.received(url)).toHaveLength(0);
  const confirmed = await f.t.core.subscribers.confirm(linkToken(confirmation.text, '/subscribers/confirm'));
  const [channel] = await f.t.sql<{ id: string }[]>`
    select id from notification_channels where type = ${type} and target = ${url} and subscriber_id is not null`;
  if (!channel) throw new Error('no channel');
  return { email, url, confirmed, channelId: channel.id };
}

async function setup() {
  const operator = await registerUser(f.t, unique('operator'));
  const service = await createService(f.t, operator.id);
  return { operator, service };
}

describe('subscriber destinations delivery', () => {
  it('a webhook subscriber gets exactly one signed Statuspage body per message, with its manage link as meta.unsubscribe', async () => {
    const verify = await documentedVerifier();
    const { operator, service } = await setup();
    const hook = await confirmedDestination('webhook', service.id);
    const secret = hook.confirmed.signing_secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(hook.confirmed.destination).toEqual({ type: 'webhook', host: new URL(hook.url).origin });

    const incident = await openIncident(f.t, operator.id, [service.id]);
    const rows = await settled(f.t, { eventId: incident.id, targets: [hook.url] }, 1);
    expect(rows.map((row) => row.state)).toEqual(['sent']);
    const posts = await waitFor(
      'the webhook post',
      () => f.webhooks.received(hook.url).length > 0 && f.webhooks.received(hook.url),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(f.webhooks.received(hook.url)).toHaveLength(1);
    const [post] = posts;
    if (!post) throw new Error('no post');
    const header = post.headers['x-statuspage-signature'];
    expect(verify(post.raw, header, secret)).toBe(true);
    expect(verify(post.raw, header, `${secret}x`)).toBe(false);
    const body = post.body as { meta: { unsubscribe: string }; incident: { name: string }; page: unknown };
    expect(Object.keys(body).sort()).toEqual(['incident', 'meta', 'page']);
    // The manage link works: it names this subscription (and unsubscribing by it stops the posts).
    const manage = new URL(body.meta.unsubscribe);
    expect(`${manage.origin}${manage.pathname}`).toBe(`${baseUrl}/subscribers/manage`);
    const token = manage.searchParams.get('token') ?? '';
    expect(await f.t.core.subscribers.get(token)).toMatchObject({
      email: hook.email,
      destination: { type: 'webhook', host: new URL(hook.url).origin },
      state: 'confirmed',
    });
    // The contact got the confirmation only: event messages go to the URL.
    expect(f.smtp.to(hook.email)).toHaveLength(1);

    await f.t.core.subscribers.unsubscribe(token);
    const after = await openIncident(f.t, operator.id, [service.id]);
    expect(await deliveriesOf(f.t, { eventId: after.id, targets: [hook.url] })).toEqual([]);
  });

  it('a Slack subscriber gets a valid Block Kit body carrying its manage link', async () => {
    const { operator, service } = await setup();
    const slack = await confirmedDestination('slack', service.id);
    expect(slack.confirmed).not.toHaveProperty('signing_secret');
    const incident = await openIncident(f.t, operator.id, [service.id]);
    await settled(f.t, { eventId: incident.id, targets: [slack.url] }, 1);
    const [post] = await waitFor(
      'the Slack post',
      () => f.webhooks.received(slack.url).length > 0 && f.webhooks.received(slack.url),
    );
    if (!post) throw new Error('no post');
    expect(chatPayloadErrors('slack', post.body)).toEqual([]);
    expect(post.headers['x-statuspage-signature']).toBeUndefined();
    const token = linkToken(post.raw.replaceAll('\\u0026', '&'), '/subscribers/manage');
    expect(post.raw).toContain('Manage your subscription');
    expect(await f.t.core.subscribers.get(token)).toMatchObject({ email: slack.email, state: 'confirmed' });
  });
});

describe('subscriber destinations failures in a row', () => {
  it('disables a webhook subscriber after 10 failed deliveries and e-mails its contact, once', async () => {
    const { operator, service } = await setup();
    const hook = await confirmedDestination('webhook', service.id);
    f.webhooks.fail(hook.url, 500);
    for (let i = 0; i < 10; i += 1) {
      const incident = await openIncident(f.t, operator.id, [service.id]);
      await settled(f.t, { eventId: incident.id, targets: [hook.url] }, 1);
    }
    const [row] = await f.t.sql<{ is_enabled: boolean; consecutive_failures: number }[]>`
      select is_enabled, consecutive_failures from notification_channels where id = ${hook.channelId}::uuid`;
    expect(row).toEqual({ is_enabled: false, consecutive_failures: 10 });
    // The confirmation, then the notice.
    const notice = await mailNumber(hook.email, 2);
    expect(notice.subject).toBe('Your StatusPage webhook was disabled');
    expect(notice.text).toContain(new URL(hook.url).origin);
    expect(notice.text).not.toContain(new URL(hook.url).pathname);
    expect(notice.text).toContain('failed 10 deliveries in a row');

    const later = await openIncident(f.t, operator.id, [service.id]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await deliveriesOf(f.t, { eventId: later.id, targets: [hook.url] })).toEqual([]);
    expect(f.smtp.to(hook.email)).toHaveLength(2);
  });
});
