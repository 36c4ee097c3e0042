import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteResolver } from '../src/metrics/metrics';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken, createService } from './support/factories';
import { accepts, externalAddress } from './support/network';

/** The value of one series of a Prometheus text exposition (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('metrics api binding', () => {
  it('listens on loopback only by default (SERVER_METRICS_HOST), even when the api listens everywhere', async () => {
    const open = await startTestApi({ SERVER_HOST: '0.0.0.0' });
    try {
      const port = Number(new URL(open.metricsUrl).port);
      expect(await accepts(externalAddress(), Number(new URL(open.url).port))).toBe(true);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts(externalAddress(), port)).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('listens where SERVER_METRICS_HOST says', async () => {
    const open = await startTestApi({ SERVER_METRICS_HOST: '0.0.0.0' });
    try {
      expect(await accepts(externalAddress(), Number(new URL(open.metricsUrl).port))).toBe(true);
    } finally {
      await open.close();
    }
  });
});

describe('metrics api', () => {
  let api: ApiServer;
  let http: Http;
  let text: string;
  let slug: string;
  beforeAll(async () => {
    // Its own invalidation channel: writes of other files (and runs) on the shared one would empty its cache
    // between the two reads below.
    api = await startTestApi({}, { publicCacheChannel: `metrics-test-${unique('channel')}` });
    http = createHttp(api.url);
    const token = await adminToken(http);
    slug = (await createService(http, token)).slug;
    expect((await http.get(`/api/v1/services/${slug}`)).status).toBe(200);
    // The second anonymous read of the same public URL is answered by the cache.
    expect((await http.get(`/api/v1/services/${slug}`)).status).toBe(200);
    expect((await http.get('/api/v1/services/no-such-service-anywhere')).status).toBe(404);
    expect((await http.get('/no/such/path/123')).status).toBe(404);
    expect((await http.get('/healthz')).status).toBe(200);
    const response = await fetch(api.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    text = await response.text();
  });
  afterAll(() => api.close());

  it('serves /metrics on its own port, not on the public one', async () => {
    expect(new URL(api.metricsUrl).port).not.toBe(new URL(api.url).port);
    expect(new URL(api.metricsUrl).pathname).toBe('/metrics');
    expect((await http.get('/metrics')).status).toBe(404);
  });

  it('counts requests by method, route template and status, never by raw path', () => {
    expect(
      sample(text, 'http_requests_total', { method: 'GET', route: '/api/v1/services/{slug}', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'http_requests_total', { method: 'GET', route: '/api/v1/services/{slug}', status: '404' }),
    ).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/api/v1/services', status: '201' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: 'cache', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
    expect(text).not.toContain(slug);
    expect(text).not.toContain('no-such-service-anywhere');
    expect(text).not.toContain('/no/such/path');
    expect(
      sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/services/{slug}' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}');
  });

  it('exposes outbox, database pool, public cache and process metrics', () => {
    expect(sample(text, 'outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'outbox_oldest_undispatched_age_seconds')).toBeGreaterThanOrEqual(0);
    // The pool as PostgreSQL sees it: DATABASE_POOL_SIZE of the test api, and at least the connection that asked.
    expect(sample(text, 'db_pool_max_connections')).toBe(4);
    const inUse = sample(text, 'db_pool_connections', { state: 'in_use' }) ?? -1;
    const idle = sample(text, 'db_pool_connections', { state: 'idle' }) ?? -1;
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(inUse).toBeGreaterThanOrEqual(0);
    expect(inUse + idle).toBeLessThanOrEqual(4);
    expect(sample(text, 'public_cache_requests_total', { result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'public_cache_requests_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('answers 404 on the metrics port for anything but GET /metrics', async () => {
    expect((await fetch(new URL('/other', api.metricsUrl))).status).toBe(404);
  });
});

describe('metrics route templates', () => {
  const resolve = createRouteResolver({
    restTemplates: ['/api/v1/services/{slug}', '/api/v1/services/search', '/api/v1/events/{id}/updates'],
    procedures: ['services.get', 'services.list'],
    fixed: ['/healthz'],
  });

  it('maps paths to templates, fixed segments first', () => {
    expect(resolve('/api/v1/services/api')).toBe('/api/v1/services/{slug}');
    expect(resolve('/api/v1/services/search')).toBe('/api/v1/services/search');
    expect(resolve('/api/v1/events/42/updates')).toBe('/api/v1/events/{id}/updates');
    expect(resolve('/trpc/services.get,services.list')).toBe('/trpc/services.get,services.list');
    expect(resolve('/trpc/services.nope')).toBe('unmatched');
    expect(resolve('/healthz')).toBe('/healthz');
    expect(resolve('/api/v1/services/a/b')).toBe('unmatched');
  });
});
