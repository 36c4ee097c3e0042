import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createRedisSubscriber } from '@statuspage/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { corsMiddleware, requestIdOf } from '../src/app';
import { loadEnv } from '../src/env';
import { createPublicCache, PUBLIC_CACHE_CONTROL, startPublicCacheBus } from '../src/http/public-cache';
import { createCacheStore } from '../src/http/public-cache/store';
import type { PublicRoute } from '../src/http/public-routes';
import { createLogger } from '../src/logger';
import { type ApiServer, startApiServer } from '../src/server';
import { redisUrl, unique } from './support/api';
import {
  allGroups,
  allServices,
  dataOf,
  getGroup,
  getService,
  type WireGroup,
  type WireService,
} from './support/catalog';
import { createHttp, type Http, type HttpResult } from './support/client';
import { adminToken, createGroup, createService } from './support/factories';
import { openDatabase, type Sql } from './support/identity';

const ALLOWED_ORIGIN = 'https://status.example.test';

/**
 * The real api (PostgreSQL, Redis) on an invalidation channel of this run
 * only, so that writes of the other test files running in parallel do not
 * clear these caches at random.
 */
function startCachedApi(channel: string) {
  const env = loadEnv({
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redisUrl,
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    COOKIE_SECURE: 'false',
    CORS_ALLOWED_ORIGINS: `${ALLOWED_ORIGIN},https://admin.example.test`,
    RATE_LIMIT_AUTH_PER_IP: '100000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
  });
  return startApiServer(env, {
    logger: createLogger({ level: 'silent', format: 'json', name: 'api-test' }),
    rateLimitPrefix: `rl-test-${randomBytes(6).toString('hex')}`,
    publicCacheChannel: channel,
  });
}

/** Response headers that must be equal on a hit and a miss (everything but the date and the request id). */
function comparableHeaders(response: HttpResult) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-request-id') headers[name] = value;
  });
  return headers;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await delay(20);
  }
  return true;
}

describe('public cache', () => {
  let api: ApiServer;
  let other: ApiServer;
  let http: Http;
  let otherHttp: Http;
  let admin: string;
  let sql: Sql;

  beforeAll(async () => {
    const channel = `statuspage:test:${randomBytes(6).toString('hex')}:public-cache`;
    [api, other] = await Promise.all([startCachedApi(channel), startCachedApi(channel)]);
    http = createHttp(api.url);
    otherHttp = createHttp(other.url);
    admin = await adminToken(http);
    sql = openDatabase();
  });
  afterAll(async () => {
    await Promise.all([api?.close(), other?.close()]);
    await sql?.end();
  });

  const stats = () => api.publicCache.stats();
  const setDescriptionBehindTheApi = (id: string, description: string) =>
    sql`update services set description = ${description} where id = ${id}`;

  describe('freshness', () => {
    it('shows a service write in the very next public read', async () => {
      await allServices(http);
      const hitsBefore = stats().hits;
      await allServices(http);
      expect(stats().hits).toBe(hitsBefore + 1);

      const created = await createService(http, admin, { description: 'first' });
      expect((await allServices(http)).map((service) => service.id)).toContain(created.id);
      expect((await getService(http, created.slug)).description).toBe('first');
      expect((await getService(http, created.slug)).description).toBe('first');

      const service = await getService(http, created.slug);
      const patched = await http.patch(`/api/v1/services/${created.slug}`, {
        token: admin,
        body: { name: service.name, slug: service.slug, status: 'major_outage', description: 'second' },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(await getService(http, created.slug)).toMatchObject({ description: 'second', status: 'major_outage' });
      expect((await allServices(http)).find((item) => item.id === created.id)?.description).toBe('second');

      expect((await http.delete(`/api/v1/services/${created.slug}`, { token: admin })).status).toBe(204);
      const visible = dataOf<WireService[]>(await http.get('/api/v1/services'));
      expect(visible.map((item) => item.id)).not.toContain(created.id);
    });

    it('shows a group write in the very next public read', async () => {
      await allGroups(http);
      const service = await createService(http, admin);
      const created = await createGroup(http, admin, { description: 'first' });
      expect((await allGroups(http)).map((group) => group.id)).toContain(created.id);
      expect((await getGroup(http, created.slug)).service_ids).toEqual([]);

      const patched = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: { name: `Renamed ${created.slug}`, slug: created.slug, service_ids: [service.id] },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(await getGroup(http, created.slug)).toMatchObject({
        name: `Renamed ${created.slug}`,
        service_ids: [service.id],
      });
      expect((await getService(http, service.slug)).group_ids).toEqual([created.id]);

      const emptied = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: { name: `Renamed ${created.slug}`, slug: created.slug, service_ids: [] },
      });
      expect(emptied.status, emptied.text).toBe(200);
      expect((await getService(http, service.slug)).group_ids).toEqual([]);
      const archived = await http.delete(`/api/v1/groups/${created.slug}`, { token: admin });
      expect(archived.status, archived.text).toBe(204);
      const visible = dataOf<WireGroup[]>(await http.get('/api/v1/groups'));
      expect(visible.map((group) => group.id)).not.toContain(created.id);
    });

    it('shows an event write in the very next read of the status, its history and the event', async () => {
      const service = await createService(http, admin);
      const eventIds = async (path: string) =>
        dataOf<{ events: { id: string }[] }>(await http.get(path)).events.map((event) => event.id);
      await eventIds('/api/v1/status');
      await eventIds('/api/v1/status/history');

      const created = await http.post('/api/v1/events', {
        token: admin,
        body: {
          title: `Incident ${unique('ev')}`,
          type: 'incident',
          status: 'investigating',
          severity: 'major',
          description: 'Checkout fails',
          affected_services: [{ service_id: service.id, status: 'major_outage' }],
        },
      });
      const event = dataOf<{ id: string }>(created, 201);
      expect(await eventIds('/api/v1/status')).toContain(event.id);
      expect((await getService(http, service.slug)).effective_status).toBe('major_outage');
      const path = `/api/v1/events/${event.id}`;
      expect(dataOf<{ status: string }>(await http.get(path)).status).toBe('investigating');
      const hits = stats().hits;
      expect(dataOf<{ status: string }>(await http.get(path)).status).toBe('investigating');
      expect(stats().hits).toBe(hits + 1);

      const update = await http.post(`${path}/updates`, {
        token: admin,
        body: { status: 'identified', message: 'Found it' },
      });
      expect(update.status, update.text).toBe(201);
      expect(dataOf<{ status: string }>(await http.get(path)).status).toBe('identified');

      const resolved = await http.post(`${path}/updates`, {
        token: admin,
        body: { status: 'resolved', message: 'Fixed' },
      });
      expect(resolved.status, resolved.text).toBe(201);
      expect(await eventIds('/api/v1/status')).not.toContain(event.id);
      expect(await eventIds('/api/v1/status/history')).toContain(event.id);
      expect((await getService(http, service.slug)).effective_status).toBe('operational');
    });

    it('clears the cache of another replica on a write through this one', async () => {
      const created = await createService(http, admin, { description: 'before' });
      // Until the other replica answers from its cache (the creation's own message may still be on its way).
      const cachedThere = await eventually(async () => {
        const hits = other.publicCache.stats().hits;
        expect((await getService(otherHttp, created.slug)).description).toBe('before');
        return other.publicCache.stats().hits > hits;
      });
      expect(cachedThere).toBe(true);
      const clearedBefore = other.publicCache.stats().invalidations;

      const patched = await http.patch(`/api/v1/services/${created.slug}`, {
        token: admin,
        body: { name: `Service ${created.slug}`, slug: created.slug, status: 'operational', description: 'after' },
      });
      expect(patched.status, patched.text).toBe(200);
      // Well within the 30 s entry lifetime: only the Redis message can explain it.
      const seen = await eventually(async () => (await getService(otherHttp, created.slug)).description === 'after');
      expect(seen).toBe(true);
      expect(other.publicCache.stats().invalidations).toBeGreaterThan(clearedBefore);
    });

    it('does not store a read that started before a write and finished after it', async () => {
      const created = await createService(http, admin, { description: 'old' });
      api.publicCache.clear('test: start empty');

      // Hold the services table so that the public read waits inside the database.
      const reserved = await sql.reserve();
      let slowRead: Promise<HttpResult> | undefined;
      try {
        await reserved`begin`;
        await reserved`lock table services in access exclusive mode`;
        await reserved`update services set description = 'new' where id = ${created.id}`;
        const missesBefore = stats().misses;
        slowRead = http.get(`/api/v1/services/${created.slug}`);
        // The miss is counted when the read enters the cache, with the generation it saw.
        expect(await eventually(async () => stats().misses > missesBefore)).toBe(true);

        // A write (a mutation that clears the cache; not on the locked table) while the read is under way.
        const generationBefore = stats().generation;
        const write = await http.post('/api/v1/templates', {
          token: admin,
          body: { slug: unique('meanwhile'), type: 'incident', title_template: 'Meanwhile', body_template: '' },
        });
        expect(write.status, write.text).toBe(201);
        expect(stats().generation).toBeGreaterThan(generationBefore);
      } finally {
        await reserved`commit`;
        reserved.release();
      }
      const storesBefore = stats().stores;
      expect((await slowRead)?.body.data.description).toBe('new');
      expect(stats().stores).toBe(storesBefore);

      // Had the read been stored, this change behind the api's back would not show.
      await setDescriptionBehindTheApi(created.id, 'newer');
      expect((await getService(http, created.slug)).description).toBe('newer');
    });

    it('is not cleared by the anonymous auth operations', async () => {
      const before = stats().invalidations;
      expect((await http.post('/api/v1/auth/logout')).status).toBe(204);
      expect(
        (await http.post('/api/v1/auth/login', { body: { email: 'nobody@example.test', password: 'x' } })).status,
      ).toBe(401);
      expect(stats().invalidations).toBe(before);
    });
  });

  describe('validators', () => {
    it('answers 304 with an empty body and the same ETag to a matching If-None-Match', async () => {
      const created = await createService(http, admin);
      const first = await http.get(`/api/v1/services/${created.slug}`);
      const etag = first.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);

      for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const hitsBefore = stats().hits;
        const response = await http.get(`/api/v1/services/${created.slug}`, {
          headers: { 'if-none-match': condition },
        });
        expect(response.status).toBe(304);
        expect(response.text).toBe('');
        expect(response.headers.get('etag')).toBe(etag);
        expect(response.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
        expect(response.headers.get('content-type')).toBeNull();
        expect(stats().hits).toBe(hitsBefore + 1);
      }
      const stale = await http.get(`/api/v1/services/${created.slug}`, { headers: { 'if-none-match': '"other"' } });
      expect(stale.status).toBe(200);
      expect(stale.body.data.id).toBe(created.id);
    });

    it('answers 304 on a miss too, once the fresh answer is computed', async () => {
      const created = await createService(http, admin);
      const etag = (await http.get(`/api/v1/services/${created.slug}`)).headers.get('etag') ?? '';
      api.publicCache.clear('test: force a miss');
      const missesBefore = stats().misses;
      const response = await http.get(`/api/v1/services/${created.slug}`, { headers: { 'if-none-match': etag } });
      expect(stats().misses).toBe(missesBefore + 1);
      expect(response.status).toBe(304);
      expect(response.text).toBe('');
      expect(response.headers.get('etag')).toBe(etag);
    });

    it('gives a changed resource a new ETag', async () => {
      const created = await createService(http, admin, { description: 'one' });
      const before = await http.get(`/api/v1/services/${created.slug}`);
      const oldTag = before.headers.get('etag') ?? '';
      const patched = await http.patch(`/api/v1/services/${created.slug}`, {
        token: admin,
        body: { name: `Service ${created.slug}`, slug: created.slug, status: 'degraded', description: 'two' },
      });
      expect(patched.status, patched.text).toBe(200);
      const after = await http.get(`/api/v1/services/${created.slug}`, { headers: { 'if-none-match': oldTag } });
      expect(after.status).toBe(200);
      expect(after.body.data.description).toBe('two');
      expect(after.headers.get('etag')).toMatch(/^"[\w-]+"$/);
      expect(after.headers.get('etag')).not.toBe(oldTag);
    });

    it('does not cache error answers', async () => {
      const slug = unique('missing');
      const storesBefore = stats().stores;
      const response = await http.get(`/api/v1/services/${slug}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('etag')).toBeNull();
      expect(response.headers.get('cache-control')).toBeNull();
      expect(stats().stores).toBe(storesBefore);
    });
  });

  describe('headers', () => {
    it('sends the same headers on a hit as on a miss, for each kind of origin', async () => {
      for (const origin of [undefined, ALLOWED_ORIGIN, 'https://evil.example.test']) {
        const headers = origin ? { origin } : undefined;
        api.publicCache.clear('test: force a miss');
        const misses = stats().misses;
        const miss = await http.get('/api/v1/groups', { headers });
        expect(stats().misses).toBe(misses + 1);
        const hits = stats().hits;
        const hit = await http.get('/api/v1/groups', { headers });
        expect(stats().hits).toBe(hits + 1);

        expect(hit.text).toBe(miss.text);
        expect(comparableHeaders(hit)).toEqual(comparableHeaders(miss));
        expect(hit.headers.get('x-content-type-options')).toBe('nosniff');
        expect(hit.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(hit.headers.get('vary')).toBe('Origin');
        expect(hit.headers.get('access-control-allow-origin')).toBe(origin === ALLOWED_ORIGIN ? ALLOWED_ORIGIN : null);
        expect(hit.headers.get('x-request-id')).toMatch(/^[\w.-]+$/);
        expect(hit.headers.get('x-request-id')).not.toBe(miss.headers.get('x-request-id'));
      }
    });

    it('sends the same headers on a cached 304 as on a fresh one', async () => {
      const fresh = await http.get('/api/v1/groups');
      const etag = fresh.headers.get('etag') ?? '';
      api.publicCache.clear('test: force a miss');
      const headers = { 'if-none-match': etag, origin: ALLOWED_ORIGIN };
      const miss = await http.get('/api/v1/groups', { headers });
      const hit = await http.get('/api/v1/groups', { headers });
      expect([miss.status, hit.status]).toEqual([304, 304]);
      expect(comparableHeaders(hit)).toEqual(comparableHeaders(miss));
    });

    it('echoes a well-formed X-Request-Id on a hit and replaces a malformed one', async () => {
      await http.get('/api/v1/groups');
      const echoed = await http.get('/api/v1/groups', { headers: { 'x-request-id': 'trace-123.abc' } });
      expect(echoed.headers.get('x-request-id')).toBe('trace-123.abc');
      const replaced = await http.get('/api/v1/groups', { headers: { 'x-request-id': 'bad id!' } });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('shares one entry between orders of the same query parameters', async () => {
      await http.get('/api/v1/services?include_archived=true&_=1');
      const hits = stats().hits;
      const reordered = await http.get('/api/v1/services?_=1&include_archived=true');
      expect(reordered.status).toBe(200);
      expect(stats().hits).toBe(hits + 1);
    });
  });

  describe('credentials', () => {
    it('neither serves nor stores requests with a bearer token or an access_token cookie', async () => {
      const created = await createService(http, admin, { description: 'cached' });
      const path = `/api/v1/services/${created.slug}`;
      await http.get(path);
      await setDescriptionBehindTheApi(created.id, 'changed behind the api');

      // The anonymous read comes from the cache; credentialed reads do not.
      expect((await http.get(path)).body.data.description).toBe('cached');
      const storesBefore = stats().stores;
      const bearer = await http.get(path, { token: admin });
      expect(bearer.body.data.description).toBe('changed behind the api');
      const cookie = await http.get(path, { cookie: `access_token=${admin}` });
      expect(cookie.body.data.description).toBe('changed behind the api');
      expect(stats().stores).toBe(storesBefore);

      // Nor did they store: after a clear, a credentialed read leaves nothing behind.
      api.publicCache.clear('test: start empty');
      expect((await http.get(path, { token: admin })).status).toBe(200);
      await setDescriptionBehindTheApi(created.id, 'changed again');
      expect((await http.get(path)).body.data.description).toBe('changed again');
      expect(bearer.headers.get('cache-control')).toBeNull();
    });
  });

  describe('credentials that do not authenticate', () => {
    it('serves and stores requests with a garbage bearer token or access_token cookie as anonymous ones', async () => {
      const created = await createService(http, admin, { description: 'cached' });
      const path = `/api/v1/services/${created.slug}`;
      api.publicCache.clear('test: start empty');
      // A garbage token's read fills the cache like an anonymous one.
      const first = await http.get(path, { token: 'garbage-token' });
      expect(first.body.data.description).toBe('cached');
      await setDescriptionBehindTheApi(created.id, 'changed behind the api');
      const before = stats();
      for (const options of [
        { token: 'garbage-token' },
        { token: `${admin}x` },
        { cookie: 'access_token=garbage' },
        { headers: { authorization: 'Basic Zm9vOmJhcg==' } },
        {},
      ]) {
        const response = await http.get(path, options);
        expect(response.body.data.description, JSON.stringify(options)).toBe('cached');
        expect(response.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
      }
      expect(stats().hits).toBe(before.hits + 5);
      expect(stats().unauthenticated).toBe(before.unauthenticated + 4);
      expect(stats().bypasses).toBe(before.bypasses);
      // A valid token still gets its own answer from the database.
      expect((await http.get(path, { token: admin })).body.data.description).toBe('changed behind the api');
    });
  });

  describe('events list', () => {
    it('answers GET /api/v1/events from the cache, per query, until a write', async () => {
      await http.get('/api/v1/events?limit=5');
      const hits = stats().hits;
      const again = await http.get('/api/v1/events?limit=5');
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).toBeTruthy();
      expect(stats().hits).toBe(hits + 1);
    });
  });

  describe('HEAD', () => {
    it('answers HEAD with the headers of GET and no body, on a miss and on a hit', async () => {
      const created = await createService(http, admin);
      const path = `/api/v1/services/${created.slug}`;
      api.publicCache.clear('test: force a miss');
      const miss = await http.request('HEAD', path);
      const hit = await http.request('HEAD', path);
      const get = await http.get(path);
      for (const head of [miss, hit]) {
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
        expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
        expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(get.text)));
        expect(head.headers.get('content-type')).toBe('application/json');
      }
      expect(comparableHeaders(hit)).toEqual(comparableHeaders(miss));
      const notModified = await http.request('HEAD', path, {
        headers: { 'if-none-match': get.headers.get('etag') ?? '' },
      });
      expect(notModified.status).toBe(304);
    });
  });
});

describe('public cache pre-router', () => {
  /** The pre-router in front of a stand-in app whose answers the test releases one by one. */
  async function startWithStubApp(
    respond: (count: number, req: IncomingMessage, res: ServerResponse) => Promise<string>,
    publicRoutes?: PublicRoute[],
  ) {
    const cache = createPublicCache({
      ttlSeconds: 30,
      logger: createLogger({ level: 'silent', format: 'json', name: 'cache-test' }),
      publicRoutes,
    });
    let calls = 0;
    const app: RequestListener = async (req, res) => {
      calls += 1;
      res.setHeader('Content-Type', 'application/json');
      const body = await respond(calls, req, res);
      res.end(body);
    };
    const server: Server = createServer(cache.handler({ app, cors: corsMiddleware([]), requestId: requestIdOf }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      cache,
      http: createHttp(url),
      calls: () => calls,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  function gate() {
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  }

  it('does not store an answer computed across an invalidation', async () => {
    const slow = gate();
    const stub = await startWithStubApp(async (count) => {
      if (count === 1) await slow.opened;
      return JSON.stringify({ data: { version: count } });
    });
    try {
      const first = stub.http.get('/api/v1/services');
      await eventually(async () => stub.calls() === 1);
      stub.cache.invalidate('test: a write');
      slow.open();
      expect((await first).body.data.version).toBe(1);
      expect(stub.cache.stats().stores).toBe(0);
      expect((await stub.http.get('/api/v1/services')).body.data.version).toBe(2);
      expect((await stub.http.get('/api/v1/services')).body.data.version).toBe(2);
      expect(stub.calls()).toBe(2);
    } finally {
      await stub.close();
    }
  });

  it('answers concurrent misses of one key with one call to the app', async () => {
    const slow = gate();
    const stub = await startWithStubApp(async (count) => {
      await slow.opened;
      return JSON.stringify({ data: { version: count } });
    });
    try {
      const reads = Array.from({ length: 5 }, () => stub.http.get('/api/v1/groups'));
      await eventually(async () => stub.calls() === 1);
      await delay(50);
      slow.open();
      const answers = await Promise.all(reads);
      expect(answers.map((answer) => answer.body.data.version)).toEqual([1, 1, 1, 1, 1]);
      expect(stub.calls()).toBe(1);
      expect(stub.cache.stats()).toMatchObject({ misses: 1, coalesced: 4, stores: 1 });
    } finally {
      await stub.close();
    }
  });

  it('stores nothing while paused, but still answers 304', async () => {
    const stub = await startWithStubApp(async () => '{"data":[]}');
    try {
      stub.cache.pause('test');
      const first = await stub.http.get('/api/v1/groups');
      const second = await stub.http.get('/api/v1/groups', {
        headers: { 'if-none-match': first.headers.get('etag') ?? '' },
      });
      expect(second.status).toBe(304);
      expect(stub.calls()).toBe(2);
      stub.cache.resume('test');
      await stub.http.get('/api/v1/groups');
      await stub.http.get('/api/v1/groups');
      expect(stub.calls()).toBe(3);
    } finally {
      await stub.close();
    }
  });

  describe('routes that are not procedures', () => {
    const language = (req: IncomingMessage) =>
      String(req.headers['accept-language'] ?? '').startsWith('ru') ? 'ru' : 'en';
    const pageRoutes: PublicRoute[] = [
      { template: '/pages/{slug}', variant: language, varies: ['accept-language'] },
      { template: '/badges/{slug}.svg', cacheControl: 'public, max-age=60' },
    ];

    it('serves a listed route from the cache, once per variant, with its Vary header', async () => {
      const stub = await startWithStubApp(async (count, req, res) => {
        res.setHeader('Vary', 'Accept-Language');
        return JSON.stringify({ language: language(req), count });
      }, pageRoutes);
      try {
        const english = await stub.http.get('/pages/home', { headers: { 'accept-language': 'en-GB' } });
        const russian = await stub.http.get('/pages/home', { headers: { 'accept-language': 'ru-RU,ru' } });
        const englishAgain = await stub.http.get('/pages/home', { headers: { 'accept-language': 'en-US' } });
        const russianAgain = await stub.http.get('/pages/home', { headers: { 'accept-language': 'ru' } });
        expect([english, russian, englishAgain, russianAgain].map((answer) => answer.body)).toEqual([
          { language: 'en', count: 1 },
          { language: 'ru', count: 2 },
          { language: 'en', count: 1 },
          { language: 'ru', count: 2 },
        ]);
        expect(stub.calls()).toBe(2);
        // The stored Vary, and Origin from the CORS headers computed per request.
        expect(englishAgain.headers.get('vary')?.split(/,\s*/).sort()).toEqual(['Accept-Language', 'Origin']);
        expect(englishAgain.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
        expect(englishAgain.headers.get('etag')).toBe(english.headers.get('etag'));
        expect(englishAgain.headers.get('etag')).not.toBe(russian.headers.get('etag'));
      } finally {
        await stub.close();
      }
    });

    it("uses the route's Cache-Control, and does not store an answer that varies on what the key does not cover", async () => {
      const stub = await startWithStubApp(async (count, _req, res) => {
        if (count > 2) res.setHeader('Vary', 'Accept-Language');
        return JSON.stringify({ count });
      }, pageRoutes);
      try {
        const first = await stub.http.get('/badges/api.svg');
        expect(first.headers.get('cache-control')).toBe('public, max-age=60');
        expect((await stub.http.get('/badges/api.svg')).body).toEqual({ count: 1 });
        expect(stub.calls()).toBe(1);
        await stub.http.get('/badges/web.svg');
        // The third call answers with a Vary the badge route's key does not cover: never stored.
        await stub.http.get('/badges/db.svg');
        await stub.http.get('/badges/db.svg');
        expect(stub.calls()).toBe(4);
      } finally {
        await stub.close();
      }
    });

    it('leaves paths that are not listed to the app', async () => {
      const stub = await startWithStubApp(async (count) => JSON.stringify({ count }), pageRoutes);
      try {
        await stub.http.get('/elsewhere');
        await stub.http.get('/elsewhere');
        await stub.http.get('/pages/a/b');
        await stub.http.get('/pages/a/b');
        expect(stub.calls()).toBe(4);
        expect(stub.cache.stats().stores).toBe(0);
      } finally {
        await stub.close();
      }
    });
  });
});

describe('public cache: what a refill from a read replica must see', () => {
  const position = (text: string) => {
    const [high, low] = text.split('/');
    return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
  };
  const newCache = () =>
    createCacheStore({ ttlSeconds: 30, logger: createLogger({ level: 'silent', format: 'json', name: 'cache-test' }) });

  it('is unknown at start, and after a clear without a position, until a position asked since is settled', () => {
    const cache = newCache();
    const start = cache.requirement();
    expect(start.unknown).toBe(true);
    // A position asked before the clear does not settle it.
    cache.clear('remote: maintenance.start');
    cache.settle(start.epoch, '0/10');
    expect(cache.requirement().unknown).toBe(true);
    cache.settle(cache.requirement().epoch, '0/20');
    expect(cache.requirement()).toMatchObject({ unknown: false, position: position('0/20') });
  });

  it('keeps the highest position of the writes here and elsewhere, and a malformed one counts as none', () => {
    const cache = newCache();
    cache.settle(cache.requirement().epoch, '0/10');
    cache.invalidate('services.create', '1/A');
    cache.clear('remote: services.update', '0/FFFFFFFF');
    expect(cache.requirement()).toMatchObject({ unknown: false, position: position('1/A') });
    cache.clear('remote: garbage', 'not-a-position');
    expect(cache.requirement().unknown).toBe(true);
  });

  it('stays unknown while paused (messages may be lost) and after resuming, until settled again', () => {
    const cache = newCache();
    cache.settle(cache.requirement().epoch, '0/10');
    cache.pause('invalidation channel disconnected');
    cache.settle(cache.requirement().epoch, '0/30');
    expect(cache.requirement().unknown).toBe(true);
    cache.resume('subscribed to the invalidation channel');
    expect(cache.requirement().unknown).toBe(true);
    cache.settle(cache.requirement().epoch, '0/40');
    expect(cache.requirement()).toMatchObject({ unknown: false, position: position('0/40') });
  });
});

describe('public cache bus', () => {
  it('publishes an invalidation that failed while its connection was down once the connection is back', async () => {
    const logger = createLogger({ level: 'silent', format: 'json', name: 'bus-test' });
    const channel = `statuspage:test:${randomBytes(6).toString('hex')}:public-cache`;
    // The api's command connection fails fast: a publish while it reconnects is refused at once.
    const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    publisher.on('error', () => {});
    const other = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const [here, there] = [0, 1].map(() => createPublicCache({ ttlSeconds: 30, logger }));
    if (!here || !there) throw new Error('no caches');
    const buses = await Promise.all(
      [
        { cache: here, publisher },
        { cache: there, publisher: other },
      ].map((side) =>
        startPublicCacheBus({
          ...side,
          connectSubscriber: () => createRedisSubscriber({ kind: 'standalone', url: redisUrl }),
          logger,
          channel,
          readyTimeoutMs: 5000,
        }),
      ),
    );
    try {
      expect(await eventually(async () => publisher.status === 'ready')).toBe(true);
      expect(there.stats().paused).toBe(false);
      const clearedBefore = there.stats().invalidations;
      // Only this publisher's connection is dropped (the subscribers stay subscribed); the write comes meanwhile.
      const id = await publisher.client('ID');
      const down = once(publisher, 'close');
      await other.client('KILL', 'ID', String(id));
      await down;
      here.invalidate('written while the connection was down');
      expect(await eventually(async () => there.stats().invalidations > clearedBefore, 5000)).toBe(true);
      expect(publisher.status).toBe('ready');
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
      publisher.disconnect();
      other.disconnect();
    }
  });
});
