import { createHash } from 'node:crypto';
import { renderEventMessage } from '@statuspage/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from './support/api';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { daysOf, expectHtmlPage, getPage, pagesCacheOptions, textOf, usePagesDatabase } from './support/pages';

const env = usePagesDatabase();
const fx = useApiFixture(env, pagesCacheOptions());

const hour = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function createEvent(body: Record<string, unknown>) {
  const response = await fx.http.post('/api/v1/events', { token: fx.admin, body });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; title: string };
}

async function postUpdate(id: string, body: Record<string, unknown>) {
  const response = await fx.http.post(`/api/v1/events/${id}/updates`, { token: fx.admin, body });
  expect(response.status, response.text).toBe(201);
}

// One catalogue for the file: two groups, a service in both, one in one, one in none.
const world = {} as {
  core: { id: string; slug: string };
  edge: { id: string; slug: string };
  checkout: { id: string; slug: string; name: string };
  search: { id: string; slug: string; name: string };
  mailer: { id: string; slug: string; name: string };
  incident: { id: string; title: string };
  maintenanceNow: { id: string; title: string };
  maintenanceNext: { id: string; title: string };
  past: { id: string; title: string };
  windowStart: string;
  windowEnd: string;
};

beforeAll(async () => {
  const { http, admin } = fx;
  world.core = await createGroup(http, admin, { name: 'Core platform', order: -10 });
  world.edge = await createGroup(http, admin, { name: 'Edge network', order: -5 });
  const checkout = await createService(http, admin, {
    name: 'Checkout API',
    group_ids: [world.core.id, world.edge.id],
    order: 1,
  });
  const search = await createService(http, admin, { name: 'Search', group_ids: [world.core.id], order: 2 });
  const mailer = await createService(http, admin, { name: 'Mailer <b>&</b>', order: 3 });
  world.checkout = { ...checkout, name: 'Checkout API' };
  world.search = { ...search, name: 'Search' };
  world.mailer = { ...mailer, name: 'Mailer <b>&</b>' };

  world.incident = await createEvent({
    title: 'Checkout errors',
    type: 'incident',
    status: 'investigating',
    severity: 'critical',
    description: 'Payments fail for some customers.',
    affected_services: [{ service_id: checkout.id, status: 'major_outage' }],
    affected_groups: [],
  });
  await postUpdate(world.incident.id, { status: 'investigating', message: 'First look: card payments fail.' });
  await postUpdate(world.incident.id, { status: 'identified', message: 'Cause found: an expired certificate.' });

  world.maintenanceNow = await createEvent({
    title: 'Search index rebuild',
    type: 'maintenance',
    status: 'in_progress',
    description: 'Rebuilding the index.',
    scheduled_start_at: iso(Date.now() - hour),
    scheduled_end_at: iso(Date.now() + hour),
    affected_services: [{ service_id: search.id, status: 'maintenance' }],
  });
  world.windowStart = iso(Date.UTC(2031, 0, 15, 22, 0));
  world.windowEnd = iso(Date.UTC(2031, 0, 16, 1, 30));
  world.maintenanceNext = await createEvent({
    title: 'Database upgrade',
    type: 'maintenance',
    status: 'scheduled',
    description: 'Upgrading the primary.',
    scheduled_start_at: world.windowStart,
    scheduled_end_at: world.windowEnd,
    affected_groups: [{ group_id: world.core.id, status: 'maintenance' }],
  });
  world.past = await createEvent({
    title: 'Mail delays',
    type: 'incident',
    status: 'resolved',
    severity: 'minor',
    description: 'Mails were late.',
    started_at: iso(Date.now() - 5 * hour),
    resolved_at: iso(Date.now() - 3 * hour),
    affected_services: [{ service_id: mailer.id, status: 'degraded' }],
  });
});

describe('public pages: the status page', () => {
  it('shows the overall state in words, derived from the worst effective status', async () => {
    const page = await getPage(fx.http, '/?lang=en');
    expectHtmlPage(page);
    expect(page.root.querySelector('html')?.getAttribute('lang')).toBe('en');
    expect(page.text('.banner h1')).toBe('Major outage');
    expect(page.root.querySelector('.banner')?.classList.contains('s-major_outage')).toBe(true);
    expect(page.root.querySelector('.banner use')?.getAttribute('href')).toBe('#i-major_outage');
  });

  it('lists active incidents first, then maintenance in progress, then upcoming maintenance with its window', async () => {
    const page = await getPage(fx.http, '/?lang=en');
    const headings = page.all('main > section > h2').map(textOf);
    expect(headings).toEqual(['Active incidents', 'Maintenance in progress', 'Upcoming maintenance', 'Services']);

    const incident = page.root.querySelector('#incidents')?.parentNode;
    const card = incident?.querySelector('li.card');
    expect(textOf(card?.querySelector('h3'))).toBe('Checkout errors');
    expect(card?.querySelector('h3 a')?.getAttribute('href')).toBe(`/events/${world.incident.id}?lang=en`);
    expect(textOf(card?.querySelector('.meta'))).toBe('Incident · Severity: Critical · Identified');
    // The latest update, with its time.
    expect(textOf(card?.querySelector('.msg'))).toBe('Identified — Cause found: an expired certificate.');
    expect(card?.querySelector('time')?.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);

    const now = page.root.querySelector('#maintenance-now')?.parentNode;
    expect(textOf(now?.querySelector('h3'))).toBe('Search index rebuild');
    const next = page.root.querySelector('#maintenance-next')?.parentNode;
    expect(textOf(next?.querySelector('h3'))).toBe('Database upgrade');
    expect(textOf(next)).toContain('Scheduled window: Jan 15, 2031, 22:00 UTC – Jan 16, 2031, 01:30 UTC');
  });

  it('shows groups with their services (a service under each of its groups), then the ungrouped ones', async () => {
    const page = await getPage(fx.http, '/?lang=en');
    const sections = page.all('section.group').map((section) => ({
      title: textOf(section.querySelector('h3')),
      services: section.querySelectorAll('.svc h4').map(textOf),
    }));
    const titles = sections.map((section) => section.title);
    expect(titles.slice(0, 2)).toEqual(['Core platform', 'Edge network']);
    expect(titles.at(-1)).toBe('Other services');
    expect(sections[0]?.services).toEqual(['Checkout API', 'Search']);
    expect(sections[1]?.services).toEqual(['Checkout API']);
    expect(sections.at(-1)?.services).toContain('Mailer <b>&</b>');
    // Names are text, never markup.
    expect(page.html).toContain('Mailer &lt;b>&amp;&lt;/b>');
  });

  it('gives each service its effective status in words and icon, and a 90-day bar with labelled days', async () => {
    const page = await getPage(fx.http, '/?lang=en');
    const service = (name: string) => page.all('.svc').find((element) => textOf(element.querySelector('h4')) === name);
    const checkout = service('Checkout API');
    expect(textOf(checkout?.querySelector('.st'))).toBe('Major outage');
    expect(checkout?.querySelector('.st use')?.getAttribute('href')).toBe('#i-major_outage');
    expect(textOf(service('Search')?.querySelector('.st'))).toBe('Under maintenance');
    expect(textOf(service('Mailer <b>&</b>')?.querySelector('.st'))).toBe('Operational');

    // Days that read the same are one element drawn as that many cells: 90 days in all.
    const cells = checkout?.querySelectorAll('ol.bar > li') ?? [];
    expect(cells.reduce((sum, cell) => sum + daysOf(cell), 0)).toBe(90);
    expect(checkout?.querySelector('ol.bar')?.getAttribute('aria-label')).toBe(
      'Checkout API: status of the last 90 days',
    );
    // The service was created today: the days before are "no data", today is the worst status it had.
    expect(cells).toHaveLength(2);
    expect(daysOf(cells[0])).toBe(89);
    const day = (offset: number) =>
      new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + offset));
    const range = new Intl.DateTimeFormat('en', { timeZone: 'UTC', dateStyle: 'medium' }).formatRange(
      day(-89),
      day(-1),
    );
    expect(textOf(cells[0])).toBe(`${range} (89 days): No data`.replace(/\s+/g, ' '));
    expect(cells[0]?.classList.contains('u-none')).toBe(true);
    const today = cells[1];
    expect(daysOf(today)).toBe(1);
    expect(today?.classList.contains('u-major_outage')).toBe(true);
    expect(textOf(today)).toMatch(/: Major outage, \d+(\.\d+)?% uptime, 1 incident: Checkout errors$/);
    expect(textOf(checkout?.querySelector('.legend'))).toMatch(/\d+(\.\d+)?% uptime/);
    expect(page.text('.foot-note')).toContain('Time under maintenance is left out of the calculation');
  });

  it('answers with its language, Vary: Accept-Language, a public Cache-Control and a CSP naming its inline code by hash', async () => {
    const page = await getPage(fx.http, '/?lang=en');
    expect(page.headers.get('content-language')).toBe('en');
    expect(page.headers.get('vary')?.toLowerCase()).toContain('accept-language');
    expect(page.headers.get('cache-control')).toMatch(/^public, max-age=\d+, .*stale-while-revalidate=\d+/);
    const csp = page.headers.get('content-security-policy') ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const style = page.root.querySelector('style')?.innerHTML ?? '';
    const script = page.root.querySelector('script')?.innerHTML ?? '';
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain("default-src 'none'");
    expect(page.all('style')).toHaveLength(1);
    expect(page.all('script')).toHaveLength(1);
    // Nothing is loaded from another host.
    expect(page.all('[src]').filter((element) => /^(https?:)?\/\//.test(element.getAttribute('src') ?? ''))).toEqual(
      [],
    );
    expect(page.all('link[rel=stylesheet]')).toEqual([]);
  });
});

describe('public pages: an event', () => {
  it('shows an incident with its facts, affected services and whole timeline newest first', async () => {
    const page = await getPage(fx.http, `/events/${world.incident.id}?lang=en`);
    expectHtmlPage(page);
    expect(page.text('h1')).toBe('Checkout errors');
    const facts = Object.fromEntries(page.all('dl.facts dt').map((dt) => [textOf(dt), textOf(dt.nextElementSibling)]));
    expect(facts).toMatchObject({ Type: 'Incident', Severity: 'Critical', Status: 'Identified' });
    expect(facts.Started).toMatch(/UTC$/);
    expect(facts.Resolved).toBeUndefined();
    expect(page.text('.msg')).toBe('Payments fail for some customers.');
    expect(textOf(page.root.querySelector('#affected-services')?.parentNode)).toContain('Checkout API — Major outage');
    const timeline = page
      .all('.timeline > li')
      .map((li) => `${textOf(li.querySelector('h3'))}: ${textOf(li.querySelector('.msg'))}`);
    expect(timeline.slice(0, 2)).toEqual([
      'Identified: Cause found: an expired certificate.',
      'Investigating: First look: card payments fail.',
    ]);
    const times = page.all('.timeline time').map((time) => time.getAttribute('datetime') ?? '');
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('shows a maintenance with its window and affected groups, and a resolved incident with its duration', async () => {
    const maintenance = await getPage(fx.http, `/events/${world.maintenanceNext.id}?lang=en`);
    const facts = Object.fromEntries(
      maintenance.all('dl.facts dt').map((dt) => [textOf(dt), textOf(dt.nextElementSibling)]),
    );
    expect(facts['Scheduled window']).toBe('Jan 15, 2031, 22:00 UTC – Jan 16, 2031, 01:30 UTC');
    expect(facts.Status).toBe('Scheduled');
    expect(textOf(maintenance.root.querySelector('#affected-groups')?.parentNode)).toContain('Core platform');

    const past = await getPage(fx.http, `/events/${world.past.id}?lang=en`);
    const pastFacts = Object.fromEntries(
      past.all('dl.facts dt').map((dt) => [textOf(dt), textOf(dt.nextElementSibling)]),
    );
    expect(pastFacts.Duration).toBe('2 hours');
    expect(pastFacts.Resolved).toMatch(/UTC$/);
  });

  it('is where the notifications link to', async () => {
    const message = renderEventMessage(
      'initial',
      {
        event: { id: world.incident.id, title: 'Checkout errors', type: 'incident', status: 'investigating' },
        services: [],
        text: 'x',
      } as never,
      'telegram',
      { baseUrl: fx.api.url },
    );
    const link = /Details: (\S+)/.exec(message.text)?.[1] ?? '';
    expect(link).toBe(`${fx.api.url}/events/${world.incident.id}`);
    const page = await getPage(fx.http, link.slice(fx.api.url.length));
    expect(page.status).toBe(200);
    expect(page.text('h1')).toBe('Checkout errors');
  });

  it('answers an HTML 404 page for an unknown or malformed id', async () => {
    for (const path of [`/events/00000000-0000-4000-8000-000000000000`, '/events/not-an-id', '/events/%00']) {
      const page = await getPage(fx.http, `${path}?lang=en`);
      expectHtmlPage(page, 404);
      expect(page.text('h1')).toBe('Page not found');
      expect(page.root.querySelector('main a')?.getAttribute('href')).toBe('/?lang=en');
    }
  });
});

describe('public pages: history', () => {
  it('lists closed events by month, newest first, with their duration and affected services', async () => {
    const page = await getPage(fx.http, '/history?lang=en');
    expectHtmlPage(page);
    expect(page.text('h1')).toBe('Past incidents and maintenance');
    const month = new Intl.DateTimeFormat('en', { timeZone: 'UTC', year: 'numeric', month: 'long' }).format(
      new Date(Date.now() - 3 * hour),
    );
    expect(page.text('main h2')).toBe(month);
    const card = page.all('li.card').find((li) => textOf(li.querySelector('h3')) === 'Mail delays');
    expect(textOf(card)).toContain('Duration: 2 hours');
    expect(textOf(card)).toContain('Affected services: Mailer <b>&</b>');
    expect(page.all('li.card h3').map(textOf)).not.toContain('Checkout errors');
  });

  it('pages with ?page=, refusing a malformed page and answering 404 past the last one', async () => {
    const base = Date.now() - 40 * 24 * hour;
    for (let index = 0; index < 21; index += 1) {
      await createEvent({
        title: `Old incident ${index}`,
        type: 'incident',
        status: 'resolved',
        severity: 'minor',
        description: '',
        started_at: iso(base + index * hour),
        resolved_at: iso(base + index * hour + 60_000),
      });
    }
    const closed = async (status: string) =>
      ((await fx.http.get(`/api/v1/events?status=${status}`)).body.data as unknown[]).length;
    const total = (await closed('resolved')) + (await closed('completed'));
    const pages = Math.ceil(total / 20);
    expect(pages).toBeGreaterThanOrEqual(2);
    const first = await getPage(fx.http, '/history?lang=en');
    expect(first.all('li.card')).toHaveLength(20);
    expect(first.text('.pager')).toContain(`Page 1 of ${pages}`);
    expect(first.root.querySelector('.pager a')?.getAttribute('href')).toBe('/history?page=2&lang=en');
    const second = await getPage(fx.http, '/history?page=2&lang=en');
    expectHtmlPage(second);
    expect(second.root.querySelector('.pager a')?.getAttribute('href')).toBe('/history?lang=en');
    // Every closed event once, most recently closed first, across the pages.
    const closedAt: string[] = [];
    const titles: string[] = [];
    for (let page = 1; page <= pages; page += 1) {
      const listing = await getPage(fx.http, `/history?page=${page}&lang=en`);
      expect(listing.all('li.card')).toHaveLength(page < pages ? 20 : total - 20 * (pages - 1));
      for (const card of listing.all('li.card')) {
        titles.push(textOf(card.querySelector('h3')));
        closedAt.push(card.querySelector('time')?.getAttribute('datetime') ?? '');
      }
    }
    expect(closedAt).toEqual([...closedAt].sort().reverse());
    expect(titles.indexOf('Old incident 20')).toBeLessThan(titles.indexOf('Old incident 0'));
    expect(titles.filter((title) => title.startsWith('Old incident '))).toHaveLength(21);
    for (const bad of ['0', 'abc', '-1', '1e3', '']) {
      const page = await getPage(fx.http, `/history?page=${bad}&lang=en`);
      expectHtmlPage(page, 400);
      expect(page.text('h1')).toBe('Bad request');
    }
    expectHtmlPage(await getPage(fx.http, `/history?page=${pages + 1}`), 404);
  });
});

describe('public pages: a service', () => {
  it('shows its status, 90-day bar, 12 months of uptime and its recent events', async () => {
    const page = await getPage(fx.http, `/services/${world.checkout.slug}?lang=en`);
    expectHtmlPage(page);
    expect(page.text('h1')).toBe('Checkout API');
    expect(page.text('.svc-head .st')).toBe('Major outage');
    expect(page.all('ol.bar > li').reduce((sum, cell) => sum + daysOf(cell), 0)).toBe(90);
    const rows = page.all('table tbody tr');
    expect(rows).toHaveLength(12);
    const thisMonth = new Intl.DateTimeFormat('en', { timeZone: 'UTC', year: 'numeric', month: 'long' }).format(
      new Date(),
    );
    expect(textOf(rows.at(-1)?.querySelector('th'))).toBe(thisMonth);
    expect(textOf(rows.at(-1)?.querySelector('td'))).toMatch(/^\d+(\.\d+)?%$/);
    expect(textOf(rows[0]?.querySelector('td'))).toBe('No data');
    // Active first; the maintenance names the service through its group.
    expect(page.all('li.card h3').map(textOf)).toEqual(['Checkout errors', 'Database upgrade']);
  });

  it("links to the feeds and calendars in its head and footer: the page's own, and on a service page the service's", async () => {
    const alternates = async (path: string) => {
      const page = await getPage(fx.http, path);
      const links = page
        .all('head link[rel="alternate"][type]')
        .map((link) => [link.getAttribute('type'), link.getAttribute('href')]);
      const footer = page.all('footer a[type]').map((link) => link.getAttribute('href'));
      expect(footer).toEqual(links.map(([, href]) => href));
      return links;
    };
    const own = [
      ['application/atom+xml', '/history.atom'],
      ['application/rss+xml', '/history.rss'],
      ['text/calendar', '/maintenance.ics'],
    ];
    expect(await alternates('/?lang=en')).toEqual(own);
    expect(await alternates(`/services/${world.checkout.slug}?lang=en`)).toEqual([
      ...own,
      ['application/atom+xml', `/services/${world.checkout.slug}/history.atom`],
      ['application/rss+xml', `/services/${world.checkout.slug}/history.rss`],
      ['text/calendar', `/services/${world.checkout.slug}/maintenance.ics`],
    ]);
    // Each of them answers.
    for (const [type, href] of await alternates(`/services/${world.checkout.slug}?lang=en`)) {
      const answer = await fx.http.get(href ?? '');
      expect(answer.status, href ?? '').toBe(200);
      expect(answer.headers.get('content-type')).toContain(type ?? '');
    }
  });

  it('answers an HTML 404 page for an unknown or archived service', async () => {
    const archived = await createService(fx.http, fx.admin, { name: 'Retired' });
    expect((await fx.http.delete(`/api/v1/services/${archived.slug}`, { token: fx.admin })).status).toBe(204);
    for (const slug of [archived.slug, unique('missing'), 'x'.repeat(300)]) {
      const page = await getPage(fx.http, `/services/${slug}?lang=en`);
      expectHtmlPage(page, 404);
      expect(page.text('h1')).toBe('Page not found');
    }
  });

  it('answers other addresses with the HTML 404 page to browsers and the JSON error to API clients', async () => {
    const page = await getPage(fx.http, '/no/such/page');
    expectHtmlPage(page, 404);
    const json = await fx.http.get('/no/such/page');
    expect(json.status).toBe(404);
    expect(json.body).toEqual({ error: { message: 'not found' } });
  });
});

describe('public pages: languages', () => {
  it('takes ?lang= first, then Accept-Language, then the page setting', async () => {
    const russian = await getPage(fx.http, '/?lang=ru', { 'accept-language': 'en' });
    expect(russian.root.querySelector('html')?.getAttribute('lang')).toBe('ru');
    expect(russian.headers.get('content-language')).toBe('ru');
    expect(russian.text('.banner h1')).toBe('Серьёзный сбой');
    expect(russian.all('main > section > h2').map(textOf)[0]).toBe('Текущие инциденты');

    const byHeader = await getPage(fx.http, '/', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    expect(byHeader.text('.banner h1')).toBe('Серьёзный сбой');
    const english = await getPage(fx.http, '/', { 'accept-language': 'de-DE, en;q=0.5' });
    expect(english.text('.banner h1')).toBe('Major outage');

    const settings = await fx.http.put('/api/v1/settings/page', {
      token: fx.admin,
      body: { name: 'Acme status', language: 'ru' },
    });
    expect(settings.status, settings.text).toBe(200);
    try {
      const fallback = await getPage(fx.http, '/', { 'accept-language': 'de' });
      expect(fallback.text('.banner h1')).toBe('Серьёзный сбой');
      expect(fallback.text('.brand')).toBe('Acme status');
      const unknown = await getPage(fx.http, '/?lang=xx');
      expect(unknown.root.querySelector('html')?.getAttribute('lang')).toBe('ru');
    } finally {
      await fx.http.put('/api/v1/settings/page', { token: fx.admin, body: { name: 'Status' } });
    }
  });

  it('formats dates, numbers and counts in the language and the page time zone', async () => {
    await fx.http.put('/api/v1/settings/page', {
      token: fx.admin,
      body: { name: 'Status', time_zone: 'Asia/Tokyo' },
    });
    try {
      const page = await getPage(fx.http, `/events/${world.maintenanceNext.id}?lang=ru`);
      const facts = Object.fromEntries(
        page.all('dl.facts dt').map((dt) => [textOf(dt), textOf(dt.nextElementSibling)]),
      );
      // 22:00 UTC is 07:00 the next day in Tokyo (UTC+9).
      expect(facts['Запланированное время']).toBe('16 янв. 2031 г., 07:00 GMT+9 – 16 янв. 2031 г., 10:30 GMT+9');
      expect(page.text('footer')).toContain('Время указано в часовом поясе Asia/Tokyo.');
      const past = await getPage(fx.http, `/events/${world.past.id}?lang=ru`);
      expect(past.text('dl.facts')).toContain('2 часа');
      const status = await getPage(fx.http, '/?lang=ru');
      const checkout = status.all('.svc').find((element) => textOf(element.querySelector('h4')) === 'Checkout API');
      expect(textOf(checkout?.querySelectorAll('ol.bar > li').at(-1))).toMatch(
        /: Серьёзный сбой, доступность \d+(,\d+)? %, 1 событие: Checkout errors$/,
      );
    } finally {
      await fx.http.put('/api/v1/settings/page', { token: fx.admin, body: { name: 'Status' } });
    }
  });

  it('keeps a language chosen with ?lang= in its links', async () => {
    const page = await getPage(fx.http, '/?lang=ru');
    expect(page.root.querySelector('header nav a[href^="/history"]')?.getAttribute('href')).toBe('/history?lang=ru');
    expect(page.all('a[href^="/events/"]')[0]?.getAttribute('href')).toMatch(/\?lang=ru$/);
    const plain = await getPage(fx.http, '/');
    expect(plain.root.querySelector('header nav a[href^="/history"]')?.getAttribute('href')).toBe('/history');
  });
});

describe('public pages: cache', () => {
  it('answers 304 to a matching ETag, and shows a write on the next GET', async () => {
    const first = await fx.http.get('/', { headers: { accept: 'text/html', 'accept-language': 'en' } });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await fx.http.get('/', {
      headers: { accept: 'text/html', 'accept-language': 'en', 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');

    // A new incident.
    const event = await createEvent({
      title: `Fresh incident ${unique()}`,
      type: 'incident',
      status: 'investigating',
      severity: 'minor',
      description: '',
      affected_services: [{ service_id: world.search.id, status: 'degraded' }],
    });
    const afterEvent = await getPage(fx.http, '/', { 'accept-language': 'en', 'if-none-match': etag });
    expect(afterEvent.status).toBe(200);
    expect(afterEvent.all('#incidents ~ ul li h3, li.card h3').map(textOf)).toContain(event.title);

    // A service status change.
    const patch = await fx.http.patch(`/api/v1/services/${world.mailer.slug}`, {
      token: fx.admin,
      body: { name: world.mailer.name, slug: world.mailer.slug, status: 'partial_outage' },
    });
    expect(patch.status, patch.text).toBe(200);
    const afterStatus = await getPage(fx.http, '/', { 'accept-language': 'en' });
    const mailer = afterStatus.all('.svc').find((element) => textOf(element.querySelector('h4')) === world.mailer.name);
    expect(textOf(mailer?.querySelector('.st'))).toBe('Partial outage');

    // A settings change.
    const name = `Renamed ${unique()}`;
    expect((await fx.http.put('/api/v1/settings/page', { token: fx.admin, body: { name } })).status).toBe(200);
    try {
      const afterSettings = await getPage(fx.http, '/', { 'accept-language': 'en' });
      expect(afterSettings.text('.brand')).toBe(name);
    } finally {
      await fx.http.put('/api/v1/settings/page', { token: fx.admin, body: { name: 'Status' } });
    }
  });

  it('keeps one cached answer per language', async () => {
    const english = await getPage(fx.http, '/', { 'accept-language': 'en' });
    const russian = await getPage(fx.http, '/', { 'accept-language': 'ru' });
    const englishAgain = await getPage(fx.http, '/', { 'accept-language': 'en' });
    expect(english.headers.get('etag')).toBe(englishAgain.headers.get('etag'));
    expect(russian.headers.get('etag')).not.toBe(english.headers.get('etag'));
    expect(englishAgain.text('.banner h1')).toBe(english.text('.banner h1'));
    expect(russian.root.querySelector('html')?.getAttribute('lang')).toBe('ru');
  });
});
