import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from './support/api';
import { type FakeWebhooks, startFakeWebhooks } from './support/fakes';
import { useApiFixture } from './support/fixture';
import { expectHtmlPage, getPage } from './support/pages';
import { clientAddresses, subscribeForms } from './support/subscribe-forms';

// The subscribe form's destination fields (a webhook or chat URL instead of the address, which then
// is the contact), in English and Russian; the confirmation page's signing secret, and its answer
// when the URL refuses the test message. The same operations over the API: subscriber-destinations.test.ts.

const t = useApiFixture({ TRUST_PROXY: 'loopback', NOTIFICATIONS_PROBE_TIMEOUT: '3s' });
let webhooks: FakeWebhooks;
beforeAll(async () => {
  webhooks = await startFakeWebhooks();
});
afterAll(async () => {
  await webhooks.close();
});

const { postForm, confirmTokenOf } = subscribeForms(t, clientAddresses('10.98'));
const address = () => `${unique('page-dest')}@example.test`;

const destinationFields = (email: string, type: string, url: string): [string, string][] => [
  ['email', email],
  ['destination_type', type],
  ['destination_url', url],
  ['scope', 'all'],
];

describe('subscribe destination pages', () => {
  it('GET /subscribe offers e-mail (checked), webhook, Slack, Discord and Teams, and a URL field, each labelled', async () => {
    const page = await getPage(t.http, '/subscribe');
    expectHtmlPage(page);
    const radios = page.all('input[name=destination_type]');
    expect(radios.map((input) => input.getAttribute('value'))).toEqual([
      'email',
      'webhook',
      'slack',
      'discord',
      'teams',
    ]);
    expect(radios.filter((input) => input.hasAttribute('checked')).map((input) => input.getAttribute('value'))).toEqual(
      ['email'],
    );
    const url = page.root.querySelector('input#destination_url');
    expect(url?.getAttribute('type')).toBe('url');
    expect(url?.hasAttribute('required')).toBe(false);
    expect(page.html).toContain('Where to send the notifications');
    expect(page.html).toContain('To a Slack channel (incoming webhook)');
    expect(page.html).toContain('the address above is the contact');
    for (const input of [...radios, url]) {
      const id = input?.getAttribute('id');
      expect(page.root.querySelector(`label[for="${id}"]`), `label of ${id}`).not.toBeNull();
    }
  });

  it('GET /subscribe?lang=ru shows the destination fields in Russian', async () => {
    const page = await getPage(t.http, '/subscribe?lang=ru');
    expect(page.html).toContain('Куда присылать уведомления');
    expect(page.html).toContain('В канал Slack (входящий вебхук)');
    expect(page.html).toContain('URL вебхука');
    expect(page.html).not.toContain('Where to send the notifications');
  });

  it('POST /subscribe with a webhook URL answers "check your inbox", e-mails the contact; confirm shows the secret once', async () => {
    const email = address();
    const url = webhooks.url();
    const answer = await postForm('/subscribe', destinationFields(email, 'webhook', url));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.textOf('h1')).toBe('Check your inbox');
    expect(webhooks.received(url)).toHaveLength(0);
    const token = await confirmTokenOf(email);
    const confirmed = await postForm('/subscribers/confirm', [['token', token]]);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.textOf('h1')).toBe('Subscription confirmed');
    const [row] = await t.sql<{ signing_secret: string }[]>`
      select signing_secret from notification_channels where target = ${url}`;
    expect(confirmed.textOf('#signing-secret')).toBe(row?.signing_secret);
    expect(confirmed.text).toContain('it is shown only this once');
    expect(webhooks.received(url)).toHaveLength(1);
    const link = confirmed.root.querySelector('main a')?.getAttribute('href') ?? '';
    expect(link).toMatch(/^\/subscribers\/manage\?token=/);
    // The manage page names the destination (its origin) and the contact, not the secret.
    const manage = await getPage(t.http, link);
    expect(manage.text('.lead')).toBe(
      `Notifications go to a webhook at ${new URL(url).origin}; ${email} is the contact.`,
    );
    expect(manage.html).not.toContain(row?.signing_secret ?? 'no secret');
    // The link worked once.
    expect((await postForm('/subscribers/confirm', [['token', token]])).status).toBe(404);
  });

  it('confirm answers 422 in Russian when the URL refuses the test message, and the link still works after', async () => {
    const email = address();
    const url = webhooks.url();
    expect((await postForm('/subscribe', destinationFields(email, 'slack', url))).status).toBe(200);
    webhooks.fail(url, 404);
    const token = await confirmTokenOf(email);
    const refused = await postForm('/subscribers/confirm?lang=ru', [['token', token]]);
    expect(refused.status).toBe(422);
    expect(refused.textOf('h1')).toBe('URL не принял тестовое сообщение');
    webhooks.succeed(url);
    const confirmed = await postForm('/subscribers/confirm', [['token', token]]);
    expect(confirmed.status).toBe(200);
    expect(confirmed.root.querySelector('#signing-secret')).toBeNull();
  });

  it('POST /subscribe with a bad or private URL shows the form again with the destination notice and keeps the entries', async () => {
    for (const url of ['not a url', 'http://192.168.1.10/hook']) {
      const email = address();
      const page = await postForm('/subscribe', destinationFields(email, 'discord', url));
      expect(page.status).toBe(400);
      expect(page.textOf('.notice')).toContain('for a webhook or chat, enter its http(s) URL');
      expect(page.root.querySelector('input#destination-discord')?.hasAttribute('checked')).toBe(true);
      expect(page.root.querySelector('input#destination_url')?.getAttribute('value')).toBe(url);
      expect(await confirmTokenOf(email)).toBe('');
    }
  });
});
