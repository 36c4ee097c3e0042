import { describe, expect, it } from 'vitest';
import { publicRoutes } from '../src/http/public-routes';
import { unique } from './support/api';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { expectHtmlPage, getPage } from './support/pages';
import { clientAddresses, subscribeForms } from './support/subscribe-forms';

// The subscriber pages over HTTP: /subscribe (form, answer, errors, honeypot, limits),
// /subscribers/confirm (a GET shows a button, the POST confirms once), /subscribers/manage
// (change, unsubscribe), the invalid-link page, Russian, and that none of them is cached.

const PER_ADDRESS = 3;
const t = useApiFixture({
  APP_SECRET: 'subscribe-pages-test-secret-0123456789',
  TRUST_PROXY: 'loopback',
  SUBSCRIBERS_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
});

const { postForm, confirmTokenOf } = subscribeForms(t, clientAddresses('10.99'));
const address = () => `${unique('page')}@example.test`;

async function stateOf(email: string) {
  const [row] = await t.sql<{ state: string; all: boolean }[]>`
    select s.state::text as state, c.subscribe_to_all as all from subscribers s
    join notification_channels c on c.subscriber_id = s.id where s.email = ${email}`;
  return row;
}

function expectPrivate(headers: Headers) {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
}

/** Subscribes through the form and confirms through the page; answers the manage link the answer shows. */
async function confirmedThroughPages(email = address()) {
  expect(
    (
      await postForm('/subscribe', [
        ['email', email],
        ['scope', 'all'],
      ])
    ).status,
  ).toBe(200);
  const confirmed = await postForm('/subscribers/confirm', [['token', await confirmTokenOf(email)]]);
  expect(confirmed.status, confirmed.text).toBe(200);
  const link = confirmed.root.querySelector('main a')?.getAttribute('href') ?? '';
  expect(link).toMatch(/^\/subscribers\/manage\?token=m1\./);
  return { email, link, token: new URLSearchParams(link.split('?')[1]).get('token') ?? '' };
}

describe('subscribe pages', () => {
  it('GET /subscribe shows the form: address, honeypot, every service or a choice of groups and services', async () => {
    const group = await createGroup(t.http, t.admin, { name: `Payments ${unique('g')}` });
    const service = await createService(t.http, t.admin, { name: `Cards ${unique('s')}`, group_ids: [group.id] });
    const page = await getPage(t.http, '/subscribe');
    expectHtmlPage(page);
    expectPrivate(page.headers);
    expect(page.text('h1')).toBe('Subscribe to updates');
    const form = page.root.querySelector('form.form');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/subscribe');
    expect(page.root.querySelector('input#email')?.getAttribute('type')).toBe('email');
    const honeypot = page.root.querySelector('.hp');
    expect(honeypot?.getAttribute('aria-hidden')).toBe('true');
    expect(honeypot?.querySelector('input[name=website]')?.getAttribute('tabindex')).toBe('-1');
    expect(page.all('input[name=scope]').map((input) => input.getAttribute('value'))).toEqual(['all', 'chosen']);
    expect(page.root.querySelector(`input[name=group_ids][value="${group.id}"]`)).not.toBeNull();
    expect(page.root.querySelector(`input[name=service_ids][value="${service.id}"]`)).not.toBeNull();
    expect(page.html).toContain('including services added to it later');
    // No script is needed: every control is a plain form field with a label.
    for (const input of page.all('form input:not([type=hidden])')) {
      const id = input.getAttribute('id');
      expect(page.root.querySelector(`label[for="${id}"]`), `label of ${id}`).not.toBeNull();
    }
  });

  it('the status page links to the form', async () => {
    const page = await getPage(t.http, '/');
    expect(page.all('header nav a').map((a) => a.getAttribute('href'))).toContain('/subscribe');
  });

  it('GET /subscribe?lang=ru is in Russian', async () => {
    const page = await getPage(t.http, '/subscribe?lang=ru');
    expectHtmlPage(page);
    expect(page.root.querySelector('html')?.getAttribute('lang')).toBe('ru');
    expect(page.text('h1')).toBe('Подписка на обновления');
    expect(page.root.querySelector('form.form')?.getAttribute('action')).toBe('/subscribe?lang=ru');
  });

  it('POST /subscribe with chosen services answers "check your inbox" and keeps the choice', async () => {
    const service = await createService(t.http, t.admin);
    const email = address();
    const answer = await postForm('/subscribe', [
      ['email', email],
      ['scope', 'chosen'],
      ['service_ids', service.id],
    ]);
    expect(answer.status, answer.text).toBe(200);
    expectPrivate(answer.headers);
    expect(answer.textOf('h1')).toBe('Check your inbox');
    expect(await stateOf(email)).toMatchObject({ state: 'pending', all: false });
    const [row] = await t.sql`
      select 1 from channel_subscriptions cs join notification_channels c on c.id = cs.channel_id
      where c.target = ${email} and cs.service_id = ${service.id}`;
    expect(row).toBeDefined();
  });

  it('POST /subscribe with the honeypot filled answers the same and writes nothing', async () => {
    const email = address();
    const answer = await postForm('/subscribe', [
      ['email', email],
      ['scope', 'all'],
      ['website', 'http://spam.example'],
    ]);
    expect(answer.status).toBe(200);
    expect(answer.textOf('h1')).toBe('Check your inbox');
    expect(await stateOf(email)).toBeUndefined();
  });

  it('POST /subscribe with a bad address or no choice shows the form again with a notice (400)', async () => {
    const bad = await postForm('/subscribe', [
      ['email', 'not-an-address'],
      ['scope', 'all'],
    ]);
    expect(bad.status).toBe(400);
    expect(bad.textOf('[role=alert]')).toMatch(/valid e-mail address/);
    expect(bad.root.querySelector('input#email')?.getAttribute('value')).toBe('not-an-address');
    const email = address();
    const none = await postForm('/subscribe', [
      ['email', email],
      ['scope', 'chosen'],
    ]);
    expect(none.status).toBe(400);
    expect(none.root.querySelector('input#scope-chosen')?.hasAttribute('checked')).toBe(true);
    expect(await stateOf(email)).toBeUndefined();
  });

  it(`POST /subscribe is limited like the API: ${PER_ADDRESS} per address, then a 429 page`, async () => {
    const email = address();
    for (let i = 0; i < PER_ADDRESS; i += 1) {
      expect(
        (
          await postForm('/subscribe', [
            ['email', email],
            ['scope', 'all'],
          ])
        ).status,
      ).toBe(200);
    }
    const refused = await postForm('/subscribe', [
      ['email', email],
      ['scope', 'all'],
    ]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.textOf('h1')).toBe('Too many requests');
  });
});

describe('subscriber confirm and manage pages', () => {
  it('GET /subscribers/confirm only shows a button (a prefetch confirms nothing); its POST confirms once', async () => {
    const email = address();
    await postForm('/subscribe', [
      ['email', email],
      ['scope', 'all'],
    ]);
    const token = await confirmTokenOf(email);
    const page = await getPage(t.http, `/subscribers/confirm?token=${encodeURIComponent(token)}`);
    expectHtmlPage(page);
    expectPrivate(page.headers);
    expect(page.root.querySelector('form input[name=token]')?.getAttribute('value')).toBe(token);
    expect(page.root.querySelector('form')?.getAttribute('method')).toBe('post');
    expect(await stateOf(email)).toMatchObject({ state: 'pending' });

    const confirmed = await postForm('/subscribers/confirm', [['token', token]]);
    expect(confirmed.status).toBe(200);
    expect(confirmed.textOf('h1')).toBe('Subscription confirmed');
    expect(await stateOf(email)).toMatchObject({ state: 'confirmed' });
    const again = await postForm('/subscribers/confirm', [['token', token]]);
    expect(again.status).toBe(404);
    expect(again.textOf('h1')).toBe('This link does not work');
  });

  it('GET /subscribers/manage shows the subscription; saving changes it', async () => {
    const service = await createService(t.http, t.admin);
    const { email, link, token } = await confirmedThroughPages();
    const page = await getPage(t.http, link);
    expectHtmlPage(page);
    expectPrivate(page.headers);
    expect(page.text('.lead')).toBe(`Notifications go to ${email}.`);
    expect(page.root.querySelector('input#scope-all')?.hasAttribute('checked')).toBe(true);

    const saved = await postForm('/subscribers/manage', [
      ['token', token],
      ['action', 'save'],
      ['scope', 'chosen'],
      ['service_ids', service.id],
    ]);
    expect(saved.status, saved.text).toBe(200);
    expect(saved.textOf('[role=status]')).toBe('Your choice is saved.');
    expect(saved.root.querySelector(`input[value="${service.id}"]`)?.hasAttribute('checked')).toBe(true);
    expect(await stateOf(email)).toMatchObject({ all: false });

    const refused = await postForm('/subscribers/manage', [
      ['token', token],
      ['action', 'save'],
      ['scope', 'chosen'],
    ]);
    expect(refused.status).toBe(400);
    expect(await stateOf(email)).toMatchObject({ all: false });
  });

  it('the unsubscribe button deletes the subscription, and the link stops working', async () => {
    const { email, link, token } = await confirmedThroughPages();
    const done = await postForm('/subscribers/manage', [
      ['token', token],
      ['action', 'unsubscribe'],
    ]);
    expect(done.status).toBe(200);
    expect(done.textOf('h1')).toBe('You are unsubscribed');
    expect(await stateOf(email)).toBeUndefined();
    const gone = await getPage(t.http, link);
    expectHtmlPage(gone, 404);
    expect(gone.text('h1')).toBe('This link does not work');
  });

  it('none of the subscriber pages is a route of the public cache (they depend on the token or the visitor)', () => {
    const templates = publicRoutes.map((route) => route.template);
    for (const path of ['/subscribe', '/subscribers/confirm', '/subscribers/manage'])
      expect(templates).not.toContain(path);
    expect(templates.some((template) => template.startsWith('/subscribe'))).toBe(false);
  });

  it('an invalid link answers the 404 page, in Russian when asked', async () => {
    for (const path of ['/subscribers/manage?token=short', `/subscribers/manage?token=${'A'.repeat(43)}`]) {
      const page = await getPage(t.http, path);
      expectHtmlPage(page, 404);
      expectPrivate(page.headers);
    }
    const ru = await getPage(t.http, `/subscribers/confirm?lang=ru&token=x`);
    expectHtmlPage(ru, 404);
    expect(ru.text('h1')).toBe('Ссылка не работает');
  });
});
