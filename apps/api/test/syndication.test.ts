/**
 * The page for machines over HTTP: the Statuspage API v2, the feeds, the
 * maintenance calendars and the badges, against seeded data (an active
 * incident with two updates, resolved incidents, upcoming and in-progress
 * maintenance, a reschedule, a cancellation). Responses are checked against
 * the schemas of our own OpenAPI document (ajv), feeds parsed by rss-parser
 * (RSS and Atom) and fast-xml-parser, calendars by ical.js (Mozilla's parser).
 *
 * The api runs on a database of its own: the lists and the page's status are
 * exact, whatever other test files write meanwhile.
 */
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { makeBadge } from 'badge-maker';
import { XMLParser } from 'fast-xml-parser';
import ICAL from 'ical.js';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http } from './support/client';
import { addUpdate, createEvent, incidentBody, maintenanceBody, type WireEvent } from './support/events';
import { adminToken } from './support/factories';

const BASE = 'https://status.example.test';
const DASHBOARD = 'https://dashboard.example.org';
const hour = 3_600_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
const wholeSeconds = (iso: string) => `${iso.slice(0, 19)}.000Z`;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: ApiServer;
let http: Http;
let admin: string;
let document: { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
const ids: Record<string, string> = {};
const slugs: Record<string, string> = {};
const seeded: Record<string, WireEvent> = {};

/** Of these ids, the events this file created, in order (the development seed has 90 days of history too). */
const ours = (ids: string[]) => {
  const created = new Set(Object.values(seeded).map((event) => event.id));
  return ids.filter((id) => created.has(id));
};

/** The request as an anonymous machine would send it. */
const get = (path: string, headers: Record<string, string> = {}) => http.request('GET', path, { headers });

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
let registered = false;

/** Fails unless `body` matches the 200 schema our OpenAPI document gives `path`. */
function expectDocumented(path: string, body: unknown) {
  if (!registered) {
    ajv.addSchema({ $id: 'doc', components: document.components });
    registered = true;
  }
  const schema = document.paths[path]?.get?.responses?.['200']?.content?.['application/json']?.schema;
  expect(schema, `no schema documented for ${path}`).toBeDefined();
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
  const valid = validate(body);
  expect(validate.errors ?? [], path).toEqual([]);
  expect(valid).toBe(true);
}

beforeAll(async () => {
  database = await createTestDatabase('sp_api_syndication');
  const client = await createDb({ url: database.url, poolSize: 1 });
  await seedDevelopmentData(client.db);
  await client.close();
  api = await startTestApi(
    // An origin the app's own (credentialed) CORS allows: these routes still answer `*`, without credentials.
    { DATABASE_URL: database.url, NOTIFICATIONS_BASE_URL: `${BASE}/`, CORS_ALLOWED_ORIGINS: DASHBOARD },
    // Its own invalidation channel: writes of other files would empty its cache between two reads.
    { publicCacheChannel: `syndication-test-${unique('channel')}` },
  );
  http = createHttp(api.url);
  admin = await adminToken(http);
  document = (await http.get('/api/openapi.json')).body;
  const services = (await http.get('/api/v1/services')).body.data as { id: string; slug: string }[];
  for (const service of services) {
    ids[service.slug] = service.id;
    slugs[service.slug] = service.slug;
  }
  const groups = (await http.get('/api/v1/groups')).body.data as { id: string; slug: string }[];
  for (const group of groups) ids[`group:${group.slug}`] = group.id;

  // Resolved incidents: one in the past (times given), one opened and resolved here.
  seeded.past = await createEvent(
    http,
    admin,
    incidentBody({
      title: 'Past outage',
      status: 'resolved',
      severity: 'critical',
      started_at: isoIn(-72 * hour),
      resolved_at: isoIn(-70 * hour),
      affected_services: [{ service_id: ids.database, status: 'major_outage' }],
    }),
  );
  seeded.resolved = await createEvent(
    http,
    admin,
    incidentBody({
      title: 'Short blip',
      severity: 'minor',
      affected_services: [{ service_id: ids.website, status: 'degraded' }],
    }),
  );
  await addUpdate(http, admin, seeded.resolved.id, { status: 'resolved', message: 'Fixed.' });

  // Maintenance: one in progress, one upcoming and rescheduled twice, one rescheduled then cancelled.
  seeded.inProgress = await createEvent(
    http,
    admin,
    maintenanceBody({
      title: 'Mail relay upgrade',
      status: 'in_progress',
      scheduled_start_at: isoIn(-hour),
      scheduled_end_at: isoIn(hour),
      affected_services: [{ service_id: ids.notifications, status: 'maintenance' }],
    }),
  );
  seeded.upcoming = await createEvent(
    http,
    admin,
    maintenanceBody({
      title: 'Website move',
      description: 'Moving to new servers',
      scheduled_start_at: isoIn(48 * hour),
      scheduled_end_at: isoIn(50 * hour),
      affected_services: [{ service_id: ids.website, status: 'maintenance' }],
    }),
  );
  for (const offset of [49, 50]) {
    const moved = await http.patch(`/api/v1/events/${seeded.upcoming.id}`, {
      token: admin,
      body: { scheduled_start_at: isoIn(offset * hour), scheduled_end_at: isoIn((offset + 2) * hour) },
    });
    expect(moved.status, moved.text).toBe(200);
  }
  seeded.cancelled = await createEvent(
    http,
    admin,
    maintenanceBody({
      title: 'Database failover drill',
      scheduled_start_at: isoIn(72 * hour),
      scheduled_end_at: isoIn(73 * hour),
      affected_services: [{ service_id: ids.database, status: 'maintenance' }],
    }),
  );
  const moved = await http.patch(`/api/v1/events/${seeded.cancelled.id}`, {
    token: admin,
    body: { scheduled_start_at: isoIn(74 * hour), scheduled_end_at: isoIn(75 * hour) },
  });
  expect(moved.status, moved.text).toBe(200);
  const deleted = await http.delete(`/api/v1/events/${seeded.cancelled.id}`, { token: admin });
  expect(deleted.status, deleted.text).toBe(204);

  // The active incident (the newest event): opened, then two updates, one of which worsens the API.
  seeded.active = await createEvent(
    http,
    admin,
    incidentBody({
      title: 'API errors',
      severity: 'major',
      description: 'Elevated error rates',
      affected_services: [
        { service_id: ids.api, status: 'partial_outage' },
        { service_id: ids.database, status: 'degraded' },
      ],
    }),
  );
  await addUpdate(http, admin, seeded.active.id, {
    status: 'identified',
    message: 'A bad deploy <script>alert(1)</script> & more',
    service_updates: [{ service_id: ids.api, status: 'major_outage' }],
  });
  await addUpdate(http, admin, seeded.active.id, { status: 'monitoring', message: 'Rolled back; watching.' });
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

describe('statuspage api v2', () => {
  it('answers summary.json during an incident, in the documented shape', async () => {
    const response = await get('/api/v2/summary.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectDocumented('/api/v2/summary.json', response.body);
    const summary = response.body;
    expect(summary.page).toMatchObject({ name: 'Status', url: BASE, time_zone: 'UTC' });
    expect(summary.page.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect(summary.incidents.map((incident: { id: string }) => incident.id)).toEqual([seeded.active?.id]);
    // Upcoming and in progress, newest first by start; never the cancelled one.
    expect(summary.scheduled_maintenances.map((maintenance: { id: string }) => maintenance.id)).toEqual([
      seeded.upcoming?.id,
      seeded.inProgress?.id,
    ]);
  });

  it('maps an incident: latest status, monitoring_at, impact, absolute shortlink, updates newest first', async () => {
    const [incident] = (await get('/api/v2/incidents/unresolved.json')).body.incidents;
    expect(incident).toMatchObject({
      id: seeded.active?.id,
      name: 'API errors',
      status: 'monitoring',
      impact: 'major',
      resolved_at: null,
      shortlink: `${BASE}/events/${seeded.active?.id}`,
      page_id: expect.any(String),
    });
    expect(incident.monitoring_at).toBe(incident.incident_updates[0].created_at);
    expect(incident.started_at).toBe(seeded.active?.started_at);
    expect(incident.incident_updates.map((update: { status: string }) => update.status)).toEqual([
      'monitoring',
      'identified',
      'investigating',
    ]);
    const [monitoring, identified, opened] = incident.incident_updates;
    expect(monitoring).toMatchObject({
      body: 'Rolled back; watching.',
      incident_id: seeded.active?.id,
      affected_components: null,
      custom_tweet: null,
      tweet_id: null,
      deliver_notifications: false,
    });
    expect(monitoring.display_at).toBe(monitoring.created_at);
    expect(identified.affected_components).toEqual([
      { code: ids.api, name: 'API', old_status: 'partial_outage', new_status: 'major_outage' },
    ]);
    expect(opened.affected_components).toEqual(
      expect.arrayContaining([
        { code: ids.api, name: 'API', old_status: 'operational', new_status: 'partial_outage' },
        { code: ids.database, name: 'Database', old_status: 'operational', new_status: 'degraded_performance' },
      ]),
    );
    expect(incident.components.map((component: { id: string }) => component.id).sort()).toEqual(
      [ids.api, ids.database].sort(),
    );
    for (const time of [incident.created_at, incident.updated_at, incident.started_at, monitoring.created_at]) {
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('lists components once each, groups with their children, group status the worst child', async () => {
    const response = await get('/api/v2/components.json');
    expectDocumented('/api/v2/components.json', response.body);
    const components = response.body.components as {
      id: string;
      name: string;
      status: string;
      group: boolean;
      group_id: string | null;
      components?: string[];
      position: number;
    }[];
    const byId = new Map(components.map((component) => [component.id, component]));
    expect(byId.size).toBe(components.length);
    // The seed: api is in platform and customer-facing; platform comes first.
    const platform = byId.get(ids['group:platform'] as string);
    const customer = byId.get(ids['group:customer-facing'] as string);
    expect(platform).toMatchObject({ group: true, group_id: null, status: 'major_outage' });
    expect([...(platform?.components ?? [])].sort()).toEqual([ids.api, ids.database].sort());
    expect(customer?.components).toEqual([ids.website]);
    expect(customer?.status).toBe('operational');
    expect(byId.get(ids.api as string)).toMatchObject({ group: false, group_id: platform?.id, status: 'major_outage' });
    expect(byId.get(ids.database as string)?.status).toBe('degraded_performance');
    expect(byId.get(ids.notifications as string)).toMatchObject({ group_id: null, status: 'under_maintenance' });
    expect(byId.get(ids.website as string)).toMatchObject({ group_id: customer?.id, status: 'operational' });
    for (const component of components) {
      if (component.group) continue;
      expect(component).not.toHaveProperty('components');
      if (component.group_id) expect(byId.get(component.group_id)?.components).toContain(component.id);
    }
    expect(components.map((component) => component.position)).toEqual(components.map((_, index) => index + 1));
    // The same ids on every endpoint.
    const summary = (await get('/api/v2/summary.json')).body;
    expect(summary.components).toEqual(components);
  });

  it('answers status.json with the page and the indicator', async () => {
    const response = await get('/api/v2/status.json');
    expectDocumented('/api/v2/status.json', response.body);
    expect(Object.keys(response.body).sort()).toEqual(['page', 'status']);
    expect(response.body.status.indicator).toBe('critical');
  });

  it('lists the most recent incidents, resolved too, never maintenance, newest first', async () => {
    const response = await get('/api/v2/incidents.json');
    expectDocumented('/api/v2/incidents.json', response.body);
    const incidents = response.body.incidents as Record<string, any>[];
    expect(ours(incidents.map((incident) => incident.id))).toEqual([
      seeded.active?.id,
      seeded.resolved?.id,
      seeded.past?.id,
    ]);
    const starts = incidents.map((incident) => incident.started_at as string);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(incidents.length).toBeLessThanOrEqual(50);
    const byId = new Map(incidents.map((incident) => [incident.id, incident]));
    const past = byId.get(seeded.past?.id);
    expect(past).toMatchObject({
      status: 'resolved',
      impact: 'critical',
      started_at: seeded.past?.started_at,
      resolved_at: seeded.past?.resolved_at,
      monitoring_at: null,
    });
    const resolved = byId.get(seeded.resolved?.id);
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.resolved_at).toBe(resolved?.incident_updates[0].created_at);
    expect(resolved?.impact).toBe('minor');
    expectDocumented('/api/v2/incidents/unresolved.json', (await get('/api/v2/incidents/unresolved.json')).body);
  });

  it('lists maintenance: the most recent, upcoming and active', async () => {
    const all = await get('/api/v2/scheduled-maintenances.json');
    expectDocumented('/api/v2/scheduled-maintenances.json', all.body);
    const maintenances = all.body.scheduled_maintenances as { id: string; started_at: string; impact: string }[];
    expect(ours(maintenances.map((maintenance) => maintenance.id))).toEqual([
      seeded.upcoming?.id,
      seeded.inProgress?.id,
    ]);
    const starts = maintenances.map((maintenance) => maintenance.started_at);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(maintenances.every((maintenance) => maintenance.impact === 'maintenance')).toBe(true);
    const upcoming = await get('/api/v2/scheduled-maintenances/upcoming.json');
    expectDocumented('/api/v2/scheduled-maintenances/upcoming.json', upcoming.body);
    const [next] = upcoming.body.scheduled_maintenances;
    expect(upcoming.body.scheduled_maintenances).toHaveLength(1);
    const current = (await http.get(`/api/v1/events/${seeded.upcoming?.id}`)).body.data;
    expect(next).toMatchObject({
      id: seeded.upcoming?.id,
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: current.scheduled_start_at,
      scheduled_until: current.scheduled_end_at,
      resolved_at: null,
    });
    expect(next.started_at).toBe(current.scheduled_start_at);
    const active = await get('/api/v2/scheduled-maintenances/active.json');
    expectDocumented('/api/v2/scheduled-maintenances/active.json', active.body);
    expect(active.body.scheduled_maintenances.map((maintenance: { id: string }) => maintenance.id)).toEqual([
      seeded.inProgress?.id,
    ]);
    expect(active.body.scheduled_maintenances[0]).toMatchObject({
      status: 'in_progress',
      components: [expect.objectContaining({ id: ids.notifications, status: 'under_maintenance' })],
    });
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const got = await get('/api/v2/components.json');
    const head = await http.request('HEAD', '/api/v2/components.json');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    for (const name of ['content-type', 'content-length', 'etag', 'cache-control', 'access-control-allow-origin']) {
      expect(head.headers.get(name), name).toBe(got.headers.get(name));
    }
  });

  it('is readable from any origin, without credentials, whether answered by the app or the cache', async () => {
    for (const origin of [DASHBOARD, 'https://elsewhere.example.net']) {
      for (const path of ['/api/v2/summary.json', '/history.atom', '/maintenance.ics', '/badge.svg']) {
        // The first read of a path may fill the cache, the second is a hit.
        for (const _read of [1, 2]) {
          const response = await get(path, { origin });
          expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
          expect(response.headers.get('access-control-allow-credentials'), path).toBeNull();
          expect(response.headers.get('cross-origin-resource-policy'), path).toBe('cross-origin');
        }
      }
    }
    const preflight = await http.request('OPTIONS', '/api/v2/status.json', {
      headers: {
        origin: 'https://dashboard.example.org',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-custom',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,HEAD');
  });

  it('is served from the public cache: the second anonymous read is a hit', async () => {
    await get('/api/v2/incidents.json');
    const hits = api.publicCache.stats().hits;
    const again = await get('/api/v2/incidents.json');
    expect(again.status).toBe(200);
    expect(api.publicCache.stats().hits).toBe(hits + 1);
  });

  it('answers 304 to a matching If-None-Match, and a short public Cache-Control', async () => {
    const first = await get('/api/v2/status.json');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=5, stale-while-revalidate=10');
    const again = await get('/api/v2/status.json', { 'if-none-match': etag as string });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

const rss = new Parser<
  Record<string, unknown>,
  { id?: string; updated?: string; summary?: string; 'content:encoded'?: string }
>({
  customFields: { item: ['id', 'updated', 'summary', 'content:encoded'] },
});
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

describe('history feeds', () => {
  it('serves RSS: one item per event, newest first, guid, RFC 822 pubDate, absolute links', async () => {
    const response = await get('/history.rss');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const feed = await rss.parseString(response.text);
    expect(feed.title).toBe('Status history');
    expect(feed.link).toBe(`${BASE}/history`);
    const guids = feed.items.map((item) => item.guid ?? '');
    expect(ours(guids.map((guid) => guid.replace('urn:uuid:', '')))).toEqual(
      [seeded.active, seeded.upcoming, seeded.inProgress, seeded.resolved, seeded.past].map((event) => event?.id),
    );
    // Newest first: ours (made known today) before the seed's history.
    expect(guids.slice(0, 5).map((guid) => guid.replace('urn:uuid:', ''))).toEqual(
      ours(guids.map((guid) => guid.replace('urn:uuid:', ''))),
    );
    expect(guids.every((guid) => guid.startsWith('urn:uuid:'))).toBe(true);
    expect(feed.items.length).toBeLessThanOrEqual(50);
    const [item] = feed.items;
    expect(item?.title).toBe('API errors');
    expect(item?.link).toBe(`${BASE}/events/${seeded.active?.id}`);
    expect(item?.pubDate).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/,
    );
    // The timeline, newest first, as HTML whose text is escaped.
    const content = item?.['content:encoded'] ?? '';
    expect(item?.content).toBe('Monitoring: Rolled back; watching.');
    expect(content.indexOf('Monitoring')).toBeLessThan(content.indexOf('Identified'));
    expect(content).toContain('A bad deploy &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(content).not.toContain('<script>');
  });

  it('serves Atom with a feed author; an update changes the entry, never its id', async () => {
    const before = await get('/history.atom');
    expect(before.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const raw = xml.parse(before.text).feed;
    expect(raw.author.name).toBe('Status');
    expect(raw.link.map((link: Record<string, string>) => link['@href'])).toEqual(
      expect.arrayContaining([`${BASE}/history`, `${BASE}/history.atom`]),
    );
    const parsed = await rss.parseString(before.text);
    const entry = parsed.items.find((item) => item.id === `urn:uuid:${seeded.active?.id}`);
    expect(entry?.link).toBe(`${BASE}/events/${seeded.active?.id}`);

    await addUpdate(http, admin, seeded.active?.id as string, { status: 'monitoring', message: 'Still watching.' });
    const after = await rss.parseString((await get('/history.atom')).text);
    const changed = after.items.find((item) => item.id === `urn:uuid:${seeded.active?.id}`);
    expect(changed).toBeDefined();
    expect(changed?.content).toContain('Still watching.');
    expect(Date.parse(changed?.updated ?? '')).toBeGreaterThan(Date.parse(entry?.updated ?? ''));
    expect(after.items.map((item) => item.id)).toEqual(parsed.items.map((item) => item.id));
  });

  it("serves one service's feeds, and 404 for an unknown slug", async () => {
    const feed = await rss.parseString((await get(`/services/${slugs.website}/history.rss`)).text);
    expect(feed.items.map((item) => item.guid)).toEqual(
      [seeded.upcoming, seeded.resolved].map((event) => `urn:uuid:${event?.id}`),
    );
    const atom = await get(`/services/${slugs.website}/history.atom`);
    expect(atom.status).toBe(200);
    expect((await rss.parseString(atom.text)).items).toHaveLength(2);
    for (const path of ['/services/no-such-service/history.rss', '/services/no-such-service/history.atom']) {
      const missing = await get(path);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { message: 'service not found' } });
    }
  });
});

/** The VEVENTs of a calendar, parsed by ical.js. */
function vevents(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate?.toJSDate().toISOString(),
      startUtc: event.startDate.zone?.tzid,
      sequence: event.sequence,
      status: component.getFirstPropertyValue('status'),
      url: component.getFirstPropertyValue('url'),
    };
  });
}

describe('maintenance calendar', () => {
  it('is RFC 5545: content type, CRLF, folded lines, one VEVENT per open maintenance and cancellation', async () => {
    const response = await get('/maintenance.ics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(response.text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(response.text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    for (const line of response.text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const events = vevents(response.text);
    expect(events.map((event) => event.uid).sort()).toEqual(
      [seeded.upcoming?.id, seeded.inProgress?.id, seeded.cancelled?.id].sort(),
    );
  });

  it('gives the scheduled window in UTC, the title, description and latest update, the page, and SEQUENCE per reschedule', async () => {
    await addUpdate(http, admin, seeded.upcoming?.id as string, { status: 'scheduled', message: 'Two hours later.' });
    const events = vevents((await get('/maintenance.ics')).text);
    const upcoming = events.find((event) => event.uid === seeded.upcoming?.id);
    const current = (await http.get(`/api/v1/events/${seeded.upcoming?.id}`)).body.data;
    expect(upcoming).toMatchObject({
      summary: 'Website move',
      // iCalendar times have whole seconds.
      start: wholeSeconds(current.scheduled_start_at),
      end: wholeSeconds(current.scheduled_end_at),
      startUtc: 'UTC',
      sequence: 2,
      status: 'CONFIRMED',
      url: `${BASE}/events/${seeded.upcoming?.id}`,
    });
    expect(upcoming?.description).toContain('Moving to new servers');
    expect(upcoming?.description).toMatch(/^Moving to new servers\n\nScheduled \(.+ \(UTC\)\): Two hours later\.$/);
    const inProgress = events.find((event) => event.uid === seeded.inProgress?.id);
    expect(inProgress).toMatchObject({ sequence: 0, status: 'CONFIRMED' });
  });

  it('keeps a cancelled maintenance as STATUS:CANCELLED with a higher SEQUENCE; nothing else sees it', async () => {
    const cancelled = vevents((await get('/maintenance.ics')).text).find((event) => event.uid === seeded.cancelled?.id);
    expect(cancelled).toMatchObject({ summary: 'Database failover drill', status: 'CANCELLED', sequence: 2 });
    expect((await http.get(`/api/v1/events/${seeded.cancelled?.id}`)).status).toBe(404);
    const everything = JSON.stringify([
      (await get('/api/v2/scheduled-maintenances.json')).body,
      (await http.get('/api/v1/events')).body,
      (await get('/history.atom')).text,
    ]);
    expect(everything).not.toContain(seeded.cancelled?.id);
  });

  it("serves one service's calendar, and 404 for an unknown slug", async () => {
    const database = vevents((await get(`/services/${slugs.database}/maintenance.ics`)).text);
    expect(database.map((event) => event.uid)).toEqual([seeded.cancelled?.id]);
    const website = vevents((await get(`/services/${slugs.website}/maintenance.ics`)).text);
    expect(website.map((event) => event.uid)).toEqual([seeded.upcoming?.id]);
    expect((await get('/services/no-such-service/maintenance.ics')).status).toBe(404);
  });
});

describe('status badges', () => {
  it('draws the page badge: label, status in words, colour, <title>, short max-age', async () => {
    const response = await get('/badge.svg');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=60, s-maxage=60');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.text).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(response.text).toContain('<title>Status: major service outage</title>');
    // badge-maker's own red, where its message part is drawn.
    const red = /fill="(#[0-9a-f]{6})"/.exec(
      makeBadge({ label: 'a', message: 'b', color: 'red' }).split('<rect x=')[1] ?? '',
    );
    expect(red?.[1]).toBeDefined();
    expect(response.text).toContain(`fill="${red?.[1]}"`);
  });

  it('takes ?label= and ?style=, and refuses an unknown style', async () => {
    const labelled = await get('/badge.svg?label=our%20status');
    expect(labelled.text).toContain('<title>our status: major service outage</title>');
    const flat = (await get('/badge.svg')).text;
    const square = (await get('/badge.svg?style=flat-square')).text;
    const big = (await get('/badge.svg?style=for-the-badge')).text;
    expect(new Set([flat, square, big]).size).toBe(3);
    expect(big.toLowerCase()).toContain('<title>status: major service outage</title>');
    const refused = await get('/badge.svg?style=plastic');
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'style', message: expect.any(String) }]);
    expect((await get(`/badge.svg?label=${'x'.repeat(101)}`)).status).toBe(400);
  });

  it('draws service and group badges, 404 for unknown slugs', async () => {
    const api = await get(`/services/${slugs.api}/badge.svg`);
    expect(api.text).toContain('<title>API: major outage</title>');
    const notifications = await get(`/services/${slugs.notifications}/badge.svg`);
    expect(notifications.text).toContain('<title>Notifications: under maintenance</title>');
    const group = await get('/groups/customer-facing/badge.svg');
    // The group's badge is the worst of all its services (API is one, listed under Platform elsewhere).
    expect(group.text).toContain('<title>Customer facing: major outage</title>');
    for (const path of ['/services/nope/badge.svg', '/groups/nope/badge.svg', '/services/nope/badge.json']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('answers shields.io endpoint JSON', async () => {
    const page = await get('/badge.json');
    expectDocumented('/badge.json', page.body);
    expect(page.body).toEqual({ schemaVersion: 1, label: 'Status', message: 'major service outage', color: 'red' });
    const service = await get(`/services/${slugs.database}/badge.json?label=db`);
    expectDocumented('/services/{slug}/badge.json', service.body);
    expect(service.body).toEqual({ schemaVersion: 1, label: 'db', message: 'degraded performance', color: 'yellow' });
  });
});

describe('the page for machines after a write', () => {
  it('shows the write on the next read, and "maintenance" when only maintenance is left', async () => {
    await addUpdate(http, admin, seeded.active?.id as string, { status: 'resolved', message: 'All good.' });
    const status = (await get('/api/v2/status.json')).body.status;
    expect(status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    expect((await get('/api/v2/incidents/unresolved.json')).body.incidents).toEqual([]);
    expect((await get('/badge.json')).body).toMatchObject({ message: 'service under maintenance', color: 'blue' });
    const [latest] = (await get('/api/v2/incidents.json')).body.incidents;
    expect(latest).toMatchObject({ id: seeded.active?.id, status: 'resolved' });
    expect(latest.resolved_at).toBe(latest.incident_updates[0].created_at);
    expect(latest.monitoring_at).not.toBeNull();
  });

  it('takes the name and time zone from the page settings', async () => {
    const saved = await http.put('/api/v1/settings/page', {
      token: admin,
      body: { name: 'Acme Cloud', time_zone: 'Europe/Berlin' },
    });
    expect(saved.status, saved.text).toBe(200);
    const { page } = (await get('/api/v2/status.json')).body;
    expect(page).toMatchObject({
      name: 'Acme Cloud',
      time_zone: 'Europe/Berlin',
      updated_at: saved.body.data.updated_at,
    });
    expect((await get('/badge.json')).body.label).toBe('Acme Cloud');
    const feed = await rss.parseString((await get('/history.rss')).text);
    expect(feed.title).toBe('Acme Cloud history');
    expect(feed.items[0]?.['content:encoded']).toContain('(Europe/Berlin)');
    expect((await get('/maintenance.ics')).text).toContain('X-WR-CALNAME:Acme Cloud maintenance');
  });

  it('documents every route in the OpenAPI document, the Statuspage ones tagged statuspage-compat', () => {
    for (const path of Object.keys(document.paths).filter((candidate) => candidate.startsWith('/api/v2/'))) {
      expect(document.paths[path]?.get?.tags).toEqual(['statuspage-compat']);
    }
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v2/summary.json',
        '/api/v2/status.json',
        '/api/v2/components.json',
        '/api/v2/incidents.json',
        '/api/v2/incidents/unresolved.json',
        '/api/v2/scheduled-maintenances.json',
        '/api/v2/scheduled-maintenances/upcoming.json',
        '/api/v2/scheduled-maintenances/active.json',
        '/history.atom',
        '/history.rss',
        '/services/{slug}/history.atom',
        '/services/{slug}/history.rss',
        '/maintenance.ics',
        '/services/{slug}/maintenance.ics',
        '/badge.svg',
        '/services/{slug}/badge.svg',
        '/groups/{slug}/badge.svg',
        '/badge.json',
        '/services/{slug}/badge.json',
      ]),
    );
  });

  it('counts requests in the metrics by route', async () => {
    await get(`/services/${slugs.api}/badge.svg?style=flat-square&v=${unique()}`);
    const text = await (await fetch(api.metricsUrl)).text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/services\/\{slug\}\/badge\.svg",status="200"\} \d+/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v2\/summary\.json",status="200"\} \d+/);
  });
});
